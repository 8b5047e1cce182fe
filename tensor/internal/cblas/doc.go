// Package cblas calls the system OpenBLAS's cblas_sgemm through cgo. It is
// compiled only with the openblas build tag (and cgo); otherwise it is
// empty. It lives apart from package tensor because a Go package cannot mix
// cgo with Go assembly.
package cblas
