package serve

import (
	"strings"
	"unicode/utf8"
)

// decoder is what the server needs of a tokenizer to turn ids into text.
type decoder interface {
	Decode(ids []int, skipSpecial bool) string
}

// detok turns a stream of token ids into text, a piece per token, with the
// prefix-window method of Hugging Face's text-generation-inference: a
// token's text is what decoding it with the few tokens before it adds, so
// that tokenizers whose pieces depend on their neighbours (SentencePiece's
// leading spaces, byte-level pieces of one character) come out right, and a
// piece that ends inside a UTF-8 character waits for the rest.
type detok struct {
	dec         decoder
	skipSpecial bool
	ids         []int
	prefix      int // start of the window
	read        int // end of the text already returned
}

// add appends a token and returns the text it completes (maybe "").
func (d *detok) add(id int) string {
	d.ids = append(d.ids, id)
	before := d.dec.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	after := d.dec.Decode(d.ids[d.prefix:], d.skipSpecial)
	if len(after) <= len(before) || strings.HasSuffix(after, string(utf8.RuneError)) {
		return ""
	}
	var piece string
	if strings.HasPrefix(after, before) {
		piece = after[len(before):]
	} else {
		piece = after[min(len(before), len(after)):]
	}
	d.prefix, d.read = d.read, len(d.ids)
	return piece
}

// flush returns text held back at the end (an incomplete character).
func (d *detok) flush() string {
	before := d.dec.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	after := d.dec.Decode(d.ids[d.prefix:], d.skipSpecial)
	d.prefix, d.read = len(d.ids), len(d.ids)
	if strings.HasPrefix(after, before) {
		return after[len(before):]
	}
	return ""
}

// textStream is a sequence's generated text as it can be shown: cut before
// the first stop string, and holding back any tail that might be the start
// of one, so that a streamed response never shows a stop string's head.
type textStream struct {
	d       detok
	stops   []string
	text    strings.Builder // all text so far, stop string excluded
	shown   int             // bytes of text already handed out
	stopped bool
}

func newTextStream(dec decoder, stops []string) *textStream {
	return &textStream{d: detok{dec: dec, skipSpecial: true}, stops: stops}
}

// add appends a token; it returns the text now safe to show, and whether a
// stop string has appeared (the text then ends just before it).
func (t *textStream) add(id int) (string, bool) {
	if t.stopped {
		return "", true
	}
	piece := t.d.add(id)
	if piece == "" {
		return "", false
	}
	start := t.text.Len()
	t.text.WriteString(piece)
	full := t.text.String()
	// A stop string may straddle the old text and the new piece.
	from := start
	for _, s := range t.stops {
		from = min(from, max(0, start-len(s)+1))
	}
	cut := -1
	for _, s := range t.stops {
		if i := strings.Index(full[from:], s); i >= 0 && (cut < 0 || from+i < cut) {
			cut = from + i
		}
	}
	if cut >= 0 {
		t.stopped = true
		t.text.Reset()
		t.text.WriteString(full[:cut])
		return t.release(cut), true
	}
	return t.release(len(full) - t.heldBack(full)), false
}

// heldBack is the length of the longest tail of s that begins a stop string.
func (t *textStream) heldBack(s string) int {
	n := 0
	for _, stop := range t.stops {
		for k := min(len(stop)-1, len(s)); k > n; k-- {
			if strings.HasSuffix(s, stop[:k]) {
				n = k
				break
			}
		}
	}
	return n
}

func (t *textStream) release(upto int) string {
	if upto <= t.shown {
		return ""
	}
	s := t.text.String()[t.shown:upto]
	t.shown = upto
	return s
}

// finish returns whatever text is still held back.
func (t *textStream) finish() string {
	if !t.stopped {
		if tail := t.d.flush(); tail != "" {
			t.text.WriteString(tail)
		}
	}
	return t.release(t.text.Len())
}
