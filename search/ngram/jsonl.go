package ngram

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/fmkit/fmkit/tokenizer"
)

// Input says which fields of JSONL records to read.
type Input struct {
	// Field is the JSON string field that is tokenized. The default value
	// is "text".
	Field string
	// IDField is the field with the document id (a string or a number);
	// records without it are named FILE:LINE. The default value is "id".
	IDField string
}

// RecordError is a JSONL record that cannot be read.
type RecordError struct {
	File string
	Line int
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// ErrMissingField is wrapped by the RecordError of a record without the
// text field.
var ErrMissingField = errors.New("missing field")

// Build tokenizes the JSONL files (or folders of .jsonl/.json files,
// optionally .gz or .zst compressed) with the tokenizer.json at
// tokenizerPath, without special tokens, and builds an index of them in
// dir. A bad record stops the build; nothing is committed then.
func Build(ctx context.Context, dir string, inputs []string, tokenizerPath string, in *Input, opts *Options) (*Result, error) {
	var fields Input
	if in != nil {
		fields = *in
	}
	if fields.Field == "" {
		fields.Field = "text"
	}
	if fields.IDField == "" {
		fields.IDField = "id"
	}
	tokPath := tokenizerPath
	if st, err := os.Stat(tokPath); err == nil && st.IsDir() {
		tokPath = filepath.Join(tokPath, "tokenizer.json")
	}
	tokData, err := os.ReadFile(tokPath)
	if err != nil {
		return nil, fmt.Errorf("ngram: tokenizer: %w", err)
	}
	tok, err := tokenizer.Parse(tokPath, tokData)
	if err != nil {
		return nil, fmt.Errorf("ngram: %w", err)
	}
	files, err := expandInputs(inputs)
	if err != nil {
		return nil, err
	}
	w, err := Create(dir, tok.VocabSize(), opts)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(tokPath)
	w.SetTokenizer(tokData, abs)
	w.meta.Field = fields.Field
	r := &jsonlReader{w: w, tok: tok, in: fields}
	for _, f := range files {
		r.total += f.size
	}
	for _, f := range files {
		if err := r.readFile(ctx, f); err != nil {
			w.Abort()
			return nil, err
		}
	}
	return w.Commit(ctx)
}

type inputFile struct {
	path, name string
	size       int64
}

// expandInputs lists the files: files as given, folders' .jsonl and .json
// files (optionally .gz or .zst) in lexical order.
func expandInputs(paths []string) ([]inputFile, error) {
	if len(paths) == 0 {
		return nil, errors.New("ngram: no input files")
	}
	var out []inputFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("ngram: input: %w", err)
		}
		if !st.IsDir() {
			out = append(out, inputFile{path: p, name: p, size: st.Size()})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := strings.TrimSuffix(strings.TrimSuffix(d.Name(), ".gz"), ".zst")
			if !strings.HasSuffix(name, ".jsonl") && !strings.HasSuffix(name, ".json") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			out = append(out, inputFile{path: path, name: path, size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ngram: input: %w", err)
		}
	}
	return out, nil
}

// jsonlReader tokenizes records in batches on all cores and adds them in
// input order.
type jsonlReader struct {
	w     *Writer
	tok   *tokenizer.Tokenizer
	in    Input
	read  int64
	total int64
}

const batchDocs = 512

func (r *jsonlReader) readFile(ctx context.Context, f inputFile) error {
	rc, err := openDecompressed(f.path)
	if err != nil {
		return fmt.Errorf("ngram: %s: %w", f.name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(nil, 256<<20)
	var texts, ids []string
	flush := func() error {
		if len(texts) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, enc := range r.tok.EncodeBatch(texts, false) {
			toks := make([]uint32, len(enc))
			for j, id := range enc {
				toks[j] = uint32(id)
			}
			if err := r.w.Add(ids[i], toks); err != nil {
				return err
			}
		}
		texts, ids = texts[:0], ids[:0]
		r.w.progress(StageTokenize, r.read, r.total)
		return nil
	}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		r.read += int64(len(sc.Bytes()) + 1)
		if len(b) == 0 {
			continue
		}
		text, id, err := r.parse(b)
		if err != nil {
			return fmt.Errorf("ngram: %w", &RecordError{File: f.name, Line: line, Err: err})
		}
		if id == "" {
			id = f.name + ":" + strconv.Itoa(line)
		}
		texts, ids = append(texts, text), append(ids, id)
		if len(texts) == batchDocs {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("ngram: read %s: %w", f.name, err)
	}
	return flush()
}

// parse reads the text and id fields of one record.
func (r *jsonlReader) parse(b []byte) (text, id string, err error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(b, &rec); err != nil {
		return "", "", fmt.Errorf("malformed JSON record: %v", err)
	}
	raw, ok := rec[r.in.Field]
	if !ok {
		return "", "", fmt.Errorf("%w %q", ErrMissingField, r.in.Field)
	}
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", "", fmt.Errorf("field %q: want a string, got %s", r.in.Field, abbreviate(raw))
	}
	if rawID, ok := rec[r.in.IDField]; ok {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(rawID, &s) == nil:
			id = s
		case json.Unmarshal(rawID, &n) == nil:
			id = n.String()
		default:
			return "", "", fmt.Errorf("field %q: want a string or a number, got %s", r.in.IDField, abbreviate(rawID))
		}
	}
	return text, id, nil
}

func abbreviate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// openDecompressed opens a file, decompressing gzip or zstd by their magic
// numbers.
func openDecompressed(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		z, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return readCloser{z, f.Close}, nil
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return readCloser{z, func() error { z.Close(); return f.Close() }}, nil
	}
	return readCloser{br, f.Close}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
