package tensor

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// A partJob is work split into numbered parts that can run concurrently.
// runPart may itself call parallel (see parallel).
type partJob interface {
	runPart(part int, s *scratch)
}

// A workItem asks a pool worker to help with one call of parallel: to
// claim parts of job until none are left. gen names the call (see
// partSync.state), so that an item a worker takes after that call has
// ended claims nothing; helper is the worker's number in the call.
type workItem struct {
	job    partJob
	ps     *partSync
	gen    uint32
	parts  int32
	helper int
}

// partSync joins the parts of one call of parallel. Parts are claimed one
// at a time by whoever is free, the caller included, so a call never waits
// for a worker that has not started yet: in a virtual machine a sleeping
// worker can take 50 µs to wake, longer than a whole decoding GEMV, and
// when the caller waited for it each product paid that delay. The caller
// waits only for parts that others have claimed and are running.
//
// Pool workers run with debug.SetPanicOnFault, so that reading a
// memory-mapped operand whose file was truncated is a panic rather than a
// fatal SIGBUS; parallel re-raises it on the calling goroutine once every
// part has finished, where a caller that also set SetPanicOnFault can
// recover it (model.Forward does) and any other caller crashes as before.
type partSync struct {
	// state is the call's generation (high 32 bits) and the next
	// unclaimed part (low 32 bits).
	state atomic.Uint64
	done  atomic.Int32 // parts finished
	wg    sync.WaitGroup
	fault atomic.Pointer[partPanic]
}

// claim returns the next unclaimed part of call gen, or -1 when there is
// none or the call has ended.
func (ps *partSync) claim(gen uint32, parts int32) int {
	for {
		s := ps.state.Load()
		if uint32(s>>32) != gen || int32(uint32(s)) >= parts {
			return -1
		}
		if ps.state.CompareAndSwap(s, s+1) {
			return int(uint32(s))
		}
	}
}

// spinWait is how long a pool worker looks for its next call, and a caller
// for the parts others are running, before sleeping. Decoding one token
// runs about 85 products back to back, each tens of microseconds long,
// with short serial work between them; a goroutine that sleeps takes tens
// of microseconds to wake in a virtual machine. llama.cpp's threads spin
// likewise. Spinning yields to other goroutines (runtime.Gosched), so a
// spinning worker delays no runnable goroutine.
const spinWait = 500 * time.Microsecond

// spin calls ready until it reports true or spinWait has passed, yielding
// the processor now and then; it reports whether ready did.
func spin(ready func() bool) bool {
	var deadline time.Time
	for i := 1; ; i++ {
		if ready() {
			return true
		}
		if i%64 == 0 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinWait)
			} else if now.After(deadline) {
				return false
			}
			runtime.Gosched()
		}
	}
}

// nextItem returns the next item for a pool worker, spinning for up to
// spinWait before it sleeps on the channel.
func nextItem() (workItem, bool) {
	var it workItem
	var ok bool
	if spin(func() bool {
		select {
		case it, ok = <-workers.items:
			return true
		default:
			return false
		}
	}) {
		return it, ok
	}
	it, ok = <-workers.items
	return it, ok
}

// partPanic carries a recovered panic (a memory fault, or a bug) from the
// goroutine that ran a part to the caller of parallel.
type partPanic struct{ value any }

// IsMemoryFault reports whether r, a value recovered from a panic, is a
// memory fault turned into a panic by debug.SetPanicOnFault.
func IsMemoryFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// workers is the process-wide pool of kernel goroutines. It grows to
// GOMAXPROCS-1 goroutines on first use (the caller works too) and each
// worker owns a scratch buffer for packing, so that a steady stream of
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
				s.worker = it.helper
				for p := it.ps.claim(it.gen, it.parts); p >= 0; p = it.ps.claim(it.gen, it.parts) {
					runPart(it.job, p, s, it.ps)
				}
			}
		}()
	}
}

// runPart runs one claimed part and counts it done. A panic, a memory
// fault or any other, is kept for the caller of parallel, which raises it
// once every part has finished: which goroutine runs a part is a matter of
// timing, so its panic must not depend on it.
func runPart(job partJob, part int, s *scratch, ps *partSync) {
	defer ps.wg.Done()
	defer ps.done.Add(1)
	defer func() {
		if r := recover(); r != nil {
			ps.fault.CompareAndSwap(nil, &partPanic{r})
		}
	}()
	job.runPart(part, s)
}

// callerScratch holds scratch buffers for the parts that run on the
// calling goroutine.
var callerScratch = sync.Pool{New: func() any { return new(scratch) }}

// parallel runs job's parts 0..parts-1 on the calling goroutine and on up
// to GOMAXPROCS-1 pool workers, each taking the next unclaimed part, and
// returns when all are done. Parts may run in any order, several on one
// goroutine. ps must not be in use by another call. A panic in any part
// (a memory fault, see partSync, or a bug) is raised on the calling goroutine after
// every part has finished. Calls may nest: a part may call parallel, since
// no call ever waits for a part that nobody has claimed.
func parallel(job partJob, parts int, ps *partSync) {
	s := callerScratch.Get().(*scratch)
	defer callerScratch.Put(s)
	s.worker = 0
	if parts <= 1 {
		if parts == 1 {
			job.runPart(0, s)
		}
		return
	}
	helpers := min(parts, maxThreads()) - 1
	if workers.started.Load() < int64(helpers) {
		startWorkers(helpers)
	}
	gen := uint32(ps.state.Load()>>32) + 1
	ps.done.Store(0)
	ps.wg.Add(parts)
	ps.state.Store(uint64(gen) << 32)
	for h := 1; h <= helpers; h++ {
		select {
		case workers.items <- workItem{job: job, ps: ps, gen: gen, parts: int32(parts), helper: h}:
		default: // the queue is full: the caller does that share itself
		}
	}
	for p := ps.claim(gen, int32(parts)); p >= 0; p = ps.claim(gen, int32(parts)) {
		runPart(job, p, s, ps)
	}
	spin(func() bool { return ps.done.Load() == int32(parts) })
	ps.wg.Wait()
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
	dot       [4]float32                           // GEMV results, or the scales of Aᵀx (a field, so that it does not escape)
	bytes     []byte                               // a dot tile's weight panel (dottile.go)
	tileOut   [dotTileTokens * dotTileRows]float32 // and a tile's results
	// worker numbers the goroutines of one call of parallel: 0 for the
	// caller, 1.. for the pool workers helping it.
	worker int
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
