package eval

import (
	"fmt"

	"github.com/fmkit/fmkit/data"
)

// DecontaminationText returns the text of doc that a contamination check
// compares with training data, as lm-evaluation-harness chooses it: the
// task's doc_to_decontamination_query when it sets one, otherwise its
// doc_to_text. The contamination logic itself is in package search/ngram.
func (t *Task) DecontaminationText(doc data.Doc) (string, error) {
	spec := t.Config.DocToText
	if t.Config.raw != nil {
		if v, ok := t.Config.raw.dict.Get("doc_to_decontamination_query"); ok && v != nil {
			spec = v
		}
	}
	v, err := t.resolveField(doc, spec, "doc_to_text")
	if err != nil {
		return "", fmt.Errorf("eval: task %s: %w", t.Name, err)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("eval: task %s: doc_to_text gives %T, not text (set doc_to_decontamination_query)", t.Name, v)
	}
	return s, nil
}
