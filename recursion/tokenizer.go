package recursion

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/fmkit/fmkit/tokenizer"
)

// The tokenizer of the recursion tasks is a Hugging Face tokenizer.json
// whose tokens are the words of the language: each constructor, function
// name, keyword, punctuation mark and label digit is one token, with or
// without the space before it ("succ (xI xH) = xO (xO xH)" is succ, " (",
// "xI", " xH", ")", " =", " xO", " (", "xO", " xH", ")", ")"). It is a BPE
// model, the one kind every Hugging Face runtime loads: a Split
// pre-tokenizer cuts the text into such words, and merges, ranked so that
// each word of the language merges into its token, build them from
// characters. Any other printable ASCII text still encodes (into shorter
// pieces, down to characters); characters outside ASCII become <unk>.

// Special tokens of the tokenizer.
const (
	EOSToken = "<|endoftext|>" // id 0; ends a document
	UNKToken = "<unk>"         // id 1
)

// preTokenizerPattern cuts text into words: an optional space and a name,
// a number, an arrow, or one other character; a space not followed by a
// word, and a newline, stand alone.
const preTokenizerPattern = ` ?[A-Za-z_][A-Za-z0-9_']*| ?[0-9]+| ?(?:=>|->|:=)| ?[^A-Za-z0-9_\s]|\s`

// tokenizerWords are the words that get a token of their own, each also
// with a leading space.
func tokenizerWords() []string {
	words := []string{"fun", "match", "with", "end", "f", "=>", "->", ":=", "(", "=", "|", ",", "_", ")", "[", "]", ";",
		// the variables of the built-in definitions, which traces show
		"x", "y", "p", "q", "l", "m", "h", "t", "v", "r"}
	for _, t := range []Type{Positive, Tree, List} {
		words = append(words, constructorsOf(t)...)
	}
	for _, f := range Builtins() {
		words = append(words, f.Name)
	}
	for d := '0'; d <= '9'; d++ {
		words = append(words, string(d))
	}
	return words
}

// TokenizerJSON returns the tokenizer.json of the recursion tasks. It is
// built the same way every time: the same bytes, the same ids.
func TokenizerJSON() []byte {
	vocab, merges := buildVocab()
	str := func(s string) string {
		b := new(bytes.Buffer)
		e := json.NewEncoder(b)
		e.SetEscapeHTML(false)
		e.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	}
	var out strings.Builder
	out.WriteString(`{
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [
    {"id": 0, "content": ` + str(EOSToken) + `, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": ` + str(UNKToken) + `, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Split", "pattern": {"Regex": ` + str(preTokenizerPattern) + `}, "behavior": "Isolated", "invert": false},
  "post_processor": null,
  "decoder": {"type": "Fuse"},
  "model": {
    "type": "BPE",
    "dropout": null,
    "unk_token": ` + str(UNKToken) + `,
    "continuing_subword_prefix": null,
    "end_of_word_suffix": null,
    "fuse_unk": false,
    "byte_fallback": false,
    "ignore_merges": false,
    "vocab": {`)
	for i, tok := range vocab {
		if i > 0 {
			out.WriteString(",")
		}
		out.WriteString("\n      " + str(tok) + ": ")
		out.WriteString(itoa(i))
	}
	out.WriteString("\n    },\n    \"merges\": [")
	for i, m := range merges {
		if i > 0 {
			out.WriteString(",")
		}
		out.WriteString("\n      [" + str(m[0]) + ", " + str(m[1]) + "]")
	}
	out.WriteString("\n    ]\n  }\n}\n")
	return []byte(out.String())
}

// TokenizerConfigJSON returns the tokenizer_config.json that goes beside
// TokenizerJSON: the end-of-text and unknown tokens, no BOS.
func TokenizerConfigJSON() []byte {
	return []byte(`{
  "tokenizer_class": "PreTrainedTokenizerFast",
  "eos_token": "<|endoftext|>",
  "unk_token": "<unk>",
  "bos_token": null,
  "pad_token": null,
  "add_bos_token": false,
  "add_eos_token": false,
  "model_max_length": 2048
}
`)
}

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(buf[n:])
}

// buildVocab returns the tokens in id order and the merges in rank order.
// Each word (with and without a leading space), shortest first, is run
// through the merges so far; while it is not one token, the merge of its
// first two pieces is added. A merge added later ranks after every earlier
// one, so it never changes how an earlier word encodes.
func buildVocab() ([]string, [][2]string) {
	vocab := []string{EOSToken, UNKToken, "\n", " "}
	for c := byte(0x21); c < 0x7f; c++ {
		vocab = append(vocab, string(c))
	}
	have := map[string]bool{}
	for _, v := range vocab {
		have[v] = true
	}
	var targets []string
	for _, w := range tokenizerWords() {
		for _, t := range []string{w, " " + w} {
			if !have[t] && !contains(targets, t) {
				targets = append(targets, t)
			}
		}
	}
	sort.Slice(targets, func(i, j int) bool {
		if len(targets[i]) != len(targets[j]) {
			return len(targets[i]) < len(targets[j])
		}
		return targets[i] < targets[j]
	})
	ranks := map[[2]string]int{}
	var merges [][2]string
	for _, t := range targets {
		for {
			pieces := bpeWord(t, ranks)
			if len(pieces) == 1 {
				break
			}
			m := [2]string{pieces[0], pieces[1]}
			ranks[m] = len(merges)
			merges = append(merges, m)
			if joined := m[0] + m[1]; !have[joined] {
				have[joined] = true
				vocab = append(vocab, joined)
			}
		}
	}
	return vocab, merges
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bpeWord encodes one pre-tokenized word: from its characters, merge the
// adjacent pair of lowest rank (the leftmost if it occurs twice) until no
// pair has a merge.
func bpeWord(w string, ranks map[[2]string]int) []string {
	var pieces []string
	for len(w) > 0 {
		_, n := utf8.DecodeRuneInString(w)
		pieces = append(pieces, w[:n])
		w = w[n:]
	}
	for {
		best, at := -1, -1
		for i := 0; i+1 < len(pieces); i++ {
			if r, ok := ranks[[2]string{pieces[i], pieces[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			return pieces
		}
		pieces = append(pieces[:at], append([]string{pieces[at] + pieces[at+1]}, pieces[at+2:]...)...)
	}
}

// Tokenizer returns the recursion tokenizer, loaded by fmkit's tokenizer
// package from TokenizerJSON.
func Tokenizer() (*tokenizer.Tokenizer, error) {
	return tokenizer.Parse("recursion tokenizer.json", TokenizerJSON())
}
