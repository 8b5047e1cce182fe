package erase

import (
	"fmt"
	"strconv"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/fmkit/fmkit/safetensors"
)

// QuadraticOptions configures a QuadraticFitter. A nil *QuadraticOptions
// means the defaults.
type QuadraticOptions struct {
	// Shrinkage applies optimal linear shrinkage to each class covariance.
	// The reference implementation turns it on by default; here it is
	// opt-in, as for Options.
	Shrinkage bool
}

// barycenterIterations bounds the fixed-point iteration for three or more
// classes; it converges in a handful of steps on well-conditioned data.
const barycenterIterations = 100

// QuadraticFitter accumulates per-class means and covariances for quadratic
// LEACE, which moves every class onto one Gaussian (the 2-Wasserstein
// barycenter of the class-conditional Gaussians) by optimal transport, so
// that neither linear nor quadratic classifiers can tell the classes apart.
// Like oracle LEACE it needs the labels at apply time.
type QuadraticFitter struct {
	opts    QuadraticOptions
	d       int
	classes []*moments
}

// NewQuadraticFitter returns a QuadraticFitter for dimension xDim and
// numClasses classes (at least two).
func NewQuadraticFitter(xDim, numClasses int, opts *QuadraticOptions) (*QuadraticFitter, error) {
	if xDim <= 0 || numClasses < 2 {
		return nil, fmt.Errorf("erase: quadratic LEACE needs xDim > 0 and at least 2 classes, have xDim=%d classes=%d", xDim, numClasses)
	}
	f := &QuadraticFitter{d: xDim, classes: make([]*moments, numClasses)}
	if opts != nil {
		f.opts = *opts
	}
	for c := range f.classes {
		f.classes[c] = newMoments(xDim, 0, true, false)
	}
	return f, nil
}

var noConcept = Concept{Values: []float64{}}

// Update adds rows x (n×xDim) with their class labels.
func (f *QuadraticFitter) Update(x []float64, labels []int) error {
	return f.update(x, nil, labels)
}

// UpdateFloat32 adds float32 rows with their class labels.
func (f *QuadraticFitter) UpdateFloat32(x []float32, labels []int) error {
	return f.update(nil, x, labels)
}

func (f *QuadraticFitter) update(x64 []float64, x32 []float32, labels []int) error {
	d, k := f.d, len(f.classes)
	total := len(x64) + len(x32)
	if total%d != 0 {
		return fmt.Errorf("erase: X has %d values, not a multiple of the dimension %d", total, d)
	}
	n := total / d
	if err := Labels(labels).check(n, k); err != nil {
		return err
	}
	if err := checkFinite(x64, x32, d); err != nil {
		return err
	}
	// Gather each class's rows, then stream them into its moments.
	for c, m := range f.classes {
		var g64 []float64
		var g32 []float32
		for i, l := range labels {
			if l != c {
				continue
			}
			if x64 != nil {
				g64 = append(g64, x64[i*d:(i+1)*d]...)
			} else {
				g32 = append(g32, x32[i*d:(i+1)*d]...)
			}
		}
		if len(g64)+len(g32) == 0 {
			continue
		}
		if err := m.update(g64, g32, noConcept); err != nil {
			return err
		}
	}
	return nil
}

// Merge adds the statistics of g.
func (f *QuadraticFitter) Merge(g *QuadraticFitter) error {
	if len(g.classes) != len(f.classes) || g.d != f.d {
		return fmt.Errorf("erase: cannot merge a quadratic fitter of %d classes and dimension %d into one of %d and %d", len(g.classes), g.d, len(f.classes), f.d)
	}
	for c := range f.classes {
		if err := f.classes[c].mergeFrom(g.classes[c]); err != nil {
			return err
		}
	}
	return nil
}

// Eraser computes the barycenter and the transport maps.
func (f *QuadraticFitter) Eraser() (*QuadraticEraser, error) {
	d, k := f.d, len(f.classes)
	covs := make([]*mat.SymDense, k)
	counts := make([]float64, k)
	e := &QuadraticEraser{D: d, K: k, ClassMeans: make([]float64, k*d), GlobalMean: make([]float64, d)}
	var total int64
	for c, m := range f.classes {
		if m.n < 2 {
			return nil, fmt.Errorf("erase: class %d has %d rows; quadratic LEACE needs at least 2 per class", c, m.n)
		}
		covs[c] = covariance(m.cxx, d, m.n, f.opts.Shrinkage)
		counts[c] = float64(m.n)
		total += m.n
		copy(e.ClassMeans[c*d:], m.meanX)
		for j, v := range m.meanX {
			e.GlobalMean[j] += v / float64(k)
		}
	}
	var center *mat.SymDense
	var err error
	if k == 2 {
		sum := counts[0] + counts[1]
		center, err = otMidpoint(covs[0], covs[1], counts[0]/sum, counts[1]/sum)
	} else {
		center, err = otBarycenter(covs, counts, barycenterIterations)
	}
	if err != nil {
		return nil, fmt.Errorf("erase: barycenter: %w", err)
	}
	e.Maps = make([]float64, 0, k*d*d)
	for c := range covs {
		t, err := otMap(covs[c], center)
		if err != nil {
			return nil, fmt.Errorf("erase: transport map of class %d: %w", c, err)
		}
		e.Maps = append(e.Maps, fullSym(t.RawSymmetric().Data, d, 1)...)
	}
	e.Metadata = map[string]string{
		"shrinkage": strconv.FormatBool(f.opts.Shrinkage),
		"n":         strconv.FormatInt(total, 10),
	}
	return e, nil
}

// QuadraticEraser moves each class onto the barycenter:
// x' = (x − μ_z)·T_zᵀ + GlobalMean, where GlobalMean is the unweighted mean
// of the class means. ClassMeans is K×D and Maps is K×D×D, row-major.
type QuadraticEraser struct {
	D, K       int
	ClassMeans []float64
	GlobalMean []float64
	Maps       []float64
	Metadata   map[string]string
}

// Map returns the D×D transport map of class c.
func (e *QuadraticEraser) Map(c int) *mat.Dense {
	return mat.NewDense(e.D, e.D, e.Maps[c*e.D*e.D:(c+1)*e.D*e.D])
}

// Apply writes the erased rows of x, whose classes are labels, to dst
// (which may be x). It returns an error for labels out of range and panics
// if dst and x differ in length.
func (e *QuadraticEraser) Apply(dst, x []float64, labels []int) error {
	d := e.D
	if len(dst) != len(x) || len(x)%d != 0 {
		panic(fmt.Sprintf("erase: QuadraticEraser.Apply: dst has %d values and x %d, expected the same multiple of %d", len(dst), len(x), d))
	}
	n := len(x) / d
	if err := Labels(labels).check(n, e.K); err != nil {
		return err
	}
	row := make([]float64, d)
	for i, c := range labels {
		mu := e.ClassMeans[c*d : (c+1)*d]
		for j := range row {
			row[j] = x[i*d+j] - mu[j]
		}
		out := dst[i*d : (i+1)*d]
		copy(out, e.GlobalMean)
		blas64.Gemv(blas.NoTrans, 1, general(e.Maps[c*d*d:(c+1)*d*d], d, d), vector(row), 1, vector(out))
	}
	return nil
}

// Save writes the quadratic eraser as safetensors ("class_means" [K, D],
// "global_mean" [D], "ot_maps" [K, D, D], float64), atomically.
func (e *QuadraticEraser) Save(path string) error {
	return saveTensors(path, []safetensors.Tensor{
		safetensors.FromFloat64("class_means", []int{e.K, e.D}, e.ClassMeans),
		safetensors.FromFloat64("global_mean", []int{e.D}, e.GlobalMean),
		safetensors.FromFloat64("ot_maps", []int{e.K, e.D, e.D}, e.Maps),
	}, e.Metadata, formatQuad)
}

// LoadQuadraticEraser reads a quadratic eraser written by
// QuadraticEraser.Save.
func LoadQuadraticEraser(path string) (*QuadraticEraser, error) {
	t, meta, err := loadTensors(path, formatQuad)
	if err != nil {
		return nil, err
	}
	means, err := need(t, path, "class_means", 2)
	if err != nil {
		return nil, err
	}
	gm, err := need(t, path, "global_mean", 1)
	if err != nil {
		return nil, err
	}
	maps, err := need(t, path, "ot_maps", 3)
	if err != nil {
		return nil, err
	}
	k, d := means.Shape[0], means.Shape[1]
	if k < 2 || d == 0 || gm.Shape[0] != d || maps.Shape[0] != k || maps.Shape[1] != d || maps.Shape[2] != d {
		return nil, fmt.Errorf("%s: shapes class_means %v, global_mean %v, ot_maps %v do not fit K×D, D, K×D×D", path, means.Shape, gm.Shape, maps.Shape)
	}
	return &QuadraticEraser{D: d, K: k, ClassMeans: means.Data, GlobalMean: gm.Data, Maps: maps.Data, Metadata: meta}, nil
}
