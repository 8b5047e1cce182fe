package mathcheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ocwUnits are the units Llemma's OCW Courses task strips from numeric
// answers, in its order.
var ocwUnits = [...]string{
	"eV", ` \mathrm{~kg} \cdot \mathrm{m} / \mathrm{s}`, " kg m/s", "kg*m/s", "kg", "m/s",
	"m / s", "m s^{-1}", `\text{ m/s}`, ` \mathrm{m/s}`, ` \text{ m/s}`, "g/mole", "g/mol",
	`\mathrm{~g}`, `\mathrm{~g} / \mathrm{mol}`, "W", "erg/s", "years", "year", "cm",
}

// ParseNumeric reads a numeric answer as Llemma's OCW Courses task does
// (normalize_numeric): the units of its fixed list and \mathrm{m},
// \mathrm{s}, \mathrm{cm} stripped, "$" trimmed, then the number. Where
// the original evaluates the string as Python code, ParseNumeric parses
// it as an arithmetic expression (numbers, + - * / **, parentheses,
// scientific notation) and otherwise as LaTeX, and never runs anything.
func ParseNumeric(s string) (float64, error) {
	for _, u := range ocwUnits {
		s = strings.TrimSpace(strings.ReplaceAll(s, u, ""))
	}
	for _, u := range []string{"m", "s", "cm"} {
		s = strings.ReplaceAll(s, `\mathrm{`+u+"}", "")
		s = strings.ReplaceAll(s, `\mathrm{~`+u+"}", "")
		s = strings.TrimSpace(s)
	}
	s = strings.Trim(s, "$")
	if v, err := parsePlainArithmetic(s); err == nil {
		return v, nil
	}
	n, err := parseLatex(s)
	if err != nil {
		return 0, fmt.Errorf("mathcheck: numeric answer %q: %w", s, err)
	}
	vars := map[string]bool{}
	variables(n, vars)
	if len(vars) > 0 || n.isList() || n.kind == nRel || n.kind == nText {
		return 0, fmt.Errorf("mathcheck: numeric answer %q is not a number", s)
	}
	v, err := numeric(n, nil, &budget{})
	if err != nil || imag(v) != 0 {
		return 0, fmt.Errorf("mathcheck: numeric answer %q is not a real number", s)
	}
	return real(v), nil
}

// NumericEqual is Llemma's numeric_equality with its default threshold of
// 0.01: when either value is near zero, or the two are already within
// 1e-8 of each other (NumPy's isclose defaults), they must differ by less
// than 1% of their mean; otherwise NumPy's isclose decides (relative
// tolerance 1e-5 of the second value, absolute 1e-8).
func NumericEqual(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return false
	}
	if isClose(a, 0) || isClose(b, 0) || isClose(a-b, 0) {
		return math.Abs(a-b) < 0.01*(a+b)/2
	}
	return isClose(a, b)
}

// isClose is numpy.isclose(a, b) with rtol 1e-5 and atol 1e-8.
func isClose(a, b float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-8+1e-5*math.Abs(b)
}

// parsePlainArithmetic evaluates the Python-looking arithmetic that OCW
// answers are written in ("2.5e-3", "3*10**8", "(1+2)/4") without
// evaluating code: a small recursive-descent parser over float64.
func parsePlainArithmetic(s string) (float64, error) {
	p := &arith{s: strings.TrimSpace(s)}
	if p.s == "" {
		return 0, fmt.Errorf("mathcheck: empty")
	}
	v, err := p.sum()
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i != len(p.s) {
		return 0, fmt.Errorf("mathcheck: unexpected %q", p.s[p.i:])
	}
	return v, nil
}

type arith struct {
	s     string
	i     int
	depth int
}

func (p *arith) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *arith) sum() (float64, error) {
	v, err := p.product()
	for err == nil {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '+' && p.s[p.i] != '-' {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		var w float64
		if w, err = p.product(); op == '+' {
			v += w
		} else {
			v -= w
		}
	}
	return 0, err
}

func (p *arith) product() (float64, error) {
	v, err := p.unary()
	for err == nil {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '*' && p.s[p.i] != '/' || strings.HasPrefix(p.s[p.i:], "**") {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		var w float64
		if w, err = p.unary(); op == '*' {
			v *= w
		} else {
			v /= w
		}
	}
	return 0, err
}

func (p *arith) unary() (float64, error) {
	p.space()
	if p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] == '+') {
		neg := p.s[p.i] == '-'
		p.i++
		v, err := p.unary()
		if neg {
			v = -v
		}
		return v, err
	}
	base, err := p.atom()
	if err != nil {
		return 0, err
	}
	p.space()
	if strings.HasPrefix(p.s[p.i:], "**") {
		p.i += 2
		exp, err := p.unary() // right-associative, binds tighter than unary minus on its left
		if err != nil {
			return 0, err
		}
		return math.Pow(base, exp), nil
	}
	return base, nil
}

func (p *arith) atom() (float64, error) {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.depth++
		if p.depth > maxDepth {
			return 0, fmt.Errorf("mathcheck: nested too deep")
		}
		p.i++
		v, err := p.sum()
		if err != nil {
			return 0, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return 0, fmt.Errorf("mathcheck: unclosed parenthesis")
		}
		p.i++
		p.depth--
		return v, nil
	}
	j := p.i
	for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '.' ||
		(p.s[j] == 'e' || p.s[j] == 'E') && j > p.i ||
		(p.s[j] == '-' || p.s[j] == '+') && j > p.i && (p.s[j-1] == 'e' || p.s[j-1] == 'E')) {
		j++
	}
	if j == p.i {
		return 0, fmt.Errorf("mathcheck: expected a number at %q", p.s[p.i:])
	}
	v, err := strconv.ParseFloat(p.s[p.i:j], 64)
	if err != nil {
		return 0, fmt.Errorf("mathcheck: bad number %q", p.s[p.i:j])
	}
	p.i = j
	return v, nil
}
