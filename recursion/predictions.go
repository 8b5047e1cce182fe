package recursion

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrPredictions is wrapped by every error reading predictions.
var ErrPredictions = errors.New("recursion: bad predictions file")

// ReadPredictions reads model answers, one JSON object per line, in
// either of two forms:
//
//   - a sample log of `fmkit eval --log-samples` (or lm-evaluation-harness)
//     on a recursion task: the document is under "doc" (its "call",
//     "bucket" and "tags") and the answer is the first of
//     "filtered_resps";
//   - a plain record {"call": "succ (xI xH)", "output": "xO (xO xH)"}
//     ("prediction" is accepted for "output"; "bucket" and "tags" are
//     optional).
//
// Samples of the _trace tasks (their documents have "next") are counted in
// skipped, not returned: their answers are terms, not function values.
// name is used in error messages.
func ReadPredictions(r io.Reader, name string) (preds []Prediction, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<28)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		p, isTrace, err := parsePrediction([]byte(text))
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %s line %d: %v", ErrPredictions, name, line, err)
		}
		if isTrace {
			skipped++
			continue
		}
		preds = append(preds, p)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrPredictions, name, err)
	}
	return preds, skipped, nil
}

func parsePrediction(b []byte) (Prediction, bool, error) {
	var rec struct {
		Doc        map[string]any `json:"doc"`
		Filtered   any            `json:"filtered_resps"`
		Call       *string        `json:"call"`
		Output     *string        `json:"output"`
		Prediction *string        `json:"prediction"`
		Bucket     string         `json:"bucket"`
		Tags       []string       `json:"tags"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Prediction{}, false, fmt.Errorf("not a JSON object: %v", err)
	}
	var p Prediction
	var call, output string
	switch {
	case rec.Doc != nil:
		if _, isTrace := rec.Doc["next"]; isTrace {
			return p, true, nil
		}
		c, ok := rec.Doc["call"].(string)
		if !ok {
			return p, false, errors.New(`doc has no "call" string: not a recursion task's sample`)
		}
		call = c
		out, ok := firstString(rec.Filtered)
		if !ok {
			return p, false, errors.New(`no string in "filtered_resps"`)
		}
		output = out
		p.Bucket, _ = rec.Doc["bucket"].(string)
		if tags, ok := rec.Doc["tags"].([]any); ok {
			for _, t := range tags {
				if s, ok := t.(string); ok {
					p.Tags = append(p.Tags, s)
				}
			}
		}
	case rec.Call != nil:
		call = *rec.Call
		switch {
		case rec.Output != nil:
			output = *rec.Output
		case rec.Prediction != nil:
			output = *rec.Prediction
		default:
			return p, false, errors.New(`a record with "call" needs "output" (or "prediction")`)
		}
		p.Bucket, p.Tags = rec.Bucket, rec.Tags
	default:
		return p, false, errors.New(`expected an eval sample ("doc", "filtered_resps") or a record ("call", "output")`)
	}
	t, err := Parse(call)
	if err != nil {
		return p, false, fmt.Errorf("call: %v", err)
	}
	if t.Kind != Call {
		return p, false, fmt.Errorf("call %q is not a function applied to arguments", call)
	}
	p.Call, p.Output = t, output
	return p, false, nil
}

// firstString finds the first string in a (nested) list, as lm-eval's
// filtered_resps holds one per request.
func firstString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []any:
		for _, e := range x {
			if s, ok := firstString(e); ok {
				return s, true
			}
		}
	}
	return "", false
}
