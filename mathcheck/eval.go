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

// exact evaluates n exactly, or fails with errInexact (variables,
// transcendental functions, divisions by sums, …).
func exact(n *node, b *budget) (exactValue, error) {
	if err := b.step(); err != nil {
		return nil, err
	}
	switch n.kind {
	case nNum:
		return ratValue(n.num), nil
	case nPi:
		return piValue(), nil
	case nNeg:
		v, err := exact(n.args[0], b)
		if err != nil {
			return nil, err
		}
		return v.neg(), nil
	case nAdd:
		sum := exactValue{}
		for _, a := range n.args {
			v, err := exact(a, b)
			if err != nil {
				return nil, err
			}
			if sum, err = sum.add(v, b); err != nil {
				return nil, err
			}
		}
		return sum, nil
	case nMul:
		prod := ratValue(big.NewRat(1, 1))
		for _, a := range n.args {
			v, err := exact(a, b)
			if err != nil {
				return nil, err
			}
			if prod, err = prod.mul(v, b); err != nil {
				return nil, err
			}
		}
		return prod, nil
	case nDiv:
		num, err := exact(n.args[0], b)
		if err != nil {
			return nil, err
		}
		den, err := exact(n.args[1], b)
		if err != nil {
			return nil, err
		}
		inv, err := den.inv()
		if err != nil {
			return nil, err
		}
		return num.mul(inv, b)
	case nPow:
		return exactPow(n.args[0], n.args[1], b)
	case nRoot:
		idx, err := exact(n.args[0], b)
		if err != nil {
			return nil, err
		}
		k, ok := idx.rational()
		if !ok || !k.IsInt() || k.Sign() <= 0 {
			return nil, errInexact
		}
		v, err := exact(n.args[1], b)
		if err != nil {
			return nil, err
		}
		return v.powRat(new(big.Rat).Inv(k), b)
	case nPercent:
		v, err := exact(n.args[0], b)
		if err != nil {
			return nil, err
		}
		return v.mul(ratValue(big.NewRat(1, 100)), b)
	case nDegree:
		return exact(n.args[0], b)
	case nFact:
		k, err := exactInt(n.args[0], b)
		if err != nil {
			return nil, err
		}
		if k < 0 || k > maxFactorial {
			return nil, errInexact
		}
		return ratValue(new(big.Rat).SetInt(new(big.Int).MulRange(1, k))), nil
	case nBinom:
		top, err := exactInt(n.args[0], b)
		if err != nil {
			return nil, err
		}
		k, err := exactInt(n.args[1], b)
		if err != nil {
			return nil, err
		}
		if top < 0 || top > 100000 || k < 0 || k > top || min(k, top-k) > 1000 {
			return nil, errInexact
		}
		return ratValue(new(big.Rat).SetInt(new(big.Int).Binomial(top, k))), nil
	case nAbs:
		v, err := exact(n.args[0], b)
		if err != nil {
			return nil, err
		}
		if v.float() < 0 {
			return v.neg(), nil
		}
		return v, nil
	}
	return nil, errInexact
}

func exactInt(n *node, b *budget) (int64, error) {
	v, err := exact(n, b)
	if err != nil {
		return 0, err
	}
	q, ok := v.rational()
	if !ok || !q.IsInt() || !q.Num().IsInt64() {
		return 0, errInexact
	}
	return q.Num().Int64(), nil
}

func exactPow(base, exp *node, b *budget) (exactValue, error) {
	e, err := exact(exp, b)
	if err != nil {
		return nil, err
	}
	r, ok := e.rational()
	if !ok {
		return nil, errInexact
	}
	v, err := exact(base, b)
	if err != nil {
		return nil, err
	}
	return v.powRat(r, b)
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
	arg := func(i int) (complex128, error) { return numeric(n.args[i], env, b) }
	switch n.kind {
	case nNum:
		f, _ := n.num.Float64()
		return complex(f, 0), nil
	case nVar:
		switch n.name {
		case "e":
			return complex(math.E, 0), nil
		case "i":
			return complex(0, 1), nil
		}
		v, ok := env[n.name]
		if !ok {
			return 0, fmt.Errorf("mathcheck: no value for %s", n.name)
		}
		return v, nil
	case nPi:
		return complex(math.Pi, 0), nil
	case nInf:
		return complex(math.Inf(1), 0), nil
	case nNeg:
		x, err := arg(0)
		return -x, err
	case nAdd, nMul:
		acc := complex(0, 0)
		if n.kind == nMul {
			acc = 1
		}
		for i := range n.args {
			x, err := arg(i)
			if err != nil {
				return 0, err
			}
			if n.kind == nAdd {
				acc += x
			} else {
				acc *= x
			}
		}
		return acc, nil
	case nDiv:
		x, err := arg(0)
		if err != nil {
			return 0, err
		}
		y, err := arg(1)
		if err != nil {
			return 0, err
		}
		return x / y, nil
	case nPow:
		x, err := arg(0)
		if err != nil {
			return 0, err
		}
		y, err := arg(1)
		if err != nil {
			return 0, err
		}
		return power(x, y), nil
	case nRoot:
		k, err := arg(0)
		if err != nil {
			return 0, err
		}
		x, err := arg(1)
		if err != nil {
			return 0, err
		}
		return root(x, k), nil
	case nFunc:
		return numericFunc(n, env, b)
	case nFact:
		x, err := arg(0)
		if err != nil {
			return 0, err
		}
		if imag(x) != 0 || real(x) < 0 {
			return 0, errNotNumber
		}
		return complex(math.Gamma(real(x)+1), 0), nil
	case nBinom:
		x, err := arg(0)
		if err != nil {
			return 0, err
		}
		y, err := arg(1)
		if err != nil {
			return 0, err
		}
		if imag(x) != 0 || imag(y) != 0 {
			return 0, errNotNumber
		}
		a, c := real(x), real(y)
		return complex(math.Gamma(a+1)/(math.Gamma(c+1)*math.Gamma(a-c+1)), 0), nil
	case nAbs:
		x, err := arg(0)
		return complex(cmplx.Abs(x), 0), err
	case nFloor, nCeil:
		x, err := arg(0)
		if err != nil || imag(x) != 0 {
			return 0, errNotNumber
		}
		if n.kind == nFloor {
			return complex(math.Floor(real(x)), 0), nil
		}
		return complex(math.Ceil(real(x)), 0), nil
	case nPercent:
		x, err := arg(0)
		return x / 100, err
	case nDegree:
		return arg(0)
	}
	return 0, errNotNumber
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
