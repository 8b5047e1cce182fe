package tensor

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// A partJob is work split into numbered parts that can run concurrently.
// runPart must not itself call parallel: pool workers never wait on each
// other, which is what keeps the pool free of deadlock.
type partJob interface {
	runPart(part int, s *scratch)
}

type workItem struct {
	job  partJob
	part int
	ps   *partSync
}

// partSync joins the parts of one job: a WaitGroup, and the memory fault a
// part hit on a pool worker, if any. Pool workers run with
// debug.SetPanicOnFault, so that reading a memory-mapped operand whose file
// was truncated is a panic rather than a fatal SIGBUS; parallel re-raises
// it on the calling goroutine once every part has finished, where a caller
// that also set SetPanicOnFault can recover it (model.Forward does) and
// any other caller crashes as before.
type partSync struct {
	wg    sync.WaitGroup
	fault atomic.Pointer[memoryFault]
	// done counts the parts finished on pool workers, which the caller
	// watches while it spins (see spinWait) before it sleeps on wg.
	done atomic.Int32
}

// spinWait is how long a pool worker looks for its next part, and a caller
// for its parts to finish, before sleeping. Decoding one token runs about
// 85 products back to back, each tens of microseconds long, with short
// serial work between them; waking a sleeping goroutine costs several
// microseconds each way, so workers that slept between products left
// about a third of two cores idle. llama.cpp's threads spin likewise.
const spinWait = 50 * time.Microsecond

// nextItem returns the next part for a pool worker, spinning for up to
// spinWait before it sleeps on the channel.
func nextItem() (workItem, bool) {
	var deadline time.Time
	for i := 1; ; i++ {
		select {
		case it, ok := <-workers.items:
			return it, ok
		default:
		}
		if i%64 == 0 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinWait)
			} else if now.After(deadline) {
				break
			}
		}
	}
	it, ok := <-workers.items
	return it, ok
}

// spinUntil spins for up to spinWait until n parts are done.
func (ps *partSync) spinUntil(n int32) {
	var deadline time.Time
	for i := 1; ps.done.Load() < n; i++ {
		if i%64 == 0 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinWait)
			} else if now.After(deadline) {
				return
			}
		}
	}
}

// memoryFault carries a recovered fault panic from a worker to the caller.
type memoryFault struct{ value any }

// IsMemoryFault reports whether r, a value recovered from a panic, is a
// memory fault turned into a panic by debug.SetPanicOnFault.
func IsMemoryFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// workers is the process-wide pool of kernel goroutines. It grows to
// GOMAXPROCS-1 goroutines on first use (the caller runs part 0 itself) and
// each worker owns a scratch buffer for packing, so that a steady stream of
// GEMMs allocates nothing.
var workers struct {
	mu      sync.Mutex
	started atomic.Int64
	items   chan workItem
}

func startWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.items == nil {
		workers.items = make(chan workItem, 256)
	}
	for ; workers.started.Load() < int64(n); workers.started.Add(1) {
		go func() {
			debug.SetPanicOnFault(true)
			s := new(scratch)
			for {
				it, ok := nextItem()
				if !ok {
					return
				}
				runItem(it, s)
			}
		}()
	}
}

// runItem runs one part on a pool worker, keeping a memory fault for the
// caller; any other panic is a bug and crashes, as it always did.
func runItem(it workItem, s *scratch) {
	defer it.ps.wg.Done()
	defer it.ps.done.Add(1)
	defer func() {
		if r := recover(); r != nil {
			if !IsMemoryFault(r) {
				panic(r)
			}
			it.ps.fault.CompareAndSwap(nil, &memoryFault{r})
		}
	}()
	it.job.runPart(it.part, s)
}

// callerScratch holds scratch buffers for the part that runs on the calling
// goroutine.
var callerScratch = sync.Pool{New: func() any { return new(scratch) }}

// parallel runs job's parts 0..parts-1, part 0 on the calling goroutine and
// the rest on the pool, and returns when all are done. ps must be unused.
// A memory fault in any part (see partSync) panics on the calling
// goroutine, after every part has finished.
func parallel(job partJob, parts int, ps *partSync) {
	if parts > 1 {
		if workers.started.Load() < int64(parts-1) {
			startWorkers(parts - 1)
		}
		ps.wg.Add(parts - 1)
		ps.done.Store(0)
		for p := 1; p < parts; p++ {
			workers.items <- workItem{job: job, part: p, ps: ps}
		}
	}
	s := callerScratch.Get().(*scratch)
	func() {
		if parts > 1 {
			// Wait for the other parts even when part 0 faults, so
			// that no worker still uses the job after parallel returns.
			defer func() {
				ps.spinUntil(int32(parts - 1))
				ps.wg.Wait()
			}()
		}
		job.runPart(0, s)
	}()
	callerScratch.Put(s)
	if f := ps.fault.Swap(nil); f != nil {
		panic(f.value)
	}
}

// maxThreads is the number of goroutines a kernel may use.
func maxThreads() int { return runtime.GOMAXPROCS(0) }

// scratch is per-goroutine packing space, grown on demand and reused.
type scratch struct {
	a, b, row []float32
	tile      [maxTile]float32
	dot       [4]float32 // GEMV results, or the scales of Aᵀx (a field, so that it does not escape)
}

// maxTile is the largest mr·nr of any kernel family (AVX-512: 12×32).
const maxTile = 12 * 32

// floats returns buf resized to n elements, starting on a 64-byte boundary
// so that packed panels never straddle cache lines unevenly.
func floats(buf *[]float32, n int) []float32 {
	const align = 16 // float32s per 64 bytes
	if cap(*buf) < n+align {
		*buf = make([]float32, n+align)
	}
	b := (*buf)[:cap(*buf)]
	off := 0
	for uintptrOf(b[off:])%64 != 0 {
		off++
	}
	return b[off : off+n]
}
