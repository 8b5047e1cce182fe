package nltk

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// tokenizeCases reads the "tokenize" cases of eval/ifeval's fixture: the
// sentences (Punkt with nltk_data's English parameters) and words
// (nltk.word_tokenize) of probe texts and 540 GPT-4 responses, from NLTK
// itself (testdata/gen/eval/ifeval_fixtures.py).
func tokenizeCases(t *testing.T) []struct {
	Text      string   `json:"text"`
	Sentences []string `json:"sentences"`
	Words     []string `json:"words"`
} {
	f, err := os.Open("../../testdata/ifeval.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Tokenize []struct {
			Text      string   `json:"text"`
			Sentences []string `json:"sentences"`
			Words     []string `json:"words"`
		} `json:"tokenize"`
	}
	if err := json.NewDecoder(zr).Decode(&fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Tokenize) < 500 {
		t.Fatalf("%d tokenize cases", len(fx.Tokenize))
	}
	return fx.Tokenize
}

// TestPunktMatchesNLTK requires NLTK's sentences of every case.
func TestPunktMatchesNLTK(t *testing.T) {
	tok, err := English()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tokenizeCases(t) {
		got, err := tok.Tokenize(c.Text)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(c.Sentences) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.Sentences) {
			t.Errorf("sentences of %q:\n go %q\n py %q", c.Text, got, c.Sentences)
		}
	}
}

// TestWordTokenizeMatchesNLTK requires nltk.word_tokenize's tokens of
// every case.
func TestWordTokenizeMatchesNLTK(t *testing.T) {
	s, err := English()
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWordTokenizer(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tokenizeCases(t) {
		got, err := w.Tokenize(c.Text)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(c.Words) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.Words) {
			t.Errorf("words of %q:\n go %q\n py %q", c.Text, got, c.Words)
		}
	}
}

// TestPythonText checks the Python string predicates on cases whose
// answers CPython 3.11 gives.
func TestPythonText(t *testing.T) {
	cases := []struct {
		s              string
		lower          string
		upper, isLower bool
		words          int
	}{
		{"HELLO, WORLD", "hello, world", true, false, 2},
		{"hello 123", "hello 123", false, true, 2},
		{"123", "123", false, false, 1},
		{"İSTANBUL", "i\u0307stanbul", true, false, 1},
		{"ΟΔΟΣ ΣΑΣ", "οδος σας", true, false, 2},
		{"Σ", "σ", true, false, 1},
		{"ǅ", "ǆ", false, false, 1},
		{"ⓐⓑ Ⓐ", "ⓐⓑ ⓐ", false, false, 0},
		{"नमस्ते दुनिया", "नमस्ते दुनिया", false, false, 5},
		{"snake_case x²", "snake_case x²", false, true, 2},
	}
	for _, c := range cases {
		if got := Lower(c.s); got != c.lower {
			t.Errorf("lower(%q) = %q, want %q", c.s, got, c.lower)
		}
		if IsUpper(c.s) != c.upper || IsLower(c.s) != c.isLower {
			t.Errorf("%q: isupper %v islower %v, want %v %v", c.s, IsUpper(c.s), IsLower(c.s), c.upper, c.isLower)
		}
		if got := CountWords(c.s); got != c.words {
			t.Errorf("count_words(%q) = %d, want %d", c.s, got, c.words)
		}
	}
}

// FuzzSentences: any text splits without error into sentences that are
// pieces of it in order.
func FuzzSentences(f *testing.F) {
	for _, s := range []string{"Mr. Smith went. He left!", "(A.) B.", "...", "a.\n\nb", "\"Q?\" ok."} {
		f.Add(s)
	}
	tok, err := English()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sents, err := tok.Tokenize(s)
		if err != nil {
			t.Fatal(err)
		}
		rest := []rune(s)
		for _, x := range sents {
			i := indexRunes(rest, []rune(x))
			if i < 0 {
				t.Fatalf("sentence %q is not in order in %q", x, s)
			}
			rest = rest[i+len([]rune(x)):]
		}
	})
}

func indexRunes(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if reflect.DeepEqual(s[i:i+len(sub)], sub) || len(sub) == 0 {
			return i
		}
	}
	return -1
}
