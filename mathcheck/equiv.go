package mathcheck

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Options configure a Checker. The zero value (or nil) means the defaults.
type Options struct {
	// Timeout bounds one comparison; past it the answers count as not
	// equivalent and the verdict says so. The default is 1 second.
	Timeout time.Duration
	// Points is the number of random points at which expressions with
	// variables are compared. The default is 5.
	Points int
	// Tolerance is the relative tolerance of floating-point comparisons
	// (expressions that exact arithmetic cannot decide, and expressions
	// with variables); an absolute 1e-12 applies near zero. The default
	// is 1e-8.
	Tolerance float64
	// NoStringShortcut makes identical strings equivalent only when they
	// parse, as lm-evaluation-harness's is_equiv did before it gained a
	// string-equality check. The default (false) is Llemma's rule:
	// identical strings are equivalent.
	NoStringShortcut bool
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Timeout <= 0 {
		out.Timeout = time.Second
	}
	if out.Points <= 0 {
		out.Points = 5
	}
	if out.Tolerance <= 0 || math.IsNaN(out.Tolerance) {
		out.Tolerance = 1e-8
	}
	return out
}

// Validate reports every invalid setting at once.
func (o *Options) Validate() error {
	if o == nil {
		return nil
	}
	var errs []string
	if o.Timeout < 0 {
		errs = append(errs, fmt.Sprintf("Timeout (%v) must not be negative", o.Timeout))
	}
	if o.Points < 0 {
		errs = append(errs, fmt.Sprintf("Points (%d) must not be negative", o.Points))
	}
	if o.Tolerance < 0 || math.IsNaN(o.Tolerance) || math.IsInf(o.Tolerance, 0) || o.Tolerance >= 1 {
		errs = append(errs, fmt.Sprintf("Tolerance (%v) must be in [0, 1)", o.Tolerance))
	}
	if errs != nil {
		return fmt.Errorf("mathcheck: %s", strings.Join(errs, "; "))
	}
	return nil
}

// A Verdict is the outcome of one comparison.
type Verdict struct {
	Equivalent bool
	// Reason says why, for people: "identical strings", "equal exact
	// values (1/2)", "different values: 1/2 vs 3/5", "pred does not parse:
	// …", "timed out after 1s".
	Reason string
	// TimedOut is set when the time limit decided the verdict.
	TimedOut bool
}

// A Checker decides whether two answers are mathematically equivalent.
// It caches parsed answers, so reusing one across the comparisons of a
// majority vote is cheap. A Checker is not safe for concurrent use.
type Checker struct {
	opts  Options
	cache map[string]parsed
}

type parsed struct {
	n   *node
	err error
}

// maxCache bounds the parse cache; it is cleared when full.
const maxCache = 4096

// NewChecker returns a Checker; opts may be nil for the defaults.
func NewChecker(opts *Options) *Checker {
	return &Checker{opts: opts.withDefaults(), cache: map[string]parsed{}}
}

// Equivalent reports whether two answers (normalized, as is_equiv
// receives them) are mathematically the same with default options.
func Equivalent(gold, pred string) bool {
	return NewChecker(nil).Check(gold, pred).Equivalent
}

func (c *Checker) parse(s string) (*node, error) {
	if p, ok := c.cache[s]; ok {
		return p.n, p.err
	}
	n, err := parseLatex(s)
	if len(c.cache) >= maxCache {
		clear(c.cache)
	}
	c.cache[s] = parsed{n, err}
	return n, err
}

// Check compares gold and pred: identical strings, then the same strings
// after rewriting layout (spaces, \left/\right, \dfrac, \text{}, …), then
// their parsed values — exact arithmetic for numbers and radicals,
// floating point for the rest, random points for expressions with
// variables, element by element for tuples, intervals, sets and
// matrices.
func (c *Checker) Check(gold, pred string) Verdict {
	if !c.opts.NoStringShortcut {
		if gold == pred {
			return Verdict{Equivalent: true, Reason: "identical strings"}
		}
		if cg, cp := canonical(gold), canonical(pred); cg == cp && cg != "" {
			return Verdict{Equivalent: true, Reason: "identical after rewriting layout"}
		}
	}
	g, err := c.parse(gold)
	if err != nil {
		return Verdict{Reason: "gold does not parse: " + errText(err)}
	}
	p, err := c.parse(pred)
	if err != nil {
		return Verdict{Reason: "pred does not parse: " + errText(err)}
	}
	b := &budget{deadline: time.Now().Add(c.opts.Timeout)}
	cmp := &comparer{opts: c.opts, b: b}
	ok, reason, err := cmp.compare(g, p)
	if errors.Is(err, ErrTimeout) {
		return Verdict{Reason: fmt.Sprintf("timed out after %v", c.opts.Timeout), TimedOut: true}
	}
	if err != nil {
		return Verdict{Reason: errText(err)}
	}
	return Verdict{Equivalent: ok, Reason: reason}
}

func errText(err error) string {
	return strings.TrimPrefix(err.Error(), "mathcheck: ")
}

// canonical rewrites layout that never changes a value, for the string
// comparison.
func canonical(s string) string {
	s = stripMathDelimiters(strings.TrimSpace(s))
	var b strings.Builder
	for i := 0; i < len(s); {
		rest := s[i:]
		if rest[0] == '\\' {
			j := 1
			for j < len(rest) && isASCIILetter(rest[j]) {
				j++
			}
			if j == 1 && len(rest) > 1 {
				j = 2
			}
			name := rest[1:j]
			switch {
			case spacing[name]:
				i += j
				if (name == "left" || name == "right") && i < len(s) && s[i] == '.' {
					i++
				}
				continue
			case name == "dfrac" || name == "tfrac":
				b.WriteString(`\frac`)
				i += j
				continue
			case name == "dbinom" || name == "tbinom":
				b.WriteString(`\binom`)
				i += j
				continue
			case textCommands[name] && j < len(rest) && rest[j] == '{':
				if end := matchBrace(rest, j); end > 0 {
					b.WriteString(canonical(rest[j+1 : end]))
					i += end + 1
					continue
				}
			}
			b.WriteString(rest[:j])
			i += j
			continue
		}
		if rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '~' {
			i++
			continue
		}
		b.WriteByte(rest[0])
		i++
	}
	return strings.TrimRight(b.String(), ".")
}

type comparer struct {
	opts Options
	b    *budget
}

// compare decides equivalence of two parsed answers, with a reason.
func (c *comparer) compare(g, p *node) (bool, string, error) {
	if hasPM(g) || hasPM(p) {
		return c.compareExpanded(g, p)
	}
	g, p = stripDegree(g), stripDegree(p)
	switch {
	case g.kind == nPercent && p.kind != nPercent:
		return c.comparePercent(g, p, "gold")
	case p.kind == nPercent && g.kind != nPercent:
		return c.comparePercent(p, g, "pred")
	}
	if g.isList() || p.isList() || g.kind == nRel || p.kind == nRel || g.kind == nText || p.kind == nText {
		return c.compareStructure(g, p)
	}
	return c.compareScalar(g, p)
}

func stripDegree(n *node) *node {
	for n.kind == nDegree {
		n = n.args[0]
	}
	return n
}

// comparePercent accepts a percentage against its number or its fraction:
// 50\% matches 50 and 0.5.
func (c *comparer) comparePercent(pct, other *node, side string) (bool, string, error) {
	ok, _, err := c.compare(pct.args[0], other)
	if err != nil || ok {
		return ok, "equal with the percent sign dropped", err
	}
	ok, reason, err := c.compareScalar(pct, other)
	if ok {
		reason = "equal as a fraction of 100 (" + side + " is a percentage)"
	}
	return ok, reason, err
}

func (c *comparer) compareStructure(g, p *node) (bool, string, error) {
	gk, pk := listKind(g), listKind(p)
	switch {
	case gk == "set" && pk == "set", gk == "list" && pk == "list", gk == "set" && pk == "list", gk == "list" && pk == "set":
		return c.compareUnordered(items(g), items(p))
	case g.kind == nSeq && p.kind == nSeq:
		if g.open != p.open || g.close != p.close {
			return false, fmt.Sprintf("different brackets: %s…%s vs %s…%s", g.open, g.close, p.open, p.close), nil
		}
		return c.compareOrdered(g.args, p.args, "elements")
	case g.kind == nUnion && p.kind == nUnion:
		if ok, reason, err := c.compareOrdered(g.args, p.args, "parts"); ok || err != nil {
			return ok, reason, err
		}
		return c.compareUnordered(g.args, p.args)
	case g.kind == nMatrix && p.kind == nMatrix:
		if len(g.args) != len(p.args) || len(g.args[0].args) != len(p.args[0].args) {
			return false, fmt.Sprintf("matrices of different shapes: %d×%d vs %d×%d", len(g.args), len(g.args[0].args), len(p.args), len(p.args[0].args)), nil
		}
		for i := range g.args {
			if ok, reason, err := c.compareOrdered(g.args[i].args, p.args[i].args, "entries"); !ok || err != nil {
				return false, fmt.Sprintf("row %d: %s", i+1, reason), err
			}
		}
		return true, "equal matrices, entry by entry", nil
	case g.kind == nRel && p.kind == nRel:
		return c.compareRelation(g, p)
	case g.kind == nText && p.kind == nText:
		if strings.EqualFold(strings.TrimSpace(g.name), strings.TrimSpace(p.name)) {
			return true, "same text", nil
		}
		return false, fmt.Sprintf("different text: %q vs %q", g.name, p.name), nil
	}
	return false, fmt.Sprintf("different kinds of answer: %s vs %s", describeNode(g), describeNode(p)), nil
}

// listKind groups the unordered collections: sets and bare lists.
func listKind(n *node) string {
	switch n.kind {
	case nSet, nEmpty:
		return "set"
	case nList:
		return "list"
	}
	return ""
}

func items(n *node) []*node {
	if n.kind == nEmpty {
		return nil
	}
	return n.args
}

func describeNode(n *node) string {
	switch n.kind {
	case nSeq:
		if len(n.args) == 2 && (n.open != n.close) {
			return "an interval"
		}
		return fmt.Sprintf("a %s…%s tuple of %d", n.open, n.close, len(n.args))
	case nList:
		return fmt.Sprintf("a list of %d", len(n.args))
	case nSet, nEmpty:
		return "a set"
	case nUnion:
		return "a union"
	case nMatrix:
		return "a matrix"
	case nRel:
		return "a relation"
	case nText:
		return fmt.Sprintf("the text %q", n.name)
	}
	return "a number or expression"
}

func (c *comparer) compareOrdered(g, p []*node, what string) (bool, string, error) {
	if len(g) != len(p) {
		return false, fmt.Sprintf("different numbers of %s: %d vs %d", what, len(g), len(p)), nil
	}
	for i := range g {
		ok, reason, err := c.compare(g[i], p[i])
		if err != nil {
			return false, "", err
		}
		if !ok {
			return false, fmt.Sprintf("%s %d differ: %s", what, i+1, reason), nil
		}
	}
	return true, fmt.Sprintf("equal %s, in order", what), nil
}

// compareUnordered matches the elements of g and p one to one, in any
// order.
func (c *comparer) compareUnordered(g, p []*node) (bool, string, error) {
	if len(g) != len(p) {
		return false, fmt.Sprintf("different numbers of elements: %d vs %d", len(g), len(p)), nil
	}
	used := make([]bool, len(p))
	for i, x := range g {
		found := false
		for j, y := range p {
			if used[j] {
				continue
			}
			ok, _, err := c.compare(x, y)
			if err != nil {
				return false, "", err
			}
			if ok {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false, fmt.Sprintf("gold element %d has no match", i+1), nil
		}
	}
	return true, "equal elements, in any order", nil
}

// flipped relations: a <= b is b >= a.
var flipped = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}

func (c *comparer) compareRelation(g, p *node) (bool, string, error) {
	if g.name == p.name {
		ok, _, err := c.compareOrdered(g.args, p.args, "sides")
		if ok || err != nil {
			return ok, "same relation, equal sides", err
		}
	}
	if flipped[g.name] == p.name {
		ok, _, err := c.compareOrdered(g.args, []*node{p.args[1], p.args[0]}, "sides")
		if ok || err != nil {
			return ok, "same relation, sides swapped", err
		}
	}
	return false, fmt.Sprintf("different relations: %s vs %s", g.name, p.name), nil
}

// hasPM reports whether n holds a ± outside a list.
func hasPM(n *node) bool {
	if n == nil {
		return false
	}
	if n.kind == nPM {
		return true
	}
	if n.isList() {
		return false
	}
	for _, a := range n.args {
		if hasPM(a) {
			return true
		}
	}
	return false
}

// compareExpanded compares answers with ± as the sets of their values:
// 3 \pm \sqrt{2} matches 3+\sqrt{2}, 3-\sqrt{2}.
func (c *comparer) compareExpanded(g, p *node) (bool, string, error) {
	ge, pe := expandPM(g), expandPM(p)
	if ge == nil || pe == nil {
		return false, "too many ± signs", nil
	}
	ok, reason, err := c.compareUnordered(flattenLists(ge), flattenLists(pe))
	if ok {
		reason = "equal values with ± expanded"
	}
	return ok, reason, err
}

func flattenLists(ns []*node) []*node {
	var out []*node
	for _, n := range ns {
		if n.kind == nList {
			out = append(out, n.args...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// expandPM returns the values of n with each ± taken both ways (at most
// three ± signs), or nil.
func expandPM(n *node) []*node {
	if n.kind == nList {
		var out []*node
		for _, a := range n.args {
			e := expandPM(a)
			if e == nil {
				return nil
			}
			out = append(out, e...)
		}
		return out
	}
	if !hasPM(n) {
		return []*node{n}
	}
	count := 0
	var countPM func(*node)
	countPM = func(m *node) {
		if m == nil {
			return
		}
		if m.kind == nPM {
			count++
		}
		for _, a := range m.args {
			countPM(a)
		}
	}
	countPM(n)
	if count > 3 {
		return nil
	}
	var out []*node
	for mask := 0; mask < 1<<count; mask++ {
		k := 0
		out = append(out, choosePM(n, mask, &k))
	}
	return out
}

// choosePM copies n, replacing the k-th ± by + or - as bit k of mask says.
func choosePM(n *node, mask int, k *int) *node {
	if n == nil {
		return nil
	}
	if n.kind == nPM {
		minus := mask>>*k&1 == 1
		*k++
		left, right := choosePM(n.args[0], mask, k), choosePM(n.args[1], mask, k)
		if minus {
			right = &node{kind: nNeg, args: []*node{right}}
		}
		if left == nil {
			return right
		}
		return &node{kind: nAdd, args: []*node{left, right}}
	}
	if len(n.args) == 0 {
		return n
	}
	m := *n
	m.args = make([]*node, len(n.args))
	for i, a := range n.args {
		m.args[i] = choosePM(a, mask, k)
	}
	return &m
}

// compareScalar compares two numbers or expressions.
func (c *comparer) compareScalar(g, p *node) (bool, string, error) {
	vars := map[string]bool{}
	variables(g, vars)
	variables(p, vars)
	if len(vars) == 0 {
		return c.compareConstants(g, p)
	}
	return c.comparePoints(g, p, vars)
}

func (c *comparer) compareConstants(g, p *node) (bool, string, error) {
	ge, gerr := exact(g, c.b)
	pe, perr := exact(p, c.b)
	for _, err := range []error{gerr, perr} {
		if errors.Is(err, ErrTimeout) {
			return false, "", err
		}
	}
	if gerr == nil && perr == nil {
		if ge.equal(pe) {
			return true, "equal exact values (" + ge.String() + ")", nil
		}
		return false, "different exact values: " + ge.String() + " vs " + pe.String(), nil
	}
	gv, err := numeric(g, nil, c.b)
	if err != nil {
		return false, "gold has no numeric value: " + errText(err), errTimeoutOnly(err)
	}
	pv, err := numeric(p, nil, c.b)
	if err != nil {
		return false, "pred has no numeric value: " + errText(err), errTimeoutOnly(err)
	}
	if c.close(gv, pv) {
		return true, "numerically equal (≈" + fmtComplex(gv) + ")", nil
	}
	return false, "different values: ≈" + fmtComplex(gv) + " vs ≈" + fmtComplex(pv), nil
}

func errTimeoutOnly(err error) error {
	if errors.Is(err, ErrTimeout) {
		return err
	}
	return nil
}

// comparePoints evaluates both sides at random points, the same values
// for the same variable names on both sides.
func (c *comparer) comparePoints(g, p *node, vars map[string]bool) (bool, string, error) {
	names := make([]string, 0, len(vars))
	for v := range vars {
		names = append(names, v)
	}
	sort.Strings(names)
	valid := 0
	env := make(map[string]complex128, len(names))
	for k := 0; k < 3*c.opts.Points && valid < c.opts.Points; k++ {
		for _, v := range names {
			env[v] = complex(pointValue(v, k), 0)
		}
		gv, gerr := numeric(g, env, c.b)
		pv, perr := numeric(p, env, c.b)
		for _, err := range []error{gerr, perr} {
			if errors.Is(err, ErrTimeout) {
				return false, "", err
			}
		}
		if gerr != nil || perr != nil {
			if gerr != nil && perr != nil {
				return false, "neither side has a numeric value", nil
			}
			return false, "only one side has a numeric value", nil
		}
		if !finite(gv) && !finite(pv) {
			continue // a pole of both: try another point
		}
		if !c.close(gv, pv) {
			return false, fmt.Sprintf("different values at %s: ≈%s vs ≈%s", pointText(names, env), fmtComplex(gv), fmtComplex(pv)), nil
		}
		valid++
	}
	if valid < 3 {
		return false, "too few points where both sides are defined", nil
	}
	return true, fmt.Sprintf("equal at %d random points of %s", valid, strings.Join(names, ", ")), nil
}

// pointValue is variable name's value at point k: a fixed pseudo-random
// number in [0.5, 2.5) drawn from a hash of the name, so that both sides
// see the same value and runs are reproducible.
func pointValue(name string, k int) float64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(k)+0x9e3779b97f4a7c15))
	return 0.5 + 2*r.Float64()
}

func pointText(names []string, env map[string]complex128) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%.4g", n, real(env[n]))
	}
	return strings.Join(parts, ", ")
}

func finite(z complex128) bool {
	return !cmplx.IsNaN(z) && !cmplx.IsInf(z)
}

// close compares within the relative tolerance (absolute 1e-12 near
// zero); infinities are equal when they point the same way.
func (c *comparer) close(a, b complex128) bool {
	if cmplx.IsNaN(a) || cmplx.IsNaN(b) {
		return false
	}
	if cmplx.IsInf(a) || cmplx.IsInf(b) {
		return imag(a) == 0 && imag(b) == 0 && math.IsInf(real(a), 0) && real(a) == real(b)
	}
	d := cmplx.Abs(a - b)
	return d <= 1e-12 || d <= c.opts.Tolerance*math.Max(cmplx.Abs(a), cmplx.Abs(b))
}

func fmtComplex(z complex128) string {
	if imag(z) == 0 {
		return fmt.Sprintf("%.10g", real(z))
	}
	return fmt.Sprintf("%.10g%+.10gi", real(z), imag(z))
}
