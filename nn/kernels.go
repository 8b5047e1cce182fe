package nn

import (
	"math"

	"github.com/fmkit/fmkit/tensor"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// This file dispatches the numeric work of the operations: float32 runs on
// fmkit's kernels (package tensor), float64 on plain Go loops and gonum's
// BLAS, which exist to check the float32 path and its gradients.

// gemm computes c = alpha·op(a)·op(b) + beta·c (see tensor.Gemm), split over
// all cores.
func gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		tensor.Gemm(transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		dgemm(transA, transB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// gemmSerial is gemm on the calling goroutine only.
func gemmSerial[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		tensor.GemmSerial(transA, transB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		dgemm(transA, transB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// gemmBatched32 is tensor.GemmBatched.
func gemmBatched32(transA, transB bool, batch, m, n, k int, a []float32, sa, lda int, b []float32, sb, ldb int, beta float32, c []float32, sc, ldc int) {
	tensor.GemmBatched(transA, transB, batch, m, n, k, 1, a, sa, lda, b, sb, ldb, beta, c, sc, ldc)
}

func dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	gonum.Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// addTo sets dst = x + y.
func addTo[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

// axpy sets y += alpha·x.
func axpy[T Float](alpha T, x, y []T) {
	if yy, ok := any(y).([]float32); ok {
		tensor.Axpy(float32(alpha), any(x).([]float32), yy)
		return
	}
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// scaleTo sets dst = alpha·x.
func scaleTo[T Float](dst []T, alpha T, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = alpha * x[i]
	}
}

// expTo sets dst = exp(x - m) and returns the sum in float64. float32 runs
// the vector exponential of package tensor.
func expTo[T Float](dst, x []T, m T) float64 {
	if d, ok := any(dst).([]float32); ok {
		return tensor.ExpTo(d, any(x).([]float32), float32(m))
	}
	var sum float64
	x = x[:len(dst)]
	for i, v := range x {
		e := math.Exp(float64(v - m))
		dst[i] = T(e)
		sum += e
	}
	return sum
}

// maxOf returns the largest element of x (NaN if it holds one), -Inf for
// an empty x.
func maxOf[T Float](x []T) T {
	m := T(math.Inf(-1))
	for _, v := range x {
		if v > m || v != v {
			m = v
		}
	}
	return m
}

// softmaxTo sets dst = softmax(x) and returns log Σ exp(x), the normaliser.
// dst may be x.
func softmaxTo[T Float](dst, x []T) T {
	m := maxOf(x)
	sum := expTo(dst, x, m)
	inv := T(1 / sum)
	for i := range dst {
		dst[i] *= inv
	}
	return m + T(math.Log(sum))
}

// logSumExp returns log Σ exp(x), with the sum in float64.
func logSumExp[T Float](x []T) T {
	if xx, ok := any(x).([]float32); ok {
		return T(tensor.LogSumExp(xx))
	}
	m := maxOf(x)
	if math.IsInf(float64(m), 0) {
		return m
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - m))
	}
	return m + T(math.Log(sum))
}

// sigmoidTo sets dst = 1/(1+exp(-x)). dst may be x.
func sigmoidTo[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = -v
	}
	expTo(dst, dst, 0)
	for i, e := range dst {
		dst[i] = 1 / (1 + e)
	}
}

// dot returns Σ x[i]·y[i], accumulated in float64 for float64 and by the
// vector kernel for float32.
func dot[T Float](x, y []T) T {
	if xx, ok := any(x).([]float32); ok {
		return T(tensor.Dot(xx, any(y).([]float32)))
	}
	var s T
	y = y[:len(x)]
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}
