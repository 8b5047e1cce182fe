package tensor

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The fixtures in testdata/quant are llama.cpp's reference quantizers and
// dequantizers run on input.f32 (testdata/gen/quant): quantize_row_*_ref
// and dequantize_row_* for every format, the same bytes and float32 bits.

func readF32(t *testing.T, name string) []float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quant", name))
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

func readBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "quant", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQuantizeMatchesLlamaCpp(t *testing.T) {
	x := readF32(t, "input.f32")
	for _, tc := range []struct {
		q    QType
		file string
	}{{Q8_0, "q8_0"}, {Q4_0, "q4_0"}, {Q4_K, "q4_K"}, {Q5_K, "q5_K"}, {Q6_K, "q6_K"}} {
		t.Run(tc.file, func(t *testing.T) {
			want := readBytes(t, tc.file+".bin")
			if len(want) != tc.q.RowBytes(len(x)) {
				t.Fatalf("fixture is %d bytes for %d inputs, want %d", len(want), len(x), tc.q.RowBytes(len(x)))
			}
			got := make([]byte, tc.q.RowBytes(len(x)))
			Quantize(tc.q, got, x)
			bb := tc.q.BlockBytes()
			bad := 0
			for b := 0; b < len(want)/bb; b++ {
				if string(got[b*bb:(b+1)*bb]) != string(want[b*bb:(b+1)*bb]) {
					if bad++; bad <= 3 {
						t.Errorf("block %d: got % x\nwant % x", b, got[b*bb:(b+1)*bb], want[b*bb:(b+1)*bb])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d blocks differ from llama.cpp's", bad, len(want)/bb)
			}
		})
	}
}

func TestDequantizeMatchesLlamaCpp(t *testing.T) {
	for _, tc := range []struct {
		q    QType
		file string
	}{{Q8_0, "q8_0"}, {Q4_0, "q4_0"}, {Q4_K, "q4_K"}, {Q5_K, "q5_K"}, {Q6_K, "q6_K"}} {
		t.Run(tc.file, func(t *testing.T) {
			src := readBytes(t, tc.file+".bin")
			want := readF32(t, tc.file+".out")
			if n := len(readF32(t, "input.f32")); len(want) != n {
				t.Fatalf("fixture holds %d values for %d inputs", len(want), n)
			}
			got := make([]float32, len(want))
			Dequantize(tc.q, got, src)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("value %d: got %g (%#08x), llama.cpp %g (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		})
	}
}

func TestQuantizeActsQ8KMatchesLlamaCpp(t *testing.T) {
	x := readF32(t, "input.f32")
	wantQ := readBytes(t, "q8_K.bin")
	meta := readBytes(t, "q8_K.out") // per block: d (f32), 16 sums of 16 (int16)
	var a qActs
	a.resize(len(x), 256)
	quantizeActsQ8K(&a, x)
	for i, v := range a.q {
		if byte(v) != wantQ[i] {
			t.Fatalf("q[%d] = %d, llama.cpp %d", i, v, int8(wantQ[i]))
		}
	}
	for b := range a.d {
		m := meta[b*36 : (b+1)*36]
		if d := math.Float32frombits(binary.LittleEndian.Uint32(m)); math.Float32bits(d) != math.Float32bits(a.d[b]) {
			t.Errorf("block %d: d = %g, llama.cpp %g", b, a.d[b], d)
		}
		for s := range 8 {
			want := int16(binary.LittleEndian.Uint16(m[4+4*s:])) + int16(binary.LittleEndian.Uint16(m[6+4*s:]))
			if a.sums[b*8+s] != want {
				t.Errorf("block %d: sum %d = %d, llama.cpp %d", b, s, a.sums[b*8+s], want)
			}
		}
	}
}

func TestParseQType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want QType
		ok   bool
	}{
		{"q8_0", Q8_0, true}, {"Q4_0", Q4_0, true}, {"q4_K", Q4_K, true},
		{"q5_k", Q5_K, true}, {"Q5_K", Q5_K, true}, {"q6_k", Q6_K, true}, {"Q6_K", Q6_K, true},
		{"q5_0", 0, false}, {"", 0, false},
	} {
		got, err := ParseQType(tc.in)
		if (err == nil) != tc.ok || got != tc.want || tc.ok && got.String() != strings.ToLower(tc.in) {
			t.Errorf("ParseQType(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestQTypeSizes checks each format's block against llama.cpp's structs.
func TestQTypeSizes(t *testing.T) {
	for _, tc := range []struct {
		q                 QType
		size, bytes, r768 int
	}{
		{Q8_0, 32, 34, 816}, {Q4_0, 32, 18, 432}, {Q4_K, 256, 144, 432},
		{Q5_K, 256, 176, 528}, {Q6_K, 256, 210, 630},
	} {
		if tc.q.BlockSize() != tc.size || tc.q.BlockBytes() != tc.bytes || tc.q.RowBytes(768) != tc.r768 {
			t.Errorf("%v: blocks of %d weights in %d bytes, %d bytes for 768; want %d, %d, %d",
				tc.q, tc.q.BlockSize(), tc.q.BlockBytes(), tc.q.RowBytes(768), tc.size, tc.bytes, tc.r768)
		}
	}
}

// TestQuantizeKRoundTrip checks the round trip's error of the 5- and 6-bit
// K-quants on Gaussian weights of two magnitudes, a constant block and
// zeros (which stay zero), within the format's step relative to the
// largest magnitude.
func TestQuantizeKRoundTrip(t *testing.T) {
	for _, f := range []struct {
		q              QType
		seed           uint64
		step, constant float64 // relative to the block's largest magnitude
	}{{Q5_K, 9, 1.0 / 12, 1.0 / 16}, {Q6_K, 8, 1.0 / 24, 1.0 / 32}} {
		rng := rand.New(rand.NewPCG(7, f.seed))
		for _, tc := range []struct {
			name string
			fill func(i int) float32
			tol  float64
		}{
			{"zeros", func(int) float32 { return 0 }, 0},
			{"constant", func(int) float32 { return -1.25 }, f.constant},
			{"gaussian", func(int) float32 { return float32(rng.NormFloat64()) }, f.step},
			{"large", func(int) float32 { return float32(rng.NormFloat64() * 1e3) }, f.step},
		} {
			x := make([]float32, 512)
			var amax float64
			for i := range x {
				x[i] = tc.fill(i)
				amax = max(amax, math.Abs(float64(x[i])))
			}
			q := make([]byte, f.q.RowBytes(len(x)))
			Quantize(f.q, q, x)
			y := make([]float32, len(x))
			Dequantize(f.q, y, q)
			for i := range x {
				if d := math.Abs(float64(y[i] - x[i])); d > tc.tol*amax {
					t.Fatalf("%v %s: value %d: %g came back as %g (error %g > %g)", f.q, tc.name, i, x[i], y[i], d, tc.tol*amax)
				}
			}
		}
	}
}

// quantDotRef is the exact value of the sum GemvQ computes for one row:
// weights and activations dequantized, products summed in float64.
func quantDotRef(q QType, w []byte, a *qActs, n int) float64 {
	wf := make([]float32, n)
	Dequantize(q, wf, w)
	bs := 32
	if q.actsQ8K() {
		bs = 256
	}
	var s float64
	for i := range n {
		s += float64(wf[i]) * float64(a.q[i]) * float64(a.d[i/bs])
	}
	return s
}

// TestQuantDotKernels checks every family's dot products against the
// float64 sum of the dequantized products, on rows of several lengths.
func TestQuantDotKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		for _, q := range QTypes() {
			for _, n := range []int{256, 512, 768, 2048, 4352} {
				x := make([]float32, n)
				wf := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
					wf[i] = float32(rng.NormFloat64() * 0.05)
				}
				w := make([]byte, q.RowBytes(n))
				Quantize(q, w, wf)
				var a qActs
				var got float32
				if q.actsQ8K() {
					a.resize(n, 256)
					quantizeActsQ8K(&a, x)
					switch q {
					case Q5_K:
						got = qk.dotQ5K(w, a.q, a.d, a.sums)
					case Q6_K:
						got = qk.dotQ6K(w, a.q, a.d)
					default:
						got = qk.dotQ4K(w, a.q, a.d, a.sums)
					}
				} else {
					a.resize(n, 32)
					quantizeActsQ8_0(&a, x)
					if q == Q8_0 {
						got = qk.dotQ8_0(w, a.q, a.d)
					} else {
						got = qk.dotQ4_0(w, a.q, a.d)
					}
				}
				want := quantDotRef(q, w, &a, n)
				// Each block's integer sum is exact; only the float32
				// scaling and the sum over blocks round.
				if tol := 1e-5 * (1 + math.Sqrt(float64(n))); math.Abs(float64(got)-want) > tol {
					t.Errorf("%s %s n=%d: dot %g, exact %g", fam, q, n, got, want)
				}
			}
		}
		SetKernels(prev)
	}
}

// TestGemmQ checks GemmQ and GemvQ against a float64 product of the
// dequantized weights with the unquantized x, within the error that
// quantizing x to 8 bits allows, and that padded strides are respected.
func TestGemmQ(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		for _, q := range QTypes() {
			for _, sh := range []struct{ rows, m, n int }{{1, 1, 256}, {1, 70, 512}, {3, 33, 768}, {7, 130, 256}, {gemmQWidenRows + 3, 40, 512}} {
				ldx, ldc := sh.n+5, sh.m+3
				x := make([]float32, sh.rows*ldx)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				wf := make([]float32, sh.m*sh.n)
				for i := range wf {
					wf[i] = float32(rng.NormFloat64() * 0.05)
				}
				a := make([]byte, sh.m*q.RowBytes(sh.n))
				Quantize(q, a, wf)
				Dequantize(q, wf, a)
				c := make([]float32, sh.rows*ldc)
				for i := range c {
					c[i] = -7 // guard values in the padding
				}
				if sh.rows == 1 {
					GemvQ(q, sh.m, sh.n, a, x[:sh.n], c[:sh.m])
				} else {
					GemmQ(q, sh.rows, sh.m, sh.n, x, ldx, a, c, ldc)
				}
				for i := range sh.rows {
					for j := range ldc {
						got := c[i*ldc+j]
						if j >= sh.m {
							if got != -7 && i < sh.rows-1 {
								t.Fatalf("%s %s: padding c[%d,%d] written", fam, q, i, j)
							}
							continue
						}
						var want, mag float64
						for k := range sh.n {
							p := float64(wf[j*sh.n+k]) * float64(x[i*ldx+k])
							want += p
							mag += math.Abs(p)
						}
						// 8-bit activations: relative error about 1/254 per value.
						if math.Abs(float64(got)-want) > mag/100+1e-6 {
							t.Fatalf("%s %s %v: c[%d,%d] = %g, want %g (|terms| %g)", fam, q, sh, i, j, got, want, mag)
						}
					}
				}
			}
		}
		SetKernels(prev)
	}
}

func TestQuantPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Quantize partial block": func() { Quantize(Q8_0, make([]byte, 34), make([]float32, 31)) },
		"Dequantize short src":   func() { Dequantize(Q4_K, make([]float32, 256), make([]byte, 100)) },
		"GemvQ short A":          func() { GemvQ(Q4_0, 2, 32, make([]byte, 18), make([]float32, 32), make([]float32, 2)) },
		"GemmQ row not blocks":   func() { GemmQ(Q4_K, 1, 1, 100, make([]float32, 100), 100, make([]byte, 144), make([]float32, 1), 1) },
		"GemmQ short c":          func() { GemmQ(Q8_0, 2, 1, 32, make([]float32, 64), 32, make([]byte, 34), make([]float32, 1), 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestQuantDotKernelsX4 checks every family's four-row kernels against the
// float64 sums of each row's dequantized products, with rows stride bytes
// apart and blocks of extreme values (all 15s and all 0s nibbles, ±127
// activations), where the unsigned-nibble form of Q4_0 differs most from
// the one-row kernel's.
func TestQuantDotKernelsX4(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		for _, q := range QTypes() {
			x4 := qk.x4(q)
			if x4 == nil {
				if q == Q4_0 && runtime.GOARCH == "amd64" && fam != "generic" {
					t.Errorf("%s: no four-row Q4_0 kernel", fam)
				}
				continue
			}
			for _, n := range []int{32, 768, 2048} {
				rb := q.RowBytes(n)
				stride := rb + 7 // rows need not be adjacent
				w := make([]byte, 4*stride)
				rows := make([][]float32, 4)
				for r := range rows {
					rows[r] = make([]float32, n)
					for i := range rows[r] {
						switch r {
						case 1:
							rows[r][i] = float32(i%3) - 1 // extremes of the block range
						default:
							rows[r][i] = float32(rng.NormFloat64() * 0.05)
						}
					}
					Quantize(q, w[r*stride:r*stride+rb], rows[r])
				}
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
					if i%5 == 0 {
						x[i] = -4 // ±127 after quantizing
					}
				}
				var a qActs
				a.resize(n, 32)
				quantizeActsQ8_0(&a, x)
				var out [4]float32
				x4(w, stride, a.q, a.d, &out)
				for r := range out {
					want := quantDotRef(q, w[r*stride:r*stride+rb], &a, n)
					if tol := 1e-5 * (1 + math.Sqrt(float64(n))) * (1 + math.Abs(want)); math.Abs(float64(out[r])-want) > tol {
						t.Errorf("%s %s n=%d row %d: dot %g, exact %g", fam, q, n, r, out[r], want)
					}
				}
			}
		}
		SetKernels(prev)
	}
}

// TestQuantizeActsKernels checks every family's Q8_0 activation quantizer
// against quantizeActsQ8_0 bit for bit: random blocks, a zero block, a
// block whose scaled values fall exactly halfway between integers (where
// rounding half away from zero and half to even differ), and tiny and
// huge magnitudes.
func TestQuantizeActsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const blocks = 9
	x := make([]float32, 32*blocks)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	clear(x[32:64])     // a zero block
	for i := range 32 { // amax 127: scale 1, values k+0.5
		x[64+i] = float32(i) - 15.5
	}
	x[64] = 127
	x[65] = -126.5
	for i := range 32 {
		x[96+i] *= 1e-30
		x[128+i] *= 1e30
	}
	var want qActs
	want.resize(len(x), 32)
	quantizeActsQ8_0(&want, x)
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		SetKernels(prev)
		if qk.quantizeQ8_0 == nil {
			continue
		}
		var got qActs
		got.resize(len(x), 32)
		qk.quantizeQ8_0(got.q, got.d, x)
		checkActsEqual(t, fam, &got, &want, x, 32)
	}
}

// checkActsEqual reports every block of bs values whose scale or bytes in
// got differ from want's, bit for bit.
func checkActsEqual(t *testing.T, fam string, got, want *qActs, x []float32, bs int) {
	t.Helper()
	for b := range want.d {
		if math.Float32bits(got.d[b]) != math.Float32bits(want.d[b]) {
			t.Errorf("%s block %d: scale %g, want %g", fam, b, got.d[b], want.d[b])
		}
		for i := b * bs; i < b*bs+bs; i++ {
			if got.q[i] != want.q[i] {
				t.Errorf("%s block %d: q[%d] = %d, want %d (x %g)", fam, b, i, got.q[i], want.q[i], x[i])
				break
			}
		}
	}
}

// TestQuantizeActsQ8KKernels checks every family's Q8_K activation
// quantizer (with the block sums) against quantizeActsQ8K bit for bit:
// random blocks, a zero block, a block whose largest magnitude appears
// first negative and then positive (mx is the first), values that scale to
// exactly halfway between integers (ties go to even), and a block with a
// NaN, which must not hang or crash (its values are not checked).
func TestQuantizeActsQ8KKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const blocks = 5
	x := make([]float32, 256*blocks)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	clear(x[256:512])
	x[512+3], x[512+200] = -9, 9
	for i := range 256 { // mx = -127: iscale 1, values k+0.5
		x[768+i] = float32(i%200) - 99.5
	}
	x[768] = -127
	nan := append([]float32(nil), x[:256]...)
	nan[17] = float32(math.NaN())
	var want qActs
	want.resize(len(x), 256)
	quantizeActsQ8K(&want, x)
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		SetKernels(prev)
		if qk.quantizeQ8K == nil {
			continue
		}
		var got qActs
		got.resize(len(x), 256)
		qk.quantizeActsQ8K(&got, x)
		checkActsEqual(t, fam, &got, &want, x, 256)
		for s := range got.sums {
			if got.sums[s] != want.sums[s] {
				t.Errorf("%s: sum %d = %d, want %d", fam, s, got.sums[s], want.sums[s])
			}
		}
		var n qActs
		n.resize(256, 256)
		qk.quantizeActsQ8K(&n, nan)
	}
}

// TestQuantDotQ4KRows checks every family's many-row Q4_K kernel against
// its one-row kernel, bit for bit (the same sums in the same order), on
// rows of one and several super-blocks, and that it writes only len(y)
// results.
func TestQuantDotQ4KRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, fam := range AvailableKernels() {
		prev, _ := SetKernels(fam)
		qk := quantKernelsFor(kernels())
		SetKernels(prev)
		if qk.dotQ4KRows == nil {
			if runtime.GOARCH == "amd64" && fam != "generic" {
				t.Errorf("%s: no many-row Q4_K kernel", fam)
			}
			continue
		}
		for _, n := range []int{256, 768, 2048} {
			const rows = 7
			rb := Q4_K.RowBytes(n)
			w := make([]byte, rows*rb)
			Quantize(Q4_K, w, randFloats(rng, rows*n, 0.05))
			var a qActs
			a.resize(n, 256)
			quantizeActsQ8K(&a, randFloats(rng, n, 1))
			y := make([]float32, rows+1)
			y[rows] = -7
			qk.dotQ4KRows(w, rb, a.q, a.d, a.sums, y[:rows])
			for r := range rows {
				want := qk.dotQ4K(w[r*rb:(r+1)*rb], a.q, a.d, a.sums)
				if math.Float32bits(y[r]) != math.Float32bits(want) {
					t.Errorf("%s n=%d row %d: %g, one-row kernel %g", fam, n, r, y[r], want)
				}
			}
			if y[rows] != -7 {
				t.Errorf("%s n=%d: wrote past y", fam, n)
			}
		}
	}
}
