package tokenizer

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Offset is the byte range [Start, End) of the input that a token covers.
// Special tokens added by the post-processor have Offset{0, 0}. Several
// tokens may share a range when one character is split into several tokens
// (byte-level or byte-fallback pieces of one character each cover it whole).
type Offset struct {
	Start, End int
}

// Tokenizer encodes text into token IDs and decodes IDs back into text. It
// is safe for concurrent use by multiple goroutines.
type Tokenizer struct {
	name       string
	model      *bpe
	added      addedVocab
	normalizer normalizer
	pre        preTokenizer
	post       postProcessor
	dec        decoder
	cfg        Config

	byteLevelPre bool // the pre-tokenizer ends with ByteLevel
	needAlign    bool // a component needs alignments even without offsets

	states sync.Pool // *encodeState
}

// encodeState holds the buffers of one encode call.
type encodeState struct {
	raw    []addedMatch
	norm   []addedMatch
	pieces []normalized
	toks   []modelToken
	split  splitScratch
	bpe    bpeScratch
}

func (t *Tokenizer) state() *encodeState {
	if st, ok := t.states.Get().(*encodeState); ok {
		return st
	}
	return &encodeState{}
}

// Encode returns the token IDs of text. With addSpecial the post-processor
// of tokenizer.json adds its special tokens (for example BOS), as the
// Hugging Face libraries do with add_special_tokens=True. Added tokens in the
// text (such as "<|im_start|>") are recognised either way.
//
// Text should be valid UTF-8; an invalid byte is treated as a character of
// its own that is neither a letter, a number nor a space.
func (t *Tokenizer) Encode(text string, addSpecial bool) []int {
	e := t.encode(text, addSpecial, false)
	return e.ids
}

// EncodeWithOffsets is Encode that also returns, for each token, the byte
// range of text it comes from (see Offset).
func (t *Tokenizer) EncodeWithOffsets(text string, addSpecial bool) ([]int, []Offset) {
	e := t.encode(text, addSpecial, true)
	return e.ids, e.offsets
}

// EncodeBatch encodes every text on a pool of GOMAXPROCS goroutines and
// returns the IDs in input order.
func (t *Tokenizer) EncodeBatch(texts []string, addSpecial bool) [][]int {
	out := make([][]int, len(texts))
	workers := min(runtime.GOMAXPROCS(0), len(texts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(texts) {
					return
				}
				out[i] = t.Encode(texts[i], addSpecial)
			}
		}()
	}
	wg.Wait()
	return out
}

func (t *Tokenizer) encode(text string, addSpecial, withOffsets bool) encoding {
	st := t.state()
	defer t.states.Put(st)
	track := withOffsets || t.needAlign
	e := encoding{text: text}
	e.ids = make([]int, 0, len(text)/3+2)
	if withOffsets {
		e.offsets = make([]Offset, 0, cap(e.ids))
	}
	raw := []byte(text)
	st.raw = t.added.split(st.raw[:0], raw, t.added.raw)
	for _, m := range st.raw {
		if m.token >= 0 {
			e.ids = append(e.ids, t.added.tokens[m.token].ID)
			if withOffsets {
				e.offsets = append(e.offsets, Offset{m.start, m.end})
			}
			continue
		}
		n := normalized{s: raw[m.start:m.end]}
		if track {
			n = newNormalized(text, m.start, m.end, true)
		}
		if t.normalizer != nil {
			n = t.normalizer.normalize(n)
		}
		st.norm = t.added.split(st.norm[:0], n.s, t.added.normalized)
		for _, m2 := range st.norm {
			if m2.token >= 0 {
				e.ids = append(e.ids, t.added.tokens[m2.token].ID)
				if withOffsets {
					o := n.offsets(m2.start, m2.end)
					e.offsets = append(e.offsets, Offset{int(o.start), int(o.end)})
				}
				continue
			}
			t.encodeText(st, &e, n.slice(m2.start, m2.end), withOffsets)
		}
	}
	if t.post != nil {
		t.post.process(t, &e, addSpecial)
	}
	return e
}

// encodeText pre-tokenizes and encodes text that holds no added token.
func (t *Tokenizer) encodeText(st *encodeState, e *encoding, n normalized, withOffsets bool) {
	st.pieces = st.pieces[:0]
	if t.pre != nil {
		st.pieces = t.pre.split(st.pieces, n, &st.split)
	} else if len(n.s) > 0 {
		st.pieces = append(st.pieces, n)
	}
	for _, p := range st.pieces {
		st.toks, _ = t.model.tokenize(st.toks[:0], p.s, &st.bpe)
		for _, tok := range st.toks {
			e.ids = append(e.ids, int(tok.id))
			if withOffsets {
				e.offsets = append(e.offsets, t.tokenOffset(p, int(tok.start), int(tok.end)))
			}
		}
	}
}

// tokenOffset maps a token's byte range in piece p to the original input.
// With a byte-level model every byte of a character stands for the whole
// character, as the reference's alignments make it.
func (t *Tokenizer) tokenOffset(p normalized, a, b int) Offset {
	if !t.byteLevelPre {
		o := p.offsets(a, b)
		return Offset{int(o.start), int(o.end)}
	}
	cs, ce := charBounds(p.s, a)
	start := p.align[ce-1]
	if a == cs {
		start = p.align[cs]
	}
	cs, ce = charBounds(p.s, b-1)
	end := p.align[ce-1]
	if b-1 == cs {
		end = p.align[cs]
	}
	return Offset{int(start.start), int(end.end)}
}

// Decode returns the text of ids. With skipSpecial, special added tokens
// (BOS, EOS, chat markers) are left out. IDs that are not in the vocabulary
// are skipped, as in the Hugging Face libraries; DecodeStrict reports them.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	tokens := make([]string, 0, len(ids))
	for _, id := range ids {
		tok, ok := t.IDToToken(id)
		if !ok || (skipSpecial && t.added.special[tok]) {
			continue
		}
		tokens = append(tokens, tok)
	}
	if t.dec == nil {
		return joinSpace(tokens)
	}
	out := t.dec.decodeChain(tokens)
	if len(out) == 1 {
		return out[0]
	}
	var n int
	for _, s := range out {
		n += len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range out {
		b = append(b, s...)
	}
	return string(b)
}

// DecodeStrict is Decode that fails on an ID outside the vocabulary.
func (t *Tokenizer) DecodeStrict(ids []int, skipSpecial bool) (string, error) {
	for i, id := range ids {
		if _, ok := t.IDToToken(id); !ok {
			return "", fmt.Errorf("tokenizer: decode: id %d at position %d is not in the vocabulary of %d tokens", id, i, t.VocabSize())
		}
	}
	return t.Decode(ids, skipSpecial), nil
}

func joinSpace(tokens []string) string {
	n := 0
	for _, s := range tokens {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range tokens {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(b)
}

// TokenToID returns the ID of a token string (added tokens first, then the
// model's vocabulary).
func (t *Tokenizer) TokenToID(token string) (int, bool) {
	if id, ok := t.added.byContent[token]; ok {
		return id, true
	}
	if id, ok := t.model.vocab[token]; ok {
		return int(id), true
	}
	return 0, false
}

// IDToToken returns the string of a token ID, as it is written in the
// vocabulary (for byte-level models, in GPT-2's byte alphabet: "Ġthe").
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if i, ok := t.added.byID[id]; ok {
		return t.added.tokens[i].Content, true
	}
	return t.model.idToToken(id)
}

// VocabSize returns the number of token IDs: one more than the highest ID of
// the model's vocabulary and the added tokens.
func (t *Tokenizer) VocabSize() int {
	n := len(t.model.vocabR)
	for id := range t.added.byID {
		n = max(n, id+1)
	}
	return n
}

// MaxTokenBytes returns the length in bytes of the longest token string of
// the vocabulary and the added tokens. A token's string is at least as long
// as the input it covers (a byte-level or Metaspace symbol takes one to
// three bytes for one input byte), so a text of more than n·MaxTokenBytes
// bytes encodes to more than n tokens, unless the normalizer deletes
// characters (StripAccents, Replace with ""). Servers use it to reject
// prompts that cannot fit a context before tokenizing them.
func (t *Tokenizer) MaxTokenBytes() int {
	longest := 0
	for id := range t.VocabSize() {
		if s, ok := t.IDToToken(id); ok {
			longest = max(longest, len(s))
		}
	}
	return longest
}

// AddedTokens returns the added tokens with the IDs they were given.
func (t *Tokenizer) AddedTokens() []AddedToken {
	return append([]AddedToken(nil), t.added.tokens...)
}

// IsSpecial reports whether id is a special added token (one that Decode
// with skipSpecial leaves out).
func (t *Tokenizer) IsSpecial(id int) bool {
	i, ok := t.added.byID[id]
	return ok && t.added.tokens[i].Special
}

// Config returns what tokenizer_config.json says about the tokenizer.
func (t *Tokenizer) Config() Config { return t.cfg }

// ChatTemplate returns the chat template, or "" without one.
func (t *Tokenizer) ChatTemplate() string { return t.cfg.ChatTemplate }

// ModelMaxLength returns model_max_length, or 0 when not given.
func (t *Tokenizer) ModelMaxLength() int { return t.cfg.ModelMaxLength }

// AddBOS and AddEOS report the config's add_bos_token and add_eos_token.
func (t *Tokenizer) AddBOS() bool { return t.cfg.AddBOS }

// AddEOS reports the config's add_eos_token.
func (t *Tokenizer) AddEOS() bool { return t.cfg.AddEOS }

func (t *Tokenizer) specialID(tok string) (int, bool) {
	if tok == "" {
		return 0, false
	}
	return t.TokenToID(tok)
}

// BOS returns the ID of the beginning-of-sequence token, if there is one.
func (t *Tokenizer) BOS() (int, bool) { return t.specialID(t.cfg.BOSToken) }

// EOS returns the ID of the end-of-sequence token, if there is one.
func (t *Tokenizer) EOS() (int, bool) { return t.specialID(t.cfg.EOSToken) }

// PAD returns the ID of the padding token, if there is one.
func (t *Tokenizer) PAD() (int, bool) { return t.specialID(t.cfg.PADToken) }

// UNK returns the ID of the unknown token, if there is one.
func (t *Tokenizer) UNK() (int, bool) { return t.specialID(t.cfg.UNKToken) }
