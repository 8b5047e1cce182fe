package erase

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadScrubDocs reads pre-tokenized documents with per-token labels, one
// JSON object per line:
//
//	{"tokens": [12, 873, 4], "pos": [3, 0, -1], "num_bytes": 14}
//
// "tokens" holds the token ids, the field named by labelsField holds one
// integer class per token (−1 for a token to leave out of the fit, such as
// a special token or a word's later sub-tokens), and the optional
// "num_bytes" gives the UTF-8 length of the text the tokens cover, for bits
// per byte; when it is absent and the object has a "text" string, its
// length is used. Blank lines are skipped. It returns the documents and
// the largest label seen.
func ReadScrubDocs(r io.Reader, labelsField string) ([]ScrubDoc, int, error) {
	if labelsField == "" || labelsField == "tokens" {
		return nil, 0, fmt.Errorf("erase: labels field %q: expected a field name other than \"tokens\"", labelsField)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	var docs []ScrubDoc
	maxLabel := -1
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, 0, fmt.Errorf("line %d: expected a JSON object: %w", line, err)
		}
		var d ScrubDoc
		if err := field(rec, "tokens", &d.Tokens, true); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", line, err)
		}
		if err := field(rec, labelsField, &d.Labels, true); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", line, err)
		}
		if len(d.Labels) != len(d.Tokens) {
			return nil, 0, fmt.Errorf("line %d: %d tokens but %d %q labels; expected one label per token", line, len(d.Tokens), len(d.Labels), labelsField)
		}
		for j, c := range d.Labels {
			if c < -1 {
				return nil, 0, fmt.Errorf("line %d: %q label %d at token %d: expected -1 or a class ≥ 0", line, labelsField, c, j)
			}
			maxLabel = max(maxLabel, c)
		}
		if err := field(rec, "num_bytes", &d.Bytes, false); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", line, err)
		}
		if _, ok := rec["num_bytes"]; !ok {
			var text string
			if err := field(rec, "text", &text, false); err != nil {
				return nil, 0, fmt.Errorf("line %d: %w", line, err)
			}
			d.Bytes = len(text)
		}
		if d.Bytes < 0 {
			return nil, 0, fmt.Errorf("line %d: num_bytes %d: expected a count ≥ 0", line, d.Bytes)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	if len(docs) == 0 {
		return nil, 0, errors.New("no documents")
	}
	return docs, maxLabel, nil
}

// field decodes rec[name] into v, failing when a required field is absent.
func field(rec map[string]json.RawMessage, name string, v any, required bool) error {
	raw, ok := rec[name]
	if !ok {
		if required {
			return fmt.Errorf("missing field %q", name)
		}
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("field %q: %w", name, err)
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
