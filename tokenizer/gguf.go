package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fmkit/fmkit/gguf"
)

// ErrNoVocabulary is returned by FromGGUF for a file without a vocabulary
// (tokenizer.ggml.model "no_vocab", or none at all).
var ErrNoVocabulary = errors.New("tokenizer: the GGUF file has no vocabulary")

// GGUF token types (llama.cpp's llama_token_type).
const (
	ggufNormal      = 1
	ggufUnknown     = 2
	ggufControl     = 3
	ggufUserDefined = 4
	ggufUnused      = 5
	ggufByte        = 6
)

// llama3Split is the pre-tokenizer regex of Llama 3's tokenizer (llama.cpp's
// "llama-bpe").
const llama3Split = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// FromGGUF builds the tokenizer a GGUF file's metadata describes, as the
// tokenizer.json Hugging Face's converters would write for it, so that it
// gives llama.cpp's token ids:
//
//   - tokenizer.ggml.model "gpt2": byte-level BPE with the file's merges,
//     pre-tokenized as tokenizer.ggml.pre names ("gpt-2" or "default":
//     GPT-2's regex; "llama-bpe": Llama 3's);
//   - "llama": SentencePiece BPE with byte fallback; llama.cpp merges the
//     adjacent pair whose merged token has the highest score, which is BPE
//     with merges ranked by that score.
//
// Control and user-defined tokens become special and added tokens; BOS is
// added as tokenizer.ggml.add_bos_token says (by default for "llama").
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	v, _ := f.Get("tokenizer.ggml.model")
	kind, _ := v.Str()
	if kind == "" || kind == "no_vocab" || kind == "none" {
		return nil, ErrNoVocabulary
	}
	tv, _ := f.Get("tokenizer.ggml.tokens")
	tokens, ok := tv.Strings()
	if !ok || len(tokens) == 0 {
		return nil, fmt.Errorf("tokenizer: GGUF tokenizer.ggml.tokens is %s; expected an array of strings", tv.Type)
	}
	types := make([]int64, len(tokens))
	if t, ok := f.Get("tokenizer.ggml.token_type"); ok {
		ts, ok := t.Ints()
		if !ok || len(ts) != len(tokens) {
			return nil, fmt.Errorf("tokenizer: GGUF tokenizer.ggml.token_type has %d integers for %d tokens", len(ts), len(tokens))
		}
		types = ts
	} else {
		for i := range types {
			types[i] = ggufNormal
		}
	}
	var doc map[string]any
	var err error
	switch kind {
	case "gpt2":
		doc, err = ggufBPE(f, tokens, types)
	case "llama":
		doc, err = ggufSentencePiece(f, tokens, types)
	default:
		return nil, fmt.Errorf("tokenizer: GGUF tokenizer model %q; supported: gpt2 (byte-level BPE), llama (SentencePiece BPE)", kind)
	}
	if err != nil {
		return nil, err
	}
	var added []map[string]any
	for id, typ := range types {
		if typ == ggufControl || typ == ggufUserDefined {
			added = append(added, map[string]any{"id": id, "content": tokens[id], "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": typ == ggufControl})
		}
	}
	doc["version"] = "1.0"
	doc["added_tokens"] = added
	addBOS := kind == "llama"
	if b, ok := f.Get("tokenizer.ggml.add_bos_token"); ok {
		addBOS, _ = b.Bool()
	}
	if bos, ok := ggufTokenID(f, "tokenizer.ggml.bos_token_id", len(tokens)); ok && addBOS {
		doc["post_processor"] = map[string]any{
			"type":           "TemplateProcessing",
			"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": tokens[bos], "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
			"pair":           []any{map[string]any{"SpecialToken": map[string]any{"id": tokens[bos], "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
			"special_tokens": map[string]any{tokens[bos]: map[string]any{"id": tokens[bos], "ids": []int{bos}, "tokens": []string{tokens[bos]}}},
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: GGUF vocabulary: %v", err)
	}
	name := "GGUF metadata"
	if f.Path() != "" {
		name = f.Path()
	}
	return Parse(name, data)
}

func ggufTokenID(f *gguf.File, key string, n int) (int, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	id, ok := v.Int()
	return int(id), ok && id >= 0 && int(id) < n
}

func vocabMap(tokens []string) map[string]int {
	vocab := make(map[string]int, len(tokens))
	for id, t := range tokens {
		if _, dup := vocab[t]; !dup {
			vocab[t] = id
		}
	}
	return vocab
}

// ggufBPE is llama.cpp's "gpt2" tokenizer as a byte-level BPE
// tokenizer.json.
func ggufBPE(f *gguf.File, tokens []string, types []int64) (map[string]any, error) {
	mv, _ := f.Get("tokenizer.ggml.merges")
	merges, ok := mv.Strings()
	if !ok {
		return nil, fmt.Errorf("tokenizer: GGUF byte-level BPE has no tokenizer.ggml.merges strings")
	}
	pv, _ := f.Get("tokenizer.ggml.pre")
	pre, _ := pv.Str()
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
	var preTok any
	switch pre {
	case "", "default", "gpt-2":
		preTok = byteLevel
	case "llama-bpe", "llama3":
		preTok = map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": llama3Split}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}}
	default:
		return nil, fmt.Errorf("tokenizer: GGUF pre-tokenizer %q; supported: gpt-2, default, llama-bpe", pre)
	}
	return map[string]any{
		"normalizer":    nil,
		"pre_tokenizer": preTok,
		"decoder":       map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil, "end_of_word_suffix": nil,
			"fuse_unk": false, "byte_fallback": false, "ignore_merges": pre == "llama-bpe" || pre == "llama3", "vocab": vocabMap(tokens), "merges": merges},
	}, nil
}

// ggufSentencePiece is llama.cpp's "llama" (SentencePiece) tokenizer as the
// tokenizer.json Hugging Face's LlamaConverter writes: BPE with byte
// fallback over text with "▁" for spaces and prepended, merges ranked by
// the score of the token they make.
func ggufSentencePiece(f *gguf.File, tokens []string, types []int64) (map[string]any, error) {
	sv, ok := f.Get("tokenizer.ggml.scores")
	scores, isFloats := sv.Floats()
	if !ok || !isFloats || len(scores) != len(tokens) {
		return nil, fmt.Errorf("tokenizer: GGUF SentencePiece vocabulary needs tokenizer.ggml.scores, one float per token")
	}
	vocab := vocabMap(tokens)
	type merge struct {
		left, right string
		score       float32
		id          int
	}
	var merges []merge
	for id, tok := range tokens {
		if types[id] != ggufNormal {
			continue
		}
		for i := range tok {
			if i == 0 {
				continue
			}
			l, r := tok[:i], tok[i:]
			li, lok := vocab[l]
			ri, rok := vocab[r]
			if lok && rok && types[li] == ggufNormal && types[ri] == ggufNormal {
				merges = append(merges, merge{l, r, scores[id], id})
			}
		}
	}
	// Higher scores merge first; the order within one score follows the
	// token ids and then the left piece's, as Hugging Face's extractor.
	slices.SortStableFunc(merges, func(a, b merge) int {
		switch {
		case a.score != b.score:
			if a.score > b.score {
				return -1
			}
			return 1
		case a.id != b.id:
			return a.id - b.id
		}
		return vocab[a.left] - vocab[b.left]
	})
	pairs := make([][2]string, len(merges))
	for i, m := range merges {
		pairs[i] = [2]string{m.left, m.right}
	}
	var unk any
	for id, typ := range types {
		if typ == ggufUnknown {
			unk = tokens[id]
			break
		}
	}
	prefix := true
	if v, ok := f.Get("tokenizer.ggml.add_space_prefix"); ok {
		prefix, _ = v.Bool()
	}
	var norms []any
	if prefix {
		norms = append(norms, map[string]any{"type": "Prepend", "prepend": "▁"})
	}
	norms = append(norms, map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"})
	decoders := []any{
		map[string]any{"type": "Replace", "pattern": map[string]any{"String": "▁"}, "content": " "},
		map[string]any{"type": "ByteFallback"},
		map[string]any{"type": "Fuse"},
	}
	if prefix {
		decoders = append(decoders, map[string]any{"type": "Strip", "content": " ", "start": 1, "stop": 0})
	}
	return map[string]any{
		"normalizer":    map[string]any{"type": "Sequence", "normalizers": norms},
		"pre_tokenizer": nil,
		"decoder":       map[string]any{"type": "Sequence", "decoders": decoders},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": unk, "continuing_subword_prefix": nil, "end_of_word_suffix": nil,
			"fuse_unk": true, "byte_fallback": true, "vocab": vocab, "merges": pairs},
	}, nil
}

// GGUFMetadata converts a tokenizer.json to GGUF tokenizer metadata for a
// model of vocab tokens (ids past the tokenizer's are padding tokens,
// marked unused), the inverse of FromGGUF:
//
//   - byte-level BPE becomes llama.cpp's "gpt2" tokenizer (pre-tokenizer
//     "gpt-2", or "llama-bpe" for Llama 3's split regex);
//   - BPE with byte fallback over "▁"-joined text (Llama 2's) becomes
//     "llama", each token scored by minus the rank of the first merge that
//     makes it, so that llama.cpp's highest-score-first merging follows
//     the merge ranks.
//
// bos and eos are written when they are ids of the vocabulary (pass -1
// for none). Other tokenizer types are an error naming them.
func GGUFMetadata(data []byte, vocab, bos, eos int) ([]gguf.KV, error) {
	var tj struct {
		Model struct {
			Type         string            `json:"type"`
			Vocab        map[string]int    `json:"vocab"`
			Merges       []json.RawMessage `json:"merges"`
			ByteFallback bool              `json:"byte_fallback"`
			Unk          *string           `json:"unk_token"`
		} `json:"model"`
		Normalizer   json.RawMessage `json:"normalizer"`
		PreTokenizer json.RawMessage `json:"pre_tokenizer"`
		Added        []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
			Special bool   `json:"special"`
		} `json:"added_tokens"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("tokenizer: tokenizer.json: %v", err)
	}
	byteLevel := strings.Contains(string(tj.PreTokenizer), `"ByteLevel"`)
	sentencePiece := tj.Model.ByteFallback && strings.Contains(string(tj.Normalizer), "▁") && string(tj.PreTokenizer) == "null"
	if tj.Model.Type != "BPE" || !byteLevel && !sentencePiece {
		return nil, fmt.Errorf("tokenizer: %s model with pre-tokenizer %s: GGUF export supports byte-level BPE and SentencePiece BPE", tj.Model.Type, shorten(tj.PreTokenizer))
	}
	tokens := make([]string, vocab)
	types := make([]int32, vocab)
	for tok, id := range tj.Model.Vocab {
		if id < 0 || id >= vocab {
			return nil, fmt.Errorf("tokenizer: token %q has id %d, past the model's vocabulary of %d", tok, id, vocab)
		}
		tokens[id], types[id] = tok, ggufNormal
	}
	for _, a := range tj.Added {
		if a.ID < 0 || a.ID >= vocab {
			return nil, fmt.Errorf("tokenizer: added token %q has id %d, past the model's vocabulary of %d", a.Content, a.ID, vocab)
		}
		tokens[a.ID], types[a.ID] = a.Content, ggufUserDefined
		if a.Special {
			types[a.ID] = ggufControl
		}
	}
	for id := range tokens {
		if types[id] == 0 {
			tokens[id], types[id] = fmt.Sprintf("[PAD%d]", id), ggufUnused
		}
	}
	merges := make([]string, 0, len(tj.Model.Merges))
	for _, raw := range tj.Model.Merges {
		var s string
		var pair []string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			merges = append(merges, s)
		case json.Unmarshal(raw, &pair) == nil && len(pair) == 2:
			merges = append(merges, pair[0]+" "+pair[1])
		default:
			return nil, fmt.Errorf("tokenizer: merge %s is neither \"a b\" nor [a, b]", shorten(raw))
		}
	}
	typeValues := make([]int32, len(types))
	copy(typeValues, types)
	var kv []gguf.KV
	if byteLevel {
		pre := "gpt-2"
		if strings.Contains(string(tj.PreTokenizer), `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+`) {
			pre = "llama-bpe"
		}
		kv = []gguf.KV{
			{Key: "tokenizer.ggml.model", Value: gguf.StringValue("gpt2")},
			{Key: "tokenizer.ggml.pre", Value: gguf.StringValue(pre)},
			{Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue(tokens)},
			{Key: "tokenizer.ggml.token_type", Value: gguf.Int32sValue(typeValues)},
			{Key: "tokenizer.ggml.merges", Value: gguf.StringsValue(merges)},
			{Key: "tokenizer.ggml.add_bos_token", Value: gguf.BoolValue(false)},
		}
	} else {
		scores := make([]float32, vocab)
		ranked := make([]bool, vocab)
		for rank, m := range merges {
			l, r, _ := strings.Cut(m, " ")
			if id, ok := tj.Model.Vocab[l+r]; ok && !ranked[id] {
				scores[id], ranked[id] = -float32(rank), true
			}
		}
		for id, tok := range tokens {
			switch {
			case tj.Model.Unk != nil && tok == *tj.Model.Unk:
				typeValues[id] = ggufUnknown
			case types[id] == ggufNormal && len(tok) == 6 && strings.HasPrefix(tok, "<0x") && strings.HasSuffix(tok, ">"):
				typeValues[id] = ggufByte
			}
			if !ranked[id] {
				scores[id] = -float32(len(merges)) // single characters: never made by a merge
			}
		}
		kv = []gguf.KV{
			{Key: "tokenizer.ggml.model", Value: gguf.StringValue("llama")},
			{Key: "tokenizer.ggml.tokens", Value: gguf.StringsValue(tokens)},
			{Key: "tokenizer.ggml.scores", Value: gguf.Float32sValue(scores)},
			{Key: "tokenizer.ggml.token_type", Value: gguf.Int32sValue(typeValues)},
		}
	}
	if bos >= 0 && bos < vocab {
		kv = append(kv, gguf.KV{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Uint32Value(uint32(bos))})
	}
	if eos >= 0 && eos < vocab {
		kv = append(kv, gguf.KV{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Uint32Value(uint32(eos))})
	}
	return kv, nil
}

func shorten(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
