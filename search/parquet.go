package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
)

// readParquet turns the rows of a Parquet file into JSON lines (one
// record per row, numbered from 1 like lines) and sends them in batches.
// It returns the next batch number.
func (b *build) readParquet(ctx context.Context, f *inputFile, seq uint64, out chan<- batch) (uint64, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return seq, fmt.Errorf("search: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return seq, fmt.Errorf("search: %w", err)
	}
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		return seq, fmt.Errorf("search: %s: not a readable Parquet file: %w", f.name, err)
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	var buf bytes.Buffer
	line := 1
	first := 1
	send := func() bool {
		if buf.Len() == 0 {
			return true
		}
		data := append([]byte(nil), buf.Bytes()...)
		buf.Reset()
		select {
		case out <- batch{file: f, seq: seq, firstLine: first, data: data}:
			seq++
			first = line
			return true
		case <-ctx.Done():
			return false
		}
	}
	total := pf.NumRows()
	before := b.bytesRead.Load()
	for {
		row := map[string]any{}
		err := r.Read(&row)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return seq, fmt.Errorf("search: %s: row %d: %w", f.name, line, err)
		}
		rec, err := json.Marshal(row)
		if err != nil {
			return seq, fmt.Errorf("search: %s: row %d: %w", f.name, line, err)
		}
		buf.Write(rec)
		buf.WriteByte('\n')
		line++
		if buf.Len() >= 1<<20 {
			if total > 0 {
				b.bytesRead.Store(before + f.size*int64(line-1)/total)
			}
			if !send() {
				return seq, nil
			}
		}
	}
	if !send() {
		return seq, nil
	}
	b.bytesRead.Store(before + f.size)
	return seq, nil
}
