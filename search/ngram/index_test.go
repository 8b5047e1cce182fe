package ngram

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpus is a list of documents of token ids with a naive reference for
// every query.
type corpus [][]uint32

func randomCorpus(rng *rand.Rand, docs, maxLen int, vocab uint32) corpus {
	c := make(corpus, docs)
	for d := range c {
		n := rng.IntN(maxLen + 1)
		c[d] = make([]uint32, n)
		for i := range c[d] {
			// Skewed ids, so that n-grams repeat.
			c[d][i] = uint32(rng.ExpFloat64()*2) % vocab
		}
		if d%5 == 1 && d > 0 { // near-duplicates
			c[d] = append(slices.Clone(c[d-1]), c[d]...)
		}
	}
	return c
}

// count counts the occurrences of q; the empty n-gram occurs at every
// token.
func (c corpus) count(q []uint32) uint64 {
	var n uint64
	for _, doc := range c {
		for i := 0; i+max(1, len(q)) <= len(doc); i++ {
			if slices.Equal(doc[i:i+len(q)], q) {
				n++
			}
		}
	}
	return n
}

func (c corpus) next(q []uint32) (map[uint32]uint64, uint64) {
	m := map[uint32]uint64{}
	var ends uint64
	for _, doc := range c {
		for i := 0; i+max(1, len(q)) <= len(doc); i++ {
			if slices.Equal(doc[i:i+len(q)], q) {
				if i+len(q) == len(doc) {
					ends++
				} else {
					m[doc[i+len(q)]]++
				}
			}
		}
	}
	return m, ends
}

func build(t *testing.T, c corpus, vocab int, opts *Options) *Index {
	t.Helper()
	dir := t.TempDir()
	w, err := Create(dir, vocab, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range c {
		if err := w.Add(fmt.Sprintf("doc%d", i), doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// checkOrder checks that the suffix array holds every token position once,
// in the order of compareSuffixes.
func checkOrder(t *testing.T, ix *Index) {
	t.Helper()
	n := uint64(ix.meta.Tokens)
	seen := map[uint64]bool{}
	for i := range n {
		p := ix.suffix(i)
		if seen[p] || ix.txt.at(p) == ix.txt.sep {
			t.Fatalf("suffix %d: pointer %d repeated or at a separator", i, p)
		}
		seen[p] = true
		if i > 0 && ix.txt.compareSuffixes(ix.suffix(i-1), p, 0) >= 0 {
			t.Fatalf("suffixes %d and %d out of order", i-1, i)
		}
	}
}

func TestIndexAgainstScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct {
		name   string
		vocab  int
		memory int64
	}{
		{"2-byte ids, one chunk", 5, 1 << 30},
		{"2-byte ids, a chunk per document", 5, 1},
		{"4-byte ids, several chunks", 70000, 70000*4*2 + 2*12*40},
	} {
		t.Run(c.name, func(t *testing.T) {
			cor := randomCorpus(rng, 60, 30, uint32(min(c.vocab, 5)))
			ix := build(t, cor, c.vocab, &Options{MemoryBytes: c.memory, Threads: 2})
			if want := tokenBytesFor(c.vocab); ix.meta.TokenBytes != want {
				t.Errorf("token bytes %d, want %d", ix.meta.TokenBytes, want)
			}
			checkOrder(t, ix)
			for trial := 0; trial < 300; trial++ {
				var q []uint32
				if trial%3 == 0 {
					d := cor[rng.IntN(len(cor))]
					if len(d) > 0 {
						i := rng.IntN(len(d))
						q = d[i:min(len(d), i+1+rng.IntN(8))]
					}
				} else {
					for range rng.IntN(5) {
						q = append(q, uint32(rng.IntN(5)))
					}
				}
				got, err := ix.Count(q)
				if err != nil {
					t.Fatal(err)
				}
				if want := cor.count(q); got != want {
					t.Fatalf("Count(%v) = %d, scan %d", q, got, want)
				}
				nt, err := ix.Next(q, 0)
				if err != nil {
					t.Fatal(err)
				}
				wantNext, wantEnds := cor.next(q)
				gotNext := map[uint32]uint64{}
				for _, tc := range nt.Tokens {
					gotNext[tc.Token] = tc.Count
				}
				if len(gotNext) != len(wantNext) || nt.DocEnds != wantEnds || nt.Distinct != len(wantNext) {
					t.Fatalf("Next(%v) = %v (ends %d), scan %v (ends %d)", q, gotNext, nt.DocEnds, wantNext, wantEnds)
				}
				for tok, n := range wantNext {
					if gotNext[tok] != n {
						t.Fatalf("Next(%v)[%d] = %d, scan %d", q, tok, gotNext[tok], n)
					}
				}
				for i := 1; i < len(nt.Tokens); i++ {
					if nt.Tokens[i].Count > nt.Tokens[i-1].Count {
						t.Fatalf("Next(%v) not sorted by count: %v", q, nt.Tokens)
					}
				}
				long, err := ix.Longest(q)
				if err != nil {
					t.Fatal(err)
				}
				wantStart := len(q)
				for i := len(q) - 1; i >= 0 && cor.count(q[i:]) > 0; i-- {
					wantStart = i
				}
				if long.Start != wantStart || long.Count != cor.count(q[wantStart:]) {
					t.Fatalf("Longest(%v) = %+v, scan start %d", q, long, wantStart)
				}
				ms, total, err := ix.Matches(q, 100000)
				if err != nil {
					t.Fatal(err)
				}
				if total != cor.count(q) || uint64(len(ms)) != total {
					t.Fatalf("Matches(%v): %d of %d", q, len(ms), total)
				}
				for _, m := range ms {
					doc := cor[m.Doc]
					if m.ID != fmt.Sprintf("doc%d", m.Doc) || !slices.Equal(doc[m.Offset:m.Offset+int64(len(q))], q) {
						t.Fatalf("Matches(%v): %+v is not a match", q, m)
					}
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	ix := build(t, corpus{{1, 2, 3}, {}, {3, 2, 1}}, 4, nil)
	if _, err := ix.Count([]uint32{1, 4}); !errors.Is(err, ErrTokenRange) {
		t.Errorf("query with id 4 of vocabulary 4: %v", err)
	}
	toks, err := ix.DocTokens(2, 0, 10)
	if err != nil || !slices.Equal(toks, []uint32{3, 2, 1}) {
		t.Errorf("DocTokens(2) = %v, %v", toks, err)
	}
	if toks, _ := ix.DocTokens(1, 0, 10); len(toks) != 0 {
		t.Errorf("empty document has tokens %v", toks)
	}
	if _, err := ix.DocTokens(3, 0, 1); err == nil {
		t.Error("DocTokens(3) of 3 documents succeeded")
	}

	dir := t.TempDir()
	w, _ := Create(dir, 10, nil)
	if err := w.Add("x", []uint32{1, 10}); !errors.Is(err, ErrTokenRange) {
		t.Errorf("Add with id 10 of vocabulary 10: %v", err)
	}
	w.Abort()
	if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
		t.Errorf("Open after Abort: %v", err)
	}
	if _, err := Create(dir, 0, nil); err == nil {
		t.Error("Create with vocabulary 0 succeeded")
	}

	// A finished index is not overwritten by accident.
	w, _ = Create(dir, 10, nil)
	w.Add("", []uint32{1, 2})
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir, 10, nil); err == nil {
		t.Error("Create over an index succeeded without Overwrite")
	}
	// A truncated file is found at Open.
	os.Truncate(filepath.Join(dir, saFile), 1)
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with a truncated suffix array: %v", err)
	}
	os.WriteFile(filepath.Join(dir, metaFile), []byte(`{"format": 1, "vocab_size": 10, "token_bytes": 4}`), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with token_bytes 4 for vocabulary 10: %v", err)
	}
	// Counts whose file sizes would overflow (8 × (2^61 + 1) wraps to 8
	// bytes) are refused by the commit itself, before any file is read.
	os.WriteFile(filepath.Join(dir, metaFile), []byte(`{"format": 1, "vocab_size": 10, "token_bytes": 2, "pointer_bytes": 1, "tokens": 2, "docs": 2305843009213693953}`), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "docs 2305843009213693953") {
		t.Errorf("Open with 2^61+1 documents: %v", err)
	}
}

func TestCommitCancelled(t *testing.T) {
	dir := t.TempDir()
	w, _ := Create(dir, 10, nil)
	w.Add("", []uint32{1, 2, 3})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Commit: %v", err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
		t.Errorf("Open after a cancelled Commit: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != docsFile && e.Name() != idsFile && e.Name() != idOffsetsFile {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestPointerBytes(t *testing.T) {
	for _, c := range []struct {
		size int64
		want int
	}{{0, 1}, {1, 1}, {2, 1}, {256, 1}, {257, 2}, {65536, 2}, {65537, 3}, {1 << 32, 4}, {1<<32 + 1, 5}, {1 << 40, 5}} {
		if got := pointerBytesFor(c.size); got != c.want {
			t.Errorf("pointerBytesFor(%d) = %d, want %d", c.size, got, c.want)
		}
	}
	b := make([]byte, 16)
	for _, w := range []int{1, 2, 3, 4, 5, 8} {
		v := uint64(0x0102030405060708) & (1<<(8*w) - 1)
		if w == 8 {
			v = 0x0102030405060708
		}
		putPointer(b[w:], v, w)
		if got := pointerAt(b, 1, w); got != v {
			t.Errorf("width %d: round trip %x -> %x", w, v, got)
		}
	}
}

// TestDamagedFiles overwrites bytes of each index file at random and runs
// every query: Open or the query must return ErrCorrupt or an answer,
// never panic. (A damaged token file can only give wrong counts: no
// check short of rebuilding finds a changed id.)
func TestDamagedFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c := randomCorpus(rng, 40, 30, 300)
	for _, name := range []string{saFile, docsFile, idOffsetsFile, tokensFile} {
		caught := 0
		for trial := range 12 {
			ix := build(t, c, 300, nil)
			ix.Close()
			path := filepath.Join(ix.dir, name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for range 1 + trial%4 {
				data[rng.IntN(len(data))] = byte(rng.Uint32())
			}
			os.WriteFile(path, data, 0o644)
			if err := queryAll(ix.dir, c, rng); err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s damaged: %v, want ErrCorrupt", name, err)
				}
				caught++
			}
		}
		t.Logf("%s: %d of 12 damaged copies reported", name, caught)
		if name != tokensFile && caught == 0 {
			t.Errorf("%s: no damage was reported", name)
		}
	}
}

// queryAll opens dir and runs every kind of query on n-grams of c and on
// random ids, returning the first error.
func queryAll(dir string, c corpus, rng *rand.Rand) error {
	ix, err := Open(dir)
	if err != nil {
		return err
	}
	defer ix.Close()
	for range 50 {
		doc := c[rng.IntN(len(c))]
		from := rng.IntN(len(doc) + 1)
		q := slices.Clone(doc[from:min(len(doc), from+1+rng.IntN(4))])
		if rng.IntN(3) == 0 {
			q = append(q, uint32(rng.IntN(300)))
		}
		if _, err := ix.Count(q); err != nil {
			return err
		}
		if _, err := ix.Next(q, 5); err != nil {
			return err
		}
		if _, err := ix.Longest(q); err != nil {
			return err
		}
		ms, _, err := ix.Matches(q, 5)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if _, err := ix.DocTokens(m.Doc, m.Offset-3, m.Offset+3); err != nil {
				return err
			}
		}
		if _, err := ix.Overlap(doc, 3); err != nil {
			return err
		}
	}
	return nil
}
