package model

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/fmkit/fmkit/tensor"
)

// parallelFor calls fn(worker, i) for i in [0, n) on at most GOMAXPROCS
// goroutines. Work is handed out in chunks of grain indices; worker is in
// [0, GOMAXPROCS) and identifies per-goroutine scratch space. Small loops
// run on the calling goroutine. Its goroutines read mapped weights, so they
// run with debug.SetPanicOnFault: a memory fault in one of them (a weight
// file truncated under the mapping) panics on the calling goroutine after
// all have finished, where Forward turns it into an error.
func parallelFor(n, grain int, fn func(worker, i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+grain-1)/grain)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func(w int) {
		for {
			start := int(next.Add(int64(grain))) - grain
			if start >= n {
				return
			}
			for i := start; i < min(n, start+grain); i++ {
				fn(w, i)
			}
		}
	}
	var fault atomic.Pointer[any]
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			debug.SetPanicOnFault(true)
			defer func() {
				if r := recover(); r != nil {
					if !tensor.IsMemoryFault(r) {
						panic(r)
					}
					fault.CompareAndSwap(nil, &r)
				}
			}()
			work(w)
		}()
	}
	func() {
		defer wg.Wait() // even when work(0) faults: no goroutine outlives the call
		work(0)
	}()
	if f := fault.Load(); f != nil {
		panic(*f)
	}
}
