package erase

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/npy"
)

// fixtureTol is the agreement asked of every comparison with the NumPy
// reference (testdata/gen/erase/gen_erase.py).
const fixtureTol = 1e-8

type manifest struct {
	LEACE []struct {
		Name, Data, Method string
		Labels             bool
		K, Rank            int
		Affine, Shrinkage  bool
	} `json:"leace"`
	Oracle []struct {
		Name   string
		Labels bool
		K      int
	} `json:"oracle"`
	Quadratic []struct {
		Name string
		K    int
	} `json:"quadratic"`
}

func loadManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// loadNpy returns the float64 values and shape of testdata/name.npy.
func loadNpy(t *testing.T, name string) ([]float64, []int) {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join("testdata", name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return v, a.Shape
}

func loadLabels(t *testing.T, name string) []int {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join("testdata", name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Int64()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// classification makes n rows of d features whose class-conditional means
// differ along `informative` random directions, mixed by a random linear
// map with a non-zero offset, in the spirit of sklearn's
// make_classification. Labels are balanced-ish in [0, classes).
func classification(seed uint64, n, d, classes, informative int) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	centroids := make([]float64, classes*informative)
	for i := range centroids {
		centroids[i] = 2 * rng.NormFloat64()
	}
	mix := make([]float64, d*d)
	for i := range mix {
		mix[i] = rng.NormFloat64() / math.Sqrt(float64(d))
	}
	for i := 0; i < d; i++ {
		mix[i*d+i] += 1
	}
	x := make([]float64, n*d)
	y := make([]int, n)
	raw := make([]float64, d)
	for i := 0; i < n; i++ {
		y[i] = i % classes
		for j := range raw {
			raw[j] = rng.NormFloat64()
			if j < informative {
				raw[j] += centroids[y[i]*informative+j]
			}
		}
		for j := 0; j < d; j++ {
			s := 0.5
			for l := 0; l < d; l++ {
				s += raw[l] * mix[l*d+j]
			}
			x[i*d+j] = s
		}
	}
	rng.Shuffle(n, func(a, b int) {
		y[a], y[b] = y[b], y[a]
		for j := 0; j < d; j++ {
			x[a*d+j], x[b*d+j] = x[b*d+j], x[a*d+j]
		}
	})
	return x, y
}

func oneHot(y []int, k int) []float64 {
	z := make([]float64, len(y)*k)
	for i, c := range y {
		z[i*k+c] = 1
	}
	return z
}

// crossCov returns the d×k cross-covariance (over n) of rows x and z.
func crossCov(x, z []float64, d, k int) []float64 {
	n := len(x) / d
	mx := colMeans(x, d)
	mz := colMeans(z, k)
	c := make([]float64, d*k)
	for i := 0; i < n; i++ {
		for a := 0; a < d; a++ {
			xa := x[i*d+a] - mx[a]
			for b := 0; b < k; b++ {
				c[a*k+b] += xa * (z[i*k+b] - mz[b])
			}
		}
	}
	for i := range c {
		c[i] /= float64(n)
	}
	return c
}

func colMeans(x []float64, d int) []float64 {
	n := len(x) / d
	m := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			m[j] += x[i*d+j]
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

func classMeans(x []float64, y []int, d, k int) [][]float64 {
	out := make([][]float64, k)
	cnt := make([]int, k)
	for c := range out {
		out[c] = make([]float64, d)
	}
	for i, c := range y {
		cnt[c]++
		for j := 0; j < d; j++ {
			out[c][j] += x[i*d+j]
		}
	}
	for c := range out {
		for j := range out[c] {
			out[c][j] /= float64(cnt[c])
		}
	}
	return out
}

// rank returns the numerical rank of the n×d matrix a.
func rank(t *testing.T, a []float64, n, d int, tol float64) int {
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(n, d, a), mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	r := 0
	for _, s := range svd.Values(nil) {
		if s > tol {
			r++
		}
	}
	return r
}

func fit(t *testing.T, x []float64, z Concept, d, k int, opts *Options) (*Fitter, *Eraser) {
	t.Helper()
	f, err := NewFitter(d, k, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Update(x, z); err != nil {
		t.Fatal(err)
	}
	e, err := f.Eraser()
	if err != nil {
		t.Fatal(err)
	}
	return f, e
}
