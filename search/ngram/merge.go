package ngram

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

// head is the smallest unmerged suffix of a sorted chunk.
type head struct {
	key uint64 // the suffix's first tokens (see text.key)
	ptr uint64
	src int // which chunk
}

// run reads a sorted chunk's pointers a block at a time.
type run struct {
	r     io.Reader
	f     *os.File
	left  int64 // pointers not yet read from the file
	width int
	block []byte
	i, n  int // next pointer in block, pointers in block
}

func (r *run) next() (uint64, bool, error) {
	if r.i == r.n {
		if r.left == 0 {
			return 0, false, nil
		}
		r.n = int(min(r.left, int64(len(r.block)/r.width)))
		if _, err := io.ReadFull(r.r, r.block[:r.n*r.width]); err != nil {
			return 0, false, err
		}
		r.left -= int64(r.n)
		r.i = 0
	}
	p := pointerAt(r.block, uint64(r.i), r.width)
	r.i++
	return p, true, nil
}

// merge merges the sorted chunks into sa.bin with a binary heap of their
// heads. Heads are compared by their keys, and in full only on equal keys,
// so most comparisons touch no token data.
func (s *sorter) merge(ctx context.Context) error {
	pw := s.w.meta.PointerBytes
	if len(s.chunks) == 1 {
		return s.copyOnlyChunk()
	}
	runs := make([]*run, len(s.chunks))
	defer func() {
		for _, r := range runs {
			if r != nil {
				r.f.Close()
			}
		}
	}()
	var total int64
	for i := range s.chunks {
		f, err := os.Open(s.chunks[i].path)
		if err != nil {
			return fmt.Errorf("ngram: %w", err)
		}
		runs[i] = &run{r: f, f: f, left: s.chunks[i].count, width: pw, block: make([]byte, 1<<20/pw*pw)}
		total += s.chunks[i].count
	}
	txt := s.txt
	less := func(a, b *head) bool {
		if a.key != b.key {
			return a.key < b.key
		}
		return txt.compareSuffixes(a.ptr, b.ptr, 0) < 0
	}
	h := make([]head, 0, len(runs))
	for i, r := range runs {
		p, ok, err := r.next()
		if err != nil {
			return fmt.Errorf("ngram: read sorted chunk: %w", err)
		}
		if ok {
			h = append(h, head{key: txt.key(p), ptr: p, src: i})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i, less)
	}
	s.w.progress(StageMerge, 0, total)
	write := func(out io.Writer) error {
		buf := make([]byte, 0, 1<<20/pw*pw)
		var done int64
		for len(h) > 0 {
			top := &h[0]
			buf = buf[:len(buf)+pw]
			putPointer(buf[len(buf)-pw:], top.ptr, pw)
			if len(buf) == cap(buf) {
				if _, err := out.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			done++
			if done&(1<<22-1) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				s.w.progress(StageMerge, done, total)
			}
			p, ok, err := runs[top.src].next()
			if err != nil {
				return fmt.Errorf("read sorted chunk: %w", err)
			}
			if ok {
				top.ptr, top.key = p, txt.key(p)
			} else {
				h[0] = h[len(h)-1]
				h = h[:len(h)-1]
			}
			if len(h) > 0 {
				siftDown(h, 0, less)
			}
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
		s.w.progress(StageMerge, done, total)
		return nil
	}
	if err := atomicfile.Write(filepath.Join(s.w.dir, saFile), write); err != nil {
		return fmt.Errorf("ngram: write %s: %w", saFile, err)
	}
	return nil
}

func siftDown(h []head, i int, less func(a, b *head) bool) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(&h[r], &h[l]) {
			m = r
		}
		if !less(&h[m], &h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// copyOnlyChunk writes the suffix array of a corpus sorted in one chunk.
func (s *sorter) copyOnlyChunk() error {
	f, err := os.Open(s.chunks[0].path)
	if err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	defer f.Close()
	err = atomicfile.Write(filepath.Join(s.w.dir, saFile), func(out io.Writer) error {
		_, err := io.Copy(out, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("ngram: write %s: %w", saFile, err)
	}
	s.w.progress(StageMerge, s.chunks[0].count, s.chunks[0].count)
	return nil
}
