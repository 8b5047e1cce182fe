package tensor

import "fmt"

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X, or Xᵀ when the matching trans flag is set. op(A) is m×k, op(B)
// is k×n and C is m×n; lda, ldb and ldc are the row strides of A, B and C as
// stored. When beta is zero C is overwritten without being read, so it may
// hold NaN. It panics if a stride is smaller than its row or a slice is too
// short for its shape.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	gemmRef(transA, transB, m, n, k, alpha, a, lda, func(i, j int) float32 { return b[i*ldb+j] }, beta, c, ldc)
}

// GemmBF16 is Gemm with B stored as bfloat16. B is widened to float32 as it
// is read, so 16-bit weights never need a full-size float32 copy.
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []BF16, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	gemmRef(transA, transB, m, n, k, alpha, a, lda, func(i, j int) float32 { return b[i*ldb+j].Float32() }, beta, c, ldc)
}

// GemmF16 is Gemm with B stored as IEEE half precision.
func GemmF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []F16, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	gemmRef(transA, transB, m, n, k, alpha, a, lda, func(i, j int) float32 { return b[i*ldb+j].Float32() }, beta, c, ldc)
}

// GemmBatched runs batch independent Gemm calls. Matrix p of A starts at
// a[p*strideA], and likewise for B and C.
func GemmBatched(transA, transB bool, batch, m, n, k int, alpha float32, a []float32, strideA, lda int, b []float32, strideB, ldb int, beta float32, c []float32, strideC, ldc int) {
	for p := 0; p < batch; p++ {
		Gemm(transA, transB, m, n, k, alpha, a[p*strideA:], lda, b[p*strideB:], ldb, beta, c[p*strideC:], ldc)
	}
}

// gemmRef is the portable definition of every GEMM variant; bAt reads the
// stored (untransposed) B.
func gemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, bAt func(i, j int) float32, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			var sum float32
			for p := 0; p < k; p++ {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				bv := bAt(p, j)
				if transB {
					bv = bAt(j, p)
				}
				sum += av * bv
			}
			if beta == 0 {
				crow[j] = alpha * sum
			} else {
				crow[j] = alpha*sum + beta*crow[j]
			}
		}
	}
}

func checkGemm(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor: Gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, lenA, lda)
	checkMatrix("B", br, bc, lenB, ldb)
	checkMatrix("C", m, n, lenC, ldc)
}

func checkMatrix(name string, rows, cols, length, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("tensor: Gemm: ld%s=%d smaller than %d columns", name, ld, cols))
	}
	if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
		panic(fmt.Sprintf("tensor: Gemm: %s has %d elements, %d×%d with stride %d needs %d", name, length, rows, cols, ld, (rows-1)*ld+cols))
	}
}

// Gemv computes y = alpha·op(A)·x + beta·y, where A is m×n row-major with
// row stride lda and op(A) is A, or Aᵀ when trans is set. It panics on length
// mismatches.
func Gemv(trans bool, m, n int, alpha float32, a []float32, lda int, x []float32, beta float32, y []float32) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	gemvRef(trans, m, n, alpha, func(i, j int) float32 { return a[i*lda+j] }, x, beta, y)
}

// GemvBF16 is Gemv with A stored as bfloat16 (the decode-time weight layout).
func GemvBF16(trans bool, m, n int, alpha float32, a []BF16, lda int, x []float32, beta float32, y []float32) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	gemvRef(trans, m, n, alpha, func(i, j int) float32 { return a[i*lda+j].Float32() }, x, beta, y)
}

// GemvF16 is Gemv with A stored as IEEE half precision.
func GemvF16(trans bool, m, n int, alpha float32, a []F16, lda int, x []float32, beta float32, y []float32) {
	gemvCheck(trans, m, n, len(a), lda, len(x), len(y))
	gemvRef(trans, m, n, alpha, func(i, j int) float32 { return a[i*lda+j].Float32() }, x, beta, y)
}

func gemvCheck(trans bool, m, n, lenA, lda, lenX, lenY int) {
	checkMatrix("A", m, n, lenA, lda)
	xs, ys := n, m
	if trans {
		xs, ys = m, n
	}
	if lenX < xs || lenY < ys {
		panic(fmt.Sprintf("tensor: Gemv: x has %d elements (need %d), y has %d (need %d)", lenX, xs, lenY, ys))
	}
}

func gemvRef(trans bool, m, n int, alpha float32, aAt func(i, j int) float32, x []float32, beta float32, y []float32) {
	rows, cols := m, n
	if trans {
		rows, cols = n, m
	}
	for i := 0; i < rows; i++ {
		var sum float32
		for j := 0; j < cols; j++ {
			if trans {
				sum += aAt(j, i) * x[j]
			} else {
				sum += aAt(i, j) * x[j]
			}
		}
		if beta == 0 {
			y[i] = alpha * sum
		} else {
			y[i] = alpha*sum + beta*y[i]
		}
	}
}
