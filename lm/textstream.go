package lm

import (
	"strings"
	"unicode/utf8"
)

// Decoder turns token ids into text, as a tokenizer does.
type Decoder interface {
	Decode(ids []int, skipSpecial bool) string
}

// Detokenizer turns a stream of token ids into text, a piece per token,
// with the prefix-window method of Hugging Face's
// text-generation-inference: a token's text is what decoding it with the
// few tokens before it adds, so that tokenizers whose pieces depend on
// their neighbours (SentencePiece's leading spaces, byte-level pieces of
// one character) come out right, and a piece that ends inside a UTF-8
// character waits for the rest. Each token costs a decode of a window of a
// few tokens, not of everything generated so far.
type Detokenizer struct {
	dec         Decoder
	skipSpecial bool
	ids         []int
	prefix      int // start of the window
	read        int // end of the text already returned
}

// NewDetokenizer returns a Detokenizer that decodes with dec, leaving out
// special tokens if skipSpecial.
func NewDetokenizer(dec Decoder, skipSpecial bool) *Detokenizer {
	return &Detokenizer{dec: dec, skipSpecial: skipSpecial}
}

// Add appends a token and returns the text it completes (maybe "").
func (d *Detokenizer) Add(id int) string {
	d.ids = append(d.ids, id)
	before := d.dec.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	after := d.dec.Decode(d.ids[d.prefix:], d.skipSpecial)
	if len(after) <= len(before) || strings.HasSuffix(after, string(utf8.RuneError)) {
		return ""
	}
	piece := after[min(len(before), len(after)):]
	d.prefix, d.read = d.read, len(d.ids)
	return piece
}

// Flush returns the text held back at the end (an incomplete character).
func (d *Detokenizer) Flush() string {
	before := d.dec.Decode(d.ids[d.prefix:d.read], d.skipSpecial)
	after := d.dec.Decode(d.ids[d.prefix:], d.skipSpecial)
	d.prefix, d.read = len(d.ids), len(d.ids)
	if strings.HasPrefix(after, before) {
		return after[len(before):]
	}
	return ""
}

// TextStream is generated text as it can be shown, token by token: cut
// before the first stop string, and holding back any tail that might be
// the start of one (or of a longer UTF-8 character), so that a streamed
// response never shows a stop string's head and its pieces concatenate to
// the final text. lm/native, lm/guided and the server decode through it.
type TextStream struct {
	d       Detokenizer
	stops   []string
	text    strings.Builder // all text so far, stop string excluded
	shown   int             // bytes of text already handed out
	stopped bool
}

// NewTextStream returns a TextStream over the special-token-free text of
// the tokens, ending at the first of stops (empty ones are ignored).
func NewTextStream(dec Decoder, stops []string) *TextStream {
	var kept []string
	for _, s := range stops {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return &TextStream{d: Detokenizer{dec: dec, skipSpecial: true}, stops: kept}
}

// Add appends a token. It returns the text now safe to show, and whether a
// stop string has appeared (the text then ends just before it, and later
// tokens are ignored).
func (t *TextStream) Add(id int) (string, bool) {
	if t.stopped {
		return "", true
	}
	piece := t.d.Add(id)
	if piece == "" {
		return "", false
	}
	start := t.text.Len()
	t.text.WriteString(piece)
	full := t.text.String()
	if cut := t.firstStop(full, start); cut >= 0 {
		t.stopped = true
		t.text.Reset()
		t.text.WriteString(full[:cut])
		return t.release(cut), true
	}
	return t.release(len(full) - StopPrefixLen(full, t.stops)), false
}

// firstStop returns where the earliest stop string begins in text, looking
// only where one could end in the text added from start on, or -1.
func (t *TextStream) firstStop(text string, start int) int {
	from := start
	for _, s := range t.stops {
		from = min(from, max(0, start-len(s)+1))
	}
	cut := -1
	for _, s := range t.stops {
		if i := strings.Index(text[from:], s); i >= 0 && (cut < 0 || from+i < cut) {
			cut = from + i
		}
	}
	return cut
}

func (t *TextStream) release(upto int) string {
	if upto <= t.shown {
		return ""
	}
	s := t.text.String()[t.shown:upto]
	t.shown = upto
	return s
}

// Finish returns whatever text is still held back; the stream's text is
// then complete.
func (t *TextStream) Finish() string {
	if !t.stopped {
		if tail := t.d.Flush(); tail != "" {
			t.text.WriteString(tail)
		}
	}
	return t.release(t.text.Len())
}

// Text returns the text so far, cut before the first stop string: all of
// it once Finish has been called.
func (t *TextStream) Text() string { return t.text.String() }

// Stopped reports whether a stop string has appeared.
func (t *TextStream) Stopped() bool { return t.stopped }
