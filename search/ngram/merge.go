package ngram

import (
	"bufio"
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

// run reads a sorted chunk's pointers.
type run struct {
	r     *bufio.Reader
	f     *os.File
	left  int64
	width int
	buf   [8]byte
}

func (r *run) next() (uint64, bool, error) {
	if r.left == 0 {
		return 0, false, nil
	}
	if _, err := io.ReadFull(r.r, r.buf[:r.width]); err != nil {
		return 0, false, err
	}
	r.left--
	return pointerAt(r.buf[:], 0, r.width), true, nil
}

// merge merges the sorted chunks into sa.bin with a binary heap of their
// heads. Heads are compared by their keys, and in full only on equal keys,
// so most comparisons touch no token data.
func (s *sorter) merge(ctx context.Context) error {
	pw := s.w.meta.PointerBytes
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
		runs[i] = &run{r: bufio.NewReaderSize(f, 1<<20), f: f, left: s.chunks[i].count, width: pw}
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
		var b [8]byte
		var done int64
		for len(h) > 0 {
			top := &h[0]
			putPointer(b[:], top.ptr, pw)
			if _, err := out.Write(b[:pw]); err != nil {
				return err
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
