package mathcheck

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/cmplx"
	"time"
)

// ErrTimeout is wrapped when a comparison runs past its time limit.
var ErrTimeout = errors.New("mathcheck: comparison timed out")

// budget bounds the work of one comparison: a deadline checked every few
// hundred steps.
type budget struct {
	deadline time.Time
	steps    int
}

func (b *budget) step() error {
	b.steps++
	if b.steps&255 == 0 && !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return ErrTimeout
	}
	return nil
}

// exactKinds are the node kinds exact arithmetic evaluates.
var exactKinds = map[nodeKind]bool{
	nNeg: true, nAdd: true, nMul: true, nDiv: true, nPow: true, nRoot: true,
	nPercent: true, nDegree: true, nFact: true, nBinom: true, nAbs: true,
}

// exact evaluates n exactly, or fails with errInexact (variables,
// transcendental functions, divisions by sums, …).
func exact(n *node, b *budget) (exactValue, error) {
	if err := b.step(); err != nil {
		return nil, err
	}
	switch {
	case n.kind == nNum:
		return ratValue(n.num), nil
	case n.kind == nPi:
		return piValue(), nil
	case !exactKinds[n.kind]:
		return nil, errInexact
	}
	xs := make([]exactValue, len(n.args))
	for i, a := range n.args {
		var err error
		if xs[i], err = exact(a, b); err != nil {
			return nil, err
		}
	}
	switch n.kind {
	case nNeg:
		return xs[0].neg(), nil
	case nAdd, nMul:
		acc := xs[0]
		for _, x := range xs[1:] {
			var err error
			if n.kind == nAdd {
				acc, err = acc.add(x, b)
			} else {
				acc, err = acc.mul(x, b)
			}
			if err != nil {
				return nil, err
			}
		}
		return acc, nil
	case nDiv:
		inv, err := xs[1].inv()
		if err != nil {
			return nil, err
		}
		return xs[0].mul(inv, b)
	case nPow:
		r, ok := xs[1].rational()
		if !ok {
			return nil, errInexact
		}
		return xs[0].powRat(r, b)
	case nRoot:
		k, ok := xs[0].rational()
		if !ok || !k.IsInt() || k.Sign() <= 0 {
			return nil, errInexact
		}
		return xs[1].powRat(new(big.Rat).Inv(k), b)
	case nPercent:
		return xs[0].mul(ratValue(big.NewRat(1, 100)), b)
	case nDegree:
		return xs[0], nil
	case nFact:
		k, ok := smallInt(xs[0])
		if !ok || k < 0 || k > maxFactorial {
			return nil, errInexact
		}
		return ratValue(new(big.Rat).SetInt(new(big.Int).MulRange(1, k))), nil
	case nBinom:
		top, ok1 := smallInt(xs[0])
		k, ok2 := smallInt(xs[1])
		if !ok1 || !ok2 || top < 0 || top > 100000 || k < 0 || k > top || min(k, top-k) > 1000 {
			return nil, errInexact
		}
		return ratValue(new(big.Rat).SetInt(new(big.Int).Binomial(top, k))), nil
	default: // nAbs
		if xs[0].float() < 0 {
			return xs[0].neg(), nil
		}
		return xs[0], nil
	}
}

// smallInt returns v as an int64 if it is an integer that fits.
func smallInt(v exactValue) (int64, bool) {
	q, ok := v.rational()
	if !ok || !q.IsInt() || !q.Num().IsInt64() {
		return 0, false
	}
	return q.Num().Int64(), true
}

// errNotNumber is returned for lists, relations and text, which have no
// numeric value.
var errNotNumber = errors.New("mathcheck: not a number")

// numeric evaluates n in complex floating point with the variables of
// env.
func numeric(n *node, env map[string]complex128, b *budget) (complex128, error) {
	if err := b.step(); err != nil {
		return 0, err
	}
	switch n.kind {
	case nNum:
		f, _ := n.num.Float64()
		return complex(f, 0), nil
	case nVar:
		return variableValue(n.name, env)
	case nPi:
		return complex(math.Pi, 0), nil
	case nInf:
		return complex(math.Inf(1), 0), nil
	case nFunc:
		return numericFunc(n, env, b)
	}
	if !exactKinds[n.kind] && n.kind != nFloor && n.kind != nCeil {
		return 0, errNotNumber
	}
	xs := make([]complex128, len(n.args))
	for i, a := range n.args {
		var err error
		if xs[i], err = numeric(a, env, b); err != nil {
			return 0, err
		}
	}
	switch n.kind {
	case nNeg:
		return -xs[0], nil
	case nAdd:
		acc := complex(0, 0)
		for _, x := range xs {
			acc += x
		}
		return acc, nil
	case nMul:
		acc := complex(1, 0)
		for _, x := range xs {
			acc *= x
		}
		return acc, nil
	case nDiv:
		return xs[0] / xs[1], nil
	case nPow:
		return power(xs[0], xs[1]), nil
	case nRoot:
		return root(xs[1], xs[0]), nil
	case nFact:
		if imag(xs[0]) != 0 || real(xs[0]) < 0 {
			return 0, errNotNumber
		}
		return complex(math.Gamma(real(xs[0])+1), 0), nil
	case nBinom:
		if imag(xs[0]) != 0 || imag(xs[1]) != 0 {
			return 0, errNotNumber
		}
		a, c := real(xs[0]), real(xs[1])
		return complex(math.Gamma(a+1)/(math.Gamma(c+1)*math.Gamma(a-c+1)), 0), nil
	case nAbs:
		return complex(cmplx.Abs(xs[0]), 0), nil
	case nFloor, nCeil:
		if imag(xs[0]) != 0 {
			return 0, errNotNumber
		}
		if n.kind == nFloor {
			return complex(math.Floor(real(xs[0])), 0), nil
		}
		return complex(math.Ceil(real(xs[0])), 0), nil
	case nPercent:
		return xs[0] / 100, nil
	default: // nDegree
		return xs[0], nil
	}
}

// variableValue is a variable's value: e and i are constants.
func variableValue(name string, env map[string]complex128) (complex128, error) {
	switch name {
	case "e":
		return complex(math.E, 0), nil
	case "i":
		return complex(0, 1), nil
	}
	v, ok := env[name]
	if !ok {
		return 0, fmt.Errorf("mathcheck: no value for %s", name)
	}
	return v, nil
}

// power is x^y, with real results for real x > 0 and integer y computed
// as real powers (more accurate than the complex logarithm).
func power(x, y complex128) complex128 {
	if imag(x) == 0 && imag(y) == 0 {
		if real(x) >= 0 || real(y) == math.Trunc(real(y)) {
			return complex(math.Pow(real(x), real(y)), 0)
		}
	}
	if x == 0 {
		if real(y) > 0 {
			return 0
		}
		return cmplx.Inf()
	}
	return cmplx.Pow(x, y)
}

// root is the k-th root of x: real for real x when k is odd (the cube
// root of -8 is -2), the principal root otherwise.
func root(x, k complex128) complex128 {
	if imag(x) == 0 && imag(k) == 0 && real(x) < 0 {
		if kk := real(k); kk == math.Trunc(kk) && math.Mod(kk, 2) == 1 {
			return complex(-math.Pow(-real(x), 1/kk), 0)
		}
	}
	return power(x, 1/k)
}

func numericFunc(n *node, env map[string]complex128, b *budget) (complex128, error) {
	x, err := numeric(n.args[0], env, b)
	if err != nil {
		return 0, err
	}
	switch n.name {
	case "sin":
		return cmplx.Sin(x), nil
	case "cos":
		return cmplx.Cos(x), nil
	case "tan":
		return cmplx.Tan(x), nil
	case "cot":
		return 1 / cmplx.Tan(x), nil
	case "sec":
		return 1 / cmplx.Cos(x), nil
	case "csc":
		return 1 / cmplx.Sin(x), nil
	case "arcsin":
		return cmplx.Asin(x), nil
	case "arccos":
		return cmplx.Acos(x), nil
	case "arctan":
		return cmplx.Atan(x), nil
	case "arccot":
		return cmplx.Atan(1 / x), nil
	case "arcsec":
		return cmplx.Acos(1 / x), nil
	case "arccsc":
		return cmplx.Asin(1 / x), nil
	case "sinh":
		return cmplx.Sinh(x), nil
	case "cosh":
		return cmplx.Cosh(x), nil
	case "tanh":
		return cmplx.Tanh(x), nil
	case "coth":
		return 1 / cmplx.Tanh(x), nil
	case "exp":
		return cmplx.Exp(x), nil
	case "ln":
		return logOf(x), nil
	case "lg":
		return logOf(x) / math.Ln10, nil
	case "log":
		// \log without a base is the natural logarithm, as SymPy's LaTeX
		// parser reads it.
		if len(n.args) == 1 {
			return logOf(x), nil
		}
		base, err := numeric(n.args[1], env, b)
		if err != nil {
			return 0, err
		}
		return logOf(x) / logOf(base), nil
	}
	return 0, fmt.Errorf("mathcheck: unknown function %s", n.name)
}

func logOf(x complex128) complex128 {
	if imag(x) == 0 && real(x) > 0 {
		return complex(math.Log(real(x)), 0)
	}
	return cmplx.Log(x)
}

// variables returns the names of the variables in n: every letter but e
// (Euler's number) and i (the imaginary unit).
func variables(n *node, into map[string]bool) {
	if n == nil {
		return
	}
	if n.kind == nVar && n.name != "e" && n.name != "i" {
		into[n.name] = true
	}
	for _, a := range n.args {
		variables(a, into)
	}
}
