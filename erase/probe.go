package erase

import (
	"errors"
	"fmt"
	"math"
)

// Linear probes: the classifiers that test whether a concept is still
// linearly decodable. Both follow scikit-learn's objectives so that their
// fits can be checked against it: LogisticRegression (lbfgs; binary
// logistic for two classes, multinomial softmax for more; L2 penalty ½‖W‖²
// on the weights only) and LinearSVC (squared hinge, L2 penalty, one
// classifier per class against the rest, intercept as a constant feature of
// value 1 that is penalized like a weight).

// Probe is a fitted linear classifier: scores s = Coef·x + Intercept, one
// row per score (a single row for binary problems).
type Probe struct {
	D, K      int // input dimension and number of classes
	Coef      []float64
	Intercept []float64
}

// Predict returns the class of each row of x (n×D).
func (p *Probe) Predict(x []float64) []int {
	n := len(x) / p.D
	rows := len(p.Intercept)
	out := make([]int, n)
	s := make([]float64, rows)
	for i := 0; i < n; i++ {
		p.scores(s, x[i*p.D:(i+1)*p.D])
		if rows == 1 {
			if s[0] > 0 {
				out[i] = 1
			}
			continue
		}
		best := 0
		for c := range s {
			if s[c] > s[best] {
				best = c
			}
		}
		out[i] = best
	}
	return out
}

func (p *Probe) scores(dst, x []float64) {
	for c := range dst {
		w := p.Coef[c*p.D : (c+1)*p.D]
		s := p.Intercept[c]
		for j, v := range x {
			s += w[j] * v
		}
		dst[c] = s
	}
}

// Accuracy returns the fraction of rows of x whose predicted class is y.
func (p *Probe) Accuracy(x []float64, y []int) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	hit := 0
	for i, c := range p.Predict(x) {
		if c == y[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(y))
}

// ProbeOptions configures FitLogistic and FitLinearSVM. A nil
// *ProbeOptions means the defaults.
type ProbeOptions struct {
	// C is the inverse regularization strength, as in scikit-learn; the
	// default value is 1. Use math.Inf(1) for no penalty (logistic
	// regression only).
	C float64
	// MaxIter bounds the L-BFGS iterations. The default value is 1000.
	MaxIter int
	// GradTol stops the fit when the gradient's max-norm falls below it.
	// The default value is 1e-8.
	GradTol float64
}

func (o *ProbeOptions) defaults() ProbeOptions {
	var out ProbeOptions
	if o != nil {
		out = *o
	}
	if out.C == 0 {
		out.C = 1
	}
	if out.MaxIter == 0 {
		out.MaxIter = 1000
	}
	if out.GradTol == 0 {
		out.GradTol = 1e-8
	}
	return out
}

func checkProbeData(x []float64, d int, y []int, k int) (int, error) {
	if d <= 0 || len(x)%d != 0 {
		return 0, fmt.Errorf("erase: probe data has %d values, not a multiple of dimension %d", len(x), d)
	}
	n := len(x) / d
	if k < 2 {
		return 0, fmt.Errorf("erase: a probe needs at least 2 classes, have %d", k)
	}
	if n == 0 {
		return 0, errors.New("erase: a probe needs at least one row")
	}
	return n, Labels(y).check(n, k)
}

// FitLogistic fits logistic regression to rows x (n×d) with labels y in
// [0, k).
func FitLogistic(x []float64, d int, y []int, k int, opts *ProbeOptions) (*Probe, error) {
	if _, err := checkProbeData(x, d, y, k); err != nil {
		return nil, err
	}
	o := opts.defaults()
	fg, rows := logisticObjective(x, d, y, k, o.C)
	w, err := minimize(fg, rows*(d+1), o)
	if err != nil {
		return nil, fmt.Errorf("erase: logistic regression: %w", err)
	}
	return &Probe{D: d, K: k, Coef: w[:rows*d], Intercept: w[rows*d:]}, nil
}

// logisticObjective returns the objective C·Σ loss + ½‖W‖² (the data term
// alone when c is +Inf) over rows·(d+1) parameters, weights then
// intercepts, and the number of score rows.
func logisticObjective(x []float64, d int, y []int, k int, c float64) (func(grad, w []float64) float64, int) {
	n := len(y)
	rows := k
	if k == 2 {
		rows = 1
	}
	// Parameters: rows×d weights, then rows intercepts. Loss weight C on the
	// data term and ½‖W‖² penalty, or the data term alone when C is +Inf.
	cw, pen := c, 1.0
	if math.IsInf(c, 1) {
		cw, pen = 1, 0
	}
	s := make([]float64, rows)
	prob := make([]float64, rows)
	return func(grad, w []float64) float64 {
		if grad != nil {
			clear(grad)
		}
		loss := 0.0
		for i := 0; i < n; i++ {
			xi := x[i*d : (i+1)*d]
			for c := 0; c < rows; c++ {
				v := w[rows*d+c]
				wc := w[c*d : (c+1)*d]
				for j, xv := range xi {
					v += wc[j] * xv
				}
				s[c] = v
			}
			if rows == 1 {
				// log(1 + exp(−m)) with m = ±s for labels 1/0.
				m := s[0]
				if y[i] == 0 {
					m = -m
				}
				loss += softplus(-m)
				prob[0] = sigmoid(s[0]) - float64(y[i]) // d loss / d s
			} else {
				mx := s[0]
				for _, v := range s {
					mx = math.Max(mx, v)
				}
				sum := 0.0
				for c, v := range s {
					prob[c] = math.Exp(v - mx)
					sum += prob[c]
				}
				loss += mx + math.Log(sum) - s[y[i]]
				for c := range prob {
					prob[c] /= sum
				}
				prob[y[i]]--
			}
			if grad != nil {
				for c := 0; c < rows; c++ {
					g := cw * prob[c]
					gc := grad[c*d : (c+1)*d]
					for j, xv := range xi {
						gc[j] += g * xv
					}
					grad[rows*d+c] += g
				}
			}
		}
		loss *= cw
		for j := 0; j < rows*d; j++ {
			loss += 0.5 * pen * w[j] * w[j]
			if grad != nil {
				grad[j] += pen * w[j]
			}
		}
		return loss
	}, rows
}

// FitLinearSVM fits a linear support vector machine with the squared hinge
// loss (scikit-learn's LinearSVC with dual=False) to rows x (n×d) with
// labels y in [0, k).
func FitLinearSVM(x []float64, d int, y []int, k int, opts *ProbeOptions) (*Probe, error) {
	n, err := checkProbeData(x, d, y, k)
	if err != nil {
		return nil, err
	}
	o := opts.defaults()
	if math.IsInf(o.C, 1) {
		return nil, errors.New("erase: the linear SVM needs a finite C")
	}
	rows := k
	if k == 2 {
		rows = 1
	}
	p := &Probe{D: d, K: k, Coef: make([]float64, rows*d), Intercept: make([]float64, rows)}
	sign := make([]float64, n)
	for c := 0; c < rows; c++ {
		pos := c
		if k == 2 {
			pos = 1
		}
		for i, l := range y {
			sign[i] = -1
			if l == pos {
				sign[i] = 1
			}
		}
		// Parameters: d weights and the weight of the constant feature 1.
		fg := func(grad, w []float64) float64 {
			if grad != nil {
				clear(grad)
			}
			loss := 0.0
			for i := 0; i < n; i++ {
				xi := x[i*d : (i+1)*d]
				m := w[d]
				for j, xv := range xi {
					m += w[j] * xv
				}
				h := 1 - sign[i]*m
				if h <= 0 {
					continue
				}
				loss += h * h
				if grad != nil {
					g := -2 * o.C * h * sign[i]
					for j, xv := range xi {
						grad[j] += g * xv
					}
					grad[d] += g
				}
			}
			loss *= o.C
			for j := 0; j <= d; j++ {
				loss += 0.5 * w[j] * w[j]
				if grad != nil {
					grad[j] += w[j]
				}
			}
			return loss
		}
		w, err := minimize(fg, d+1, o)
		if err != nil {
			return nil, fmt.Errorf("erase: linear SVM: %w", err)
		}
		copy(p.Coef[c*d:], w[:d])
		p.Intercept[c] = w[d]
	}
	return p, nil
}

// minimize runs L-BFGS (memory 10, backtracking Armijo line search) from
// zero on a convex function that returns its value and, when grad is not
// nil, writes its gradient. It stops when the gradient's max-norm is below
// GradTol, after MaxIter iterations, or when the objective stops decreasing
// beyond rounding (five iterations in a row, or a failed line search),
// which for these convex objectives means the minimum has been reached.
func minimize(fg func(grad, w []float64) float64, dim int, o ProbeOptions) ([]float64, error) {
	const memory = 10
	x := make([]float64, dim)
	g := make([]float64, dim)
	f := fg(g, x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("objective is not finite at zero")
	}
	var ss, ys [][]float64
	var rhos []float64
	dir := make([]float64, dim)
	alpha := make([]float64, memory)
	xn, gn := make([]float64, dim), make([]float64, dim)
	stalled := 0 // iterations in a row whose decrease is lost in rounding
	for iter := 0; iter < o.MaxIter && stalled < 5; iter++ {
		if maxAbsSlice(g) < o.GradTol {
			break
		}
		// Two-loop recursion: dir = −H·g.
		for i := range dir {
			dir[i] = -g[i]
		}
		for i := len(ss) - 1; i >= 0; i-- {
			alpha[i] = rhos[i] * dot(ss[i], dir)
			axpy(-alpha[i], ys[i], dir)
		}
		if len(ss) > 0 {
			last := len(ss) - 1
			scale := dot(ss[last], ys[last]) / dot(ys[last], ys[last])
			for i := range dir {
				dir[i] *= scale
			}
		} else if gmax := maxAbsSlice(g); gmax > 1 {
			for i := range dir {
				dir[i] /= gmax
			}
		}
		for i := range ss {
			beta := rhos[i] * dot(ys[i], dir)
			axpy(alpha[i]-beta, ss[i], dir)
		}
		slope := dot(g, dir)
		if slope >= 0 {
			for i := range dir {
				dir[i] = -g[i]
			}
			slope = dot(g, dir)
		}
		step, fn := 1.0, math.Inf(1)
		accepted := false
		for ls := 0; ls < 60; ls++ {
			for i := range xn {
				xn[i] = x[i] + step*dir[i]
			}
			fn = fg(gn, xn)
			if fn <= f+1e-4*step*slope {
				accepted = true
				break
			}
			step /= 2
		}
		if !accepted {
			break
		}
		s, y := make([]float64, dim), make([]float64, dim)
		for i := range s {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot(s, y); sy > 0 {
			if len(ss) == memory {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
		if f-fn <= 1e-15*math.Max(1, math.Abs(f)) {
			stalled++
		} else {
			stalled = 0
		}
		copy(x, xn)
		copy(g, gn)
		f = fn
	}
	return x, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func maxAbsSlice(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// softplus returns log(1 + exp(v)) without overflow.
func softplus(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}
