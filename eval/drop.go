package eval

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// DROP (lm-eval's drop, version 3): the answers of a question as span
// tuples, and exact match and bag-of-words F1 with numbers matched.
func init() {
	RegisterFunction("drop/utils.process_docs", dropProcessDocs)
	RegisterResultsFunction("drop/utils.process_results", dropResults)
}

// dropAnswer is parse_answer: the number, else the spans, else the date.
func dropAnswer(a data.Doc) ([]any, error) {
	num, _ := a.Get("number")
	if s := py.Str(num); s != "" {
		return []any{s}, nil
	}
	spans, _ := a.Get("spans")
	if l, ok := spans.([]any); ok && len(l) > 0 {
		return append([]any{}, l...), nil
	}
	dv, _ := a.Get("date")
	d, ok := dv.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("answer has no number, spans or date")
	}
	day, _ := d.Get("day")
	month, _ := d.Get("month")
	year, _ := d.Get("year")
	return []any{py.Strip(py.Str(day)+" "+py.Str(month)+" "+py.Str(year), nil)}, nil
}

// dropAnswers is get_answers: the answer and the validated answers,
// parsed, without repeats, in order.
func dropAnswers(doc data.Doc) ([]any, error) {
	a, err := docField(doc, "answer")
	if err != nil {
		return nil, err
	}
	ad, ok := a.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("answer is %s, expected a mapping", describe(a))
	}
	cands := []data.Doc{ad}
	vv, err := docField(doc, "validated_answers")
	if err != nil {
		return nil, err
	}
	vd, ok := vv.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("validated_answers is %s, expected a mapping", describe(vv))
	}
	nums, err := listField(vd, "number")
	if err != nil {
		return nil, err
	}
	dates, _ := listField(vd, "date")
	spans, _ := listField(vd, "spans")
	if len(dates) < len(nums) || len(spans) < len(nums) {
		return nil, errors.New("validated_answers: number, date and spans differ in length")
	}
	for i := range nums {
		cands = append(cands, data.Doc{Columns: []string{"number", "date", "spans"}, Values: []any{nums[i], dates[i], spans[i]}})
	}
	var out []any
	seen := map[string]bool{}
	for _, c := range cands {
		ans, err := dropAnswer(c)
		if err != nil {
			return nil, err
		}
		key := py.Repr(py.Tuple(ans))
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, ans)
	}
	return out, nil
}

// dropProcessDocs is drop's process_docs: id, passage, question and the
// parsed answers replace the document's columns of those names, the
// others kept (Dataset.map).
func dropProcessDocs(docs []data.Doc) ([]data.Doc, error) {
	out := make([]data.Doc, len(docs))
	for i, d := range docs {
		answers, err := dropAnswers(d)
		if err != nil {
			return nil, fmt.Errorf("drop: document %d: %w", i, err)
		}
		id, _ := d.Get("query_id")
		passage, _ := d.Get("passage")
		question, _ := d.Get("question")
		nd := data.Doc{Columns: append([]string{}, d.Columns...), Values: append([]any{}, d.Values...)}
		nd = setColumn(nd, "id", id)
		nd = setColumn(nd, "passage", passage)
		nd = setColumn(nd, "question", question)
		out[i] = setColumn(nd, "answers", answers)
	}
	return out, nil
}

// dropResults is drop's process_results: the best em and f1 over the
// gold answers whose first span is not blank.
func dropResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	golds, err := listField(doc, "answers")
	if err != nil {
		return nil, err
	}
	preds := make([]string, len(results))
	for i, r := range results {
		preds[i] = py.Str(r)
	}
	// Python's max(0, x) keeps the integer 0 until a score beats it.
	var maxEM, maxF1 any = int64(0), int64(0)
	raise := func(cur any, v float64) any {
		if f, _ := num(cur); v > f {
			return v
		}
		return cur
	}
	for _, g := range golds {
		gl, ok := g.([]any)
		if !ok || len(gl) == 0 {
			return nil, fmt.Errorf("gold answer %s is not a list of spans", describe(g))
		}
		spans := make([]string, len(gl))
		for i, s := range gl {
			spans[i] = py.Str(s)
		}
		em, f1 := dropMetrics(preds, spans)
		if py.Strip(spans[0], nil) != "" {
			maxEM, maxF1 = raise(maxEM, em), raise(maxF1, f1)
		}
	}
	return map[string]any{"em": maxEM, "f1": maxF1}, nil
}

// dropMetrics is get_metrics: exact match of the normalized span sets,
// and the mean F1 of the best one-to-one alignment of the spans' token
// bags, rounded to two decimals.
func dropMetrics(pred, gold []string) (float64, float64) {
	pn, pb := dropBags(pred)
	gn, gb := dropBags(gold)
	em := 0.0
	if len(pn) == len(gn) && sameSet(pn, gn) {
		em = 1
	}
	scores := make([][]float64, len(gb))
	for i, g := range gb {
		scores[i] = make([]float64, len(pb))
		for j, p := range pb {
			if dropNumbersMatch(g, p) {
				scores[i][j] = bagF1(p, g)
			}
		}
	}
	rows := max(len(gb), len(pb))
	total := bestAssignment(scores)
	f1, _ := strconv.ParseFloat(strconv.FormatFloat(total/float64(rows), 'f', 2, 64), 64)
	return em, f1
}

func sameSet(a, b []string) bool {
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	other := map[string]bool{}
	for _, x := range b {
		if !in[x] {
			return false
		}
		other[x] = true
	}
	return len(in) == len(other)
}

type bag map[string]bool

func dropBags(spans []string) ([]string, []bag) {
	var norm []string
	var bags []bag
	for _, s := range spans {
		n := dropNormalize(s)
		norm = append(norm, n)
		b := bag{}
		for _, t := range py.SplitWhitespace(n, -1) {
			b[t] = true
		}
		bags = append(bags, b)
	}
	return norm, bags
}

func bagF1(pred, gold bag) float64 {
	inter := 0
	for t := range gold {
		if pred[t] {
			inter++
		}
	}
	precision, recall := 1.0, 1.0
	if len(pred) > 0 {
		precision = float64(inter) / float64(len(pred))
	}
	if len(gold) > 0 {
		recall = float64(inter) / float64(len(gold))
	}
	if precision == 0 && recall == 0 {
		return 0
	}
	return 2 * precision * recall / (precision + recall)
}

func dropNumbersMatch(gold, pred bag) bool {
	has, shared := false, false
	for w := range gold {
		if _, ok := pyFloat(w); ok {
			has = true
			if pred[w] {
				shared = true
			}
		}
	}
	return !has || shared
}

// bestAssignment is the largest sum of scores[i][j] over one-to-one
// assignments of rows to columns (scipy's linear_sum_assignment on the
// negated scores); any optimal assignment gives the same mean.
func bestAssignment(scores [][]float64) float64 {
	n := len(scores)
	if n == 0 || len(scores[0]) == 0 {
		return 0
	}
	m := len(scores[0])
	if n > m { // assign the columns to rows instead
		t := make([][]float64, m)
		for j := range t {
			t[j] = make([]float64, n)
			for i := range scores {
				t[j][i] = scores[i][j]
			}
		}
		scores, n, m = t, m, n
	}
	// Rows one by one over the set of used columns (n <= m; DROP has a
	// handful of spans).
	best := map[uint64]float64{0: 0}
	for i := 0; i < n; i++ {
		next := map[uint64]float64{}
		for used, v := range best {
			for j := 0; j < m && j < 64; j++ {
				if used&(1<<j) != 0 {
					continue
				}
				k := used | 1<<j
				if old, ok := next[k]; !ok || v+scores[i][j] > old {
					next[k] = v + scores[i][j]
				}
			}
		}
		best = next
	}
	out := 0.0
	for _, v := range best {
		out = math.Max(out, v)
	}
	return out
}

var dropArticles = mustCompile(`\b(a|an|the)\b`)

// dropNormalize is drop's _normalize: per token (split at spaces and
// hyphens) lower, drop punctuation unless a number, write numbers as
// Python floats, drop articles, fix whitespace.
func dropNormalize(answer string) string {
	var toks []string
	for _, tok := range splitSpaceHyphen(answer) {
		t := strings.ToLower(tok)
		if _, isNum := pyFloat(t); !isNum {
			t = stripASCII(t, asciiPunct)
		}
		if f, isNum := pyFloat(t); isNum {
			t = py.FormatFloat(f)
		}
		t, _ = dropArticles.Sub(" ", t, 0)
		t = strings.Join(py.SplitWhitespace(t, -1), " ")
		if py.Strip(t, nil) != "" {
			toks = append(toks, t)
		}
	}
	return py.Strip(strings.Join(toks, " "), nil)
}

// splitSpaceHyphen is re.split(" |-", s), empty pieces kept.
func splitSpaceHyphen(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '-' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// pyFloat is Python's float(s): surrounding whitespace, underscores
// between digits, inf and nan; no hexadecimal.
func pyFloat(s string) (float64, bool) {
	t := py.Strip(s, nil)
	if t == "" || strings.ContainsAny(t, "xXpP") && !strings.Contains(strings.ToLower(t), "inf") {
		return 0, false
	}
	if strings.Contains(t, "_") {
		for i := 0; i < len(t); i++ {
			if t[i] == '_' && (i == 0 || i == len(t)-1 || !isDigit(t[i-1]) || !isDigit(t[i+1])) {
				return 0, false
			}
		}
		t = strings.ReplaceAll(t, "_", "")
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
