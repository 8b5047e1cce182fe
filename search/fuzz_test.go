package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzBuild runs the JSONL corpus reader end to end: the fuzzer's bytes
// are a corpus file, indexed with bad records skipped, then opened. Every
// non-blank line must be either indexed or reported, a line that is not a
// JSON object must be reported (checked with encoding/json), and a first
// record with a string id and string contents must be found under its id
// with its line as the stored record.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		`{"id": "a", "contents": "The cat sat."}` + "\n" + `{"id": "b", "contents": "A dog.", "meta": {"lang": "en"}}`,
		"{\"id\": \"a\", \"contents\": \"x\"}\r\n\r\n  \n{\"id\": \"a\", \"contents\": \"again\"}",
		`{"id": 7, "contents": "numeric id"}` + "\n" + `{"id": "", "contents": "empty id"}` + "\n" + `not json`,
		`{"id": "m", "contents": "x", "meta": [1]}` + "\n" + `{"contents": "no id"}` + "\n" + `{"id": "n"}`,
		`{"id": "u", "contents": "caf\u00e9 \ud83d\ude00"}`,
		`[1, 2]` + "\n" + `"a string"` + "\n" + `{"id": "t", "contents": "x"} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, corpus []byte) {
		if len(corpus) > 1<<16 {
			return
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "corpus.jsonl")
		if err := os.WriteFile(path, corpus, 0o644); err != nil {
			t.Fatal(err)
		}
		idx := filepath.Join(dir, "index")
		res, err := Build(context.Background(), idx, []string{path}, &Options{Threads: 1, OnError: Skip})
		if err != nil {
			t.Fatalf("Build with bad records skipped: %v", err)
		}
		lines := bytes.Split(corpus, []byte("\n"))
		nonBlank := 0
		reported := map[int]bool{}
		for _, e := range res.Errors {
			if e.Line < 1 || e.Line > len(lines) || len(bytes.TrimSpace(lines[e.Line-1])) == 0 {
				t.Fatalf("error %v names line %d, not a non-blank line of %d", e, e.Line, len(lines))
			}
			reported[e.Line] = true
		}
		var firsts []int // lines of well-formed records whose id is new
		seen := map[string]bool{}
		for i, line := range lines {
			line = bytes.TrimRight(line, "\r")
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			nonBlank++
			var rec map[string]json.RawMessage
			if err := json.Unmarshal(line, &rec); err != nil {
				if len(res.Errors) < 100 && !reported[i+1] {
					t.Fatalf("line %d %q is not a JSON object (%v) but was not reported", i+1, line, err)
				}
				continue
			}
			var contents string
			if json.Unmarshal(rec["contents"], &contents) != nil {
				continue
			}
			if m, ok := rec["meta"]; ok && string(bytes.TrimSpace(m)) != "null" {
				var obj map[string]json.RawMessage
				if json.Unmarshal(m, &obj) != nil {
					continue
				}
			}
			// A number or boolean id is taken as its text: it claims the
			// id as a string would, but only string ids are looked up.
			var id string
			isString := json.Unmarshal(rec["id"], &id) == nil
			if !isString {
				raw := string(bytes.TrimSpace(rec["id"]))
				if _, err := strconv.ParseFloat(raw, 64); err == nil || raw == "true" || raw == "false" {
					id = raw
				}
			}
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			if isString {
				firsts = append(firsts, i)
			}
		}
		if got := res.Docs + res.Skipped; got != int64(nonBlank) {
			t.Fatalf("%d indexed + %d skipped, want the %d non-blank lines", res.Docs, res.Skipped, nonBlank)
		}
		ix, err := Open(idx)
		if errors.Is(err, ErrNotIndex) && res.Docs == 0 {
			return
		}
		if err != nil {
			t.Fatalf("Open after Build: %v", err)
		}
		defer ix.Close()
		if st := ix.Stats(); st.Docs != uint64(res.Docs) {
			t.Fatalf("the index holds %d documents, Build indexed %d", st.Docs, res.Docs)
		}
		for _, i := range firsts {
			line := bytes.TrimRight(lines[i], "\r")
			var rec map[string]json.RawMessage
			json.Unmarshal(line, &rec)
			var id string
			json.Unmarshal(rec["id"], &id)
			stored, err := ix.Doc(id)
			if err != nil {
				t.Fatalf("line %d %q: Doc(%q): %v", i+1, line, id, err)
			}
			if !bytes.Equal(stored, line) {
				t.Fatalf("line %d: stored record %q, want the line %q", i+1, stored, line)
			}
		}
	})
}
