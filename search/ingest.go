package search

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// inputFile is one file to ingest and how to read it.
type inputFile struct {
	path string
	name string // as reported in errors and used for text-file ids
	kind inputKind
	size int64
}

type inputKind int

const (
	kindJSONL inputKind = iota
	kindText
	kindParquet
	kindHub // a Hugging Face dataset split, read through package data
)

// expandInputs turns the paths given by the user into files: a directory
// contributes every .jsonl/.json/.parquet/.txt file under it (optionally
// .gz or .zst compressed), in lexical order.
func expandInputs(paths []string) ([]inputFile, error) {
	var out []inputFile
	for _, p := range paths {
		if strings.HasPrefix(p, hfPrefix) {
			out = append(out, inputFile{path: p, name: p, kind: kindHub})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("search: input %s: %w", p, err)
		}
		if !st.IsDir() {
			kind, ok := kindOf(p)
			if !ok {
				kind = kindJSONL
			}
			out = append(out, inputFile{path: p, name: p, kind: kind, size: st.Size()})
			continue
		}
		var found []inputFile
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			kind, ok := kindOf(path)
			if !ok {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(p, path)
			found = append(found, inputFile{path: path, name: filepath.ToSlash(rel), kind: kind, size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search: input %s: %w", p, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("search: input %s: no .jsonl, .json, .parquet or .txt files", p)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
		out = append(out, found...)
	}
	return out, nil
}

func kindOf(path string) (inputKind, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".zst")
	switch strings.ToLower(filepath.Ext(base)) {
	case ".jsonl", ".json", ".ndjson":
		return kindJSONL, true
	case ".txt", ".text", ".md":
		return kindText, true
	case ".parquet":
		return kindParquet, true
	}
	return 0, false
}

// openDecompressed opens path, transparently decompressing gzip or zstd
// (recognised by their magic bytes). The returned counter reports the
// compressed bytes read so far, for progress.
func openDecompressed(path string) (io.ReadCloser, *countingReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, 1<<20)
	magic, _ := br.Peek(4)
	var r io.Reader = br
	var closeFn func() error = f.Close
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		z, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		r = z
	case len(magic) == 4 && bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: zstd: %w", path, err)
		}
		r = z
		closeFn = func() error { z.Close(); return f.Close() }
	}
	return readCloser{r, closeFn}, cr, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Fields names the fields of a JSON record.
type Fields struct {
	// ID is the document id field. The default value is "id".
	ID string
	// Contents is the text field. The default value is "contents".
	Contents string
	// Meta is the object of exact-match fields. The default value is "meta".
	Meta string
}

func (f *Fields) ensureDefaults() {
	if f.ID == "" {
		f.ID = "id"
	}
	if f.Contents == "" {
		f.Contents = "contents"
	}
	if f.Meta == "" {
		f.Meta = "meta"
	}
}

// RecordError is a problem with one input record.
type RecordError struct {
	File string
	Line int // 1-based; 0 when the record has no line (Parquet row numbers use Line too)
	Err  error
}

func (e *RecordError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// ErrDuplicateID is wrapped by the RecordError of a repeated document id.
var ErrDuplicateID = errors.New("duplicate id")

// parseRecord decodes one JSON record line into doc, reusing doc.Meta.
func parseRecord(line []byte, f *Fields, doc *Document, buf *[]byte) error {
	if scanRecord(line, f, doc, buf) {
		return nil
	}
	return parseRecordSlow(line, f, doc)
}

// parseRecordSlow is parseRecord through encoding/json, which also words
// the errors.
func parseRecordSlow(line []byte, f *Fields, doc *Document) error {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(line, &rec); err != nil {
		return fmt.Errorf("malformed JSON: %v", jsonErrText(err))
	}
	id, ok := rec[f.ID]
	if !ok {
		return fmt.Errorf("missing %q field", f.ID)
	}
	ids, err := scalarString(id)
	if err != nil || ids == "" {
		return fmt.Errorf("field %q: want a non-empty string or number", f.ID)
	}
	text, ok := rec[f.Contents]
	if !ok {
		return fmt.Errorf("missing %q field", f.Contents)
	}
	var contents string
	if err := json.Unmarshal(text, &contents); err != nil {
		return fmt.Errorf("field %q: want a string", f.Contents)
	}
	doc.ID, doc.Contents = ids, contents
	clear(doc.Meta)
	if m, ok := rec[f.Meta]; ok && string(m) != "null" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(m, &obj); err != nil {
			return fmt.Errorf("field %q: want an object", f.Meta)
		}
		if doc.Meta == nil {
			doc.Meta = make(map[string]string, len(obj))
		}
		for k, v := range obj {
			if s, err := scalarString(v); err == nil {
				doc.Meta[k] = s
			}
		}
	}
	doc.Record = line
	return nil
}

// scalarString returns a JSON string's value, or a number's or boolean's
// text.
func scalarString(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	}
	s := string(v)
	if s == "true" || s == "false" {
		return s, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s, nil
	}
	return "", errors.New("not a scalar")
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

// Segmenting cuts documents into overlapping passages of whitespace
// tokens, as GAIA search and Pyserini index long documents.
type Segmenting struct {
	// Size is the number of whitespace tokens per passage.
	Size int
	// Overlap is the number of tokens a passage shares with the next.
	Overlap int
}

// ParseSegmenting parses "SIZE:OVERLAP", such as "256:16".
func ParseSegmenting(s string) (*Segmenting, error) {
	a, b, ok := strings.Cut(s, ":")
	size, err1 := strconv.Atoi(a)
	overlap, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || size <= 0 || overlap < 0 || overlap >= size {
		return nil, fmt.Errorf("search: segmenting %q: want SIZE:OVERLAP with SIZE > OVERLAP >= 0, such as 256:16", s)
	}
	return &Segmenting{Size: size, Overlap: overlap}, nil
}

// passages cuts text into passages and calls fn with each passage's
// number and text.
func (sg *Segmenting) passages(text string, fn func(n int, passage string)) {
	words := strings.Fields(text)
	if len(words) == 0 {
		fn(0, "")
		return
	}
	step := sg.Size - sg.Overlap
	for n, start := 0, 0; ; n, start = n+1, start+step {
		end := min(start+sg.Size, len(words))
		fn(n, strings.Join(words[start:end], " "))
		if end == len(words) {
			return
		}
	}
}

// passageID returns GAIA's id of passage n of document id.
func (sg *Segmenting) passageID(id string, n int) string {
	return fmt.Sprintf("%s?seg=para_%d_%d&seg_id=%d", id, sg.Size, sg.Overlap, n)
}

// passageRecord is the stored record of a passage.
func passageRecord(id, parent, text string, meta map[string]string) []byte {
	rec := struct {
		ID       string            `json:"id"`
		Contents string            `json:"contents"`
		Parent   string            `json:"parent"`
		Meta     map[string]string `json:"meta,omitempty"`
	}{id, text, parent, meta}
	b, _ := json.Marshal(rec)
	return b
}
