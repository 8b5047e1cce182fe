package tensor

import (
	"fmt"
	"math"
	"testing"
)

var (
	inf32 = float32(math.Inf(1))
	nan32 = float32(math.NaN())
)

// softmaxRows are the rows every softmax test runs: ordinary, wide (a GPT-2
// vocabulary), huge magnitudes that overflow exp without the max shift,
// -Inf entries (masked positions), one element, all -Inf.
func softmaxRows() map[string][]float32 {
	rng := newRand(8)
	wide := randSlice(rng, 50257)
	for i := range wide {
		wide[i] *= 12
	}
	return map[string][]float32{
		"small":    {0.5, -1, 2, 0, 3.25, -7},
		"vocab":    wide,
		"huge":     {3e38, -3e38, 2.9e38, 1e30, 0},
		"bigdiff":  {100, 0, -100, 88, 89},
		"masked":   {1, -inf32, 2, -inf32, 0.5},
		"single":   {-42},
		"all -Inf": {-inf32, -inf32, -inf32},
		"len17":    randSlice(rng, 17),
		"nan tail": {1, 2, 3, 4, 5, 6, 7, 8, nan32},
		"nan vec":  {1, nan32, 3, 4, 5, 6, 7, 8, 9},
		"vec+Inf":  {1, 2, inf32, 4, 5, 6, 7, 8, 9, 10},
	}
}

// softmax64 is the float64 reference; an all -Inf row gives NaN.
func softmax64(x []float32) (p []float64, lse float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - mx)
	}
	p = make([]float64, len(x))
	for i, v := range x {
		p[i] = math.Exp(float64(v)-mx) / sum
	}
	return p, mx + math.Log(sum)
}

// softmaxTol bounds softmax errors relative to each probability: float32
// exponentials (2 ulp), the float32 shift x - max (relative error |x-max|·ε
// in the exponent's argument) and the final scaling.
func softmaxTol(x, mx float32) float64 {
	return 8*eps32 + 2*eps32*math.Abs(float64(x-mx))
}

func TestSoftmax(t *testing.T) {
	forEachKernels(t, testSoftmax)
}

func testSoftmax(t *testing.T) {
	for name, x := range softmaxRows() {
		t.Run(name, func(t *testing.T) {
			want, lse := softmax64(x)
			mx := maxGeneric(x)
			got := make([]float32, len(x))
			SoftmaxTo(got, x)
			logp := make([]float32, len(x))
			LogSoftmaxTo(logp, x)
			inPlace := append([]float32(nil), x...)
			SoftmaxTo(inPlace, inPlace)
			for i := range x {
				if name == "all -Inf" || name == "nan tail" || name == "nan vec" || name == "vec+Inf" {
					if !math.IsNaN(float64(got[i])) || !math.IsNaN(float64(logp[i])) {
						t.Fatalf("all -Inf row: softmax %v, log-softmax %v, want NaN", got[i], logp[i])
					}
					continue
				}
				// Values below the float32 normal range flush to zero.
				if !closeTo(got[i], want[i], want[i], softmaxTol(x[i], mx)) && !(want[i] < 1.2e-38 && got[i] == 0) {
					t.Fatalf("softmax[%d] = %v, want %v", i, got[i], want[i])
				}
				if got[i] != inPlace[i] {
					t.Fatalf("in-place softmax[%d] = %v, out of place %v", i, inPlace[i], got[i])
				}
				wl := overflow32(float64(x[i]) - lse)
				if !closeTo(logp[i], wl, math.Abs(float64(x[i]))+math.Abs(lse)+1, 4*eps32) {
					t.Fatalf("log-softmax[%d] = %v, want %v", i, logp[i], wl)
				}
			}
		})
	}
}

// TestExpf checks the float32 exponential on a dense grid and at the ends
// of its range against math.Exp.
func TestExpf(t *testing.T) {
	check := func(x float32) {
		got, want := expf(x), overflow32(math.Exp(float64(x)))
		switch {
		case x < expLo:
			if got != 0 {
				t.Fatalf("expf(%v) = %v, want 0 (flushed)", x, got)
			}
		case !closeTo(got, want, want, 2*eps32):
			t.Fatalf("expf(%v) = %v, want %v", x, got, want)
		}
	}
	for x := float32(-104); x < 89; x += 0.00173 {
		check(x)
	}
	for _, x := range []float32{expLo, expHi, 0, -0, 1e-30, -1e-30, 88.72283, 88.7229, -inf32, inf32} {
		check(x)
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Fatalf("expf(NaN) = %v", v)
	}
}

func TestNorms(t *testing.T) {
	rng := newRand(9)
	rows := map[string][]float32{
		"small": {1, -2, 3, 0.5},
		"wide":  randSlice(rng, 4096),
		"huge":  {3e37, -1e38, 2e38, 5e37},     // squares overflow float32
		"tiny":  {1e-30, -3e-30, 2e-30, 5e-31}, // squares underflow float32
		"const": {7, 7, 7, 7, 7},
	}
	for name, x := range rows {
		n := len(x)
		w, b := randSlice(rng, n), randSlice(rng, n)
		for _, eps := range []float32{1e-5, 1e-6} {
			for _, affine := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/eps=%g/affine=%v", name, eps, affine), func(t *testing.T) {
					var ms, mean, variance float64
					for _, v := range x {
						ms += float64(v) * float64(v)
						mean += float64(v)
					}
					ms /= float64(n)
					mean /= float64(n)
					for _, v := range x {
						variance += (float64(v) - mean) * (float64(v) - mean)
					}
					variance /= float64(n)
					ww, bb := w, b
					if !affine {
						ww, bb = nil, nil
					}
					rms := make([]float32, n)
					ln := make([]float32, n)
					RMSNormTo(rms, x, ww, eps)
					LayerNormTo(ln, x, ww, bb, eps)
					for i, v := range x {
						wr := float64(v) / math.Sqrt(ms+float64(eps))
						wl := (float64(v) - mean) / math.Sqrt(variance+float64(eps))
						scale := 1.0
						if affine {
							wr *= float64(w[i])
							wl = wl*float64(w[i]) + float64(b[i])
							scale = math.Abs(float64(w[i]))
						}
						if !closeTo(rms[i], wr, math.Abs(wr)+1e-30, 8*eps32) {
							t.Fatalf("RMSNorm[%d] = %v, want %v", i, rms[i], wr)
						}
						// LayerNorm's mean subtraction can cancel: scale the
						// bound by the input's size over the deviation.
						lnScale := scale*(math.Abs(float64(v))+math.Abs(mean))/math.Sqrt(variance+float64(eps)) + math.Abs(wl)
						if !closeTo(ln[i], wl, lnScale, 8*eps32) {
							t.Fatalf("LayerNorm[%d] = %v, want %v", i, ln[i], wl)
						}
					}
				})
			}
		}
	}
}

// activationInputs covers zero, both signs, the regions where the
// activations saturate, huge magnitudes and the non-finite values.
func activationInputs() []float32 {
	var xs []float32
	for x := float32(-30); x <= 30; x += 0.0625 {
		xs = append(xs, x)
	}
	return append(xs, -100, 100, -1e30, 1e30, 3e38, -3e38, 1e-30, -1e-30, 0, inf32, -inf32)
}

func TestActivations(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		xs := activationInputs()
		// Every tail length after the whole vectors of the assembly.
		for tail := 0; tail < 8; tail++ {
			testActivations(t, xs[:len(xs)-tail])
		}
	})
}

func testActivations(t *testing.T, xs []float32) {
	t.Helper()
	n := len(xs)
	gelu, geluTanh, silu := make([]float32, n), make([]float32, n), make([]float32, n)
	GELUTo(gelu, xs)
	GELUTanhTo(geluTanh, xs)
	SiLUTo(silu, xs)
	inPlace := append([]float32(nil), xs...)
	GELUTo(inPlace, inPlace)
	const c = 0.7978845608028654
	for i, x32 := range xs {
		x := float64(x32)
		u := c * (x + 0.044715*x*x*x)
		if math.Float32bits(inPlace[i]) != math.Float32bits(gelu[i]) {
			t.Fatalf("in-place GELU(%v) = %v, out of place %v", x32, inPlace[i], gelu[i])
		}
		for _, a := range []struct {
			name string
			got  float32
			want float64
			tol  float64 // relative; exp's argument error grows with its size
		}{
			{"GELU", gelu[i], 0.5 * x * math.Erfc(-x/math.Sqrt2), 4 * eps32},
			// 0.5·(1+tanh u) = 1/(1+e^-2u); the tanh form cancels in float64
			// for u < -15.
			{"GELUTanh", geluTanh[i], x / (1 + math.Exp(-2*u)), 8 * eps32 * (4 + 2*math.Abs(u))},
			{"SiLU", silu[i], x / (1 + math.Exp(-x)), 4 * eps32 * (4 + math.Abs(x))},
		} {
			want := a.want // NaN at -Inf (-Inf·0), as in PyTorch
			if math.Abs(want) < 1e-37 && math.Abs(float64(a.got)) < 1e-37 {
				continue // both flushed to (near) zero
			}
			if !closeTo(a.got, want, math.Abs(want), a.tol) {
				t.Errorf("%s(%v) = %v, want %v", a.name, x32, a.got, want)
			}
		}
	}
}

// TestGELUDense checks the float32 GELU against float64's erfc at a million
// points over the whole range where its result is above 1e-37 (smaller
// results may flush to zero, as the exponential's do below 1.2e-38).
func TestGELUDense(t *testing.T) {
	var xs []float32
	for x := float32(-13.2); x < 14; x += 0.000027 {
		xs = append(xs, x)
	}
	forEachKernels(t, func(t *testing.T) {
		got := make([]float32, len(xs))
		GELUTo(got, xs)
		worst, at := 0.0, float32(0)
		for i, x := range xs {
			want := 0.5 * float64(x) * math.Erfc(-float64(x)/math.Sqrt2)
			if math.Abs(want) < 1e-37 {
				continue
			}
			if e := math.Abs(float64(got[i])-want) / math.Abs(want); e > worst {
				worst, at = e, x
			}
		}
		if worst > 4*eps32 {
			t.Errorf("GELU relative error %.2f·2⁻²³ at %v, want < 4", worst/eps32, at)
		}
	})
}

func TestRoPE(t *testing.T) {
	rng := newRand(10)
	for _, c := range []struct {
		dim, rot    int
		base        float64
		interleaved bool
	}{
		{64, 64, 10000, false}, {64, 64, 10000, true}, {80, 20, 10000, false},
		{128, 128, 500000, false}, {96, 32, 10000, true},
	} {
		t.Run(fmt.Sprintf("dim=%d/rot=%d/base=%g/interleaved=%v", c.dim, c.rot, c.base, c.interleaved), func(t *testing.T) {
			r := NewRoPE(c.rot, c.base, c.interleaved)
			for _, pos := range []int{0, 1, 7, 4095, 100000} {
				x := randSlice(rng, c.dim)
				got := append([]float32(nil), x...)
				r.Apply(got, pos)
				half := c.rot / 2
				for i := 0; i < half; i++ {
					// Hugging Face: inv_freq in float32, angle = pos·inv_freq in float32.
					inv := float32(1 / math.Pow(c.base, float64(float32(2*i)/float32(c.rot))))
					ang := float64(float32(pos) * inv)
					a, b := i, i+half
					if c.interleaved {
						a, b = 2*i, 2*i+1
					}
					x0, x1 := float64(x[a]), float64(x[b])
					w0 := x0*math.Cos(ang) - x1*math.Sin(ang)
					w1 := x1*math.Cos(ang) + x0*math.Sin(ang)
					sc := math.Abs(x0) + math.Abs(x1)
					if !closeTo(got[a], w0, sc, 4*eps32) || !closeTo(got[b], w1, sc, 4*eps32) {
						t.Fatalf("pos %d pair %d: (%v, %v), want (%v, %v)", pos, i, got[a], got[b], w0, w1)
					}
				}
				for i := c.rot; i < c.dim; i++ {
					if got[i] != x[i] {
						t.Fatalf("pos %d: element %d beyond the rotary dims changed", pos, i)
					}
				}
			}
		})
	}
}

func TestElementwise(t *testing.T) {
	rng := newRand(11)
	x, y := randSlice(rng, 37), randSlice(rng, 37)
	add, mul, scale := make([]float32, 37), make([]float32, 37), make([]float32, 37)
	AddTo(add, x, y)
	MulTo(mul, x, y)
	ScaleTo(scale, -2.5, x)
	ax := append([]float32(nil), y...)
	Axpy(0.5, x, ax)
	var dot float64
	for i := range x {
		if add[i] != x[i]+y[i] || mul[i] != x[i]*y[i] || scale[i] != -2.5*x[i] {
			t.Fatalf("element %d: add %v mul %v scale %v", i, add[i], mul[i], scale[i])
		}
		if !closeTo(ax[i], float64(y[i])+0.5*float64(x[i]), 2, eps32) {
			t.Fatalf("Axpy[%d] = %v", i, ax[i])
		}
		dot += float64(x[i]) * float64(y[i])
	}
	if got := Dot(x, y); !closeTo(got, dot, 37, 4*eps32) {
		t.Fatalf("Dot = %v, want %v", got, dot)
	}
}

// overflow32 returns v, or ±Inf where v is beyond the float32 range (what a
// correctly rounded float32 result is there).
func overflow32(v float64) float64 {
	if math.Abs(v) > math.MaxFloat32 {
		return math.Copysign(math.Inf(1), v)
	}
	return v
}

// TestLogSumExp checks LogSumExp and SumExp against float64 sums on rows
// with large magnitudes (no overflow), -Inf entries and odd lengths.
func TestLogSumExp(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(21)
		for _, n := range []int{1, 7, 8, 33, 1000, 50304} {
			for _, spread := range []float32{1, 30, 1e4} {
				x := randSlice(rng, n)
				for i := range x {
					x[i] *= spread
					if i%5 == 3 {
						x[i] = float32(math.Inf(-1))
					}
				}
				if n > 1 {
					x[n/2] = 8e4 // exp would overflow without the max
				}
				mx := x[0]
				for _, v := range x {
					mx = max(mx, v)
				}
				var want float64
				for _, v := range x {
					want += math.Exp(float64(v) - float64(mx))
				}
				got := SumExp(x, mx)
				if math.Abs(got-want) > 4*eps32*want {
					t.Errorf("n=%d spread=%g: SumExp = %v, want %v", n, spread, got, want)
				}
				lse := float64(mx) + math.Log(want)
				if g := LogSumExp(x); !closeTo(g, lse, math.Abs(lse)+1, 4*eps32) {
					t.Errorf("n=%d spread=%g: LogSumExp = %v, want %v", n, spread, g, lse)
				}
			}
		}
		if got := SumExp(nil, 0); got != 0 {
			t.Errorf("SumExp(empty) = %v, want 0", got)
		}
		if got := LogSumExp(nil); !math.IsInf(float64(got), -1) {
			t.Errorf("LogSumExp(empty) = %v, want -Inf", got)
		}
		inf := float32(math.Inf(-1))
		if got := LogSumExp([]float32{inf, inf}); !math.IsNaN(float64(got)) {
			t.Errorf("LogSumExp(all -Inf) = %v, want NaN", got)
		}
	})
}

// TestExpTo checks ExpTo element by element against float64 exponentials,
// over arguments that span underflow and overflow, in place and not.
func TestExpTo(t *testing.T) {
	forEachKernels(t, func(t *testing.T) {
		rng := newRand(7)
		for _, n := range []int{1, 7, 8, 9, 33, 1000} {
			for _, inPlace := range []bool{false, true} {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * 40)
				}
				x[0] = 0
				if n > 2 {
					x[1], x[2] = 100, -120 // overflow to +Inf, underflow to 0
				}
				orig := append([]float32(nil), x...)
				const m = 1.5
				dst := make([]float32, n)
				if inPlace {
					dst = x
				}
				sum := ExpTo(dst, x, m)
				var want float64
				for i, v := range orig {
					e := math.Exp(float64(v - m)) // the argument rounded to float32, as the kernel has it
					switch {
					case e < 0x1p-126: // subnormal results may be flushed to zero
						if dst[i] != 0 && !closeTo(dst[i], e, e, 2*eps32) {
							t.Fatalf("n=%d exp(%v-%v) = %v, want 0 or %v", n, v, m, dst[i], e)
						}
					case math.IsInf(float64(float32(e)), 1):
						if !math.IsInf(float64(dst[i]), 1) {
							t.Fatalf("n=%d exp(%v-%v) = %v, want +Inf", n, v, m, dst[i])
						}
					case !closeTo(dst[i], e, e, 2*eps32):
						t.Fatalf("n=%d exp(%v-%v) = %v, want %v", n, v, m, dst[i], e)
					}
					want += float64(dst[i])
				}
				if sum != want && !(math.IsInf(sum, 1) && math.IsInf(want, 1)) && math.Abs(sum-want) > 1e-12*math.Abs(want) {
					t.Errorf("n=%d sum %v, want the sum of the written values %v", n, sum, want)
				}
			}
		}
	})
}
