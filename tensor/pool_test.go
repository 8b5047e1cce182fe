package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// countJob counts how often each part runs and, when nest is set, runs a
// nested call of parallel from every part.
type countJob struct {
	runs    []atomic.Int32
	workers sync.Map // scratch.worker values seen
	nest    bool
	panicAt int // part that panics, or -1
}

func (j *countJob) runPart(part int, s *scratch) {
	j.workers.Store(s.worker, true)
	j.runs[part].Add(1)
	if part == j.panicAt {
		panic("part failed")
	}
	if j.nest {
		inner := &countJob{runs: make([]atomic.Int32, 8), panicAt: -1}
		var ps partSync
		parallel(inner, len(inner.runs), &ps)
		for p := range inner.runs {
			if n := inner.runs[p].Load(); n != 1 {
				panic("nested part ran other than once")
			}
		}
	}
}

func TestParallelRunsEveryPartOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var ps partSync // one partSync reused across calls, as the jobs do
	for _, parts := range []int{0, 1, 2, 3, 7, 64, 1000} {
		for _, nest := range []bool{false, true} {
			for rep := 0; rep < 20; rep++ {
				j := &countJob{runs: make([]atomic.Int32, parts), nest: nest, panicAt: -1}
				parallel(j, parts, &ps)
				for p := range j.runs {
					if n := j.runs[p].Load(); n != 1 {
						t.Fatalf("parts=%d nest=%v: part %d ran %d times", parts, nest, p, n)
					}
				}
				j.workers.Range(func(k, _ any) bool {
					if w := k.(int); w < 0 || w >= runtime.GOMAXPROCS(0) {
						t.Fatalf("worker number %d outside [0, GOMAXPROCS)", w)
					}
					return true
				})
			}
		}
	}
}

// A panic in a part reaches the caller only after every part has run, so
// that no worker still uses the job when parallel returns.
func TestParallelPanicAfterAllParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var ps partSync
	for rep := 0; rep < 50; rep++ {
		j := &countJob{runs: make([]atomic.Int32, 16), panicAt: 0}
		func() {
			defer func() {
				if r := recover(); r != "part failed" {
					t.Fatalf("recovered %v, want the part's panic", r)
				}
			}()
			parallel(j, len(j.runs), &ps)
		}()
		for p := range j.runs {
			if n := j.runs[p].Load(); n != 1 {
				t.Fatalf("part %d ran %d times before the panic was raised", p, n)
			}
		}
	}
}

// Calls from many goroutines at once share the pool.
func TestParallelConcurrentCalls(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ps partSync
			for rep := 0; rep < 200; rep++ {
				j := &countJob{runs: make([]atomic.Int32, 5), panicAt: -1}
				parallel(j, len(j.runs), &ps)
				for p := range j.runs {
					if n := j.runs[p].Load(); n != 1 {
						t.Errorf("part %d ran %d times", p, n)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestParallelFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, n := range []int{0, 1, 5, 100, 1001} {
		for _, grain := range []int{0, 1, 7, 2000} {
			seen := make([]atomic.Int32, n)
			var badWorker atomic.Bool
			ParallelFor(n, grain, func(w, i int) {
				if w < 0 || w >= runtime.GOMAXPROCS(0) {
					badWorker.Store(true)
				}
				seen[i].Add(1)
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("n=%d grain=%d: index %d handled %d times", n, grain, i, c)
				}
			}
			if badWorker.Load() {
				t.Fatalf("n=%d grain=%d: worker outside [0, GOMAXPROCS)", n, grain)
			}
		}
	}
}
