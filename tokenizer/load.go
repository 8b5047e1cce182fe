package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"unicode/utf8"
)

type modelJSON struct {
	Type                    string   `json:"type"`
	UnkToken                *string  `json:"unk_token"`
	ContinuingSubwordPrefix *string  `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string  `json:"end_of_word_suffix"`
	FuseUnk                 bool     `json:"fuse_unk"`
	ByteFallback            bool     `json:"byte_fallback"`
	IgnoreMerges            bool     `json:"ignore_merges"`
	Dropout                 *float64 `json:"dropout"`
}

// componentJSON has the fields of every normalizer, pre-tokenizer,
// post-processor and decoder that fmkit supports; Type says which.
type componentJSON struct {
	Type string `json:"type"`

	Normalizers   []json.RawMessage `json:"normalizers"`
	PreTokenizers []json.RawMessage `json:"pretokenizers"`
	Processors    []json.RawMessage `json:"processors"`
	Decoders      []json.RawMessage `json:"decoders"`

	Pattern          *patternJSON    `json:"pattern"`
	Content          json.RawMessage `json:"content"`
	Prepend          string          `json:"prepend"`
	Behavior         string          `json:"behavior"`
	Invert           bool            `json:"invert"`
	AddPrefixSpace   *bool           `json:"add_prefix_space"`
	TrimOffsets      *bool           `json:"trim_offsets"`
	UseRegex         *bool           `json:"use_regex"`
	Replacement      string          `json:"replacement"`
	PrependScheme    string          `json:"prepend_scheme"`
	Split            *bool           `json:"split"`
	IndividualDigits bool            `json:"individual_digits"`
	StripLeft        bool            `json:"strip_left"`
	StripRight       bool            `json:"strip_right"`
	Start            int             `json:"start"`
	Stop             int             `json:"stop"`
	Delimiter        string          `json:"delimiter"`
	Suffix           string          `json:"suffix"`
	Charsmap         *string         `json:"precompiled_charsmap"`

	Single        []map[string]templatePieceJSON `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int `json:"ids"`
	} `json:"special_tokens"`
	Sep []json.RawMessage `json:"sep"`
	Cls []json.RawMessage `json:"cls"`
}

type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type templatePieceJSON struct {
	ID string `json:"id"`
}

// componentError is the error for a component that fmkit does not support.
func componentError(file, kind, typ string) error {
	return fmt.Errorf("tokenizer: %s: unsupported %s type %q", file, kind, typ)
}

// Load reads a Hugging Face tokenizer. path is a tokenizer.json file or a
// model directory that contains one; tokenizer_config.json beside it, when
// present, supplies the special tokens, add_bos_token/add_eos_token, the chat
// template and model_max_length.
func Load(path string) (*Tokenizer, error) {
	file := path
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	} else if st.IsDir() {
		file = filepath.Join(path, "tokenizer.json")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var cfgData []byte
	cfgFile := filepath.Join(filepath.Dir(file), "tokenizer_config.json")
	if b, err := os.ReadFile(cfgFile); err == nil {
		cfgData = b
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	if cfgData != nil {
		if err := t.cfg.parse(cfgData); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", cfgFile, err)
		}
	}
	t.cfg.fillDefaults(t)
	return t, nil
}

// Parse builds a tokenizer from the contents of a tokenizer.json; name is
// used in error messages. No tokenizer_config.json is read.
func Parse(name string, data []byte) (*Tokenizer, error) {
	t, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	t.cfg.fillDefaults(t)
	return t, nil
}

func parse(file string, data []byte) (*Tokenizer, error) {
	t := &Tokenizer{name: file}
	// The model is read in place (it is most of the file); every other
	// top-level value is kept raw for encoding/json.
	top := make(map[string][]byte)
	r := &jsonReader{b: data}
	sawModel := false
	var modelErr error // loadModel's errors name the package and file already
	err := r.object(func(key string) error {
		if key == "model" {
			sawModel = true
			modelErr = t.loadModel(file, r)
			return modelErr
		}
		v, err := r.skip()
		top[key] = v
		return err
	})
	if err == nil && r.peek() != 0 {
		err = r.errorf("data after the top-level object")
	}
	if err != nil {
		if err == modelErr {
			return nil, err
		}
		return nil, fmt.Errorf("tokenizer: %s: %w", file, err)
	}
	if !sawModel {
		return nil, fmt.Errorf("tokenizer: %s: no model", file)
	}
	if t.normalizer, err = t.parseNormalizer(file, top["normalizer"]); err != nil {
		return nil, err
	}
	if t.pre, err = t.parsePreTokenizer(file, top["pre_tokenizer"]); err != nil {
		return nil, err
	}
	if err := t.checkByteLevel(file, t.pre, true); err != nil {
		return nil, err
	}
	if t.byteLevelPre {
		t.model.setByteLevel()
	}
	var added []AddedToken
	if !isNull(top["added_tokens"]) {
		if err := json.Unmarshal(top["added_tokens"], &added); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: added_tokens: %w", file, err)
		}
	}
	t.addTokens(added)
	if t.post, err = t.parsePostProcessor(file, top["post_processor"]); err != nil {
		return nil, err
	}
	if t.dec, err = t.parseDecoder(file, top["decoder"]); err != nil {
		return nil, err
	}
	t.model.cache = newWordCache(1 << 16)
	return t, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func (t *Tokenizer) loadModel(file string, r *jsonReader) error {
	if r.peek() == 'n' {
		return fmt.Errorf("tokenizer: %s: no model", file)
	}
	fields := make(map[string][]byte)
	var vocab map[string]int32
	var merges [][3]int32
	var mergesRaw []byte
	var prefix *string
	typ := ""
	err := r.object(func(key string) error {
		switch key {
		case "vocab":
			if typ != "" && typ != "BPE" {
				break // reported as an unsupported model below
			}
			var err error
			vocab, err = readVocab(r)
			if err != nil {
				return fmt.Errorf("model.vocab: %w", err)
			}
			return nil
		case "merges":
			if vocab == nil || prefix == nil {
				// needs the vocab and the prefix first: read it later
				var err error
				mergesRaw, err = r.skip()
				return err
			}
			var err error
			merges, err = readMergesParallel(r, vocab, *prefix)
			if err != nil {
				return fmt.Errorf("model.merges: %w", err)
			}
			return nil
		}
		v, err := r.skip()
		fields[key] = v
		if key == "type" {
			json.Unmarshal(v, &typ)
		}
		if key == "continuing_subword_prefix" {
			var p *string
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("model.continuing_subword_prefix: %w", err)
			}
			if p == nil {
				p = new(string)
			}
			prefix = p
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("tokenizer: %s: %w", file, err)
	}
	// the small fields go through encoding/json, vocab and merges do not
	small := []byte{'{'}
	for k, v := range fields {
		if k == "vocab" || k == "merges" {
			continue
		}
		if len(small) > 1 {
			small = append(small, ',')
		}
		small = strconv.AppendQuote(small, k)
		small = append(append(small, ':'), v...)
	}
	small = append(small, '}')
	var m modelJSON
	if err := json.Unmarshal(small, &m); err != nil {
		return fmt.Errorf("tokenizer: %s: model: %w", file, err)
	}
	if m.Type == "" && (merges != nil || mergesRaw != nil) {
		m.Type = "BPE"
	}
	if m.Type != "BPE" {
		return componentError(file, "model", m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return fmt.Errorf("tokenizer: %s: BPE dropout %g is not supported (encoding would be random)", file, *m.Dropout)
	}
	if vocab == nil {
		return fmt.Errorf("tokenizer: %s: model has no vocab", file)
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if mergesRaw != nil {
		merges, err = readMerges(&jsonReader{b: mergesRaw}, vocab, deref(m.ContinuingSubwordPrefix))
		if err != nil {
			return fmt.Errorf("tokenizer: %s: model.merges: %w", file, err)
		}
	}
	b, err := newBPE(vocab, merges, deref(m.UnkToken), m.UnkToken != nil, deref(m.ContinuingSubwordPrefix), deref(m.EndOfWordSuffix))
	if err != nil {
		return fmt.Errorf("tokenizer: %s: model: %w", file, err)
	}
	b.fuseUnk, b.byteFallback, b.ignoreMerges = m.FuseUnk, m.ByteFallback, m.IgnoreMerges
	t.model = b
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func (t *Tokenizer) parseNormalizer(file string, raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c componentJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: normalizer: %w", file, err)
	}
	switch c.Type {
	case "Sequence":
		var seq sequenceNormalizer
		for _, r := range c.Normalizers {
			n, err := t.parseNormalizer(file, r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	case "NFC":
		return unicodeNormalizer{nfc}, nil
	case "NFD":
		return unicodeNormalizer{nfd}, nil
	case "NFKC":
		return unicodeNormalizer{nfkc}, nil
	case "NFKD":
		return unicodeNormalizer{nfkd}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "Strip":
		return stripNormalizer{c.StripLeft, c.StripRight}, nil
	case "Prepend":
		return prependNormalizer{c.Prepend}, nil
	case "Replace":
		p, content, err := replaceParts(c)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Replace normalizer: %w", file, err)
		}
		return replaceNormalizer{p, content}, nil
	case "Precompiled":
		// An empty charsmap normalizes nothing; a real SentencePiece
		// charsmap is not implemented.
		if c.Charsmap == nil || *c.Charsmap == "" {
			return nil, nil
		}
	}
	return nil, componentError(file, "normalizer", c.Type)
}

func replaceParts(c componentJSON) (pattern, string, error) {
	if c.Pattern == nil {
		return nil, "", fmt.Errorf("missing pattern")
	}
	p, err := newPattern(c.Pattern.String, c.Pattern.Regex)
	if err != nil {
		return nil, "", err
	}
	var content string
	if err := json.Unmarshal(c.Content, &content); err != nil {
		return nil, "", fmt.Errorf("content: %w", err)
	}
	return p, content, nil
}

func (t *Tokenizer) parsePreTokenizer(file string, raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c componentJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: pre_tokenizer: %w", file, err)
	}
	boolOr := func(p *bool, def bool) bool {
		if p == nil {
			return def
		}
		return *p
	}
	switch c.Type {
	case "Sequence":
		var seq sequencePreTokenizer
		for _, r := range c.PreTokenizers {
			p, err := t.parsePreTokenizer(file, r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "Split":
		if c.Pattern == nil {
			return nil, fmt.Errorf("tokenizer: %s: Split pre-tokenizer: missing pattern", file)
		}
		p, err := newPattern(c.Pattern.String, c.Pattern.Regex)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Split pre-tokenizer: %w", file, err)
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Split pre-tokenizer: %w", file, err)
		}
		return splitPreTokenizer{p, b, c.Invert}, nil
	case "ByteLevel":
		return byteLevelPreTokenizer{
			addPrefixSpace: boolOr(c.AddPrefixSpace, true),
			useRegex:       boolOr(c.UseRegex, true),
			words:          scannerFor(gpt2Pattern),
		}, nil
	case "Metaspace":
		m, err := parseMetaspace(c)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Metaspace pre-tokenizer: %w", file, err)
		}
		if m.scheme == prependFirst {
			t.needAlign = true // the rule looks at original offsets
		}
		m.splitPieces = boolOr(c.Split, true)
		return m, nil
	case "Whitespace":
		return whitespacePreTokenizer{}, nil
	case "WhitespaceSplit":
		return whitespaceSplitPreTokenizer{}, nil
	case "BertPreTokenizer":
		return bertPreTokenizer{}, nil
	case "Digits":
		return digitsPreTokenizer{c.IndividualDigits}, nil
	case "Punctuation":
		b := splitIsolated
		if c.Behavior != "" {
			var err error
			if b, err = parseBehavior(c.Behavior); err != nil {
				return nil, fmt.Errorf("tokenizer: %s: Punctuation pre-tokenizer: %w", file, err)
			}
		}
		return punctuationPreTokenizer{b}, nil
	case "CharDelimiterSplit":
		r, n := utf8.DecodeRuneInString(c.Delimiter)
		if n == 0 || n != len(c.Delimiter) {
			return nil, fmt.Errorf("tokenizer: %s: CharDelimiterSplit: delimiter %q is not one character", file, c.Delimiter)
		}
		return charDelimiterPreTokenizer{r}, nil
	}
	return nil, componentError(file, "pre_tokenizer", c.Type)
}

func parseMetaspace(c componentJSON) (metaspacePreTokenizer, error) {
	r, n := utf8.DecodeRuneInString(c.Replacement)
	if n == 0 || n != len(c.Replacement) {
		return metaspacePreTokenizer{}, fmt.Errorf("replacement %q is not one character", c.Replacement)
	}
	m := metaspacePreTokenizer{replacement: c.Replacement, repl: r, scheme: prependAlways}
	switch c.PrependScheme {
	case "", "always":
	case "first":
		m.scheme = prependFirst
	case "never":
		m.scheme = prependNever
	default:
		return m, fmt.Errorf("unknown prepend_scheme %q (expected always, first or never)", c.PrependScheme)
	}
	if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
		if c.PrependScheme != "" && m.scheme != prependNever {
			return m, fmt.Errorf("add_prefix_space false does not match prepend_scheme %q", c.PrependScheme)
		}
		m.scheme = prependNever
	}
	return m, nil
}

// checkByteLevel records whether the pre-tokenizer ends with ByteLevel, and
// rejects a ByteLevel that is followed by other pre-tokenizers (the model
// does the byte mapping, so it must come last).
func (t *Tokenizer) checkByteLevel(file string, p preTokenizer, last bool) error {
	switch p := p.(type) {
	case byteLevelPreTokenizer:
		if !last {
			return fmt.Errorf("tokenizer: %s: unsupported pre_tokenizer: ByteLevel followed by other pre-tokenizers", file)
		}
		t.byteLevelPre = true
	case sequencePreTokenizer:
		for i, q := range p {
			if err := t.checkByteLevel(file, q, last && i == len(p)-1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Tokenizer) parsePostProcessor(file string, raw json.RawMessage) (postProcessor, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c componentJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: post_processor: %w", file, err)
	}
	switch c.Type {
	case "Sequence":
		var seq sequenceProcessor
		for _, r := range c.Processors {
			p, err := t.parsePostProcessor(file, r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "ByteLevel":
		return byteLevelProcessor{trimOffsets: c.TrimOffsets == nil || *c.TrimOffsets, addPrefixSpace: c.AddPrefixSpace == nil || *c.AddPrefixSpace}, nil
	case "TemplateProcessing":
		var p templateProcessor
		seen := false
		for _, piece := range c.Single {
			for kind, v := range piece {
				switch kind {
				case "Sequence":
					seen = true
				case "SpecialToken":
					st, ok := c.SpecialTokens[v.ID]
					if !ok {
						return nil, fmt.Errorf("tokenizer: %s: TemplateProcessing: special token %q is not in special_tokens", file, v.ID)
					}
					if seen {
						p.after = append(p.after, st.IDs...)
					} else {
						p.before = append(p.before, st.IDs...)
					}
				default:
					return nil, fmt.Errorf("tokenizer: %s: TemplateProcessing: unknown template piece %q", file, kind)
				}
			}
		}
		return p, nil
	case "BertProcessing", "RobertaProcessing":
		cls, err := tokenPair(c.Cls)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %s: cls: %w", file, c.Type, err)
		}
		sep, err := tokenPair(c.Sep)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %s: sep: %w", file, c.Type, err)
		}
		if c.Type == "BertProcessing" {
			return bertProcessor{cls: cls, sep: sep}, nil
		}
		return robertaProcessor{cls: cls, sep: sep, trimOffsets: c.TrimOffsets == nil || *c.TrimOffsets,
			addPrefixSpace: c.AddPrefixSpace == nil || *c.AddPrefixSpace}, nil
	}
	return nil, componentError(file, "post_processor", c.Type)
}

// tokenPair reads a ["token", id] pair and returns the ID.
func tokenPair(raw []json.RawMessage) (int, error) {
	if len(raw) != 2 {
		return 0, fmt.Errorf("expected [\"token\", id]")
	}
	var id int
	if err := json.Unmarshal(raw[1], &id); err != nil {
		return 0, fmt.Errorf("expected [\"token\", id]: %w", err)
	}
	return id, nil
}

func (t *Tokenizer) parseDecoder(file string, raw json.RawMessage) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c componentJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("tokenizer: %s: decoder: %w", file, err)
	}
	switch c.Type {
	case "Sequence":
		var seq sequenceDecoder
		for _, r := range c.Decoders {
			d, err := t.parseDecoder(file, r)
			if err != nil {
				return nil, err
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		var content string
		if err := json.Unmarshal(c.Content, &content); err != nil || utf8.RuneCountInString(content) != 1 {
			return nil, fmt.Errorf("tokenizer: %s: Strip decoder: content must be one character", file)
		}
		r, _ := utf8.DecodeRuneInString(content)
		return stripDecoder{r, c.Start, c.Stop}, nil
	case "Replace":
		p, content, err := replaceParts(c)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Replace decoder: %w", file, err)
		}
		return replaceDecoder{p, content}, nil
	case "Metaspace":
		m, err := parseMetaspace(c)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: Metaspace decoder: %w", file, err)
		}
		return metaspaceDecoder{m.repl, m.scheme}, nil
	case "BPEDecoder":
		suffix := c.Suffix
		if suffix == "" {
			suffix = "</w>"
		}
		return bpeDecoder{suffix}, nil
	}
	return nil, componentError(file, "decoder", c.Type)
}

// addTokens registers the added tokens the way the reference does when it
// loads a file: a token whose content is already known keeps that ID, any
// other gets the next free ID after the model's vocabulary; the IDs written
// in the file are not consulted.
func (t *Tokenizer) addTokens(tokens []AddedToken) {
	v := &t.added
	v.byContent = make(map[string]int)
	v.byID = make(map[int]int)
	v.special = make(map[string]bool)
	var specials []AddedToken
	for _, tok := range tokens {
		if tok.Special && tok.Content != "" && !v.special[tok.Content] {
			v.special[tok.Content] = true
			specials = append(specials, tok)
		}
	}
	nextID := t.model.size
	var others []AddedToken
	for _, tok := range tokens {
		if tok.Content == "" {
			continue
		}
		id, ok := v.byContent[tok.Content]
		if !ok {
			if mid, inModel := t.model.vocab[tok.Content]; inModel {
				id, ok = int(mid), true
			}
		}
		if !ok {
			id = nextID
			nextID++
		}
		tok.ID = id
		v.byContent[tok.Content] = id
		if i, dup := v.byID[id]; dup {
			v.tokens[i] = tok
		} else {
			v.byID[id] = len(v.tokens)
			v.tokens = append(v.tokens, tok)
		}
		if !v.special[tok.Content] {
			others = append(others, tok)
		}
	}
	// The matchers list special tokens first, then the others; the flags
	// that count are those of the last registration of each ID.
	v.raw, v.normalized = newTrie(), newTrie()
	for _, tok := range append(specials, others...) {
		idx := v.byID[v.byContent[tok.Content]]
		if tok.Normalized {
			content := tok.Content
			if t.normalizer != nil {
				n := t.normalizer.normalize(normalized{s: []byte(content)})
				content = string(n.s)
			}
			v.normalized.insert(content, idx)
		} else {
			v.raw.insert(tok.Content, idx)
		}
	}
}

// clampInt converts a JSON number to int, saturating huge values such as
// the 1e30 that transformers writes for "no limit".
func clampInt(f float64) int {
	if f >= math.MaxInt {
		return math.MaxInt
	}
	if f <= 0 {
		return 0
	}
	return int(f)
}
