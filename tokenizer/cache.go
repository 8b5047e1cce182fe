package tokenizer

import (
	"hash/maphash"
	"sync"
)

// wordCache remembers the tokens of words the model has merged, so a word
// seen again costs one lookup. It is safe for concurrent use, bounded (a
// shard that fills up is emptied and refilled, which keeps recent words),
// and owned by one Tokenizer: there is no global state.
type wordCache struct {
	seed     maphash.Seed
	shards   [cacheShards]cacheShard
	perShard int
}

const cacheShards = 64

type cacheShard struct {
	mu sync.RWMutex
	m  map[string][]int32
}

// newWordCache returns a cache for about capacity words.
func newWordCache(capacity int) *wordCache {
	c := &wordCache{seed: maphash.MakeSeed(), perShard: max(capacity/cacheShards, 16)}
	for i := range c.shards {
		c.shards[i].m = make(map[string][]int32)
	}
	return c
}

func (c *wordCache) shard(word []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, word)%cacheShards]
}

// get returns the cached (id, end) pairs of word. The slice is shared and
// must not be modified.
func (c *wordCache) get(word []byte) ([]int32, bool) {
	s := c.shard(word)
	s.mu.RLock()
	v, ok := s.m[string(word)]
	s.mu.RUnlock()
	return v, ok
}

// put stores a copy of toks as the (id, end) pairs of word and returns the
// copy.
func (c *wordCache) put(word []byte, toks []int32) []int32 {
	v := append([]int32(nil), toks...)
	s := c.shard(word)
	s.mu.Lock()
	if len(s.m) >= c.perShard {
		clear(s.m)
	}
	s.m[string(word)] = v
	s.mu.Unlock()
	return v
}
