package group_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/fmkit/fmkit/group"
	"github.com/fmkit/fmkit/npy"
)

func randomFunction(rng *rand.Rand, size int) []float64 {
	f := make([]float64, size)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	return f
}

func TestInverseAndPlancherel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 6; n++ {
		ft, err := group.NewFourier(n)
		if err != nil {
			t.Fatal(err)
		}
		f := randomFunction(rng, ft.Order())
		coeffs := ft.Transform(f)
		back := ft.Inverse(coeffs)
		if d := maxDiff(back, f); d > tol {
			t.Errorf("S_%d: inverse(transform(f)) differs from f by %g", n, d)
		}
		norm, spectral := 0.0, 0.0
		for _, v := range f {
			norm += v * v
		}
		for i, r := range ft.Irreps() {
			for _, v := range coeffs[i] {
				spectral += float64(r.Dim()) * v * v
			}
		}
		spectral /= float64(ft.Order())
		if math.Abs(norm-spectral) > tol*norm {
			t.Errorf("S_%d: Σf² = %g, (1/|G|)Σ d‖f̂‖² = %g", n, norm, spectral)
		}
		sum := 0.0
		for _, v := range ft.PowerSpectrum(f) {
			sum += v
		}
		if math.Abs(sum-1) > tol {
			t.Errorf("S_%d: power fractions sum to %g", n, sum)
		}
	}
}

// TestConvolution checks the convolution theorem in the package's
// convention: (f∗g)(x) = Σ_a f(a)·g(a⁻¹·x) has transform f̂·ĝ.
func TestConvolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 4
	ft, _ := group.NewFourier(n)
	elems, _ := group.Elements(n)
	f, g := randomFunction(rng, 24), randomFunction(rng, 24)
	conv := make([]float64, 24)
	for x, px := range elems {
		for a, pa := range elems {
			conv[x] += f[a] * g[group.Rank(pa.Inverse().Mul(px))]
		}
	}
	fc, gc, cc := ft.Transform(f), ft.Transform(g), ft.Transform(conv)
	for i, r := range ft.Irreps() {
		if d := maxDiff(cc[i], matMul(fc[i], gc[i], r.Dim())); d > 1e-9 {
			t.Errorf("%v: (f∗g)^ ≠ f̂ĝ (%g)", r.Partition(), d)
		}
	}
}

// TestClassFunctions checks that a class function transforms to a
// multiple of the identity in every irrep, the multiple being
// (1/d)Σ_g f(g)χ(g).
func TestClassFunctions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for n := 3; n <= 6; n++ {
		ft, _ := group.NewFourier(n)
		elems, _ := group.Elements(n)
		value := map[string]float64{}
		f := make([]float64, len(elems))
		for i, p := range elems {
			k := p.CycleType().String()
			if _, ok := value[k]; !ok {
				value[k] = rng.NormFloat64()
			}
			f[i] = value[k]
		}
		for i, m := range ft.Transform(f) {
			r := ft.Irreps()[i]
			d := r.Dim()
			want := 0.0
			for g, p := range elems {
				want += f[g] * r.Character(p)
			}
			want /= float64(d)
			for a := range d {
				for b := range d {
					exp := 0.0
					if a == b {
						exp = want
					}
					if math.Abs(m[a*d+b]-exp) > 1e-9 {
						t.Fatalf("S_%d %v: f̂[%d,%d] = %g, want %g", n, r.Partition(), a, b, m[a*d+b], exp)
					}
				}
			}
		}
	}
}

// TestSubgroupSums checks Σ_{h∈H} ρ(h) = |H|·P with P the projection onto
// the H-invariant vectors: zero unless ρ restricted to H contains the
// trivial representation. For S4 ⊂ S5 only (5) and (4,1) survive, for A5
// only (5) and (1⁵).
func TestSubgroupSums(t *testing.T) {
	ft, _ := group.NewFourier(5)
	s4, _ := group.Generate(5, group.Perm{1, 0, 2, 3, 4}, group.Perm{1, 2, 3, 0, 4})
	a5, _ := group.Generate(5, group.Perm{1, 2, 0, 3, 4}, group.Perm{0, 1, 3, 4, 2}, group.Perm{0, 2, 3, 1, 4})
	tests := []struct {
		name      string
		h         *group.Subgroup
		order     int
		survivors []string
	}{
		{"S4", s4, 24, []string{"(5)", "(4,1)"}},
		{"A5", a5, 60, []string{"(5)", "(1,1,1,1,1)"}},
	}
	for _, tc := range tests {
		if tc.h.Order() != tc.order {
			t.Fatalf("%s has order %d", tc.name, tc.h.Order())
		}
		ind := make([]float64, 120)
		for _, r := range tc.h.Ranks() {
			ind[r] = 1
		}
		for i, m := range ft.Transform(ind) {
			r := ft.Irreps()[i]
			d := r.Dim()
			trace, norm := 0.0, 0.0
			for a := range d {
				trace += m[a*d+a]
			}
			for _, v := range m {
				norm += v * v
			}
			survives := norm > 1e-9
			want := false
			for _, s := range tc.survivors {
				want = want || s == r.Partition().String()
			}
			if survives != want {
				t.Errorf("%s: Σρ(h) for %v is %v zero, want survive=%v", tc.name, r.Partition(), !survives, want)
			}
			// P = Σρ(h)/|H| is an orthogonal projection: P² = P.
			p := make([]float64, len(m))
			for k, v := range m {
				p[k] = v / float64(tc.order)
			}
			if diff := maxDiff(matMul(p, p, d), p); diff > 1e-9 {
				t.Errorf("%s %v: Σρ(h)/|H| is not a projection (%g)", tc.name, r.Partition(), diff)
			}
		}
	}
}

func TestPowerSpectraBatchMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{3, 5, 6} {
		ft, _ := group.NewFourier(n)
		m := 7
		fns := make([]float32, m*ft.Order())
		for i := range fns {
			fns[i] = float32(rng.NormFloat64())
		}
		batch := ft.PowerSpectra(fns, m)
		k := len(ft.Irreps())
		for i := range m {
			f := make([]float64, ft.Order())
			for g := range f {
				f[g] = float64(fns[i*ft.Order()+g])
			}
			want := ft.PowerSpectrum(f)
			if d := maxDiff(batch[i*k:(i+1)*k], want); d > 1e-5 {
				t.Errorf("S_%d row %d: batch spectrum differs by %g", n, i, d)
			}
		}
	}
	ft, _ := group.NewFourier(3)
	zero := ft.PowerSpectra(make([]float32, 6), 1)
	for _, v := range zero {
		if !math.IsNaN(v) {
			t.Errorf("zero function: spectrum %v, want NaN", zero)
		}
	}
}

// TestSpectraMatchSnGrok compares power fractions with the paper's code
// (slow_sn_ft_1d and calc_power, float32) on the fixture functions.
func TestSpectraMatchSnGrok(t *testing.T) {
	b, err := os.ReadFile("testdata/sngrok_spectra.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]map[string][]float64 // n → partition "[3, 1, 1]" → one value per row
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{4, 5, 6} {
		a, err := npy.ReadFile("testdata/sngrok_functions_s" + string(rune('0'+n)) + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		fns, err := a.Float32()
		if err != nil {
			t.Fatal(err)
		}
		ft, _ := group.NewFourier(n)
		rows := a.Shape[0]
		got := ft.PowerSpectra(fns, rows)
		want := ref[string(rune('0'+n))]
		if len(want) != len(ft.Irreps()) {
			t.Fatalf("S_%d: fixture has %d irreps", n, len(want))
		}
		for k, r := range ft.Irreps() {
			key, _ := json.Marshal([]int(r.Partition()))
			vals, ok := want[jsonList(key)]
			if !ok {
				t.Fatalf("S_%d: fixture lacks %v", n, r.Partition())
			}
			for i := range rows {
				if d := math.Abs(got[i*len(ft.Irreps())+k] - vals[i]); d > 1e-5 {
					t.Errorf("S_%d row %d %v: %g, sn-grok %g", n, i, r.Partition(), got[i*len(ft.Irreps())+k], vals[i])
				}
			}
		}
	}
}

// jsonList turns "[3,1,1]" into Python's "[3, 1, 1]".
func jsonList(b []byte) string {
	out := []byte{}
	for _, c := range b {
		out = append(out, c)
		if c == ',' {
			out = append(out, ' ')
		}
	}
	return string(out)
}
