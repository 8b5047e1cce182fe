package eval

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// ErrOptions is wrapped by Evaluate's error for Options that cannot
// describe a run, reported before any request is built.
var ErrOptions = errors.New("eval: invalid options")

// validate reports every option that cannot describe a run, all at once:
// a Limit that is NaN, infinite or negative (NaN made BuildRequests
// allocate an impossible slice), a negative few-shot count or chunk size.
func (o Options) validate() error {
	var p []string
	if math.IsNaN(o.Limit) || math.IsInf(o.Limit, 0) || o.Limit < 0 {
		p = append(p, fmt.Sprintf("Limit (%v) must be a finite number >= 0 (0: every document)", o.Limit))
	}
	if o.Samples != nil && o.Limit != 0 {
		p = append(p, "Samples and Limit cannot be combined (lm-eval's --samples and --limit)")
	}
	if o.NumFewshot != nil && *o.NumFewshot < 0 {
		p = append(p, fmt.Sprintf("NumFewshot (%d) must be >= 0", *o.NumFewshot))
	}
	if o.BootstrapIters != nil && *o.BootstrapIters < 0 {
		p = append(p, fmt.Sprintf("BootstrapIters (%d) must be >= 0", *o.BootstrapIters))
	}
	if o.ChunkSize < 0 {
		p = append(p, fmt.Sprintf("ChunkSize (%d) must be >= 0", o.ChunkSize))
	}
	if len(p) > 0 {
		return fmt.Errorf("%w: %s", ErrOptions, strings.Join(p, "; "))
	}
	return nil
}

// checkMultipleChoice refuses a multiple-choice document that would be
// scored without meaning: one with no choices (a run of such documents
// reported acc 0 ± 0 from zero requests), or whose gold is none of its
// choices (an index out of range, negative, or a text that is no choice).
// lm-eval logs a warning and scores such a document 0; here it is an error
// before any request of the task is sent, as `fmkit tasks render` reports
// it.
func (t *Task) checkMultipleChoice(id int, doc data.Doc) error {
	tc := t.Config
	choices, err := t.docChoices(doc, tc.DocToChoice)
	if err != nil {
		return &DocError{Task: t.Name, DocID: id, Field: "doc_to_choice", Err: err}
	}
	if len(choices) == 0 {
		return &DocError{Task: t.Name, DocID: id, Field: "doc_to_choice", Err: errors.New("doc_to_choice gave no choices")}
	}
	field := "doc_to_target"
	var gold any
	if t.multipleInput {
		// A multiple-input task's gold is the index doc_to_text gives.
		field = "doc_to_text"
		gold, err = t.docText(doc, tc.DocToText)
	} else {
		gold, err = t.docTarget(doc, tc.DocToTarget)
	}
	if err != nil {
		return &DocError{Task: t.Name, DocID: id, Field: field, Err: err}
	}
	if err := checkGold(gold, choices); err != nil {
		return &DocError{Task: t.Name, DocID: id, Field: field, Err: err}
	}
	return nil
}

// checkGold accepts what processMultipleChoice can score: an index into
// choices, a list of them, or the text of one choice.
func checkGold(gold any, choices []string) error {
	index := func(v any) error {
		i, ok := v.(int64)
		if !ok {
			return fmt.Errorf("%s is not an index into %d choices", describe(v), len(choices))
		}
		if i < 0 || i >= int64(len(choices)) {
			return fmt.Errorf("%d is not an index into %d choices", i, len(choices))
		}
		return nil
	}
	switch g := gold.(type) {
	case []any:
		if len(g) == 0 {
			return fmt.Errorf("an empty list is no gold answer")
		}
		for _, e := range g {
			if err := index(e); err != nil {
				return err
			}
		}
		return nil
	case string:
		for _, c := range choices {
			if c == g {
				return nil
			}
		}
		return fmt.Errorf("%s is none of the %d choices", py.Repr(g), len(choices))
	}
	return index(gold)
}
