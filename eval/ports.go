package eval

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/mathcheck"
)

// Go ports of lm-evaluation-harness task functions, registered by their
// path inside lm_eval/tasks, so that the Open LLM Leaderboard suites and
// the everyday tasks run without Python. Each is checked against the
// Python function's output on fixture documents (ports_test.go,
// testdata/gen/eval/port_fixtures.py).
func init() {
	RegisterResultsFunction("truthfulqa/utils.process_results_mc2", truthfulqaMC2)

	RegisterFunction("leaderboard/gpqa/utils.process_docs", gpqaProcessDocs(true))
	RegisterFunction("gpqa/zeroshot/utils.process_docs", gpqaProcessDocs(false))
	RegisterDocFunction("leaderboard/musr/utils.doc_to_text", musrDocToText)
	RegisterDocFunction("leaderboard/musr/utils.doc_to_choice", musrDocToChoice)
	RegisterDocFunction("leaderboard/mmlu_pro/utils.doc_to_text", mmluProLetters(true))
	RegisterDocFunction("leaderboard/mmlu_pro/utils.doc_to_choice", mmluProLetters(false))

	RegisterDocFunction("leaderboard/math/utils.doc_to_text", minervaDocToText)
	RegisterFunction("leaderboard/math/utils.process_docs", leaderboardMathDocs)
	RegisterSamplesFunction("leaderboard/math/utils.list_fewshot_samples", leaderboardMathSamples)
	RegisterResultsFunction("leaderboard/math/utils.process_results", leaderboardMathResults)

	RegisterDocFunction("race/preprocess_race.doc_to_text", raceDocToText)
	RegisterDocFunction("race/preprocess_race.doc_to_target", raceDocToTarget)
	RegisterDocFunction("race/preprocess_race.doc_to_choice", raceDocToChoice)

	RegisterDocFunction("super_glue/copa/utils.doc_to_text", copaText(map[string]string{"cause": "because", "effect": "therefore"}))
	RegisterDocFunction("super_glue/copa/utils.doc_to_target", copaTarget)
	RegisterDocFunction("super_glue/copa/utils.doc_to_choice", copaChoices(" "))
	RegisterDocFunction("super_glue/wsc/preprocess_wsc.default_doc_to_text", wscDocToText)
	for lang, conn := range xcopaConnectors {
		RegisterDocFunction("xcopa/utils.doc_to_text_"+lang, copaText(map[string]string{"cause": conn[0], "effect": conn[1]}))
	}
	RegisterDocFunction("xcopa/utils.doc_to_choice", copaChoices(""))

	RegisterDocFunction("logiqa/utils_logiqa.doc_to_text", logiqaDocToText)
	RegisterDocFunction("logiqa/utils_logiqa.doc_to_target", logiqaDocToTarget)
	RegisterDocFunction("mathqa/utils.doc_to_choice", mathqaDocToChoice)
	RegisterDocFunction("medqa/preprocess_medqa.doc_to_text", medqaDocToText)
	RegisterDocFunction("medqa/preprocess_medqa.doc_to_target", func(d data.Doc) (any, error) { return docField(d, "label") })
	RegisterDocFunction("pubmedqa/preprocess_pubmedqa.doc_to_text", pubmedqaDocToText)

	RegisterDocFunction("wikitext/preprocess_wikitext.wikitext_detokenizer", wikitextDetokenize)
	RegisterResultsFunction("wikitext/preprocess_wikitext.process_results", wikitextResults)

	RegisterResultsFunction("agieval/utils.process_results_mcqa", agievalMCQA)

	RegisterDocFunction("mmlu_pro/utils.doc_to_text", mmluProCoT)
	RegisterDocFunction("mmlu_pro/utils.fewshot_to_text", mmluProCoT)
	RegisterDocFunction("mmlu_pro/utils.fewshot_to_target", mmluProCoTTarget)
	for _, s := range mmluProSubjects {
		RegisterFunction("mmlu_pro/utils.process_"+strings.ReplaceAll(s, " ", "_"), mmluProSubject(s))
	}
}

// docField returns a document's column.
func docField(d data.Doc, col string) (any, error) {
	v, ok := d.Get(col)
	if !ok {
		return nil, fmt.Errorf("column %q missing", col)
	}
	return v, nil
}

func listField(d data.Doc, col string) ([]any, error) {
	v, err := docField(d, col)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, expected a list", col, describe(v))
	}
	return l, nil
}

// pyIndex is Python's s[i:j] on code points (negative indices count from
// the end, out-of-range ones clip).
func pyIndex(s string, i, j int) string {
	r := []rune(s)
	clip := func(k int) int {
		if k < 0 {
			k += len(r)
		}
		return max(0, min(k, len(r)))
	}
	a, b := clip(i), clip(j)
	if a >= b {
		return ""
	}
	return string(r[a:b])
}

// truthfulqaMC2 is truthfulqa's process_results_mc2: the normalized
// probability mass of the true answers.
func truthfulqaMC2(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	targets, err := docField(doc, "mc2_targets")
	if err != nil {
		return nil, err
	}
	td, ok := targets.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("mc2_targets is %s, expected a mapping", describe(targets))
	}
	labels, err := listField(td, "labels")
	if err != nil {
		return nil, err
	}
	if len(labels) != len(results) {
		return nil, fmt.Errorf("%d labels for %d results", len(labels), len(results))
	}
	probs := make([]float64, len(results))
	sum := 0.0
	for i, r := range results {
		ll, _, err := pair(r)
		if err != nil {
			return nil, err
		}
		f, err := num(ll)
		if err != nil {
			return nil, err
		}
		probs[i] = math.Exp(f)
		sum += probs[i]
	}
	// numpy sums pairwise; for the handful of choices here that is the
	// sequential sum.
	mass := 0.0
	for i, p := range probs {
		if l, _ := num(labels[i]); l == 1 {
			mass += p / sum
		}
	}
	return map[string]any{"acc": mass}, nil
}

// gpqaPreprocess is gpqa's preprocess (bracket removal only in the
// leaderboard's copy).
func gpqaPreprocess(text any, brackets bool) string {
	s, ok := text.(string)
	if !ok {
		return " "
	}
	s = py.Strip(s, nil)
	s = strings.ReplaceAll(s, " [title]", ". ")
	if brackets {
		s = bracketRe.ReplaceAllString(s, "")
	}
	return strings.ReplaceAll(s, "  ", " ")
}

// gpqaProcessDocs is gpqa's process_docs: the four answers shuffled with
// Python's random.shuffle on the process-wide generator, which lm-eval's
// simple_evaluate seeds with 0 before it builds the tasks; the port draws
// from random.Random(0) for each call.
func gpqaProcessDocs(brackets bool) DocsFunc {
	return func(docs []data.Doc) ([]data.Doc, error) {
		rnd := py.NewRandom(0)
		out := make([]data.Doc, len(docs))
		for i, d := range docs {
			var choices []string
			for _, col := range []string{"Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Correct Answer"} {
				v, _ := d.Get(col)
				choices = append(choices, gpqaPreprocess(v, brackets))
			}
			pyShuffle(rnd, choices)
			correct, _ := d.Get("Correct Answer")
			at := indexOf(choices, gpqaPreprocess(correct, brackets))
			cols := append([]string{}, d.Columns...)
			vals := append([]any{}, d.Values...)
			nd := data.Doc{Columns: cols, Values: vals}
			for j, c := range choices {
				nd = setColumn(nd, fmt.Sprintf("choice%d", j+1), c)
			}
			out[i] = setColumn(nd, "answer", fmt.Sprintf("(%c)", 'A'+at))
		}
		return out, nil
	}
}

// pyShuffle is Python's random.shuffle.
func pyShuffle(rnd *py.Random, x []string) {
	for i := len(x) - 1; i > 0; i-- {
		j := rnd.RandBelow(i + 1)
		x[i], x[j] = x[j], x[i]
	}
}

// mustCompile compiles a Python regular expression of the source.
func mustCompile(p string) *py.Regexp {
	re, err := py.Compile(p)
	if err != nil {
		panic(err)
	}
	return re
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// setColumn sets a column as Dataset.map does with a returned dict: an
// existing column keeps its place, a new one is appended.
func setColumn(d data.Doc, col string, v any) data.Doc {
	for i, c := range d.Columns {
		if c == col {
			d.Values[i] = v
			return d
		}
	}
	d.Columns = append(d.Columns, col)
	d.Values = append(d.Values, v)
	return d
}

func literalList(d data.Doc, col string) ([]any, error) {
	v, err := docField(d, col)
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("column %q is %s, expected the text of a Python list", col, describe(v))
	}
	l, err := py.LiteralEval(s)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", col, err)
	}
	list, ok := l.([]any)
	if !ok {
		return nil, fmt.Errorf("column %q is not a list", col)
	}
	return list, nil
}

// musrDocToChoice is musr's doc_to_choice: ast.literal_eval(choices).
func musrDocToChoice(d data.Doc) (any, error) { return literalList(d, "choices") }

// musrDocToText is musr's doc_to_text.
func musrDocToText(d data.Doc) (any, error) {
	choices, err := literalList(d, "choices")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for i, c := range choices {
		fmt.Fprintf(&b, "%d - %s\n", i+1, py.Str(c))
	}
	n, _ := d.Get("narrative")
	q, _ := d.Get("question")
	return py.Str(n) + "\n\n" + py.Str(q) + "\n\n" + b.String() + "\nAnswer:", nil
}

// mmluProLetters is the leaderboard's mmlu_pro doc_to_text (text true) or
// doc_to_choice.
func mmluProLetters(text bool) DocFunc {
	return func(d data.Doc) (any, error) {
		opts, err := listField(d, "options")
		if err != nil {
			return nil, err
		}
		if len(opts) > 26 {
			return nil, fmt.Errorf("%d options, more than the alphabet", len(opts))
		}
		if !text {
			out := make([]any, len(opts))
			for i := range opts {
				out[i] = string(rune('A' + i))
			}
			return out, nil
		}
		q, _ := d.Get("question")
		var b strings.Builder
		b.WriteString(py.Str(q) + "\n")
		for i, o := range opts {
			fmt.Fprintf(&b, "%c. %s\n", 'A'+i, py.Str(o))
		}
		b.WriteString("Answer:")
		return b.String(), nil
	}
}

// leaderboardMathDocs is the leaderboard's MATH process_docs: Level 5
// problems, the answer the last \boxed{} of the solution.
func leaderboardMathDocs(docs []data.Doc) ([]data.Doc, error) {
	var out []data.Doc
	for i, d := range docs {
		if lvl, _ := d.Get("level"); lvl != "Level 5" {
			continue
		}
		sol, err := docString(d, "solution")
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		p, err := docString(d, "problem")
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		ans, err := mathcheck.SolutionAnswer(sol, mathcheck.MinervaCompat)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		// Dataset.map keeps the other columns and updates these in place.
		nd := data.Doc{Columns: append([]string{}, d.Columns...), Values: append([]any{}, d.Values...)}
		nd = setColumn(setColumn(setColumn(nd, "problem", p), "solution", sol), "answer", ans)
		out = append(out, nd)
	}
	return out, nil
}

// leaderboardMathSamples are the leaderboard's four Minerva examples.
func leaderboardMathSamples() ([]data.Doc, error) {
	docs := minervaSamples(false)
	for i, d := range docs {
		docs[i] = data.Doc{Columns: append(append([]string{}, d.Columns...), "level"), Values: append(append([]any{}, d.Values...), "Level 5")}
	}
	return docs, nil
}

// leaderboardMathResults is the leaderboard's MATH process_results:
// exact_match by Math-Verify, exact_match_original by the Minerva
// extraction, normalization and equivalence (identical strings count).
func leaderboardMathResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	gens, err := generations(results)
	if err != nil {
		return nil, err
	}
	sol, err := docString(doc, "solution")
	if err != nil {
		return nil, err
	}
	gold, err := docString(doc, "answer")
	if err != nil {
		return nil, err
	}
	c := mathcheck.NewChecker(nil)
	out := map[string]any{"exact_match": boolInt(c.MathVerify(sol, gens[0]).Equivalent), "exact_match_original": int64(0)}
	raw, ok := mathcheck.GenerationAnswer(gens[0])
	if ok {
		a := mathcheck.Normalize(raw, mathcheck.MinervaCompat)
		g := mathcheck.Normalize(gold, mathcheck.MinervaCompat)
		out["exact_match_original"] = boolInt(py.Strip(a, nil) == py.Strip(g, nil) || c.Check(g, a).Equivalent)
	}
	return out, nil
}

func raceProblems(d data.Doc) ([]data.Doc, error) {
	list, err := literalList(d, "problems")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("no problems")
	}
	out := make([]data.Doc, len(list))
	for i, p := range list {
		pd, ok := p.(*py.Dict)
		if !ok {
			return nil, fmt.Errorf("problem %d is %s, expected a dict", i, describe(p))
		}
		out[i] = dictDoc(pd)
	}
	return out, nil
}

var raceLetters = map[string]int{"A": 0, "B": 1, "C": 2, "D": 3}

func raceAnswer(p data.Doc) (string, error) {
	a, _ := p.Get("answer")
	i, ok := raceLetters[py.Str(a)]
	if !ok {
		return "", fmt.Errorf("answer %s is not A-D", describe(a))
	}
	opts, err := listField(p, "options")
	if err != nil || i >= len(opts) {
		return "", fmt.Errorf("options missing for answer %s", py.Str(a))
	}
	return py.Str(opts[i]), nil
}

// raceDocToText is race's doc_to_text: the article, the earlier questions
// with their answers, the last question.
func raceDocToText(d data.Doc) (any, error) {
	probs, err := raceProblems(d)
	if err != nil {
		return nil, err
	}
	a, _ := d.Get("article")
	text := "Article: " + py.Str(a) + "\n\n"
	for _, p := range probs[:len(probs)-1] {
		qv, _ := p.Get("question")
		q := py.Str(qv)
		ans, err := raceAnswer(p)
		if err != nil {
			return nil, err
		}
		if pyIndex(q, -6, math.MaxInt32) == "  _  ." {
			text += pyIndex(q, 0, -5) + ans + "\n"
		} else {
			text += "Question: " + q + "\n" + "Answer: " + ans + "\n"
		}
	}
	q, _ := probs[len(probs)-1].Get("question")
	return text + py.Str(q), nil
}

func raceDocToTarget(d data.Doc) (any, error) {
	probs, err := raceProblems(d)
	if err != nil {
		return nil, err
	}
	a, _ := probs[len(probs)-1].Get("answer")
	i, ok := raceLetters[py.Str(a)]
	if !ok {
		return nil, fmt.Errorf("answer %s is not A-D", describe(a))
	}
	return int64(i), nil
}

func raceDocToChoice(d data.Doc) (any, error) {
	probs, err := raceProblems(d)
	if err != nil {
		return nil, err
	}
	opts, err := listField(probs[len(probs)-1], "options")
	if err != nil {
		return nil, err
	}
	if len(opts) < 4 {
		return nil, fmt.Errorf("%d options, expected 4", len(opts))
	}
	return append([]any{}, opts[:4]...), nil
}

// lowerFirst is copa's convert_choice: the first character lowered.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// copaText is copa's (and xcopa's) doc_to_text: the premise without its
// last character, and the connector for the question.
func copaText(connector map[string]string) DocFunc {
	return func(d data.Doc) (any, error) {
		q, _ := d.Get("question")
		conn, ok := connector[py.Str(q)]
		if !ok {
			return nil, fmt.Errorf("question %s is neither cause nor effect", describe(q))
		}
		p, err := docString(d, "premise")
		if err != nil {
			return nil, err
		}
		return pyIndex(py.Strip(p, nil), 0, -1) + " " + conn, nil
	}
}

func copaChoices(prefix string) DocFunc {
	return func(d data.Doc) (any, error) {
		var out []any
		for _, c := range []string{"choice1", "choice2"} {
			s, err := docString(d, c)
			if err != nil {
				return nil, err
			}
			out = append(out, prefix+lowerFirst(s))
		}
		return out, nil
	}
}

func copaTarget(d data.Doc) (any, error) {
	l, _ := d.Get("label")
	col := "choice2"
	if n, _ := num(l); n == 0 {
		col = "choice1"
	}
	s, err := docString(d, col)
	if err != nil {
		return nil, err
	}
	return " " + lowerFirst(s), nil
}

var xcopaConnectors = map[string][2]string{
	"et": {"sest", "seetõttu"}, "ht": {"poukisa", "donk sa"}, "it": {"perché", "quindi"},
	"id": {"karena", "maka"}, "qu": {"imataq", "chaymi"}, "sw": {"kwa sababu", "kwa hiyo"},
	"zh": {"因为", "所以"}, "ta": {"காரணமாக", "எனவே"}, "th": {"เพราะ", "ดังนั้น"},
	"tr": {"çünkü", "bu yüzden"}, "vi": {"bởi vì", "vì vậy"},
}

var detokPunct = mustCompile(` (['.,])`)

// generalDetokenize is lm_eval.utils.general_detokenize.
func generalDetokenize(s string) string {
	for _, r := range [][2]string{{" n't", "n't"}, {" )", ")"}, {"( ", "("}, {"\" ", "\""}, {" \"", "\""}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	out, _ := detokPunct.Sub(`\1`, s, 0)
	return out
}

// wscDocToText is SuperGLUE WSC's default_doc_to_text.
func wscDocToText(d data.Doc) (any, error) {
	text, err := docString(d, "text")
	if err != nil {
		return nil, err
	}
	span2, err := docString(d, "span2_text")
	if err != nil {
		return nil, err
	}
	noun, err := docString(d, "span1_text")
	if err != nil {
		return nil, err
	}
	iv, _ := d.Get("span2_index")
	idx, ok := iv.(int64)
	if !ok {
		return nil, fmt.Errorf("span2_index is %s, expected an integer", describe(iv))
	}
	words := py.SplitWhitespace(text, -1)
	pre := strings.Join(words[:max(0, min(int(idx), len(words)))], " ")
	start := len([]rune(pre)) + len([]rune(span2)) + 1
	post := pyIndex(text, start, math.MaxInt32)
	passage := generalDetokenize(pre + " *" + span2 + "*" + post)
	return "Passage: " + passage + "\n" +
		"Question: In the passage above, does the pronoun \"*" + span2 + "*\" refer to \"*" + noun + "*\"?\n" +
		"Answer:", nil
}

func logiqaDocToText(d data.Doc) (any, error) {
	c, _ := d.Get("context")
	q, _ := d.Get("question")
	opts, err := listField(d, "options")
	if err != nil {
		return nil, err
	}
	p := "Passage: " + py.Str(c) + "\n" + "Question: " + py.Str(q) + "\nChoices:\n"
	for i, o := range opts {
		if i >= 4 {
			break
		}
		p += fmt.Sprintf("%c. %s\n", 'A'+i, py.Str(o))
	}
	return p + "Answer:", nil
}

func logiqaDocToTarget(d data.Doc) (any, error) {
	l, err := docString(d, "label")
	if err != nil {
		return nil, err
	}
	i := strings.Index("abcd", py.Strip(l, nil))
	if i < 0 || len(py.Strip(l, nil)) != 1 {
		return nil, fmt.Errorf("label %q is not one of a, b, c, d", l)
	}
	return int64(i), nil
}

var mathqaOptions = mustCompile(`[abcd] \) .*?, |e \) .*?$`)

// mathqaDocToChoice is mathqa's doc_to_choice.
func mathqaDocToChoice(d data.Doc) (any, error) {
	o, err := docString(d, "options")
	if err != nil {
		return nil, err
	}
	ms, err := mathqaOptions.FindAll(o)
	if err != nil {
		return nil, err
	}
	comma := " ,"
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = py.RStrip(pyIndex(m.(string), 4, math.MaxInt32), &comma)
	}
	return out, nil
}

func medqaDocToText(d data.Doc) (any, error) {
	s, _ := d.Get("sent1")
	var b strings.Builder
	for i, col := range []string{"ending0", "ending1", "ending2", "ending3"} {
		v, _ := d.Get(col)
		fmt.Fprintf(&b, "%c. %s\n", 'A'+i, py.Str(v))
	}
	return "Question: " + py.Str(s) + "\n" + b.String() + "Answer:", nil
}

func pubmedqaDocToText(d data.Doc) (any, error) {
	ctxs, err := listField(d, "CONTEXTS")
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(ctxs))
	for i, c := range ctxs {
		parts[i] = py.Str(c)
	}
	q, _ := d.Get("QUESTION")
	return "Abstract: " + strings.Join(parts, "\n") + "\nQuestion: " + py.Str(q) + "\nAnswer:", nil
}

var wikitextSubs = []struct {
	re   *py.Regexp
	repl string
}{
	{mustCompile(`\(\s*([^\)]*?)\s*\)`), `(\1)`},
	{mustCompile(`\[\s*([^\]]*?)\s*\]`), `[\1]`},
	{mustCompile(`{\s*([^}]*?)\s*}`), `{\1}`},
	{mustCompile(`\"\s*([^\"]*?)\s*\"`), `"\1"`},
	{mustCompile(`'\s*([^']*?)\s*'`), `'\1'`},
}

var wikitextSlashQuote = mustCompile(`/' [0-9]/`)

// wikitextDetokenize is wikitext's wikitext_detokenizer.
func wikitextDetokenize(d data.Doc) (any, error) {
	s, err := docString(d, "page")
	if err != nil {
		return nil, err
	}
	s = strings.ReplaceAll(s, "s '", "s'")
	if s, err = wikitextSlashQuote.Sub(`/'[0-9]/`, s, 0); err != nil {
		return nil, err
	}
	for _, r := range [][2]string{{" @-@ ", "-"}, {" @,@ ", ","}, {" @.@ ", "."}, {" : ", ": "}, {" ; ", "; "},
		{" . ", ". "}, {" ! ", "! "}, {" ? ", "? "}, {" , ", ", "}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	for _, sub := range wikitextSubs {
		if s, err = sub.re.Sub(sub.repl, s, 0); err != nil {
			return nil, err
		}
	}
	for _, r := range [][2]string{{"= = = =", "===="}, {"= = =", "==="}, {"= =", "=="}, {" ° ", "°"},
		{" \n", "\n"}, {"\n ", "\n"}, {" N ", " 1 "}, {" 's", "'s"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s, nil
}

// wikitextResults is wikitext's process_results: words and bytes of the
// original page.
func wikitextResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	if len(results) != 1 {
		return nil, fmt.Errorf("expected one rolling log-likelihood, got %d", len(results))
	}
	page, err := docString(doc, "page")
	if err != nil {
		return nil, err
	}
	ll := results[0]
	words := int64(len(wordSplit.Split(page, -1)))
	bytes := int64(len(page))
	return map[string]any{
		"word_perplexity": py.Tuple{ll, words},
		"byte_perplexity": py.Tuple{ll, bytes},
		"bits_per_byte":   py.Tuple{ll, bytes},
	}, nil
}

// agievalMCQA is agieval's process_results_mcqa: acc and acc_norm (by
// characters) against the list of gold indices.
func agievalMCQA(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	lls := make([]float64, len(results))
	for i, r := range results {
		ll, _, err := pair(r)
		if err != nil {
			return nil, err
		}
		if lls[i], err = num(ll); err != nil {
			return nil, err
		}
	}
	golds, err := listField(doc, "gold")
	if err != nil {
		return nil, err
	}
	choices, err := listField(doc, "choices")
	if err != nil {
		return nil, err
	}
	if len(choices) != len(lls) {
		return nil, fmt.Errorf("%d choices for %d results", len(choices), len(lls))
	}
	norm := make([]float64, len(lls))
	for i, c := range choices {
		norm[i] = lls[i] / float64(len([]rune(py.Str(c))))
	}
	in := func(i int) float64 {
		for _, g := range golds {
			if n, _ := num(g); n == float64(i) {
				return 1
			}
		}
		return 0
	}
	return map[string]any{"acc": in(argmax(lls)), "acc_norm": in(argmax(norm))}, nil
}

var mmluProSubjects = []string{"biology", "business", "chemistry", "computer science", "economics", "engineering",
	"health", "history", "law", "math", "other", "philosophy", "physics", "psychology"}

// mmluProSubject is mmlu_pro's process_<subject>: the documents of one
// category.
func mmluProSubject(subject string) DocsFunc {
	return func(docs []data.Doc) ([]data.Doc, error) {
		var out []data.Doc
		for _, d := range docs {
			if c, _ := d.Get("category"); c == subject {
				out = append(out, d)
			}
		}
		return out, nil
	}
}

// mmluProCoT is mmlu_pro's format_cot_example without the answer (its
// doc_to_text and fewshot_to_text).
func mmluProCoT(d data.Doc) (any, error) {
	{
		q, _ := d.Get("question")
		opts, err := listField(d, "options")
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteString("Question:\n" + py.Str(q) + "\nOptions:\n")
		for i, o := range opts {
			if i >= 10 {
				break
			}
			fmt.Fprintf(&b, "%c. %s\n", 'A'+i, py.Strip(py.Str(o), nil))
		}
		b.WriteString("Answer: Let's think step by step.")
		return b.String(), nil
	}
}

// mmluProCoTTarget is mmlu_pro's fewshot_to_target.
func mmluProCoTTarget(d data.Doc) (any, error) {
	c, err := docString(d, "cot_content")
	if err != nil {
		return nil, err
	}
	return strings.ReplaceAll(c, "A: Let's think step by step. ", ""), nil
}
