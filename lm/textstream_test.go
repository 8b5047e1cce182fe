package lm

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fmkit/fmkit/tokenizer"
)

// pieceDecoder decodes ids as the concatenation of fixed byte pieces, with
// invalid UTF-8 shown as U+FFFD, as byte-level tokenizers decode.
type pieceDecoder []string

func (p pieceDecoder) Decode(ids []int, _ bool) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(p[id])
	}
	return strings.ToValidUTF8(b.String(), string(utf8.RuneError))
}

func TestTextStream(t *testing.T) {
	dec := pieceDecoder{"Hel", "lo ", "Q", ":", "x", "a", "\xe2\x82", "\xac", " ", ""}
	tests := []struct {
		name   string
		stops  []string
		ids    []int
		pieces []string // what Add returns, token by token
		tail   string   // what Finish returns
		stop   int      // the index of the token that reveals a stop string, or -1
		text   string
	}{
		{"stop string held back then found", []string{"Q:"}, []int{0, 1, 2, 3, 4},
			[]string{"Hel", "lo ", "", "", ""}, "", 3, "Hello "},
		{"prefix that does not complete is released", []string{"Q:"}, []int{5, 8, 2, 4},
			[]string{"a", " ", "", "Qx"}, "", -1, "a Qx"},
		{"held-back prefix comes out at the end", []string{"Q:"}, []int{5, 2},
			[]string{"a", ""}, "Q", -1, "aQ"},
		{"half a UTF-8 character waits", nil, []int{5, 6, 7},
			[]string{"a", "", "€"}, "", -1, "a€"},
		{"stop string across tokens", []string{"lo Q"}, []int{0, 1, 2, 4},
			[]string{"He", "l", "", ""}, "", 2, "Hel"},
		{"earliest of several stops", []string{":", "lo"}, []int{0, 1, 2, 3},
			[]string{"He", "l", "", ""}, "", 1, "Hel"},
		{"empty stops are ignored", []string{""}, []int{0, 1},
			[]string{"Hel", "lo "}, "", -1, "Hello "},
		{"a token with no text", nil, []int{9, 0, 9},
			[]string{"", "Hel", ""}, "", -1, "Hel"},
	}
	for _, tt := range tests {
		s := NewTextStream(dec, tt.stops)
		var pieces []string
		stoppedAt := -1
		for k, id := range tt.ids {
			piece, stopped := s.Add(id)
			pieces = append(pieces, piece)
			if stopped && stoppedAt < 0 {
				stoppedAt = k
			}
		}
		tail := s.Finish()
		if !slices.Equal(pieces, tt.pieces) || tail != tt.tail || stoppedAt != tt.stop || s.Text() != tt.text {
			t.Errorf("%s: pieces %q, tail %q, stop at %d, text %q; want %q, %q, %d, %q",
				tt.name, pieces, tail, stoppedAt, s.Text(), tt.pieces, tt.tail, tt.stop, tt.text)
		}
		if strings.Join(pieces, "")+tail != s.Text() {
			t.Errorf("%s: the pieces do not add up to the text", tt.name)
		}
	}
}

// TestTextStreamEqualsWholeDecode streams the tokens of real text through
// the Llama 2 (SentencePiece, byte fallback) and GPT-2 (byte-level)
// tokenizers: the pieces must add up to decoding all the tokens at once,
// and with stop strings to that text cut before the first one.
func TestTextStreamEqualsWholeDecode(t *testing.T) {
	f, err := os.Open("../tokenizer/testdata/reference/corpus.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var corpus []string
	if err := json.NewDecoder(zr).Decode(&corpus); err != nil {
		t.Fatal(err)
	}
	corpus = append(corpus[:300], "héllo wörld 你好 😀 🙂 naïve", "  leading and trailing  ", "a\n\nb\tc", "emoji only 🤖🤖")
	for _, name := range []string{"llama2", "gpt2"} {
		tok, err := tokenizer.Load("../tokenizer/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range corpus {
			ids := tok.Encode(text, false)
			whole := tok.Decode(ids, true)
			stops := []string{}
			if len(whole) > 8 {
				// A stop string taken from the middle of the text, and one
				// that never occurs.
				mid := strings.ToValidUTF8(whole[len(whole)/2:len(whole)/2+3], "")
				stops = append(stops, mid, "\x00never")
			}
			for _, st := range [][]string{nil, stops} {
				s := NewTextStream(tok, st)
				var b strings.Builder
				for _, id := range ids {
					piece, _ := s.Add(id)
					b.WriteString(piece)
				}
				b.WriteString(s.Finish())
				want, _ := CutAtStop(whole, st)
				if b.String() != want || s.Text() != want {
					t.Fatalf("%s text %d with stops %q: streamed %q, text %q; whole decode cut %q", name, i, st, b.String(), s.Text(), want)
				}
			}
		}
	}
}
