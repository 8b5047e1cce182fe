package eval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/mathcheck"
)

// The functions behind the math tasks of eval/tasks: lm-evaluation-harness's
// minerva_math (folder minerva_math, the names its utils.py has) and the
// Llemma evaluation fork's MATH and GSM8k scoring (folder llemma).
func init() {
	RegisterFunction("minerva_math.utils.process_docs", minervaProcessDocs)
	RegisterDocFunction("minerva_math.utils.doc_to_text", minervaDocToText)
	RegisterSamplesFunction("minerva_math.utils.list_fewshot_samples", func() ([]data.Doc, error) { return minervaSamples(false), nil })
	RegisterResultsFunction("minerva_math.utils.process_results", minervaResults)

	RegisterFunction("llemma.utils.process_docs", minervaProcessDocs)
	RegisterSamplesFunction("llemma.utils.minerva_fewshot_samples", func() ([]data.Doc, error) { return minervaSamples(true), nil })
	RegisterSamplesFunction("llemma.utils.gsm8k_fewshot_samples", llemmaGSM8KSamples)
	RegisterResultsFunction("llemma.utils.process_results_math", llemmaMathResults)
	RegisterResultsFunction("llemma.utils.process_results_gsm8k", llemmaGSM8KResults)
}

// invalidAnswer is what the published extraction returns for a generation
// without the Minerva final-answer sentence.
const invalidAnswer = "[invalidanswer]"

func docString(doc data.Doc, col string) (string, error) {
	v, ok := doc.Get(col)
	s, isStr := v.(string)
	if !ok || !isStr {
		return "", fmt.Errorf("column %q missing or not text", col)
	}
	return s, nil
}

// minervaProcessDocs is minerva_math's process_docs: it adds the column
// "answer", the normalized last box of the solution, computed as the
// published functions compute it (where they would raise, on an \fbox,
// the fixed extraction is used instead).
func minervaProcessDocs(docs []data.Doc) ([]data.Doc, error) {
	out := make([]data.Doc, len(docs))
	var cols []string
	at := -1
	for i, d := range docs {
		sol, err := docString(d, "solution")
		if err != nil {
			return nil, fmt.Errorf("minerva_math process_docs: document %d: %w", i, err)
		}
		if _, err := docString(d, "problem"); err != nil {
			return nil, fmt.Errorf("minerva_math process_docs: document %d: %w", i, err)
		}
		raw, err := mathcheck.SolutionAnswer(sol, mathcheck.MinervaCompat)
		if errors.Is(err, mathcheck.ErrNotBoxed) {
			raw, err = mathcheck.SolutionAnswer(sol, mathcheck.Fixed)
		}
		if err != nil {
			return nil, fmt.Errorf("minerva_math process_docs: document %d: %w", i, err)
		}
		answer := mathcheck.Normalize(raw, mathcheck.MinervaCompat)
		if cols == nil {
			cols = d.Columns
			for j, c := range cols {
				if c == "answer" {
					at = j
				}
			}
			if at < 0 {
				cols = append(append([]string{}, cols...), "answer")
			}
		}
		vals := append([]any{}, d.Values...)
		if at >= 0 {
			vals[at] = answer
		} else {
			vals = append(vals, answer)
		}
		out[i] = data.Doc{Columns: cols, Values: vals}
	}
	return out, nil
}

// minervaDocToText is minerva_math's doc_to_text.
func minervaDocToText(doc data.Doc) (any, error) {
	p, err := docString(doc, "problem")
	if err != nil {
		return nil, err
	}
	return "Problem:\n" + p + "\n\nSolution:", nil
}

// mathOptions reads the math metrics' options from the metric_list:
// minerva_compat: true scores as the published functions do, bugs
// included (see mathcheck.MinervaCompat).
func mathOptions(cfg *TaskConfig) mathcheck.Mode {
	for _, m := range cfg.Metrics {
		if v, ok := m.Kwargs["minerva_compat"]; ok && py.Truth(v) {
			return mathcheck.MinervaCompat
		}
	}
	return mathcheck.Fixed
}

// mathScorer scores MATH answers of one document in one mode.
type mathScorer struct {
	mode    mathcheck.Mode
	checker *mathcheck.Checker
	gold    string
	doc     data.Doc
}

func newMathScorer(doc data.Doc, cfg *TaskConfig, llemma bool) (*mathScorer, error) {
	mode := mathOptions(cfg)
	opts := &mathcheck.Options{}
	if mode == mathcheck.MinervaCompat && !llemma {
		// lm-eval's is_equiv has no string-equality shortcut; Llemma's has.
		opts.NoStringShortcut = true
	}
	s := &mathScorer{mode: mode, checker: mathcheck.NewChecker(opts), doc: doc}
	var err error
	if mode == mathcheck.MinervaCompat {
		s.gold, err = docString(doc, "answer")
	} else {
		var sol, raw string
		if sol, err = docString(doc, "solution"); err == nil {
			if raw, err = mathcheck.SolutionAnswer(sol, mathcheck.Fixed); err == nil {
				s.gold = mathcheck.Normalize(raw, mathcheck.Fixed)
			}
		}
	}
	return s, err
}

// answer extracts and normalizes a generation's answer; ok is false for an
// invalid one.
func (s *mathScorer) answer(generation string) (string, bool) {
	raw, ok := mathcheck.GenerationAnswer(generation)
	if !ok {
		return invalidAnswer, false
	}
	return mathcheck.Normalize(raw, s.mode), true
}

func (s *mathScorer) equal(a, b string) bool { return s.checker.Check(a, b).Equivalent }

// verifyVote is the math_verify metric over k generations: the answers
// Math-Verify's order extracts, voted on the same way.
func (s *mathScorer) verifyVote(gens []string) (int64, error) {
	sol, err := docString(s.doc, "solution")
	if err != nil {
		return 0, err
	}
	gold, ok := s.checker.VerifyAnswer(sol)
	if !ok {
		return 0, nil
	}
	if len(gens) == 1 {
		return boolInt(s.checker.MathVerify(sol, gens[0]).Equivalent), nil
	}
	var answers []string
	for _, g := range gens {
		if a, ok := s.checker.VerifyAnswer(g); ok {
			answers = append(answers, a)
		}
	}
	return boolInt(mathcheck.MajorityVote(answers, gold, len(gens), s.equal).Correct), nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// generations returns a document's responses: one string, or the list a
// take_first_k filter keeps.
func generations(results []any) ([]string, error) {
	if len(results) != 1 {
		return nil, fmt.Errorf("expected the responses of one request, got %d", len(results))
	}
	switch r := results[0].(type) {
	case string:
		return []string{r}, nil
	case []any:
		out := make([]string, len(r))
		for i, x := range r {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("response %d is %s, expected text", i, py.Repr(x))
			}
			out[i] = s
		}
		if len(out) == 0 {
			return nil, errors.New("no responses")
		}
		return out, nil
	}
	return nil, fmt.Errorf("response is %s, expected text", py.Repr(results[0]))
}

// minervaResults is minerva_math's process_results: exact_match (the
// Minerva normalization, then equivalence) and math_verify. Given several
// responses (repeats with take_first_k) it scores their majority vote and
// adds pass_rate.
func minervaResults(doc data.Doc, results []any, cfg *TaskConfig) (map[string]any, error) {
	return mathResults(doc, results, cfg, false)
}

// llemmaMathResults is the Llemma fork's MATH scoring: the same extraction
// and normalization, the string-equality shortcut always on, and for k
// responses its majority vote with the pass rate over all k.
func llemmaMathResults(doc data.Doc, results []any, cfg *TaskConfig) (map[string]any, error) {
	return mathResults(doc, results, cfg, true)
}

func mathResults(doc data.Doc, results []any, cfg *TaskConfig, llemma bool) (map[string]any, error) {
	gens, err := generations(results)
	if err != nil {
		return nil, err
	}
	s, err := newMathScorer(doc, cfg, llemma)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if len(gens) == 1 {
		a, ok := s.answer(gens[0])
		correct := ok && s.equal(s.gold, a)
		out["exact_match"] = boolInt(correct)
		out["pass_rate"] = float64(boolInt(correct))
	} else {
		e := s.checker.VoteGenerations(s.gold, gens, s.mode)
		out["exact_match"] = boolInt(e.Correct)
		out["pass_rate"] = e.PassRate
	}
	if out["math_verify"], err = s.verifyVote(gens); err != nil {
		return nil, err
	}
	return out, nil
}

// llemmaGSM8KResults is the Llemma fork's GSM8k scoring: the gold number
// after "####", the model's first "The answer is N" (N a non-negative
// integer), exact string comparison; for k responses the majority vote
// of the valid answers, the pass rate over the valid ones.
func llemmaGSM8KResults(doc data.Doc, results []any, _ *TaskConfig) (map[string]any, error) {
	gens, err := generations(results)
	if err != nil {
		return nil, err
	}
	sol, err := docString(doc, "answer")
	if err != nil {
		return nil, err
	}
	gold, ok := mathcheck.GSM8KGold(sol)
	if !ok {
		gold = "[invalid]"
	}
	var answers []string
	for _, g := range gens {
		if a, ok := mathcheck.GSM8KLlemmaAnswer(g); ok {
			answers = append(answers, a)
		}
	}
	if len(gens) == 1 {
		correct := len(answers) == 1 && answers[0] == gold
		return map[string]any{"exact_match": boolInt(correct), "pass_rate": float64(boolInt(correct))}, nil
	}
	e := mathcheck.MajorityVote(answers, gold, len(answers), func(a, b string) bool { return a == b })
	return map[string]any{"exact_match": boolInt(e.Correct), "pass_rate": e.PassRate}, nil
}

// minervaSamples are the four Minerva few-shot examples (Lewkowycz et al.
// 2022). lm-evaluation-harness's copy ends the align rows of the third
// and fourth examples with a single backslash; the Llemma fork's prompt,
// a raw string, with two (TeX's line break).
func minervaSamples(llemma bool) []data.Doc {
	cols := []string{"problem", "solution", "few_shot"}
	docs := make([]data.Doc, len(minervaExamples))
	for i, e := range minervaExamples {
		p, s := e[0], e[1]
		if llemma {
			p = strings.ReplaceAll(p, "\\\n", "\\\\\n")
			s = strings.ReplaceAll(s, "\\\n", "\\\\\n")
		}
		docs[i] = data.Doc{Columns: cols, Values: []any{p, s, "1"}}
	}
	return docs
}

var minervaExamples = [...][2]string{
	{
		`Find the domain of the expression  $\frac{\sqrt{x-2}}{\sqrt{5-x}}$.}`,
		`The expressions inside each square root must be non-negative. Therefore, $x-2 \ge 0$, so $x\ge2$, and $5 - x \ge 0$, so $x \le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\boxed{[2,5)}$.
Final Answer: The final answer is $[2,5)$. I hope it is correct.`,
	},
	{
		`If $\det \mathbf{A} = 2$ and $\det \mathbf{B} = 12,$ then find $\det (\mathbf{A} \mathbf{B}).$`,
		`We have that $\det (\mathbf{A} \mathbf{B}) = (\det \mathbf{A})(\det \mathbf{B}) = (2)(12) = \boxed{24}.$
Final Answer: The final answer is $24$. I hope it is correct.`,
	},
	{
		`Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?`,
		`If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\cdot 12\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\cdot15\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:
\begin{align*}
30n&=480\
\Rightarrow\qquad n&=480/30=\boxed{16}
\end{align*}
Final Answer: The final answer is $16$. I hope it is correct.`,
	},
	{
		`If the system of equations

\begin{align*}
6x-4y&=a,\
6y-9x &=b.
\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,
find $\frac{a}{b},$ assuming $b$ is nonzero.`,
		`If we multiply the first equation by $-\frac{3}{2}$, we obtain

$$6y-9x=-\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have

$$-\frac{3}{2}a=b\Rightarrow\frac{a}{b}=\boxed{-\frac{2}{3}}.$$
Final Answer: The final answer is $-\frac{2}{3}$. I hope it is correct.`,
	},
}

// llemmaGSM8KSamples are the eight chain-of-thought examples of Wei et al.
// (2022) as the Llemma fork's GSM8k prompt writes them (a double space in
// the second answer, "\$" in the last question).
func llemmaGSM8KSamples() ([]data.Doc, error) {
	cols := []string{"question", "target"}
	docs := make([]data.Doc, len(gsm8kExamples))
	for i, e := range gsm8kExamples {
		docs[i] = data.Doc{Columns: cols, Values: []any{e[0], e[1]}}
	}
	return docs, nil
}

var gsm8kExamples = [...][2]string{
	{"There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
		"There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6."},
	{"If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
		"There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5.  The answer is 5."},
	{"Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
		"Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39."},
	{"Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
		"Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8."},
	{"Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
		"Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9."},
	{"There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
		"There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29."},
	{"Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
		"Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33."},
	{`Olivia has \$23. She bought five bagels for \$3 each. How much money does she have left?`,
		"Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8."},
}
