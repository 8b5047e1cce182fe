package ngram

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/mmap"
)

// Options configure building an index. A nil *Options means the defaults.
type Options struct {
	// MemoryBytes bounds the memory used to sort suffixes, all threads
	// together: each thread sorts a chunk of whole documents in memory at
	// 8 to 12 bytes per token, and the sorted chunks are merged from disk,
	// so corpora larger than RAM can be indexed. A single document longer
	// than a thread's share is sorted as one chunk all the same. The
	// default value is 1 GiB.
	MemoryBytes int64
	// Threads is the number of chunks sorted at once. The default value is
	// GOMAXPROCS.
	Threads int
	// TempDir holds the sorted chunks while they are merged (about as
	// much disk as the suffix array). The default value is a folder inside
	// the index directory.
	TempDir string
	// Overwrite replaces an index already in the directory; without it
	// Create refuses.
	Overwrite bool
	// Progress, if set, is called as the work advances.
	Progress func(Progress)
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.MemoryBytes <= 0 {
		d.MemoryBytes = 1 << 30
	}
	if d.Threads <= 0 {
		d.Threads = runtime.GOMAXPROCS(0)
	}
	return d
}

// Stage names a phase of a build.
type Stage string

// The stages of a build, in order.
const (
	StageTokenize Stage = "tokenize" // documents read and tokenized
	StageSort     Stage = "sort"     // chunks of suffixes sorted in memory
	StageMerge    Stage = "merge"    // sorted chunks merged into the suffix array
)

// Progress reports a build.
type Progress struct {
	Stage   Stage
	Done    int64 // documents (tokenize), tokens sorted (sort), suffixes written (merge)
	Total   int64 // the same, in all; 0 while unknown
	Tokens  int64 // tokens added so far
	Elapsed time.Duration
}

// Result summarises a build.
type Result struct {
	Docs, Tokens int64
	Bytes        int64 // size of the index files
	Elapsed      time.Duration
	SortTime     time.Duration // suffix sorting and merging, without tokenization
}

// TokensPerSecond is the throughput of the whole build.
func (r *Result) TokensPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Tokens) / r.Elapsed.Seconds()
}

// ErrTokenRange is wrapped by errors about a token id outside the
// vocabulary.
var ErrTokenRange = errors.New("ngram: token id out of range")

// Writer builds an index: documents are added as token ids and streamed
// to disk, and Commit sorts their suffixes. A Writer is not safe for
// concurrent use.
type Writer struct {
	dir   string
	opts  Options
	meta  meta
	start time.Time

	pipe      *io.PipeWriter
	buf       *bufio.Writer
	tokensErr chan error // the tokens file's writer, when it ends

	docStarts []uint64 // token index of each document's start
	ids       []byte
	idEnds    []uint64
	pos       uint64 // tokens written, separators included
	tokenizer []byte
	scratch   []byte
	done      bool
}

// Create starts an index in dir (created if missing) for token ids below
// vocabSize.
func Create(dir string, vocabSize int, opts *Options) (*Writer, error) {
	o := opts.withDefaults()
	if vocabSize < 1 || vocabSize > 0xFFFFFFFF {
		return nil, fmt.Errorf("ngram: vocabulary size %d must be in [1, 2^32-1]", vocabSize)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ngram: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, metaFile)); err == nil {
		if !o.Overwrite {
			return nil, fmt.Errorf("ngram: %s already holds an index (overwrite to replace it)", dir)
		}
		// The old commit goes first: from here on the folder is not an
		// index until the new commit.
		if err := os.Remove(filepath.Join(dir, metaFile)); err != nil {
			return nil, fmt.Errorf("ngram: %w", err)
		}
	}
	w := &Writer{dir: dir, opts: o, start: time.Now(), tokensErr: make(chan error, 1)}
	w.meta = meta{Format: FormatVersion, VocabSize: vocabSize, TokenBytes: tokenBytesFor(vocabSize)}
	pr, pw := io.Pipe()
	w.pipe = pw
	w.buf = bufio.NewWriterSize(pw, 1<<20)
	go func() {
		err := atomicfile.Write(filepath.Join(dir, tokensFile), func(out io.Writer) error {
			_, err := io.Copy(out, pr)
			return err
		})
		pr.CloseWithError(err) // unblocks Add if writing failed
		w.tokensErr <- err
	}()
	return w, nil
}

// SetTokenizer records the tokenizer.json the ids come from, so that the
// index can tokenize text queries and show documents as text. source says
// where it came from.
func (w *Writer) SetTokenizer(data []byte, source string) {
	w.tokenizer = data
	w.meta.Tokenizer = source
}

// Add appends a document. An empty id stands for the document's number.
// Ids must be below the vocabulary size.
func (w *Writer) Add(id string, tokens []uint32) error {
	if w.done {
		return errors.New("ngram: Add after Commit or Abort")
	}
	sep := w.meta.separator()
	for i, t := range tokens {
		if uint64(t) >= uint64(w.meta.VocabSize) || t == sep {
			return fmt.Errorf("%w: document %d token %d is %d, vocabulary size %d", ErrTokenRange, len(w.docStarts), i, t, w.meta.VocabSize)
		}
	}
	w.docStarts = append(w.docStarts, w.pos)
	if id == "" {
		id = strconv.Itoa(len(w.docStarts) - 1)
	}
	w.ids = append(w.ids, id...)
	w.idEnds = append(w.idEnds, uint64(len(w.ids)))
	width := w.meta.TokenBytes
	need := (len(tokens) + 1) * width
	if cap(w.scratch) < need {
		w.scratch = make([]byte, need)
	}
	b := w.scratch[:need]
	for i, t := range tokens {
		putToken(b[i*width:], t, width)
	}
	putToken(b[len(tokens)*width:], sep, width)
	if _, err := w.buf.Write(b); err != nil {
		return fmt.Errorf("ngram: write %s: %w", tokensFile, err)
	}
	w.pos += uint64(len(tokens)) + 1
	w.meta.Tokens += int64(len(tokens))
	w.meta.Docs++
	return nil
}

func putToken(b []byte, t uint32, width int) {
	if width == 2 {
		binary.LittleEndian.PutUint16(b, uint16(t))
	} else {
		binary.LittleEndian.PutUint32(b, t)
	}
}

// Abort stops the build, leaving no index in the directory.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.pipe.CloseWithError(errors.New("ngram: build aborted"))
	<-w.tokensErr
	os.Remove(filepath.Join(w.dir, tokensFile))
}

// finishTokens flushes the token stream and waits for tokens.bin.
func (w *Writer) finishTokens() error {
	if err := w.buf.Flush(); err != nil {
		w.pipe.CloseWithError(err)
		<-w.tokensErr
		return fmt.Errorf("ngram: write %s: %w", tokensFile, err)
	}
	w.pipe.Close()
	if err := <-w.tokensErr; err != nil {
		return fmt.Errorf("ngram: write %s: %w", tokensFile, err)
	}
	return nil
}

// Commit sorts the suffixes and writes the index. On error or
// cancellation the directory holds no index.
func (w *Writer) Commit(ctx context.Context) (*Result, error) {
	if w.done {
		return nil, errors.New("ngram: Commit after Commit or Abort")
	}
	w.done = true
	if err := w.finishTokens(); err != nil {
		return nil, err
	}
	res, err := w.commit(ctx)
	if err != nil {
		os.Remove(filepath.Join(w.dir, tokensFile))
		os.Remove(filepath.Join(w.dir, saFile))
		return nil, err
	}
	return res, nil
}

func (w *Writer) commit(ctx context.Context) (*Result, error) {
	sortStart := time.Now()
	size := int64(w.pos) * int64(w.meta.TokenBytes)
	w.meta.PointerBytes = pointerBytesFor(size)
	if err := w.writeDocTables(); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(w.dir, tokensFile))
	if err != nil {
		return nil, fmt.Errorf("ngram: %w", err)
	}
	data, unmap, err := mmap.File(f, size)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("ngram: map %s: %w", tokensFile, err)
	}
	defer unmap()
	txt := &text{data: data, width: w.meta.TokenBytes, sep: w.meta.separator()}
	s := &sorter{w: w, txt: txt}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	if w.tokenizer != nil {
		if err := atomicfile.WriteFile(filepath.Join(w.dir, tokenizerFile), w.tokenizer); err != nil {
			return nil, fmt.Errorf("ngram: %w", err)
		}
	}
	if err := writeMeta(w.dir, &w.meta); err != nil {
		return nil, fmt.Errorf("ngram: commit %s: %w", w.dir, err)
	}
	res := &Result{Docs: w.meta.Docs, Tokens: w.meta.Tokens, Elapsed: time.Since(w.start), SortTime: time.Since(sortStart)}
	for _, name := range []string{tokensFile, saFile, docsFile, idsFile, idOffsetsFile} {
		if st, err := os.Stat(filepath.Join(w.dir, name)); err == nil {
			res.Bytes += st.Size()
		}
	}
	return res, nil
}

func (w *Writer) writeDocTables() error {
	u64s := func(v []uint64) func(io.Writer) error {
		return func(out io.Writer) error {
			var b [8]byte
			for _, x := range v {
				binary.LittleEndian.PutUint64(b[:], x)
				if _, err := out.Write(b[:]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := atomicfile.Write(filepath.Join(w.dir, docsFile), u64s(w.docStarts)); err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(w.dir, idOffsetsFile), u64s(w.idEnds)); err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(w.dir, idsFile), w.ids); err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	return nil
}

func (w *Writer) progress(stage Stage, done, total int64) {
	if w.opts.Progress != nil {
		w.opts.Progress(Progress{Stage: stage, Done: done, Total: total, Tokens: w.meta.Tokens, Elapsed: time.Since(w.start)})
	}
}

// chunk is a run of whole documents sorted in memory.
type chunk struct {
	firstDoc, endDoc int    // documents [firstDoc, endDoc)
	start, end       uint64 // token indexes, separators included
	path             string // the sorted pointers
	count            int64  // suffixes in it (separators excluded)
}

// sorter sorts the suffixes of a token file: chunks in memory, then a
// merge from disk.
type sorter struct {
	w      *Writer
	txt    *text
	chunks []chunk
	tmp    string
	mu     sync.Mutex
	sorted int64
}

// bytesPerToken bounds what sorting a chunk costs in memory per token:
// the remapped text and the suffix array as int32, and a bucket per
// separator (one per document, at most one per token); the type bits add
// an eighth of a byte.
const bytesPerToken = 4 + 4 + 4

func (s *sorter) run(ctx context.Context) error {
	o := s.w.opts
	tmp := o.TempDir
	if tmp == "" {
		tmp = s.w.dir
	}
	dir, err := os.MkdirTemp(tmp, ".ngram-sort-")
	if err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	s.tmp = dir
	defer os.RemoveAll(dir)
	perThread := o.MemoryBytes / int64(o.Threads)
	vocabCost := int64(s.w.meta.VocabSize) * 4
	capTokens := max(1, (perThread-vocabCost)/bytesPerToken)
	s.planChunks(uint64(capTokens))
	if err := s.sortChunks(ctx, o.Threads); err != nil {
		return err
	}
	return s.merge(ctx)
}

// planChunks cuts the documents into chunks of at most capTokens tokens
// (a longer document is a chunk of its own).
func (s *sorter) planChunks(capTokens uint64) {
	starts := s.w.docStarts
	n := len(starts)
	end := func(d int) uint64 {
		if d+1 < n {
			return starts[d+1]
		}
		return s.w.pos
	}
	for d := 0; d < n; {
		c := chunk{firstDoc: d, start: starts[d]}
		for d < n && (d == c.firstDoc || end(d)-c.start <= capTokens) {
			d++
		}
		c.endDoc, c.end = d, end(d-1)
		s.chunks = append(s.chunks, c)
	}
}

func (s *sorter) sortChunks(ctx context.Context, threads int) error {
	s.w.progress(StageSort, 0, int64(s.w.pos))
	jobs := make(chan int)
	errs := make(chan error, threads)
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := s.sortChunk(&s.chunks[i], i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
send:
	for i := range s.chunks {
		select {
		case jobs <- i:
		case err = <-errs:
			break send
		case <-ctx.Done():
			err = ctx.Err()
			break send
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err != nil {
		return err
	}
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// sortChunk suffix-sorts one chunk with SA-IS and writes its suffixes'
// byte offsets. Each document's separator becomes a symbol of its own,
// larger than every token and ordered by document, so that the suffix
// order of the chunk is that of compareSuffixes.
func (s *sorter) sortChunk(c *chunk, i int) error {
	n := c.end - c.start
	vocab := uint32(s.w.meta.VocabSize)
	str := make([]int32, n+1)
	sep := s.txt.sep
	width := uint64(s.txt.width)
	doc := int32(0)
	for j := range n {
		t := s.txt.at((c.start + j) * width)
		if t == sep {
			str[j] = int32(vocab) + 1 + doc
			doc++
		} else {
			str[j] = int32(t) + 1
		}
	}
	sa := make([]int32, n+1)
	sais(str, sa, int32(vocab)+int32(c.endDoc-c.firstDoc))
	c.path = filepath.Join(s.tmp, fmt.Sprintf("chunk-%06d.sa", i))
	f, err := os.Create(c.path)
	if err != nil {
		return fmt.Errorf("ngram: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	pw := s.w.meta.PointerBytes
	var b [8]byte
	for _, p := range sa[1:] { // sa[0] is the sentinel
		if str[p] > int32(vocab) {
			continue // a separator
		}
		putPointer(b[:], (c.start+uint64(p))*width, pw)
		bw.Write(b[:pw])
		c.count++
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("ngram: write sorted chunk: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ngram: write sorted chunk: %w", err)
	}
	// Progress callbacks come one at a time.
	s.mu.Lock()
	s.sorted += int64(n)
	s.w.progress(StageSort, s.sorted, int64(s.w.pos))
	s.mu.Unlock()
	return nil
}
