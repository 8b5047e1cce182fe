//go:build openblas && cgo

package cblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// threads is the thread count last given to OpenBLAS.
var threads atomic.Int64

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices
// with cblas_sgemm, using GOMAXPROCS OpenBLAS threads. The caller has checked
// the arguments; m, n and k must be positive.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if t := int64(runtime.GOMAXPROCS(0)); threads.Load() != t {
		C.openblas_set_num_threads(C.int(t))
		threads.Store(t)
	}
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
