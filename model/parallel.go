package model

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls fn(worker, i) for i in [0, n) on at most GOMAXPROCS
// goroutines. Work is handed out in chunks of grain indices; worker is in
// [0, GOMAXPROCS) and identifies per-goroutine scratch space. Small loops
// run on the calling goroutine.
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
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	work(0)
	wg.Wait()
}
