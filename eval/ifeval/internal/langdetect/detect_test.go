package langdetect

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// TestDetectMatchesLangdetect requires langdetect's seed-0 answer on the
// probe texts and 540 GPT-4 responses of eval/ifeval's fixture (written by
// testdata/gen/eval/ifeval_fixtures.py with Debian's python3-langdetect).
func TestDetectMatchesLangdetect(t *testing.T) {
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
			Text     string  `json:"text"`
			Language *string `json:"language"`
		} `json:"tokenize"`
	}
	if err := json.NewDecoder(zr).Decode(&fx); err != nil {
		t.Fatal(err)
	}
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]int{}
	for _, c := range fx.Tokenize {
		got, err := d.Detect(c.Text, 0)
		switch {
		case c.Language == nil && !errors.Is(err, ErrNoFeatures):
			if err == nil {
				t.Errorf("%q: go %s, langdetect no features", c.Text, got)
			}
		case c.Language != nil && (err != nil || got != *c.Language):
			t.Errorf("%q: go %s (%v), langdetect %s", c.Text, got, err, *c.Language)
		case c.Language != nil:
			langs[got]++
		}
	}
	if len(langs) < 25 {
		t.Errorf("only %d languages among the answers: %v", len(langs), langs)
	}
}

// TestProfiles checks the embedded tables' shape.
func TestProfiles(t *testing.T) {
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Languages()); n != 55 {
		t.Errorf("%d languages, want 55", n)
	}
	if _, err := d.Detect("1234 !!! ...", 0); !errors.Is(err, ErrNoFeatures) {
		t.Errorf("digits and punctuation: %v, want ErrNoFeatures", err)
	}
}

// FuzzDetect: any text gives a language, Unknown or ErrNoFeatures.
func FuzzDetect(f *testing.F) {
	d, err := New()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"hello world", "Привет мир", "こんにちは", "", "a\u0301 ơ\u0309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := d.Detect(s, 0); err != nil && !errors.Is(err, ErrNoFeatures) {
			t.Fatal(err)
		}
	})
}
