package erase

import (
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/tokenizer"
)

func TestReadScrubDocs(t *testing.T) {
	in := `{"tokens": [5, 6, 7], "pos": [1, -1, 2], "num_bytes": 9}

{"tokens": [8], "pos": [0], "text": "héllo"}
`
	docs, maxLabel, err := ReadScrubDocs(strings.NewReader(in), "pos", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || maxLabel != 2 || docs[0].Bytes != 9 || docs[1].Bytes != 6 || docs[0].Labels[1] != -1 {
		t.Errorf("docs %+v, max label %d", docs, maxLabel)
	}
	bad := []struct{ in, want string }{
		{`{"tokens": [1]}`, `line 1: missing field "pos"`},
		{`{"pos": [1]}`, `line 1: missing field "tokens"`},
		{`{"tokens": [1, 2], "pos": [1]}`, "line 1: 2 tokens but 1"},
		{`{"tokens": [1], "pos": [-2]}`, "expected -1 or a class"},
		{`{"tokens": "abc", "pos": [1]}`, `field "tokens"`},
		{`{"tokens": ["a", "b"], "pos": [1, 2]}`, "need a tokenizer"},
		{`{"tokens": ["a", "b"], "pos": [1]}`, "2 words but 1"},
		{`[1, 2]`, "line 1: expected a JSON object"},
		{"\n" + `{"tokens": [1], "pos": [1], "num_bytes": -3}`, "line 2: num_bytes -3"},
		{``, "no documents"},
	}
	for _, tc := range bad {
		if _, _, err := ReadScrubDocs(strings.NewReader(tc.in), "pos", nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, _, err := ReadScrubDocs(strings.NewReader(in), "tokens", nil); err == nil {
		t.Error("labels field \"tokens\": no error")
	}
}

// TestReadScrubDocsWords aligns word labels to GPT-2 tokens through the
// tokenizer's byte offsets: every sub-token of a word carries its label.
func TestReadScrubDocsWords(t *testing.T) {
	tok, err := tokenizer.Load("../tokenizer/testdata/gpt2/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	in := `{"tokens": ["The", "antidisestablishmentarian", "zxqv", "dog"], "pos": [4, 1, 2, 3]}`
	docs, maxLabel, err := ReadScrubDocs(strings.NewReader(in), "pos", tok)
	if err != nil {
		t.Fatal(err)
	}
	// GPT-2 splits the text into The| ant|idis|establishment|arian| z|x|qv| dog.
	d := docs[0]
	wantIDs := []int{464, 1885, 29207, 44390, 3699, 1976, 87, 44179, 3290}
	wantLabels := []int{4, 1, 1, 1, 1, 2, 2, 2, 3}
	if !slices.Equal(d.Tokens, wantIDs) || !slices.Equal(d.Labels, wantLabels) {
		t.Errorf("tokens %v labels %v, want %v %v", d.Tokens, d.Labels, wantIDs, wantLabels)
	}
	if d.Bytes != len("The antidisestablishmentarian zxqv dog") || maxLabel != 4 {
		t.Errorf("bytes %d, max label %d", d.Bytes, maxLabel)
	}
}

func FuzzReadScrubDocs(f *testing.F) {
	f.Add(`{"tokens": [5, 6], "pos": [1, -1], "num_bytes": 9}`)
	f.Add(`{"tokens": [], "pos": [], "text": "x"}` + "\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		docs, maxLabel, err := ReadScrubDocs(strings.NewReader(in), "pos", nil)
		if err != nil {
			return
		}
		for _, d := range docs {
			if len(d.Labels) != len(d.Tokens) || d.Bytes < 0 {
				t.Fatalf("accepted inconsistent document %+v", d)
			}
			for _, c := range d.Labels {
				if c < -1 || c > maxLabel {
					t.Fatalf("label %d outside [-1, %d]", c, maxLabel)
				}
			}
		}
	})
}
