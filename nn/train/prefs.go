package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/tokenizer"
)

// Pair is one preference example as token ids: a prompt and a chosen and a
// rejected response.
type Pair struct {
	Prompt, Chosen, Rejected []int32
	Line                     int // the JSONL line it came from
}

// Preferences are the pairs of a JSONL file.
type Preferences struct {
	Path  string
	Pairs []Pair
}

// PreferenceOptions say how ReadPreferences turns text into token ids.
type PreferenceOptions struct {
	// Tokenizer encodes text fields; nil allows only id fields.
	Tokenizer *tokenizer.Tokenizer
	// Chat renders prompts given as lists of messages; nil makes them an
	// error.
	Chat *jinja.ChatTemplate
	// EOS is appended to text responses (as TRL appends the tokenizer's
	// EOS); -1 for none.
	EOS int
	// MaxLength bounds prompt plus response: the prompt keeps its last
	// tokens (at least half of MaxLength when the responses are long),
	// then the responses are cut. 0 means no limit.
	MaxLength int
}

// ReadPreferences reads preference pairs, one JSON object per line, either
// with text fields "prompt", "chosen" and "rejected" or with id fields
// "prompt_ids", "chosen_ids" and "rejected_ids".
//
// A text prompt is encoded with the tokenizer's special tokens (BOS where
// it adds one) and each response without them, followed by EOS. A prompt
// given as a list of {"role", "content"} messages is rendered with the chat
// template and a generation prompt; responses may then be lists of
// messages too (TRL's conversational format), rendered after the prompt,
// the prompt's rendering cut off. Id fields are used as given.
func ReadPreferences(path string, opts PreferenceOptions) (*Preferences, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	return readPreferences(f, path, opts)
}

type prefLine struct {
	Prompt      json.RawMessage `json:"prompt"`
	Chosen      json.RawMessage `json:"chosen"`
	Rejected    json.RawMessage `json:"rejected"`
	PromptIDs   []int64         `json:"prompt_ids"`
	ChosenIDs   []int64         `json:"chosen_ids"`
	RejectedIDs []int64         `json:"rejected_ids"`
}

func readPreferences(r io.Reader, path string, opts PreferenceOptions) (*Preferences, error) {
	p := &Preferences{Path: path}
	br := bufio.NewReaderSize(r, 1<<20)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			pair, perr := parsePair(line, opts)
			if perr != nil {
				return nil, fmt.Errorf("%w: %s:%d: %v", ErrData, path, n, perr)
			}
			pair.Line = n
			p.Pairs = append(p.Pairs, truncatePair(pair, opts.MaxLength))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("train: read %s: %w", path, err)
		}
	}
	if len(p.Pairs) == 0 {
		return nil, fmt.Errorf("%w: %s holds no preference pairs", ErrData, path)
	}
	return p, nil
}

const pairShape = `expected an object with "prompt", "chosen" and "rejected" (text), or "prompt_ids", "chosen_ids" and "rejected_ids" (token ids)`

func parsePair(line []byte, opts PreferenceOptions) (Pair, error) {
	var l prefLine
	if err := json.Unmarshal(line, &l); err != nil {
		return Pair{}, fmt.Errorf("%s: %v", pairShape, err)
	}
	text := l.Prompt != nil || l.Chosen != nil || l.Rejected != nil
	ids := l.PromptIDs != nil || l.ChosenIDs != nil || l.RejectedIDs != nil
	switch {
	case text && ids:
		return Pair{}, fmt.Errorf("mixes text and id fields; %s", pairShape)
	case ids:
		if l.PromptIDs == nil || l.ChosenIDs == nil || l.RejectedIDs == nil {
			return Pair{}, fmt.Errorf("lacks one of the id fields; %s", pairShape)
		}
		var pair Pair
		var err error
		for _, f := range []struct {
			dst *[]int32
			src []int64
		}{{&pair.Prompt, l.PromptIDs}, {&pair.Chosen, l.ChosenIDs}, {&pair.Rejected, l.RejectedIDs}} {
			if *f.dst, err = toIDs(f.src); err != nil {
				return Pair{}, err
			}
		}
		if len(pair.Chosen) == 0 || len(pair.Rejected) == 0 {
			return Pair{}, fmt.Errorf("an empty response predicts nothing")
		}
		return pair, nil
	case l.Prompt == nil || l.Chosen == nil || l.Rejected == nil:
		return Pair{}, fmt.Errorf("lacks one of the text fields; %s", pairShape)
	case opts.Tokenizer == nil:
		return Pair{}, fmt.Errorf(`has text fields but no tokenizer was given (--tokenizer); give one, or write "prompt_ids", "chosen_ids" and "rejected_ids"`)
	}
	return encodePair(l, opts)
}

func toIDs(src []int64) ([]int32, error) {
	out := make([]int32, len(src))
	for i, id := range src {
		if id < 0 || id > 1<<31-1 {
			return nil, fmt.Errorf("token id %d is not a valid id", id)
		}
		out[i] = int32(id)
	}
	return out, nil
}

// encodePair tokenizes a text pair, plain or conversational.
func encodePair(l prefLine, opts PreferenceOptions) (Pair, error) {
	tok := opts.Tokenizer
	var promptText string
	if err := json.Unmarshal(l.Prompt, &promptText); err == nil {
		var pair Pair
		pair.Prompt = ints32(tok.Encode(promptText, true))
		for _, f := range []struct {
			dst  *[]int32
			raw  json.RawMessage
			name string
		}{{&pair.Chosen, l.Chosen, "chosen"}, {&pair.Rejected, l.Rejected, "rejected"}} {
			var s string
			if err := json.Unmarshal(f.raw, &s); err != nil {
				return Pair{}, fmt.Errorf("%q must be a string when the prompt is one", f.name)
			}
			ids := tok.Encode(s, false)
			if opts.EOS >= 0 {
				ids = append(ids, opts.EOS)
			}
			*f.dst = ints32(ids)
		}
		return pair, nil
	}
	var prompt []jinja.ChatMessage
	if err := json.Unmarshal(l.Prompt, &prompt); err != nil {
		return Pair{}, fmt.Errorf(`"prompt" must be a string or a list of {"role", "content"} messages`)
	}
	if opts.Chat == nil {
		return Pair{}, fmt.Errorf("the prompt is a list of messages but the tokenizer has no chat template")
	}
	head, err := opts.Chat.Render(prompt, true)
	if err != nil {
		return Pair{}, err
	}
	pair := Pair{Prompt: ints32(tok.Encode(head, false))}
	for _, f := range []struct {
		dst  *[]int32
		raw  json.RawMessage
		name string
	}{{&pair.Chosen, l.Chosen, "chosen"}, {&pair.Rejected, l.Rejected, "rejected"}} {
		resp, err := renderResponse(opts.Chat, prompt, head, f.raw, f.name)
		if err != nil {
			return Pair{}, err
		}
		*f.dst = ints32(tok.Encode(resp, false))
	}
	return pair, nil
}

// renderResponse returns a response's text after a chat prompt: the
// string as given (with no template around it), or the rendering of
// prompt+messages with the rendered prompt cut off, as TRL does.
func renderResponse(chat *jinja.ChatTemplate, prompt []jinja.ChatMessage, head string, raw json.RawMessage, name string) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var msgs []jinja.ChatMessage
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return "", fmt.Errorf("%q must be a string or a list of messages", name)
	}
	full, err := chat.Render(append(append([]jinja.ChatMessage(nil), prompt...), msgs...), false)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(full, head)
	if !ok {
		return "", fmt.Errorf("the chat template renders the prompt differently once %q follows it; give %q as a string", name, name)
	}
	return rest, nil
}

func ints32(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// truncatePair fits prompt plus the longer response into max tokens.
func truncatePair(p Pair, max int) Pair {
	if max <= 0 {
		return p
	}
	long := len(p.Chosen)
	if len(p.Rejected) > long {
		long = len(p.Rejected)
	}
	if len(p.Prompt)+long > max {
		keep := max - long
		if keep < max/2 {
			keep = max / 2
		}
		if keep < len(p.Prompt) {
			p.Prompt = p.Prompt[len(p.Prompt)-keep:]
		}
	}
	room := max - len(p.Prompt)
	if len(p.Chosen) > room {
		p.Chosen = p.Chosen[:room]
	}
	if len(p.Rejected) > room {
		p.Rejected = p.Rejected[:room]
	}
	return p
}

// checkVocab names the first id outside [0, vocab).
func (p *Preferences) checkVocab(vocab int) error {
	for _, pair := range p.Pairs {
		for _, s := range [][]int32{pair.Prompt, pair.Chosen, pair.Rejected} {
			for _, id := range s {
				if int(id) >= vocab {
					return fmt.Errorf("%w: %s:%d: token id %d outside the model's vocabulary of %d", ErrData, p.Path, pair.Line, id, vocab)
				}
			}
		}
	}
	return nil
}

// id identifies the pairs by content.
func (p *Preferences) id() string {
	return hashSeqs(3*len(p.Pairs), func(i int) []int32 {
		pair := p.Pairs[i/3]
		return [][]int32{pair.Prompt, pair.Chosen, pair.Rejected}[i%3]
	})
}
