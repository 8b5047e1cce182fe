package tokenizer

// encoding is the output of one encode: IDs, token strings are looked up on
// demand, and offsets when they are tracked.
type encoding struct {
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
		o := &e.offsets[i]
		if lead > 0 {
			isFirst := i == 0 || o.Start == 0
			if isFirst && addPrefixSpace && lead == 1 {
				lead = 0
			}
			o.Start = min(o.Start+lead, o.End)
		}
		if trail > 0 && o.End >= trail {
			o.End = max(o.End-trail, o.Start)
		}
	}
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
