package model

import (
	"fmt"
	"sync"
)

// Sequence is one token sequence being run through a model: its key/value
// cache, preallocated for a fixed number of tokens, and its length.
//
// A Sequence is advanced only by Forward, which appends the tokens it is
// given. Fork makes a child that shares the parent's cached prefix without
// copying it, so several continuations of one context cost one context
// forward. A Sequence is not safe for concurrent use, but forks of one parent
// may run in different goroutines (or in one batch) at the same time.
type Sequence struct {
	model     *Model
	parent    *Sequence
	parentLen int       // positions [0, parentLen) live in the parent chain
	k, v      []float32 // own positions: [layer][kvHead][cap][headDim]
	cap       int
	n         int // positions cached, parent prefix included

	mu    sync.Mutex  // guards forks, which children update on Release
	forks map[int]int // fork point -> live children forked there

	released bool
	inStep   bool // set while a Forward uses the sequence
}

// NewSequence returns an empty sequence with room for capacity tokens. Its
// cache takes CacheBytes(capacity) bytes, allocated now so that running out
// of memory happens here, not half way through a batch.
func (m *Model) NewSequence(capacity int) (*Sequence, error) {
	if capacity < 0 || capacity > m.Config.PositionLimit() {
		return nil, fmt.Errorf("model: sequence capacity %d: expected 0 to %d (max_position_embeddings)", capacity, m.Config.PositionLimit())
	}
	return m.newSequence(nil, 0, capacity), nil
}

func (m *Model) newSequence(parent *Sequence, parentLen, capacity int) *Sequence {
	size := m.Config.Layers * m.Config.KVHeads * capacity * m.Config.HeadDim
	return &Sequence{model: m, parent: parent, parentLen: parentLen, n: parentLen, cap: capacity,
		k: make([]float32, size), v: make([]float32, size)}
}

// CacheBytes returns the bytes of key/value cache that capacity tokens take.
func (m *Model) CacheBytes(capacity int) int64 {
	return 2 * 4 * int64(m.Config.Layers) * int64(m.Config.KVHeads) * int64(capacity) * int64(m.Config.HeadDim)
}

// Len returns the number of tokens cached.
func (s *Sequence) Len() int { return s.n }

// Cap returns the number of tokens the sequence can hold: its parent prefix
// plus its own capacity.
func (s *Sequence) Cap() int { return s.parentLen + s.cap }

// Model returns the model the sequence belongs to.
func (s *Sequence) Model() *Model { return s.model }

// Fork returns a child sequence that starts as a copy of s, sharing its
// cached tokens without copying them, with room for capacity more tokens.
// While the child is alive (until its Release), s may grow but may not be
// truncated below its current length.
func (s *Sequence) Fork(capacity int) (*Sequence, error) {
	if s.released {
		return nil, fmt.Errorf("model: fork of a released sequence")
	}
	if capacity < 0 || s.n+capacity > s.model.Config.PositionLimit() {
		return nil, fmt.Errorf("model: fork capacity %d after %d tokens exceeds max_position_embeddings %d", capacity, s.n, s.model.Config.PositionLimit())
	}
	s.mu.Lock()
	if s.forks == nil {
		s.forks = map[int]int{}
	}
	s.forks[s.n]++
	s.mu.Unlock()
	return s.model.newSequence(s, s.n, capacity), nil
}

// Release ends a sequence's life: a fork stops pinning its parent's prefix.
// Calling Release more than once does nothing. A released sequence must not
// be used again.
func (s *Sequence) Release() {
	if s.released {
		return
	}
	s.released = true
	if p := s.parent; p != nil {
		p.mu.Lock()
		if p.forks[s.parentLen]--; p.forks[s.parentLen] <= 0 {
			delete(p.forks, s.parentLen)
		}
		p.mu.Unlock()
	}
	s.k, s.v = nil, nil
}

// Truncate drops cached tokens beyond the first n, so that Forward continues
// from position n. It fails if n is beyond the length, inside a fork's shared
// prefix of s's parent, or below a point where a live fork of s was taken.
func (s *Sequence) Truncate(n int) error {
	if n < 0 || n > s.n {
		return fmt.Errorf("model: truncate to %d: sequence has %d tokens", n, s.n)
	}
	if n < s.parentLen {
		return fmt.Errorf("model: truncate to %d: the first %d tokens are shared with the parent sequence", n, s.parentLen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for at := range s.forks {
		if n < at {
			return fmt.Errorf("model: truncate to %d: a live fork shares the first %d tokens", n, at)
		}
	}
	s.n = n
	return nil
}

// Reset empties the sequence for reuse, keeping its allocation.
func (s *Sequence) Reset() error { return s.Truncate(s.parentLen) }

// segment is a run of cached positions [start, start+n) stored in one
// sequence's own buffers, whose index 0 holds position start.
type segment struct {
	k, v  []float32
	cap   int
	start int
	n     int
}

// segments appends the segments holding positions [0, upto) in order.
func (s *Sequence) segments(dst []segment, upto int) []segment {
	first := len(dst)
	end := upto
	for cur := s; cur != nil && end > 0; cur = cur.parent {
		if end > cur.parentLen {
			dst = append(dst, segment{k: cur.k, v: cur.v, cap: cur.cap, start: cur.parentLen, n: end - cur.parentLen})
			end = cur.parentLen
		}
	}
	for i, j := first, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	return dst
}

// kvOffset returns where position index i (relative to the sequence's own
// storage) of kv head j in layer l starts.
func (s *Sequence) kvOffset(l, j, i int) int {
	c := &s.model.Config
	return ((l*c.KVHeads+j)*s.cap + i) * c.HeadDim
}
