package eval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/internal/py"
)

func testIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := NewIndex(TaskSource{Name: "builtin", FS: tasks.FS()}, TaskSource{Name: "testdata/tasks", FS: os.DirFS("testdata/tasks")})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func readDocs(t *testing.T, name string) []data.Doc {
	t.Helper()
	docs, err := data.ReadFile(filepath.Join("testdata/docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestPromptsMatchPython compares every prompt and request argument with
// the ones Python's Jinja2 and random.Random produce for the same YAMLs,
// documents and seed (testdata/gen/eval/prompt_fixtures.py).
func TestPromptsMatchPython(t *testing.T) {
	raw, err := os.ReadFile("testdata/prompts.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Task       string `json:"task"`
		NumFewshot int    `json:"num_fewshot"`
		Test       string `json:"test"`
		Fewshot    string `json:"fewshot"`
		Docs       []struct {
			DocID     int               `json:"doc_id"`
			Context   string            `json:"context"`
			Arguments []json.RawMessage `json:"arguments"`
			Target    string            `json:"target"`
		} `json:"docs"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	ix := testIndex(t)
	for _, c := range cases {
		s, err := ix.Load([]string{c.Task})
		if err != nil {
			t.Fatal(err)
		}
		task := s.Tasks[0]
		var fewshot []data.Doc
		if c.Fewshot != "" {
			fewshot = readDocs(t, c.Fewshot)
		} else {
			fewshot = task.Config.Fewshot.Samples
		}
		evalDocs := readDocs(t, c.Test)
		if pd := task.Config.ProcessDocs; pd != nil {
			// What Load does after reading a split (hellaswag).
			fn, err := task.res.docs(pd)
			if err != nil {
				t.Fatal(err)
			}
			if evalDocs, err = fn(evalDocs); err != nil {
				t.Fatal(err)
			}
			if fewshot, err = fn(fewshot); err != nil {
				t.Fatal(err)
			}
		}
		task.SetDocs(evalDocs, fewshot)
		task.NumFewshot = c.NumFewshot
		docs, err := task.BuildRequests(Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.Task, err)
		}
		if len(docs) != len(c.Docs) {
			t.Fatalf("%s: %d documents, want %d", c.Task, len(docs), len(c.Docs))
		}
		for i, want := range c.Docs {
			got := docs[i]
			ctx := got.Insts[0].Args[0].(string)
			if ctx != want.Context {
				t.Errorf("%s %d-shot doc %d context:\n got %q\nwant %q", c.Task, c.NumFewshot, i, ctx, want.Context)
				continue
			}
			if len(got.Insts) != len(want.Arguments) {
				t.Errorf("%s doc %d: %d requests, want %d", c.Task, i, len(got.Insts), len(want.Arguments))
				continue
			}
			for j, in := range got.Insts {
				gotArgs := py.JSON(append([]any{}, in.Args...), 0)
				var w any
				json.Unmarshal(want.Arguments[j], &w)
				// Compare through Go's JSON to ignore Python's number spelling.
				var g any
				if err := json.Unmarshal([]byte(gotArgs), &g); err != nil {
					t.Fatal(err)
				}
				gb, _ := json.Marshal(g)
				wb, _ := json.Marshal(w)
				if string(gb) != string(wb) {
					t.Errorf("%s doc %d request %d:\n got %s\nwant %s", c.Task, i, j, gb, wb)
				}
			}
			target, err := task.docTarget(got.Doc, task.Config.DocToTarget)
			if err != nil || py.Str(target) != want.Target {
				t.Errorf("%s doc %d target %v (%v), want %q", c.Task, i, target, err, want.Target)
			}
		}
	}
}
