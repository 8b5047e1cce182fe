package tensor

import "math"

// genericKernels is the portable family: plain Go loops, used on every
// architecture without assembly, under the noasm build tag, and as the
// reference the assembly kernels are tested against.
var genericKernels = &kernelSet{
	name: "generic",
	mr:   4, nr: 4, kc: 256, mc: 128, nc: 1024,
	tile:       gemmTileGeneric,
	gemvPanels: gemvPanelsGeneric,
	dotF32:     dotF32Generic,
	dotBF16:    dotBF16Generic,
	dotF16:     dotF16Generic,
	dot4F32:    dot4F32Generic,
	dot4BF16:   dot4BF16Generic,
	dot4F16:    dot4F16Generic,
	axpyF32:    axpyF32Generic,
	axpyBF16:   axpyBF16Generic,
	axpyF16:    axpyF16Generic,
	axpy4F32:   axpy4F32Generic,
	axpy4BF16:  axpy4BF16Generic,
	axpy4F16:   axpy4F16Generic,
	expSum:     expSumGeneric,
	max:        maxGeneric,
	gelu:       geluGeneric,
	geluTanh:   geluTanhGeneric,
	silu:       siluGeneric,
	widenBF16:  widenBF16Generic,
	widenF16:   widenF16Generic,
	narrowBF16: narrowBF16Generic,
	narrowF16:  narrowF16Generic,
}

// gemmTileGeneric computes the 4×4 tile C = alpha·Σ_p a[p]ᵀ·b[p] + beta·C
// from packed panels: a holds k groups of 4 rows, b k groups of 4 columns.
// With beta == 0, C is not read.
func gemmTileGeneric(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	a, b = a[:4*k], b[:4*k]
	for p := 0; p+3 < len(a); p += 4 {
		a0, a1, a2, a3 := a[p], a[p+1], a[p+2], a[p+3]
		b0, b1, b2, b3 := b[p], b[p+1], b[p+2], b[p+3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03}, {c10, c11, c12, c13},
		{c20, c21, c22, c23}, {c30, c31, c32, c33},
	}
	for i := range acc {
		row := c[i*ldc : i*ldc+4]
		for j, v := range acc[i] {
			if beta == 0 {
				row[j] = alpha * v
			} else {
				row[j] = alpha*v + beta*row[j]
			}
		}
	}
}

func dotF32Generic(a, x []float32) float32 {
	a = a[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(x); i += 4 {
		s0 += a[i] * x[i]
		s1 += a[i+1] * x[i+1]
		s2 += a[i+2] * x[i+2]
		s3 += a[i+3] * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += a[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotBF16Generic(a []BF16, x []float32) float32 {
	a = a[:len(x)]
	var s0, s1 float32
	i := 0
	for ; i+1 < len(x); i += 2 {
		s0 += math.Float32frombits(uint32(a[i])<<16) * x[i]
		s1 += math.Float32frombits(uint32(a[i+1])<<16) * x[i+1]
	}
	for ; i < len(x); i++ {
		s0 += math.Float32frombits(uint32(a[i])<<16) * x[i]
	}
	return s0 + s1
}

func dotF16Generic(a []F16, x []float32) float32 {
	a = a[:len(x)]
	var s float32
	for i, v := range x {
		s += a[i].Float32() * v
	}
	return s
}

func dot4F32Generic(a []float32, lda int, x []float32, y *[4]float32) {
	for r := range y {
		y[r] = dotF32Generic(a[r*lda:], x)
	}
}

func dot4BF16Generic(a []BF16, lda int, x, _ []float32, y *[4]float32) {
	for r := range y {
		y[r] = dotBF16Generic(a[r*lda:], x)
	}
}

func dot4F16Generic(a []F16, lda int, x []float32, y *[4]float32) {
	for r := range y {
		y[r] = dotF16Generic(a[r*lda:], x)
	}
}

func axpyF32Generic(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

func axpyBF16Generic(alpha float32, x []BF16, y []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * math.Float32frombits(uint32(x[i])<<16)
	}
}

func axpyF16Generic(alpha float32, x []F16, y []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i].Float32()
	}
}

func widenBF16Generic(dst []float32, src []BF16) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = math.Float32frombits(uint32(v) << 16)
	}
}

func widenF16Generic(dst []float32, src []F16) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = v.Float32()
	}
}

func narrowBF16Generic(dst []BF16, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = BF16FromFloat32(v)
	}
}

func narrowF16Generic(dst []F16, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = F16FromFloat32(v)
	}
}

// splitPairs writes x to xp with each run of 16 elements reordered as its
// 8 even-indexed elements followed by its 8 odd-indexed ones, the order in
// which dot4BF16AVX2 widens bfloat16 pairs. len(x) must be a multiple of
// 16.
func splitPairs(xp, x []float32) {
	xp = xp[:len(x)]
	for c := 0; c+16 <= len(x); c += 16 {
		for j := 0; j < 8; j++ {
			xp[c+j] = x[c+2*j]
			xp[c+8+j] = x[c+2*j+1]
		}
	}
}

// axpy4F32Generic adds s[r]·a[r*lda:] into y for the four rows r < 4.
func axpy4F32Generic(s *[4]float32, a []float32, lda int, y []float32) {
	for r, sr := range s {
		axpyF32Generic(sr, a[r*lda:r*lda+len(y)], y)
	}
}

func axpy4BF16Generic(s *[4]float32, a []BF16, lda int, y []float32) {
	for r, sr := range s {
		axpyBF16Generic(sr, a[r*lda:r*lda+len(y)], y)
	}
}

func axpy4F16Generic(s *[4]float32, a []F16, lda int, y []float32) {
	for r, sr := range s {
		axpyF16Generic(sr, a[r*lda:r*lda+len(y)], y)
	}
}
