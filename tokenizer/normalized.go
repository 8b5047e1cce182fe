package tokenizer

import (
	"unicode/utf8"
)

// span is a byte range [start, end) of the original input.
type span struct{ start, end int32 }

// normalized is a piece of text on its way through the pipeline: its current
// bytes and, when offsets are tracked, the original byte range that each of
// those bytes comes from. The alignment rules (which original range a
// replaced, inserted or removed character maps to) follow the reference's
// NormalizedString so that offsets agree with it; align is nil when neither
// the caller nor a component needs offsets.
type normalized struct {
	s     []byte
	align []span
}

// newNormalized returns text[start:end] with identity alignment: every byte
// maps to the range of the character it belongs to.
func newNormalized(text string, start, end int, track bool) normalized {
	n := normalized{s: []byte(text[start:end])}
	if track {
		n.align = make([]span, len(n.s))
		for i := 0; i < len(n.s); {
			_, size := runeAt(n.s, i)
			for k := 0; k < size; k++ {
				n.align[i+k] = span{int32(start + i), int32(start + i + size)}
			}
			i += size
		}
	}
	return n
}

func (n normalized) slice(a, b int) normalized {
	m := normalized{s: n.s[a:b]}
	if n.align != nil {
		m.align = n.align[a:b]
	}
	return m
}

// offsets maps the byte range [a, b) of n back to the original input.
func (n normalized) offsets(a, b int) span {
	if a >= b {
		// empty ranges keep their position (reference behaviour)
		if a < len(n.align) {
			return span{n.align[a].start, n.align[a].start}
		}
		if len(n.align) > 0 {
			e := n.align[len(n.align)-1].end
			return span{e, e}
		}
		return span{}
	}
	return span{n.align[a].start, n.align[b-1].end}
}

// origStart is the original offset at which the piece starts.
func (n normalized) origStart() int {
	if len(n.align) == 0 {
		return -1
	}
	return int(n.align[0].start)
}

// transformer rebuilds a normalized string from a stream of characters, each
// tagged with how it relates to the old string: change 0 replaces the next
// old character, change > 0 inserts a new character, change < 0 replaces the
// next old character and removes -change more. This is the reference's
// NormalizedString::transform, and it decides the alignment of every byte.
type transformer struct {
	old normalized
	pos int
	out normalized
}

func newTransformer(old normalized, capacity int) *transformer {
	t := &transformer{old: old}
	t.out.s = make([]byte, 0, capacity)
	if old.align != nil {
		t.out.align = make([]span, 0, capacity)
	}
	return t
}

// skip removes n old characters without output (an initial offset).
func (t *transformer) skip(n int) {
	for ; n > 0 && t.pos < len(t.old.s); n-- {
		_, size := runeAt(t.old.s, t.pos)
		t.pos += size
	}
}

func (t *transformer) emit(r rune, change int) {
	var a span
	track := t.old.align != nil
	if change > 0 {
		if track && t.pos >= 1 {
			a = t.old.align[t.pos-1]
		}
	} else {
		if track && t.pos < len(t.old.align) {
			a = t.old.align[t.pos]
		}
		t.skip(1)
		if change < 0 {
			t.skip(-change)
		}
	}
	var buf [utf8.UTFMax]byte
	enc := buf[:utf8.EncodeRune(buf[:], r)]
	t.out.s = append(t.out.s, enc...)
	if track {
		for range enc {
			t.out.align = append(t.out.align, a)
		}
	}
}

// emitRaw copies the old character at the current position unchanged.
func (t *transformer) emitRaw() {
	_, size := runeAt(t.old.s, t.pos)
	t.out.s = append(t.out.s, t.old.s[t.pos:t.pos+size]...)
	if t.old.align != nil {
		a := t.old.align[t.pos]
		for k := 0; k < size; k++ {
			t.out.align = append(t.out.align, a)
		}
	}
	t.pos += size
}

// prepend inserts prefix before the first character with the reference's
// alignment: everything takes the first character's range.
func (n normalized) prepend(prefix string) normalized {
	if len(n.s) == 0 {
		return n
	}
	_, size := runeAt(n.s, 0)
	out := normalized{s: make([]byte, 0, len(prefix)+len(n.s))}
	out.s = append(out.s, prefix...)
	out.s = append(out.s, n.s...)
	if n.align != nil {
		out.align = make([]span, 0, len(out.s))
		_, firstPrefixLen := utf8.DecodeRuneInString(prefix)
		for i := 0; i < len(prefix); i++ {
			if i < firstPrefixLen {
				out.align = append(out.align, n.align[0])
			} else {
				out.align = append(out.align, n.align[size-1])
			}
		}
		for k := 0; k < size; k++ {
			out.align = append(out.align, n.align[size-1])
		}
		out.align = append(out.align, n.align[size:]...)
	}
	return out
}

// replaceRanges replaces each [start, end) of matches (sorted, disjoint)
// with content. The inserted bytes take the range of the last replaced byte.
func (n normalized) replaceRanges(matches [][2]int, content string) normalized {
	if len(matches) == 0 {
		return n
	}
	out := normalized{s: make([]byte, 0, len(n.s)+len(matches)*len(content))}
	if n.align != nil {
		out.align = make([]span, 0, cap(out.s))
	}
	last := 0
	for _, m := range matches {
		out.s = append(out.s, n.s[last:m[0]]...)
		out.s = append(out.s, content...)
		if n.align != nil {
			out.align = append(out.align, n.align[last:m[0]]...)
			var a span
			if m[1] >= 1 {
				a = n.align[m[1]-1]
			}
			for range len(content) {
				out.align = append(out.align, a)
			}
		}
		last = m[1]
	}
	out.s = append(out.s, n.s[last:]...)
	if n.align != nil {
		out.align = append(out.align, n.align[last:]...)
	}
	return out
}
