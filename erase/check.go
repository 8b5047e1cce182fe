package erase

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// CheckOptions configures CheckGuardedness. A nil *CheckOptions means the
// defaults.
type CheckOptions struct {
	// TestFraction is the share of rows held out for scoring the probes.
	// The default value is 0.25.
	TestFraction float64
	// Seed seeds the shuffle that splits the rows. The default value is 0.
	Seed uint64
	// Probe configures both probes; nil means their defaults (C = 1).
	Probe *ProbeOptions
	// Fitter configures the LEACE eraser fitted on the training rows when
	// no eraser is given; nil means the defaults.
	Fitter *Options
}

// ProbeScores holds held-out accuracies of the two linear probes.
type ProbeScores struct {
	Logistic float64 `json:"logistic"`
	SVM      float64 `json:"svm"`
}

// Guardedness reports how well a concept can be linearly decoded before
// and after erasure. A concept is linearly guarded when no linear probe
// beats the majority-class baseline and Σ_XZ vanishes.
type Guardedness struct {
	Train   int `json:"train"`
	Test    int `json:"test"`
	Classes int `json:"classes"`
	// Majority is the held-out accuracy of always predicting the most
	// common training class.
	Majority float64     `json:"majority"`
	Before   ProbeScores `json:"before"`
	After    ProbeScores `json:"after"`
	// MaxCovBefore and MaxCovAfter are max |Σ_XZ| over all rows, with Z
	// the one-hot labels, before and after erasure.
	MaxCovBefore float64 `json:"max_cov_xz_before"`
	MaxCovAfter  float64 `json:"max_cov_xz_after"`
	// EraserRank is the rank of the eraser's edit; FittedEraser tells
	// whether it was fitted here on the training rows.
	EraserRank   int  `json:"eraser_rank"`
	FittedEraser bool `json:"fitted_eraser"`
}

// CheckGuardedness splits the rows x (n×d) with labels in [0, k) into a
// training and a held-out part, fits logistic regression and a linear SVM
// on standardized features before and after erasure, and scores them on
// the held-out part. With a nil eraser it fits LEACE on the training rows
// only. progress, if not nil, is called with the name of each stage.
func CheckGuardedness(ctx context.Context, x []float64, d int, labels []int, k int, e *Eraser, opts *CheckOptions, progress func(stage string)) (*Guardedness, error) {
	var o CheckOptions
	if opts != nil {
		o = *opts
	}
	if o.TestFraction == 0 {
		o.TestFraction = 0.25
	}
	if !(o.TestFraction > 0 && o.TestFraction < 1) {
		return nil, fmt.Errorf("erase: TestFraction (%g) must be in (0, 1)", o.TestFraction)
	}
	if progress == nil {
		progress = func(string) {}
	}
	n, err := checkProbeData(x, d, labels, k)
	if err != nil {
		return nil, err
	}
	if e != nil && e.D != d {
		return nil, fmt.Errorf("erase: eraser has dimension %d, data %d", e.D, d)
	}
	nTest := int(math.Round(o.TestFraction * float64(n)))
	if nTest < 1 || n-nTest < 2 {
		return nil, fmt.Errorf("erase: %d rows are too few to hold out %g of them", n, o.TestFraction)
	}
	perm := rand.New(rand.NewPCG(o.Seed, 0x5eed)).Perm(n)
	trainIdx, testIdx := perm[nTest:], perm[:nTest]
	xTrain, yTrain := gather(x, d, labels, trainIdx)
	xTest, yTest := gather(x, d, labels, testIdx)
	g := &Guardedness{Train: len(trainIdx), Test: nTest, Classes: k}
	g.Majority = majorityAccuracy(yTrain, yTest, k)

	if e == nil {
		progress("fit eraser")
		f, err := NewFitter(d, k, o.Fitter)
		if err != nil {
			return nil, err
		}
		if err := f.Update(xTrain, Labels(yTrain)); err != nil {
			return nil, err
		}
		if e, err = f.Eraser(); err != nil {
			return nil, err
		}
		g.FittedEraser = true
	}
	g.EraserRank = e.R

	score := func(stage string, tr, te []float64) (ProbeScores, error) {
		if err := ctx.Err(); err != nil {
			return ProbeScores{}, err
		}
		progress(stage)
		tr, te = standardize(tr, te, d)
		var s ProbeScores
		lr, err := FitLogistic(tr, d, yTrain, k, o.Probe)
		if err != nil {
			return s, err
		}
		if err := ctx.Err(); err != nil {
			return s, err
		}
		svm, err := FitLinearSVM(tr, d, yTrain, k, o.Probe)
		if err != nil {
			return s, err
		}
		s.Logistic, s.SVM = lr.Accuracy(te, yTest), svm.Accuracy(te, yTest)
		return s, nil
	}
	if g.Before, err = score("probes before erasure", xTrain, xTest); err != nil {
		return nil, err
	}
	eTrain, eTest := make([]float64, len(xTrain)), make([]float64, len(xTest))
	e.Apply(eTrain, xTrain)
	e.Apply(eTest, xTest)
	if g.After, err = score("probes after erasure", eTrain, eTest); err != nil {
		return nil, err
	}
	progress("cross-covariance")
	z := Labels(labels)
	g.MaxCovBefore = maxCrossCov(x, z, d, k)
	xe := make([]float64, len(x))
	e.Apply(xe, x)
	g.MaxCovAfter = maxCrossCov(xe, z, d, k)
	return g, nil
}

func gather(x []float64, d int, y []int, idx []int) ([]float64, []int) {
	xs := make([]float64, 0, len(idx)*d)
	ys := make([]int, 0, len(idx))
	for _, i := range idx {
		xs = append(xs, x[i*d:(i+1)*d]...)
		ys = append(ys, y[i])
	}
	return xs, ys
}

func majorityAccuracy(train, test []int, k int) float64 {
	counts := make([]int, k)
	for _, c := range train {
		counts[c]++
	}
	best := 0
	for c := range counts {
		if counts[c] > counts[best] {
			best = c
		}
	}
	hit := 0
	for _, c := range test {
		if c == best {
			hit++
		}
	}
	return float64(hit) / float64(len(test))
}

// standardize returns copies of train and test with each feature shifted
// and scaled by the training mean and standard deviation (features with no
// spread are only shifted), so that the probes' fixed penalty means the
// same thing whatever the scale of the representation.
func standardize(train, test []float64, d int) ([]float64, []float64) {
	mu := make([]float64, d)
	sd := make([]float64, d)
	n := len(train) / d
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mu[j] += train[i*d+j]
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			v := train[i*d+j] - mu[j]
			sd[j] += v * v
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(n))
		if sd[j] < 1e-12*math.Max(1, math.Abs(mu[j])) {
			sd[j] = 1
		}
	}
	scale := func(a []float64) []float64 {
		out := make([]float64, len(a))
		for i, v := range a {
			out[i] = (v - mu[i%d]) / sd[i%d]
		}
		return out
	}
	return scale(train), scale(test)
}

// maxCrossCov returns max |Σ_XZ| (scatter over n−1) of rows x and concept z.
func maxCrossCov(x []float64, z Concept, d, k int) float64 {
	m := newMoments(d, k, false, false)
	if err := m.update(x, nil, z); err != nil || m.n < 2 {
		return math.NaN()
	}
	best := 0.0
	for _, v := range m.cxz {
		best = math.Max(best, math.Abs(v)/float64(m.n-1))
	}
	return best
}
