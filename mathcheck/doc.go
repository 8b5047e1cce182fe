// Package mathcheck scores mathematical answers as the Minerva and Llemma
// evaluations do, without Python: it extracts answers from model outputs
// and reference solutions, normalizes them with Minerva's rules, decides
// whether two answers are mathematically equivalent, and elects answers by
// majority vote.
//
// # Extraction
//
// GenerationAnswer takes the text between "Final Answer: The final answer
// is" and ". I hope it is correct." from a Minerva-format generation (with
// the published pattern, whose dots match any character). SolutionAnswer
// takes the last boxed expression of a reference solution. Extract does
// either and normalizes; it returns an error wrapping ErrNoAnswer where
// nothing can be extracted.
//
// # Normalization
//
// Normalize is Minerva's normalize_final_answer (Lewkowycz et al. 2022,
// appendix D), as lm-evaluation-harness and the Llemma evaluation fork
// copy it: the text after the last "=", ten substring replacements, 42
// deletions of unit words and TeX fragments, the first $…$ span, \text{},
// \textbf{}, \overline{} and \boxed{} unwrapped, \frac12 and \sqrt2
// expanded, "$" removed, commas dropped from digit strings.
//
// In MinervaCompat mode the output is byte-identical to the published
// function (tested on 1,832 real-looking answers, solutions and
// generations against its Python output), and SolutionAnswer fails with
// ErrNotBoxed where the published remove_boxed raises. The default mode,
// Fixed, keeps the published steps and their order and fixes these bugs:
//
//   - Deletions no longer cut TeX command names: deleting "ft" turned
//     \left into \le, \infty into \iny and \leftarrow into \learrow;
//     deleting "gm" turned \sigma into \sia. Unit words never touch a
//     command name at all: deleting "square" turned \square into "\".
//   - The articles "a " and "an " are deleted only as whole words (the
//     published rule turns \tan x into \tx and \alpha x into \alphx).
//   - A space that ends a command name before a letter is kept (the
//     published rule turns \pi r^2 into the unknown command \pir^2).
//   - The backslash-space rule no longer deletes the second backslash of
//     a TeX line break, which joined the rows of pmatrix answers
//     (\begin{pmatrix}3\\2\end{pmatrix} became 3\2).
//   - \text{}, \textbf{}, \overline{} and \boxed{} are unwrapped by matching
//     braces (the published patterns stop at the first "}" and run to the
//     last "}" of the line: \text{\frac{1}{2}} became \frac{1{2}}), and a
//     repeating decimal keeps its bar (0.\overline{3} became 0.3).
//   - The \frac12 and \sqrt2 shorthands are expanded only for letter and
//     digit arguments (the published rule turns \sqrt[3]{2} into
//     \sqrt{[}3]{2} and \frac\pi2 into \frac{\}{p}i2).
//   - SolutionAnswer reads \fbox{…} like \boxed{…}, and the last box wins
//     whichever form it has (the published function prefers any
//     "\boxed " with a space over a later "\boxed{").
//
// # Equivalence
//
// A Checker compares two answers in this order: identical strings
// (Llemma's shortcut; Options.NoStringShortcut turns it off, as
// lm-evaluation-harness's is_equiv had it off), identical strings after
// layout rewriting (spaces, \left/\right, \!, \dfrac, \text{} wrappers),
// then their parsed values. The LaTeX parser reads numbers (with
// thousands separators, scientific notation and repeating decimals),
// fractions, radicals of any index, powers, π, ∞, \cdot, \times, \div,
// implicit multiplication, unary signs, ±, percentages, degrees, currency
// signs, units in \text{} after a quantity, functions (trigonometric,
// inverse and hyperbolic, \ln, \log, \exp), factorials, binomials,
// absolute values, floors and ceilings, tuples, intervals, unions, sets,
// bare lists, matrices (pmatrix, bmatrix, matrix, array), relations and
// text; it rejects what it does not know rather than guessing.
//
// Numbers and radicals compare by exact arithmetic: values are sums of
// rational multiples of products of prime roots and powers of π, a form in
// which equal values have equal terms. What leaves that form (a division
// by a sum, a transcendental function) compares in floating point with a
// relative tolerance of 1e-8 (absolute 1e-12 near zero; Options.Tolerance).
// Expressions with variables compare at five points (Options.Points) where
// every variable takes a pseudo-random value in [0.5, 2.5), fixed by its
// name; e is Euler's number and i the imaginary unit. Tuples and intervals
// compare element by element with their brackets; sets and bare lists
// ("-2, 1") in any order; matrices entry by entry; relations side by side
// or swapped (x ≥ 2 is 2 ≤ x). A percentage matches its number and its
// fraction of 100 (50\% is 50 and 0.5); degree signs and units are
// dropped; an integer directly before a numeric fraction is a mixed number
// (3\frac{1}{2} is 7/2); ± stands for both values.
//
// Every comparison runs under a time limit (Options.Timeout, 1 s by
// default): past it the answers count as not equivalent and the Verdict
// says so. Every Verdict has a Reason for people.
//
// These choices differ from SymPy-based scoring (parse_latex, then
// simplify(a - b) == 0) on purpose; the tests list, for 368 hand-checked
// pairs, each of the 125 on which SymPy's verdict is wrong and why (it
// cannot parse tuples, intervals, sets, matrices, \%, ^\circ or \$; it
// reads \pi and e as plain symbols, \text{ cm} as a product, and a comma
// list as its first item). Where fmkit evaluates at positive points,
// √(x²) = x, which SymPy does not assume.
//
// # Majority voting
//
// MajorityVote is Llemma's majority_vote: invalid answers get no vote; an
// answer joins the bucket of an identical string, else the first bucket it
// is equivalent to, else opens one; the biggest bucket wins, the earliest
// on ties; the pass rate is the gold bucket's votes over a total the
// caller gives (Llemma's MATH counts every sample, GSM8k only the valid
// ones). Checker.VoteGenerations does the whole MATH scoring of k samples.
//
// # Other scorers
//
// MathVerify is the math_verify metric of lm-evaluation-harness's
// minerva_math: an answer extracted from the whole solution and the whole
// generation in Math-Verify's order of patterns (see verify.go), then
// compared by the Checker. GSM8KGold and GSM8KLlemmaAnswer read GSM8k
// answers as the Llemma fork does. ParseNumeric and NumericEqual are the
// OCW Courses task's numeric answers: units stripped, the number parsed
// (never evaluated as code), and Llemma's numeric_equality.
//
// # Concurrency
//
// A Checker caches parsed answers and is not safe for concurrent use; use
// one per goroutine. Everything else is safe for concurrent use.
package mathcheck
