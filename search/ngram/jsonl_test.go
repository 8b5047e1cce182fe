package ngram

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/tokenizer"
)

const gpt2 = "../../tokenizer/testdata/gpt2/tokenizer.json"

const textCorpus = `{"id": "a", "text": "The quick brown fox jumps over the lazy dog."}
{"id": 7, "text": "A quick brown dog outpaces a quick fox."}

{"text": "Question: What is the capital of France? Answer: Paris is the capital of France."}
`

func buildText(t *testing.T, corpus string) (*Index, string) {
	t.Helper()
	tmp := t.TempDir()
	in := filepath.Join(tmp, "c.jsonl")
	os.WriteFile(in, []byte(corpus), 0o644)
	dir := filepath.Join(tmp, "idx")
	res, err := Build(context.Background(), dir, []string{in}, gpt2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Docs != 3 {
		t.Fatalf("%d documents, want 3", res.Docs)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, in
}

func TestBuildJSONL(t *testing.T) {
	ix, in := buildText(t, textCorpus)
	tok, err := tokenizer.Load(gpt2)
	if err != nil {
		t.Fatal(err)
	}
	for d, text := range []string{"The quick brown fox jumps over the lazy dog.", "A quick brown dog outpaces a quick fox."} {
		got, _ := ix.DocTokens(int64(d), 0, 1000)
		want := tok.Encode(text, false)
		if len(got) != len(want) {
			t.Fatalf("doc %d: %d tokens, tokenizer %d", d, len(got), len(want))
		}
		for i := range want {
			if int(got[i]) != want[i] {
				t.Fatalf("doc %d token %d: %d, tokenizer %d", d, i, got[i], want[i])
			}
		}
	}
	if ids := []string{ix.DocID(0), ix.DocID(1), ix.DocID(2)}; !slices.Equal(ids, []string{"a", "7", in + ":4"}) {
		t.Errorf("ids %v", ids)
	}
	for _, c := range []struct {
		query string
		want  uint64
	}{
		{" quick brown", 2}, {" quick", 3}, {"The quick", 1}, {" fox", 2}, {" capital of France", 2},
		{"[2068, 7586]", 2}, // " quick brown" as ids
		{" purple", 0},
	} {
		q, err := ix.Query(c.query)
		if err != nil {
			t.Fatal(err)
		}
		n, err := ix.Count(q)
		if err != nil || n != c.want {
			t.Errorf("Count(%q = %v) = %d, %v, want %d", c.query, q, n, err, c.want)
		}
	}
	if _, err := ix.Query("[1, 2.5]"); err == nil {
		t.Error("query [1, 2.5] accepted")
	}
	if _, err := ix.Query("[70000]"); !errors.Is(err, ErrTokenRange) {
		t.Errorf("query [70000]: %v", err)
	}
	if st := ix.Stats(); st.TokenBytes != 2 || st.VocabSize != 50257 || st.PointerBytes != 1 || st.Field != "text" {
		t.Errorf("stats %+v", st)
	}
}

func TestBuildJSONLErrors(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		corpus, want string
	}{
		{"{\"text\": \"ok\"}\n{\"text\": 5}\n", `c.jsonl:2: field "text": want a string, got 5`},
		{"{\"text\": \"ok\"}\n{\"body\": \"x\"}\n", `c.jsonl:2: missing field "text"`},
		{"{\"text\": \"ok\"}\nnot json\n", `c.jsonl:2: malformed JSON record`},
		{"{\"text\": \"ok\", \"id\": [1]}\n", `c.jsonl:1: field "id": want a string or a number`},
	} {
		in := filepath.Join(tmp, "c.jsonl")
		os.WriteFile(in, []byte(c.corpus), 0o644)
		dir := filepath.Join(tmp, "idx")
		_, err := Build(context.Background(), dir, []string{in}, gpt2, nil, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.corpus, err, c.want)
		}
		var re *RecordError
		if !errors.As(err, &re) {
			t.Errorf("%q: error %v is not a RecordError", c.corpus, err)
		}
		if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
			t.Errorf("%q: a failed build left an index: %v", c.corpus, err)
		}
	}
	if _, err := Build(context.Background(), filepath.Join(tmp, "x"), []string{filepath.Join(tmp, "missing.jsonl")}, gpt2, nil, nil); err == nil {
		t.Error("missing input accepted")
	}
	if _, err := Build(context.Background(), filepath.Join(tmp, "x"), []string{filepath.Join(tmp, "c.jsonl")}, filepath.Join(tmp, "nope.json"), nil, nil); err == nil {
		t.Error("missing tokenizer accepted")
	}
}

func TestCheckContamination(t *testing.T) {
	ix, _ := buildText(t, textCorpus)
	docs := []Document{
		{Task: "geo", Index: 0, Text: "Question: What is the capital of France? Answer: Lyon, the city of lights"},
		{Task: "geo", Index: 1, Text: "Question: What is the largest ocean on Earth? Answer: the Pacific"},
		{Task: "geo", Index: 2, Text: "Rome?"},
		{Task: "animals", Index: 0, Text: "The quick brown fox jumps over the lazy dog."},
	}
	rep, err := Check(context.Background(), ix, docs, &CheckOptions{N: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{true, false, false, true}
	for i, d := range rep.Docs {
		if d.Contaminated != want[i] {
			t.Errorf("doc %s/%d: contaminated %v, want %v (%+v)", d.Task, d.Index, d.Contaminated, want[i], d)
		}
	}
	if d := rep.Docs[3]; d.Fraction != 1 || d.Longest != d.Tokens || d.LongestText != "The quick brown fox jumps over the lazy dog." {
		t.Errorf("verbatim document: %+v", d)
	}
	if d := rep.Docs[0]; d.LongestText != "Question: What is the capital of France? Answer:" || d.Fraction <= 0 || d.Fraction >= 0.9 {
		t.Errorf("doc 0: longest match %q, overlap %v", d.LongestText, d.Fraction)
	}
	if d := rep.Docs[1]; d.LongestText != "Question: What is the" {
		t.Errorf("longest match of doc 1: %q", d.LongestText)
	}
	if tr := rep.Tasks[0]; tr.Task != "geo" || tr.Docs != 3 || tr.Contaminated != 1 || tr.TooShort != 1 {
		t.Errorf("task report %+v", tr)
	}
	clean := rep.Clean()
	if !slices.Equal(clean["geo"], []int{1, 2}) || len(clean["animals"]) != 0 {
		t.Errorf("clean %v", clean)
	}
	// A threshold of 90% lets the partly matching question through.
	rep, _ = Check(context.Background(), ix, docs, &CheckOptions{N: 8, Threshold: 0.9})
	if rep.Docs[0].Contaminated || !rep.Docs[3].Contaminated {
		t.Errorf("threshold 0.9: %+v", rep.Docs)
	}
	if _, err := Check(context.Background(), ix, docs, &CheckOptions{N: -1}); err == nil {
		t.Error("n = -1 accepted")
	}
}

func TestOverlapAgainstScan(t *testing.T) {
	cor := corpus{{1, 2, 3, 4, 5, 6}, {2, 3, 4, 9, 9}, {7, 7, 7}}
	ix := build(t, cor, 10, nil)
	for _, c := range []struct {
		text                      []uint32
		n, matched, longest, from int
	}{
		{[]uint32{0, 2, 3, 4, 5, 8}, 3, 2, 4, 1},
		{[]uint32{7, 7, 7, 7}, 2, 3, 3, 0},
		{[]uint32{3, 4, 9, 9, 1}, 2, 3, 4, 0},
		{[]uint32{8, 8}, 1, 0, 0, 0},
		{[]uint32{1, 2}, 3, 0, 2, 0},
	} {
		o, err := ix.Overlap(c.text, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if o.Matched != c.matched || o.Longest != c.longest || o.LongestStart != c.from || o.NGrams != max(0, len(c.text)-c.n+1) {
			t.Errorf("Overlap(%v, %d) = %+v, want matched %d longest %d at %d", c.text, c.n, o, c.matched, c.longest, c.from)
		}
		if o.Longest > 0 && o.LongestCount != cor.count(c.text[o.LongestStart:o.LongestStart+o.Longest]) {
			t.Errorf("Overlap(%v): longest count %d", c.text, o.LongestCount)
		}
	}
}

func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"[1, 2, 3]", "[]", "[1.5]", "[-1]", "[1e10]", "[citation needed]", "hello", `["a"]`, "[NaN]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, ok, err := ParseIDs(s)
		if err != nil && !ok {
			t.Fatalf("%q: error %v without being an array", s, err)
		}
		if ok && err == nil && ids == nil {
			t.Fatalf("%q: an array with nil ids", s)
		}
	})
}
