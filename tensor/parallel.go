package tensor

import "sync"

// ParallelFor calls fn(worker, i) for every i in [0, n), grain indices at
// a time, on the calling goroutine and the pool of goroutines the kernels
// run on. worker numbers the goroutines of this call, from 0 below
// GOMAXPROCS, for per-goroutine scratch space. fn may call the package's
// kernels. A panic in fn (such as a memory fault reading a truncated
// mapped file, see debug.SetPanicOnFault) is raised on the calling
// goroutine once every index has been handled.
//
// A model's step alternates kernels with loops like attention over heads;
// running both on the same pool keeps its goroutines spinning between
// them, where goroutines started for each loop would wait to be scheduled.
func ParallelFor(n, grain int, fn func(worker, i int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	parts := (n + grain - 1) / grain
	if parts == 1 || maxThreads() == 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	j := forJobs.Get().(*forJob)
	j.n, j.grain, j.fn = n, grain, fn
	defer func() {
		j.fn = nil
		forJobs.Put(j)
	}()
	parallel(j, parts, &j.ps)
}

var forJobs = sync.Pool{New: func() any { return new(forJob) }}

// forJob is one ParallelFor call; part p covers [p·grain, (p+1)·grain).
type forJob struct {
	n, grain int
	fn       func(worker, i int)
	ps       partSync
}

func (j *forJob) runPart(part int, s *scratch) {
	for i := part * j.grain; i < min(j.n, (part+1)*j.grain); i++ {
		j.fn(s.worker, i)
	}
}
