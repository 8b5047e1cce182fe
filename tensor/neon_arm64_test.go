//go:build !noasm && !gccgo

package tensor

import "testing"

// TestNEONIsDefault checks that an arm64 build runs the NEON family: that
// the CPU (or emulator) reported Advanced SIMD and the micro-kernel passed
// its start-up check. The model and nn tests, which use the default family,
// then exercise the NEON kernels too.
func TestNEONIsDefault(t *testing.T) {
	if got := Kernels(); got != "neon" {
		t.Fatalf("default kernel family %q, want neon (available %v, notes %v)", got, AvailableKernels(), KernelNotes())
	}
}
