package erase

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fmkit/fmkit/tokenizer"
)

// ReadScrubDocs reads documents with per-token or per-word labels, one JSON
// object per line, in one of two forms:
//
//	{"tokens": [12, 873, 4], "pos": [3, 0, -1], "num_bytes": 14}
//	{"tokens": ["The", "dog", "barked"], "pos": [5, 0, 7]}
//
// In the first, "tokens" holds token ids and the field named by
// labelsField one integer class per token (−1 leaves a token out of the
// fit, such as a special token); the optional "num_bytes" gives the UTF-8
// length of the text the tokens cover, for bits per byte (when absent, the
// length of a "text" string field is used).
//
// In the second (the layout of CoNLL-style datasets such as conll2003's
// "tokens" and "pos_tags"), "tokens" holds words and the labels are per
// word. The words are joined with single spaces and encoded with tok
// (special tokens added as the model expects); every token takes the label
// of the first word its byte range overlaps, so all sub-tokens of a word
// share its label, and tokens overlapping no word (special tokens) get −1.
// num_bytes is the length of the joined text. This form needs tok.
//
// Blank lines are skipped. It returns the documents and the largest label.
func ReadScrubDocs(r io.Reader, labelsField string, tok *tokenizer.Tokenizer) ([]ScrubDoc, int, error) {
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
		d, err := parseScrubDoc(rec, labelsField, tok)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", line, err)
		}
		for _, c := range d.Labels {
			maxLabel = max(maxLabel, c)
		}
		if d.Bytes == 0 { // not set from words: num_bytes, else "text"
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

// parseScrubDoc reads the tokens and labels of one record, in either form.
func parseScrubDoc(rec map[string]json.RawMessage, labelsField string, tok *tokenizer.Tokenizer) (ScrubDoc, error) {
	var d ScrubDoc
	var labels []int
	if err := field(rec, labelsField, &labels, true); err != nil {
		return d, err
	}
	for j, c := range labels {
		if c < -1 {
			return d, fmt.Errorf("%q label %d at position %d: expected -1 or a class ≥ 0", labelsField, c, j)
		}
	}
	raw, ok := rec["tokens"]
	if !ok {
		return d, fmt.Errorf("missing field %q", "tokens")
	}
	var ids []int
	if err := json.Unmarshal(raw, &ids); err == nil {
		if len(labels) != len(ids) {
			return d, fmt.Errorf("%d tokens but %d %q labels; expected one label per token", len(ids), len(labels), labelsField)
		}
		d.Tokens, d.Labels = ids, labels
		return d, nil
	}
	var words []string
	if err := json.Unmarshal(raw, &words); err != nil {
		return d, fmt.Errorf("field \"tokens\": expected token ids or words: %w", err)
	}
	if len(labels) != len(words) {
		return d, fmt.Errorf("%d words but %d %q labels; expected one label per word", len(words), len(labels), labelsField)
	}
	if tok == nil {
		return d, errors.New("words in \"tokens\" need a tokenizer (tokenizer.json in the model directory)")
	}
	text := strings.Join(words, " ")
	ids, offsets := tok.EncodeWithOffsets(text, true)
	d.Tokens, d.Labels, d.Bytes = ids, make([]int, len(ids)), len(text)
	// Word w spans bytes [start[w], start[w]+len(words[w])).
	start := make([]int, len(words))
	for w, pos := 0, 0; w < len(words); w++ {
		start[w] = pos
		pos += len(words[w]) + 1
	}
	w := 0
	for i, off := range offsets {
		d.Labels[i] = -1
		if off.End <= off.Start {
			continue
		}
		for w < len(words) && start[w]+len(words[w]) <= off.Start {
			w++
		}
		if w < len(words) && start[w] < off.End {
			d.Labels[i] = labels[w]
		}
	}
	return d, nil
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
