package tokenizer

import "unicode/utf8"

// encoding is the output of one encode: IDs, token strings are looked up on
// demand, and offsets when they are tracked.
type encoding struct {
	text    string
	ids     []int
	offsets []Offset // nil when not tracked
}

// postProcessor adds the special tokens of a template (when asked) and may
// adjust offsets.
type postProcessor interface {
	process(t *Tokenizer, e *encoding, addSpecial bool)
}

type sequenceProcessor []postProcessor

func (s sequenceProcessor) process(t *Tokenizer, e *encoding, addSpecial bool) {
	for _, p := range s {
		p.process(t, e, addSpecial)
	}
}

// templateProcessor is TemplateProcessing for single sequences: special
// tokens before and after the sequence.
type templateProcessor struct {
	before, after []int
}

func (p templateProcessor) process(t *Tokenizer, e *encoding, addSpecial bool) {
	if !addSpecial {
		return
	}
	wrap(e, p.before, p.after)
}

// wrap surrounds e with special tokens, whose offsets are (0, 0).
func wrap(e *encoding, before, after []int) {
	if len(before) == 0 && len(after) == 0 {
		return
	}
	ids := make([]int, 0, len(before)+len(e.ids)+len(after))
	ids = append(append(append(ids, before...), e.ids...), after...)
	if e.offsets != nil {
		offs := make([]Offset, len(before), len(ids))
		offs = append(offs, e.offsets...)
		offs = append(offs, make([]Offset, len(after))...)
		e.offsets = offs
	}
	e.ids = ids
}

// byteLevelProcessor trims the spaces that tokens carry from their offsets
// (when trim_offsets is set); it adds no tokens.
type byteLevelProcessor struct {
	trimOffsets    bool
	addPrefixSpace bool
}

func (p byteLevelProcessor) process(t *Tokenizer, e *encoding, addSpecial bool) {
	if p.trimOffsets && e.offsets != nil {
		trimOffsets(t, e, p.addPrefixSpace)
	}
}

// trimOffsets moves offsets past the leading and trailing spaces ('Ġ' or
// whitespace) of each token string, as the reference's process_offsets.
func trimOffsets(t *Tokenizer, e *encoding, addPrefixSpace bool) {
	for i, id := range e.ids {
		tok, ok := t.IDToToken(id)
		if !ok {
			continue
		}
		rs := []rune(tok)
		lead := 0
		for lead < len(rs) && (rs[lead] == 'Ġ' || isWhiteSpace(rs[lead])) {
			lead++
		}
		trail := 0
		for trail < len(rs) && (rs[len(rs)-1-trail] == 'Ġ' || isWhiteSpace(rs[len(rs)-1-trail])) {
			trail++
		}
		// The reference trims character offsets (its offsets are in
		// characters by this stage), so count characters, not bytes; this
		// also keeps the offsets on character boundaries.
		o := &e.offsets[i]
		if lead > 0 {
			isFirst := i == 0 || o.Start == 0
			if isFirst && addPrefixSpace && lead == 1 {
				lead = 0
			}
			o.Start = min(advanceChars(e.text, o.Start, lead), o.End)
		}
		if trail > 0 {
			if end, ok := retreatChars(e.text, o.End, trail); ok {
				o.End = max(end, o.Start)
			}
		}
	}
}

// advanceChars moves pos forward by n characters of s (at most to its end).
func advanceChars(s string, pos, n int) int {
	for ; n > 0 && pos < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[pos:])
		pos += size
	}
	return pos + n // past the end, as the reference's arithmetic does
}

// retreatChars moves pos back by n characters; ok is false when fewer than
// n characters precede pos.
func retreatChars(s string, pos, n int) (int, bool) {
	for ; n > 0; n-- {
		if pos <= 0 {
			return 0, false
		}
		_, size := utf8.DecodeLastRuneInString(s[:pos])
		pos -= size
	}
	return pos, true
}

// bertProcessor is BertProcessing: [CLS] sequence [SEP].
type bertProcessor struct{ cls, sep int }

func (p bertProcessor) process(t *Tokenizer, e *encoding, addSpecial bool) {
	if addSpecial {
		wrap(e, []int{p.cls}, []int{p.sep})
	}
}

// robertaProcessor is RobertaProcessing: <s> sequence </s>, with the
// ByteLevel offset trimming when trim_offsets is set.
type robertaProcessor struct {
	cls, sep       int
	trimOffsets    bool
	addPrefixSpace bool
}

func (p robertaProcessor) process(t *Tokenizer, e *encoding, addSpecial bool) {
	if p.trimOffsets && e.offsets != nil {
		trimOffsets(t, e, p.addPrefixSpace)
	}
	if addSpecial {
		wrap(e, []int{p.cls}, []int{p.sep})
	}
}
