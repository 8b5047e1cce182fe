package nn

import (
	"runtime"
	"sync"
)

// minParallel is the fewest element operations worth a second goroutine:
// starting one costs about a microsecond, a simple elementwise pass over
// 32k floats a few.
const minParallel = 1 << 15

// parallelFor calls body on disjoint ranges covering [0, n), on up to
// GOMAXPROCS goroutines, each range at least grain long (and the whole
// range on the caller when n is small). cost is the work per index in
// elementwise-operation units, used to decide whether splitting pays.
func parallelFor(n, cost int, body func(lo, hi int)) {
	parts := runtime.GOMAXPROCS(0)
	if total := n * max(cost, 1); total < 2*minParallel {
		parts = 1
	} else {
		parts = min(parts, total/minParallel)
	}
	parts = min(parts, n)
	if parts <= 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		go func() {
			defer wg.Done()
			body(p*n/parts, (p+1)*n/parts)
		}()
	}
	body(0, n/parts)
	wg.Wait()
}

// parallelTasks runs task(i) for i in [0, n) on up to GOMAXPROCS goroutines
// that take tasks in turn, for work items of uneven size (attention heads
// of a causal mask, say). worker is the goroutine's index, for per-worker
// scratch space.
func parallelTasks(n int, task func(worker, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			task(0, i)
		}
		return
	}
	var mu sync.Mutex
	next := 0
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		i := next
		next++
		return i
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	run := func(w int) {
		for i := take(); i < n; i = take() {
			task(w, i)
		}
	}
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			run(w)
		}()
	}
	run(0)
	wg.Wait()
}

// maxProcs is the most goroutines an operation splits into.
func maxProcs() int { return runtime.GOMAXPROCS(0) }
