package eval

import (
	"fmt"
	"sync"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval/ifeval"
)

// IFEval (lm-eval's ifeval and leaderboard_ifeval) without Python: the
// process_results of both folders' utils.py and their agg_inst_level_acc,
// over the instruction checkers of package eval/ifeval. Checked against
// lm-eval's functions in ifeval_test.go.
func init() {
	for _, dir := range []string{"ifeval", "leaderboard/ifeval"} {
		RegisterResultsFunction(dir+"/utils.process_results", ifevalResults)
		RegisterAggregationFunction(dir+"/utils.agg_inst_level_acc", ifevalInstructionAccuracy)
	}
}

// ifevalChecker is built on first use and never changes (it parses the
// embedded Punkt parameters and language profiles once).
var ifevalChecker = sync.OnceValues(ifeval.New)

// ifevalResults is ifeval's process_results: prompt- and
// instruction-level verdicts, strict and loose, on the first response.
func ifevalResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	in, err := ifevalInput(doc)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("no response")
	}
	response, ok := results[0].(string)
	if !ok {
		return nil, fmt.Errorf("response is %s, expected text", describe(results[0]))
	}
	c, err := ifevalChecker()
	if err != nil {
		return nil, err
	}
	strict, err := c.Strict(in, response)
	if err != nil {
		return nil, err
	}
	loose, err := c.Loose(in, response)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"prompt_level_strict_acc": strict.FollowAll,
		"inst_level_strict_acc":   boolsToList(strict.Follow),
		"prompt_level_loose_acc":  loose.FollowAll,
		"inst_level_loose_acc":    boolsToList(loose.Follow),
	}, nil
}

func boolsToList(b []bool) []any {
	out := make([]any, len(b))
	for i, v := range b {
		out[i] = v
	}
	return out
}

// ifevalInput reads a document's prompt, instruction_id_list and kwargs.
func ifevalInput(doc data.Doc) (ifeval.Input, error) {
	var in ifeval.Input
	p, err := docField(doc, "prompt")
	if err != nil {
		return in, err
	}
	if in.Prompt, err = asString(p, "prompt"); err != nil {
		return in, err
	}
	ids, err := listField(doc, "instruction_id_list")
	if err != nil {
		return in, err
	}
	for i, id := range ids {
		s, err := asString(id, fmt.Sprintf("instruction_id_list[%d]", i))
		if err != nil {
			return in, err
		}
		in.InstructionIDs = append(in.InstructionIDs, s)
	}
	kwargs, err := listField(doc, "kwargs")
	if err != nil {
		return in, err
	}
	for i, kw := range kwargs {
		d, ok := kw.(data.Doc)
		if !ok {
			return in, fmt.Errorf("kwargs[%d] is %s, expected a mapping", i, describe(kw))
		}
		m := make(map[string]any, len(d.Columns))
		for j, c := range d.Columns {
			m[c] = d.Values[j]
		}
		in.Kwargs = append(in.Kwargs, m)
	}
	return in, nil
}

func asString(v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, expected text", what, describe(v))
	}
	return s, nil
}

// ifevalInstructionAccuracy is agg_inst_level_acc: the instruction-level
// verdicts of all documents, flattened, averaged.
func ifevalInstructionAccuracy(items []any) (float64, error) {
	follow := make([][]bool, len(items))
	for i, it := range items {
		l, ok := it.([]any)
		if !ok {
			return 0, fmt.Errorf("item %d is %s, expected a list of verdicts", i, describe(it))
		}
		for j, v := range l {
			b, ok := v.(bool)
			if !ok {
				return 0, fmt.Errorf("item %d verdict %d is %s, expected a bool", i, j, describe(v))
			}
			follow[i] = append(follow[i], b)
		}
	}
	return ifeval.InstructionAccuracy(follow)
}
