package mathcheck

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
)

// Exact arithmetic. A value is a sum of terms q·r·π^k: q rational, r a
// product of prime powers p^e with 0 < e < 1, k an integer. Distinct
// (r, k) pairs are linearly independent over the rationals (real roots of
// distinct prime-power products are, and π is transcendental), so two
// values are equal exactly when their terms are: no tolerance is needed.
// Operations that leave this set (division by a sum, an irrational
// exponent, a root of a negative number) report errInexact and the
// caller falls back to floating point.

var errInexact = errors.New("mathcheck: not exactly representable")

// Limits that keep exact arithmetic cheap; beyond them the value is
// compared in floating point.
const (
	maxTerms       = 64
	maxBits        = 4096 // numerator or denominator of a coefficient
	maxExponent    = 256  // |n| of an integer power of a sum
	maxRootDegree  = 64
	maxFactorBits  = 62      // radicands are factored only below 2^62
	trialDivisions = 1 << 20 // and by trial division up to this bound
	maxFactorial   = 300
)

type primePow struct {
	p int64
	e *big.Rat // 0 < e < 1
}

type term struct {
	coef *big.Rat
	rad  []primePow // sorted by p
	pi   int
}

// key identifies the irrational part of a term.
func (t *term) key() string {
	var b strings.Builder
	for _, r := range t.rad {
		fmt.Fprintf(&b, "%d^%s*", r.p, r.e.RatString())
	}
	fmt.Fprintf(&b, "pi^%d", t.pi)
	return b.String()
}

// exactValue is a sum of terms, keyed by their irrational part; zero
// coefficients are never stored.
type exactValue map[string]*term

func ratValue(q *big.Rat) exactValue {
	v := exactValue{}
	if q.Sign() != 0 {
		t := &term{coef: new(big.Rat).Set(q)}
		v[t.key()] = t
	}
	return v
}

func piValue() exactValue {
	t := &term{coef: big.NewRat(1, 1), pi: 1}
	return exactValue{t.key(): t}
}

func (v exactValue) add(w exactValue, b *budget) (exactValue, error) {
	out := exactValue{}
	for k, t := range v {
		out[k] = &term{coef: new(big.Rat).Set(t.coef), rad: t.rad, pi: t.pi}
	}
	for k, t := range w {
		if o, ok := out[k]; ok {
			o.coef.Add(o.coef, t.coef)
			if o.coef.Sign() == 0 {
				delete(out, k)
			}
			continue
		}
		out[k] = &term{coef: new(big.Rat).Set(t.coef), rad: t.rad, pi: t.pi}
	}
	return out, out.check(b)
}

func (v exactValue) neg() exactValue {
	out := exactValue{}
	for k, t := range v {
		out[k] = &term{coef: new(big.Rat).Neg(t.coef), rad: t.rad, pi: t.pi}
	}
	return out
}

func (v exactValue) mul(w exactValue, b *budget) (exactValue, error) {
	out := exactValue{}
	for _, s := range v {
		for _, t := range w {
			if err := b.step(); err != nil {
				return nil, err
			}
			m := mulTerms(s, t)
			k := m.key()
			if o, ok := out[k]; ok {
				o.coef.Add(o.coef, m.coef)
				if o.coef.Sign() == 0 {
					delete(out, k)
				}
				continue
			}
			out[k] = m
		}
	}
	return out, out.check(b)
}

// check enforces the size limits.
func (v exactValue) check(b *budget) error {
	if len(v) > maxTerms {
		return errInexact
	}
	for _, t := range v {
		if t.coef.Num().BitLen() > maxBits || t.coef.Denom().BitLen() > maxBits {
			return errInexact
		}
	}
	return b.step()
}

func mulTerms(s, t *term) *term {
	coef := new(big.Rat).Mul(s.coef, t.coef)
	var rad []primePow
	i, j := 0, 0
	for i < len(s.rad) || j < len(t.rad) {
		switch {
		case j == len(t.rad) || i < len(s.rad) && s.rad[i].p < t.rad[j].p:
			rad = append(rad, s.rad[i])
			i++
		case i == len(s.rad) || t.rad[j].p < s.rad[i].p:
			rad = append(rad, t.rad[j])
			j++
		default:
			e := new(big.Rat).Add(s.rad[i].e, t.rad[j].e)
			if e.Cmp(big.NewRat(1, 1)) >= 0 {
				e.Sub(e, big.NewRat(1, 1))
				coef.Mul(coef, new(big.Rat).SetInt64(s.rad[i].p))
			}
			if e.Sign() != 0 {
				rad = append(rad, primePow{s.rad[i].p, e})
			}
			i++
			j++
		}
	}
	return &term{coef: coef, rad: rad, pi: s.pi + t.pi}
}

// single returns v's only term, or nil for zero or a sum.
func (v exactValue) single() *term {
	if len(v) != 1 {
		return nil
	}
	for _, t := range v {
		return t
	}
	return nil
}

// rational returns v as a rational number if it is one.
func (v exactValue) rational() (*big.Rat, bool) {
	if len(v) == 0 {
		return new(big.Rat), true
	}
	t := v.single()
	if t == nil || len(t.rad) > 0 || t.pi != 0 {
		return nil, false
	}
	return t.coef, true
}

// inv returns 1/v for a single term; sums cannot be inverted exactly here.
func (v exactValue) inv() (exactValue, error) {
	t := v.single()
	if t == nil {
		if len(v) == 0 {
			return nil, errDivZero
		}
		return nil, errInexact
	}
	// (q·Πp^e·π^k)^-1 = (1/(q·Πp))·Πp^(1-e)·π^-k
	coef := new(big.Rat).Inv(t.coef)
	rad := make([]primePow, len(t.rad))
	for i, r := range t.rad {
		coef.Quo(coef, new(big.Rat).SetInt64(r.p))
		rad[i] = primePow{r.p, new(big.Rat).Sub(big.NewRat(1, 1), r.e)}
	}
	u := &term{coef: coef, rad: rad, pi: -t.pi}
	return exactValue{u.key(): u}, nil
}

var errDivZero = errors.New("mathcheck: division by zero")

// powInt raises v to an integer power by repeated squaring.
func (v exactValue) powInt(n int64, b *budget) (exactValue, error) {
	if n < 0 {
		w, err := v.inv()
		if err != nil {
			return nil, err
		}
		return w.powInt(-n, b)
	}
	if n > maxExponent && v.single() == nil {
		return nil, errInexact
	}
	if t := v.single(); t != nil {
		return powTerm(t, new(big.Rat).SetInt64(n), b)
	}
	result := ratValue(big.NewRat(1, 1))
	base := v
	var err error
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			if result, err = result.mul(base, b); err != nil {
				return nil, err
			}
		}
		if n > 1 {
			if base, err = base.mul(base, b); err != nil {
				return nil, err
			}
		}
	}
	return result, nil
}

// powRat raises v to a rational power; v must be a single term (or zero).
func (v exactValue) powRat(r *big.Rat, b *budget) (exactValue, error) {
	if r.IsInt() {
		if !r.Num().IsInt64() {
			return nil, errInexact
		}
		return v.powInt(r.Num().Int64(), b)
	}
	if len(v) == 0 {
		if r.Sign() > 0 {
			return exactValue{}, nil
		}
		return nil, errDivZero
	}
	t := v.single()
	if t == nil {
		return nil, errInexact
	}
	return powTerm(t, r, b)
}

// powTerm computes (q·Πp^e·π^k)^r.
func powTerm(t *term, r *big.Rat, b *budget) (exactValue, error) {
	if !r.Num().IsInt64() || !r.Denom().IsInt64() || r.Denom().Int64() > maxRootDegree {
		return nil, errInexact
	}
	n, d := r.Num().Int64(), r.Denom().Int64()
	if n > maxBits || n < -maxBits {
		return nil, errInexact
	}
	piExp := new(big.Rat).Mul(big.NewRat(int64(t.pi), 1), r)
	if !piExp.IsInt() || !piExp.Num().IsInt64() {
		return nil, errInexact
	}
	if d == 1 {
		return powTermInt(t, n, b)
	}
	coef := big.NewRat(1, 1)
	if t.coef.Sign() < 0 {
		if d%2 == 0 {
			return nil, errInexact // an even root of a negative number
		}
		if n%2 != 0 {
			coef.Neg(coef)
		}
	}
	// Collect every prime's exponent, from the coefficient and the radicals.
	exps := map[int64]*big.Rat{}
	add := func(p int64, e *big.Rat) {
		if x, ok := exps[p]; ok {
			x.Add(x, e)
		} else {
			exps[p] = new(big.Rat).Set(e)
		}
	}
	num, ok := factor(new(big.Int).Abs(t.coef.Num()))
	if !ok {
		return nil, errInexact
	}
	den, ok := factor(t.coef.Denom())
	if !ok {
		return nil, errInexact
	}
	for p, k := range num {
		add(p, new(big.Rat).SetInt64(k))
	}
	for p, k := range den {
		add(p, new(big.Rat).SetInt64(-k))
	}
	for _, rp := range t.rad {
		add(rp.p, rp.e)
	}
	var rad []primePow
	for p, e := range exps {
		if err := b.step(); err != nil {
			return nil, err
		}
		e.Mul(e, r)
		whole := new(big.Int).Quo(e.Num(), e.Denom())
		if e.Sign() < 0 && !e.IsInt() {
			whole.Sub(whole, big.NewInt(1)) // floor
		}
		frac := new(big.Rat).Sub(e, new(big.Rat).SetInt(whole))
		if err := mulPrimePower(coef, p, whole); err != nil {
			return nil, err
		}
		if frac.Sign() != 0 {
			rad = append(rad, primePow{p, frac})
		}
	}
	sort.Slice(rad, func(i, j int) bool { return rad[i].p < rad[j].p })
	u := &term{coef: coef, rad: rad, pi: int(piExp.Num().Int64())}
	out := exactValue{u.key(): u}
	return out, out.check(b)
}

// powTermInt computes (q·Πp^e·π^k)^n for an integer n without factoring q.
func powTermInt(t *term, n int64, b *budget) (exactValue, error) {
	if n == 0 {
		return ratValue(big.NewRat(1, 1)), nil
	}
	if n < 0 {
		v, err := exactValue{t.key(): t}.inv()
		if err != nil {
			return nil, err
		}
		return powTermInt(v.single(), -n, b)
	}
	if int64(t.coef.Num().BitLen()+t.coef.Denom().BitLen())*n > 2*maxBits {
		return nil, errInexact
	}
	e := big.NewInt(n)
	num := new(big.Int).Exp(t.coef.Num(), e, nil)
	den := new(big.Int).Exp(t.coef.Denom(), e, nil)
	coef := new(big.Rat).SetFrac(num, den)
	var rad []primePow
	for _, r := range t.rad {
		x := new(big.Rat).Mul(r.e, big.NewRat(n, 1))
		whole := new(big.Int).Quo(x.Num(), x.Denom())
		if err := mulPrimePower(coef, r.p, whole); err != nil {
			return nil, err
		}
		if frac := x.Sub(x, new(big.Rat).SetInt(whole)); frac.Sign() != 0 {
			rad = append(rad, primePow{r.p, frac})
		}
	}
	u := &term{coef: coef, rad: rad, pi: t.pi * int(n)}
	out := exactValue{u.key(): u}
	return out, out.check(b)
}

// mulPrimePower multiplies q by p^k (k may be negative), refusing
// results beyond the size limits.
func mulPrimePower(q *big.Rat, p int64, k *big.Int) error {
	if k.Sign() == 0 {
		return nil
	}
	bits := int64(big.NewInt(p).BitLen())
	if !k.IsInt64() || bits*abs64(k.Int64()) > maxBits {
		return errInexact
	}
	pw := new(big.Int).Exp(big.NewInt(p), new(big.Int).Abs(k), nil)
	if k.Sign() > 0 {
		q.Mul(q, new(big.Rat).SetInt(pw))
	} else {
		q.Quo(q, new(big.Rat).SetInt(pw))
	}
	return nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// factor returns the prime factorization of n > 0, or false when n is too
// large to factor quickly.
func factor(n *big.Int) (map[int64]int64, bool) {
	out := map[int64]int64{}
	if n.BitLen() > maxFactorBits {
		return nil, false
	}
	m := n.Uint64()
	for _, p := range []uint64{2, 3} {
		for m%p == 0 {
			out[int64(p)]++
			m /= p
		}
	}
	for p := uint64(5); p*p <= m; p += 6 {
		if p > trialDivisions {
			return nil, false
		}
		for _, q := range []uint64{p, p + 2} {
			for m%q == 0 {
				out[int64(q)]++
				m /= q
			}
		}
	}
	if m > 1 {
		out[int64(m)]++
	}
	return out, true
}

func (v exactValue) equal(w exactValue) bool {
	if len(v) != len(w) {
		return false
	}
	for k, t := range v {
		u, ok := w[k]
		if !ok || u.coef.Cmp(t.coef) != 0 {
			return false
		}
	}
	return true
}

// float returns v in floating point.
func (v exactValue) float() float64 {
	s := 0.0
	for _, t := range v {
		f, _ := t.coef.Float64()
		for _, r := range t.rad {
			e, _ := r.e.Float64()
			f *= math.Pow(float64(r.p), e)
		}
		s += f * math.Pow(math.Pi, float64(t.pi))
	}
	return s
}

// String writes v readably: 3/2 + 2^(1/2)·π.
func (v exactValue) String() string {
	if len(v) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		t := v[k]
		var f []string
		if t.coef.Cmp(big.NewRat(1, 1)) != 0 || len(t.rad) == 0 && t.pi == 0 {
			f = append(f, t.coef.RatString())
		}
		for _, r := range t.rad {
			f = append(f, fmt.Sprintf("%d^(%s)", r.p, r.e.RatString()))
		}
		switch {
		case t.pi == 1:
			f = append(f, "π")
		case t.pi != 0:
			f = append(f, fmt.Sprintf("π^%d", t.pi))
		}
		parts = append(parts, strings.Join(f, "·"))
	}
	return strings.Join(parts, " + ")
}
