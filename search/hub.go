package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/fmkit/fmkit/data"
)

// hfPrefix marks an input that is a Hugging Face dataset split:
// hf:ORG/NAME[/CONFIG][:SPLIT], the split defaulting to train. ORG/NAME
// may also be a local dataset directory laid out as on the Hub.
const hfPrefix = "hf:"

// parseHubInput splits hf:ORG/NAME[/CONFIG][:SPLIT].
func parseHubInput(s string) (data.Source, string, error) {
	rest := strings.TrimPrefix(s, hfPrefix)
	split := "train"
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		rest, split = rest[:i], rest[i+1:]
	}
	if st, err := os.Stat(rest); err == nil && st.IsDir() {
		return data.Source{Path: rest}, split, nil
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || split == "" {
		return data.Source{}, "", fmt.Errorf("search: input %q: want hf:ORG/NAME[/CONFIG][:SPLIT]", s)
	}
	src := data.Source{Path: parts[0] + "/" + parts[1]}
	if len(parts) == 3 {
		src.Name = parts[2]
	}
	return src, split, nil
}

// readHub loads a dataset split through package data and sends its rows
// as JSON records (row numbers count as lines).
func (b *build) readHub(ctx context.Context, f *inputFile, seq uint64, out chan<- batch) (uint64, error) {
	src, split, err := parseHubInput(f.path)
	if err != nil {
		return seq, err
	}
	loader := b.opts.Datasets
	if loader == nil {
		loader = &data.Loader{}
	}
	docs, err := loader.Load(ctx, src, split)
	if err != nil {
		return seq, fmt.Errorf("search: input %s: %w", f.name, err)
	}
	var buf bytes.Buffer
	first := 1
	for i, d := range docs {
		writeDocJSON(&buf, d)
		buf.WriteByte('\n')
		if buf.Len() >= 1<<20 || i == len(docs)-1 {
			bt := batch{file: f, seq: seq, firstLine: first, data: append([]byte(nil), buf.Bytes()...)}
			buf.Reset()
			select {
			case out <- bt:
				seq++
				first = i + 2
			case <-ctx.Done():
				return seq, nil
			}
		}
	}
	return seq, nil
}

// writeDocJSON writes d as a JSON object with its columns in order.
func writeDocJSON(buf *bytes.Buffer, d data.Doc) {
	buf.WriteByte('{')
	for i, c := range d.Columns {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		buf.Write(k)
		buf.WriteByte(':')
		writeValueJSON(buf, d.Values[i])
	}
	buf.WriteByte('}')
}

func writeValueJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case data.Doc:
		writeDocJSON(buf, x)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeValueJSON(buf, e)
		}
		buf.WriteByte(']')
	default:
		b, err := json.Marshal(x)
		if err != nil {
			buf.WriteString("null")
			return
		}
		buf.Write(b)
	}
}
