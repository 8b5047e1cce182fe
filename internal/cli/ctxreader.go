package cli

import (
	"context"
	"io"
)

// contextReader reads from r until ctx is done. A Read blocked in r (stdin
// waiting on a terminal or an idle pipe) cannot be interrupted, so r is
// read on a goroutine of its own and Read returns ctx's error as soon as
// ctx is done; the goroutine is left blocked, which is fine for a command
// about to return.
type contextReader struct {
	ctx    context.Context
	chunks chan readChunk
	buf    []byte
	err    error
}

type readChunk struct {
	b   []byte
	err error
}

// newContextReader returns a reader of r that gives up when ctx is done.
func newContextReader(ctx context.Context, r io.Reader) io.Reader {
	c := &contextReader{ctx: ctx, chunks: make(chan readChunk, 4)}
	go func() {
		for {
			b := make([]byte, 64<<10)
			n, err := r.Read(b)
			select {
			case c.chunks <- readChunk{b[:n], err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *contextReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		select {
		case ch := <-c.chunks:
			c.buf, c.err = ch.b, ch.err
		case <-c.ctx.Done():
			return 0, c.ctx.Err()
		}
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}
