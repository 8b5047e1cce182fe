package openai

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket that lets callers take more than it holds and
// then makes them wait for the debt to refill. That keeps one large request
// from waiting forever behind a small burst size, and lets a request's cost
// be corrected after the fact (adjust) when the server reports its usage.
type bucket struct {
	mu    sync.Mutex
	rate  float64 // units per second
	burst float64
	level float64
	last  time.Time
}

func newBucket(perSecond, burst float64) *bucket {
	if burst < 1 {
		burst = 1
	}
	return &bucket{rate: perSecond, burst: burst, level: burst, last: time.Now()}
}

func (b *bucket) refill(now time.Time) {
	b.level += now.Sub(b.last).Seconds() * b.rate
	if b.level > b.burst {
		b.level = b.burst
	}
	b.last = now
}

// take removes n units and waits until the bucket is no longer in debt.
func (b *bucket) take(ctx context.Context, n float64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	b.refill(time.Now())
	b.level -= n
	wait := time.Duration(0)
	if b.level < 0 {
		wait = time.Duration(-b.level / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait == 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// adjust corrects an earlier take by delta units (positive: more was used).
func (b *bucket) adjust(delta float64) {
	if b == nil || delta == 0 {
		return
	}
	b.mu.Lock()
	b.refill(time.Now())
	b.level -= delta
	b.mu.Unlock()
}
