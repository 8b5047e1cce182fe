package mathcheck

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

type equivCase struct {
	Category   string `json:"category"`
	Gold       string `json:"gold"`
	Pred       string `json:"pred"`
	Equivalent bool   `json:"equivalent"` // decided by hand
	Sympy      bool   `json:"sympy"`      // lm-eval's SymPy-based is_equiv
}

func readEquivFixture(t testing.TB) []equivCase {
	t.Helper()
	f, err := os.Open("testdata/equivalence.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []equivCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c equivCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 300 {
		t.Fatalf("fixture has %d pairs, want at least 300", len(cases))
	}
	return cases
}

// Why SymPy-based scoring (lm-evaluation-harness's is_equiv: parse_latex,
// then simplify(a - b) == 0, no string-equality shortcut) disagrees with
// the hand-checked verdict. Each reason was confirmed by running
// parse_latex on the answers (SymPy 1.11).
const (
	whyTuple           = "parse_latex cannot parse tuples or intervals ((2,-1) and [2,5) are syntax errors) and is_equiv has no string shortcut, so even identical ones fail"
	whyMatrix          = "parse_latex cannot parse \\begin{pmatrix} environments"
	whySetNotation     = "\\{…\\} is a syntax error and \\emptyset, \\varnothing are unrelated plain symbols"
	whyFirstItem       = "parse_latex reads only the first item of a comma list (\"-2,1\" parses as -2), so lists compare by their first items"
	whyPlusMinus       = "parse_latex reads \\pm as a symbol named pm multiplied in, and lists by their first item; fmkit expands ± into the set of values"
	whyTextUnit        = "parse_latex reads \\text{ cm} as the product text·c·m, so a unit makes the value different; fmkit drops text units after a quantity"
	whyText            = "parse_latex reads \\text{(C)} as the product C·text; fmkit compares text answers as text (case-insensitively) or by the letter inside"
	whyDegree          = "parse_latex reads ^\\circ as a power with exponent circ (and ° is a syntax error); fmkit drops degree signs"
	whyPercent         = "\\% is a syntax error for parse_latex (even for identical answers, with no string shortcut); fmkit accepts a percentage against its number or its fraction of 100"
	whyCurrency        = "\\$ is a syntax error for parse_latex; fmkit reads \\$18.90 as 18.90"
	whyMixedNumber     = "parse_latex reads 1\\frac{1}{4} as the product 1·¼; fmkit reads an integer directly before a numeric fraction as a mixed number, as MATH writes them"
	whyRepeating       = "parse_latex cannot parse 0.\\overline{3}; fmkit reads it as the repeating decimal 1/3"
	whyLeadingPoint    = "\".5\" (no digit before the point) is a syntax error for parse_latex"
	whyLeadingZero     = "\"05\" fails in SymPy's sympify (a leading zero is not a Python integer literal)"
	whyTrailingPoint   = "\"7.\" (a trailing point) is a syntax error for parse_latex"
	whyCommandAsSymbol = "parse_latex reads \\text{17} and \\boxed{42} as products with symbols named text and boxed"
	whyBraceless       = "parse_latex requires braces after \\sqrt (\\sqrt2 is a syntax error)"
	whyRealRoot        = "SymPy takes the principal complex cube root of -27; fmkit takes the real root, as answers mean"
	whyPositive        = "fmkit evaluates expressions at positive real points, where √(x²) = x; SymPy makes no assumption about x"
	whyFunctionCall    = "parse_latex reads n(n+1) as a function n applied to n+1, not a product"
	whyRelation        = "is_equiv subtracts the answers, and equations and inequalities cannot be subtracted; fmkit compares relations side by side"
	whyInfinity        = "∞ - ∞ is NaN, which simplify does not reduce to 0"
	whyPiSymbol        = "parse_latex reads \\pi as a plain symbol named pi, so sin(pi/6) is not evaluated"
	whyESymbol         = "parse_latex reads e as a plain symbol; fmkit takes e as Euler's number and i as the imaginary unit"
	whyLeftBar         = "parse_latex cannot parse \\left| … \\right|"
	whyFloat           = "parse_latex reads 6.02 as a binary float, so 6.02·10^23 differs from the integer by about 6.7·10^7"
)

type pair struct{ gold, pred string }

// sympyDisagreements explains every pair of the fixture on which
// SymPy-based scoring differs from the hand-checked verdict.
var sympyDisagreements = map[pair]string{
	{`\frac{1}{2}`, `.5`}:                                  whyLeadingPoint,
	{`\frac{5}{4}`, `1\frac{1}{4}`}:                        whyMixedNumber,
	{`\frac{9}{2}`, `4\frac{1}{2}`}:                        whyMixedNumber,
	{`\frac{100}{3}`, `33\frac{1}{3}`}:                     whyMixedNumber,
	{`5`, `05`}:                                            whyLeadingZero,
	{`17`, `\text{17}`}:                                    whyCommandAsSymbol,
	{`42`, `\boxed{42}`}:                                   whyCommandAsSymbol,
	{`7`, `7.`}:                                            whyTrailingPoint,
	{`\sqrt{2}`, `\sqrt2`}:                                 whyBraceless,
	{`\sqrt[3]{-27}`, `-3`}:                                whyRealRoot,
	{`\sqrt{x^2}`, `x`}:                                    whyPositive,
	{`\sqrt{4x^2}`, `2x`}:                                  whyPositive,
	{`n(n+1)/2`, `\frac{n^2+n}{2}`}:                        whyFunctionCall,
	{`\frac{n(n+1)}{2}`, `\binom{n+1}{2}`}:                 whyFunctionCall,
	{`y=2x+3`, `y=3+2x`}:                                   whyRelation,
	{`[2,5)`, `[2, 5)`}:                                    whyTuple,
	{`(1,4]`, `(1, 4]`}:                                    whyTuple,
	{`(-\infty,3]`, `(-\infty, 3]`}:                        whyTuple,
	{`(-\infty,\infty)`, `(-\infty, \infty)`}:              whyTuple,
	{`[0,\infty)`, `[0, \infty)`}:                          whyTuple,
	{`\left[ -1, \frac{1}{2} \right)`, `[-1,0.5)`}:         whyTuple,
	{`\left[ -1, \frac{1}{2} \right)`, `[-1,\frac{1}{2})`}: whyTuple,
	{`(-\infty,-2)\cup(5,\infty)`, `(-\infty, -2) \cup (5, \infty)`}:                 whyTuple,
	{`(-\infty,-2)\cup(5,\infty)`, `(5,\infty)\cup(-\infty,-2)`}:                     whyTuple,
	{`[\frac{1}{2},2]`, `[0.5,2]`}:                                                   whyTuple,
	{`(0,\frac{\pi}{2})`, `(0,\frac{1}{2}\pi)`}:                                      whyTuple,
	{`[-\sqrt{2},\sqrt{2}]`, `[-\sqrt2,\sqrt2]`}:                                     whyTuple,
	{`(-3,-1)\cup(1,3)`, `(-3,-1)\cup(1,3)`}:                                         whyTuple,
	{`(2,\infty)`, `(2, \infty)`}:                                                    whyTuple,
	{`(2,-1)`, `(2, -1)`}:                                                            whyTuple,
	{`(1,2,3)`, `(1, 2, 3)`}:                                                         whyTuple,
	{`\left( 3, \frac{\pi}{2} \right)`, `(3,\frac{\pi}{2})`}:                         whyTuple,
	{`\left(-\frac{1}{3}, \frac{2}{3}\right)`, `(-\frac13,\frac23)`}:                 whyTuple,
	{`\left(-\frac{1}{3}, \frac{2}{3}\right)`, `(-0.\overline{3},0.\overline{6})`}:   whyTuple,
	{`(0.5,1)`, `(\frac{1}{2},1)`}:                                                   whyTuple,
	{`(\sqrt{2},2)`, `(\sqrt2, 2)`}:                                                  whyTuple,
	{`(a,b)`, `(a, b)`}:                                                              whyTuple,
	{`(1,-2,3)`, `\left(1,-2,3\right)`}:                                              whyTuple,
	{`(4,\frac{\pi}{6})`, `(4, \frac{\pi}{6})`}:                                      whyTuple,
	{`(-8,-8\sqrt{3})`, `(-8, -8\sqrt{3})`}:                                          whyTuple,
	{`(3,4,5)`, `(3,4,5)`}:                                                           whyTuple,
	{`\{1,2,3\}`, `\{3,2,1\}`}:                                                       whySetNotation,
	{`-2,1`, `1,-2`}:                                                                 whyFirstItem,
	{`-2,1`, `-2`}:                                                                   whyFirstItem,
	{`-2,1`, `-2,1,3`}:                                                               whyFirstItem,
	{`1,-1,2`, `2,1,-1`}:                                                             whyFirstItem,
	{`1,-1,2`, `2, 1, -1`}:                                                           whyFirstItem,
	{`\frac{1}{2},2`, `2,0.5`}:                                                       whyFirstItem,
	{`3\pm\sqrt{2}`, `3+\sqrt{2},3-\sqrt{2}`}:                                        whyPlusMinus,
	{`3\pm\sqrt{2}`, `3-\sqrt{2},3+\sqrt{2}`}:                                        whyPlusMinus,
	{`\frac{-1\pm\sqrt{5}}{2}`, `\frac{-1+\sqrt{5}}{2},\frac{-1-\sqrt{5}}{2}`}:       whyPlusMinus,
	{`\pm3`, `3,-3`}:                                                                 whyPlusMinus,
	{`\{1,2\}`, `1,2`}:                                                               whySetNotation,
	{`\emptyset`, `\varnothing`}:                                                     whySetNotation,
	{`\{-1,1\}`, `\{1,-1\}`}:                                                         whySetNotation,
	{`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, `\begin{pmatrix}1\\2\end{pmatrix}`}:     whyMatrix,
	{`\begin{pmatrix} 1 \\ 2 \end{pmatrix}`, `\begin{bmatrix} 1 \\ 2 \end{bmatrix}`}: whyMatrix,
	{`\begin{pmatrix} -1 & 0 \\ 0 & 1 \end{pmatrix}`, `\begin{pmatrix}-1&0\\0&1\end{pmatrix}`}:                                     whyMatrix,
	{`\begin{pmatrix} \frac{1}{2} \\ \frac{\sqrt{3}}{2} \end{pmatrix}`, `\begin{pmatrix} 0.5 \\ \frac{\sqrt{3}}{2} \end{pmatrix}`}: whyMatrix,
	{`\begin{pmatrix} 2 \\ -1 \\ 3 \end{pmatrix}`, `\begin{pmatrix} 2 \\ -1 \\ 3 \end{pmatrix}`}:                                   whyMatrix,
	{`\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}`, `\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}`}:                               whyMatrix,
	{`\begin{pmatrix} 2x \\ x+1 \end{pmatrix}`, `\begin{pmatrix} x+x \\ 1+x \end{pmatrix}`}:                                        whyMatrix,
	{`\begin{pmatrix} 4/5 \\ 3/5 \end{pmatrix}`, `\begin{pmatrix} \frac{4}{5} \\ \frac{3}{5} \end{pmatrix}`}:                       whyMatrix,
	{`\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}`, `\begin{pmatrix} 1 & 0 \\ 0 & 1 \\ \end{pmatrix}`}:                            whyMatrix,
	{`15`, `15\text{ cm}`}:                            whyTextUnit,
	{`15`, `15\text{ m}`}:                             whyTextUnit,
	{`24`, `24\text{ square feet}`}:                   whyTextUnit,
	{`24`, `24 \text{ square units}`}:                 whyTextUnit,
	{`7`, `7\mbox{ ft}`}:                              whyTextUnit,
	{`3`, `3\text{ hours}`}:                           whyTextUnit,
	{`20`, `20\text{ mph}`}:                           whyTextUnit,
	{`42`, `42\text{ ways}`}:                          whyTextUnit,
	{`12`, `12 \text{ meters}`}:                       whyTextUnit,
	{`8`, `8\text{ dollars}`}:                         whyTextUnit,
	{`18.90`, `\$18.90`}:                              whyCurrency,
	{`18.90`, `\$18.9`}:                               whyCurrency,
	{`5`, `\$5`}:                                      whyCurrency,
	{`36\pi`, `36\pi\text{ cubic inches}`}:            whyTextUnit,
	{`4\pi`, `4\pi\text{ square units}`}:              whyTextUnit,
	{`100`, `100\text{ pounds}`}:                      whyTextUnit,
	{`2.5`, `2.5\text{ km}`}:                          whyTextUnit,
	{`30`, `30^\circ`}:                                whyDegree,
	{`30`, `30^{\circ}`}:                              whyDegree,
	{`45`, `45^\circ`}:                                whyDegree,
	{`120`, `120^{\circ}`}:                            whyDegree,
	{`90`, `90°`}:                                     whyDegree,
	{`30^\circ`, `30`}:                                whyDegree,
	{`60`, `60\degree`}:                               whyDegree,
	{`150`, `150^\circ`}:                              whyDegree,
	{`50\%`, `50`}:                                    whyPercent,
	{`50\%`, `0.5`}:                                   whyPercent,
	{`50\%`, `\frac{1}{2}`}:                           whyPercent,
	{`50\%`, `50\%`}:                                  whyPercent,
	{`12.5\%`, `12.5`}:                                whyPercent,
	{`12.5\%`, `0.125`}:                               whyPercent,
	{`12.5\%`, `\frac{1}{8}`}:                         whyPercent,
	{`25`, `25\%`}:                                    whyPercent,
	{`33\frac{1}{3}\%`, `33\frac{1}{3}`}:              whyPercent,
	{`75\%`, `0.75`}:                                  whyPercent,
	{`75\%`, `75`}:                                    whyPercent,
	{`6.02\times10^{23}`, `602000000000000000000000`}: whyFloat,
	{`\text{(C)}`, `C`}:                               whyText,
	{`\text{(C)}`, `(C)`}:                             whyText,
	{`\text{Monday}`, `Monday`}:                       whyText,
	{`\text{neither}`, `\text{Neither}`}:              whyText,
	{`\textbf{(E)}`, `\text{(E)}`}:                    whyText,
	{`\text{Devon}`, `Devon`}:                         whyText,
	{`A`, `\text{(A)}`}:                               whyText,
	{`\text{A, D}`, `A,D`}:                            whyText,
	{`\text{A, D}`, `D,A`}:                            whyText,
	{`e^{\ln 3}`, `3`}:                                whyESymbol,
	{`\sin\frac{\pi}{6}`, `\frac{1}{2}`}:              whyPiSymbol,
	{`\cos\frac{\pi}{3}`, `0.5`}:                      whyPiSymbol,
	{`\tan\frac{\pi}{4}`, `1`}:                        whyPiSymbol,
	{`\sin\frac{\pi}{3}`, `\frac{\sqrt{3}}{2}`}:       whyPiSymbol,
	{`\arctan 1`, `\frac{\pi}{4}`}:                    whyPiSymbol,
	{`\left| -5 \right|`, `5`}:                        whyLeftBar,
	{`3\frac{1}{2}`, `\frac{7}{2}`}:                   whyMixedNumber,
	{`3\frac{1}{2}`, `3.5`}:                           whyMixedNumber,
	{`2\frac{1}{4}`, `\frac{9}{4}`}:                   whyMixedNumber,
	{`0.\overline{3}`, `\frac{1}{3}`}:                 whyRepeating,
	{`1.\overline{27}`, `\frac{14}{11}`}:              whyRepeating,
	{`\infty`, `\infty`}:                              whyInfinity,
	{`x\ge2`, `2\le x`}:                               whyRelation,
	{`a\le b`, `b\ge a`}:                              whyRelation,
}

// TestEquivalenceFixture checks the Checker against hand-checked verdicts
// on answer pairs of every kind (fractions and decimals, reordered sums,
// radicals, intervals, tuples, sets, matrices, units, degrees, percents,
// text), and that every disagreement of SymPy-based scoring with them is
// explained above.
func TestEquivalenceFixture(t *testing.T) {
	c := NewChecker(nil)
	explained := map[pair]bool{}
	for _, e := range readEquivFixture(t) {
		v := c.Check(e.Gold, e.Pred)
		if v.Equivalent != e.Equivalent {
			t.Errorf("%s: %q vs %q: got %v (%s), want %v", e.Category, e.Gold, e.Pred, v.Equivalent, v.Reason, e.Equivalent)
		}
		if v.Reason == "" {
			t.Errorf("%q vs %q: empty reason", e.Gold, e.Pred)
		}
		k := pair{e.Gold, e.Pred}
		if e.Sympy != e.Equivalent {
			if sympyDisagreements[k] == "" {
				t.Errorf("%q vs %q: SymPy says %v, hand-checked %v, and no explanation", e.Gold, e.Pred, e.Sympy, e.Equivalent)
			}
			explained[k] = true
		}
	}
	for k := range sympyDisagreements {
		if !explained[k] {
			t.Errorf("explanation for %q vs %q, on which SymPy does not disagree", k.gold, k.pred)
		}
	}
}
