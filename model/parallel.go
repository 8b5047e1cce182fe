package model

import "github.com/fmkit/fmkit/tensor"

// parallelFor calls fn(worker, i) for i in [0, n) on the kernels' pool of
// goroutines (tensor.ParallelFor), grain indices at a time; worker is in
// [0, GOMAXPROCS) and identifies per-goroutine scratch space. A memory
// fault in any call (a weight file truncated under its mapping) panics on
// the calling goroutine after all have finished, where Forward turns it
// into an error.
func parallelFor(n, grain int, fn func(worker, i int)) {
	tensor.ParallelFor(n, grain, fn)
}
