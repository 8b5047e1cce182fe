package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/search/analysis"
)

// OnError says what to do with a bad input record.
type OnError int

const (
	// Stop ends the run at the first bad record; nothing is committed.
	Stop OnError = iota
	// Skip leaves bad records out and reports them.
	Skip
)

// Options configure Build. A nil *Options means the defaults.
type Options struct {
	// Analyzer names the analyzer (see analysis.New). The default value is
	// "english". Adding to an existing index must use the same analyzer.
	Analyzer string
	// Fields names the fields of JSON records.
	Fields Fields
	// Segment, when set, indexes overlapping passages instead of whole
	// documents.
	Segment *Segmenting
	// Threads is the number of indexing goroutines and shards. The default
	// value is GOMAXPROCS.
	Threads int
	// RAMBufferBytes bounds the memory of the in-memory segments, all
	// threads together. The default value is 256 MiB.
	RAMBufferBytes int64
	// OnError says what to do with bad records. The default value is Stop.
	OnError OnError
	// Similarity is the index's default BM25 variant (see Similarity).
	// The default value is Lucene8, the scores of Lucene 8 and later, which
	// Pyserini and Anserini run. Adding to an existing index keeps its
	// similarity.
	Similarity Similarity
	// K1 and B are the BM25 parameters searches use unless they give their
	// own. The default values are 0.9 and 0.4 (Anserini's).
	K1, B float32
	// MergeFactor is how many segments of a size tier trigger a background
	// merge. The default value is 10.
	MergeFactor int
	// NoFinalMerge leaves each shard's segments unmerged at the end; by
	// default each shard is merged into one segment before the commit.
	NoFinalMerge bool
	// Progress, if set, is called about every 200 ms and at the end.
	Progress func(Progress)
	// Datasets loads "hf:" inputs. The default value reads local and
	// cached files only (a zero data.Loader).
	Datasets *data.Loader
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Analyzer == "" {
		d.Analyzer = "english"
	}
	d.Fields.ensureDefaults()
	if d.Threads <= 0 {
		d.Threads = runtime.GOMAXPROCS(0)
	}
	if d.RAMBufferBytes <= 0 {
		d.RAMBufferBytes = 256 << 20
	}
	if d.K1 == 0 && d.B == 0 {
		d.K1, d.B = 0.9, 0.4
	}
	if d.MergeFactor < 2 {
		d.MergeFactor = 10
	}
	if d.Similarity == "" {
		d.Similarity = Lucene8
	}
	return d
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	d := o.withDefaults()
	var errs []string
	if !analysis.ValidName(d.Analyzer) {
		errs = append(errs, fmt.Sprintf("Analyzer (%q) must be %s", d.Analyzer, analysis.NamesText()))
	}
	if d.K1 < 0 {
		errs = append(errs, fmt.Sprintf("K1 (%g) must be >= 0", d.K1))
	}
	if d.B < 0 || d.B > 1 {
		errs = append(errs, fmt.Sprintf("B (%g) must be in [0, 1]", d.B))
	}
	if _, err := ParseSimilarity(string(d.Similarity)); err != nil {
		errs = append(errs, fmt.Sprintf("Similarity (%q) must be %s", d.Similarity, SimilaritiesText()))
	}
	if d.RAMBufferBytes < 1<<20 {
		errs = append(errs, fmt.Sprintf("RAMBufferBytes (%d) must be at least 1 MiB", d.RAMBufferBytes))
	}
	if len(errs) > 0 {
		return errors.New("search: invalid options: " + strings.Join(errs, "; "))
	}
	return nil
}

// Progress reports an indexing run.
type Progress struct {
	BytesRead  int64         // input bytes read (compressed size for compressed files)
	BytesTotal int64         // input bytes in all
	TextBytes  int64         // raw text indexed (the contents fields)
	Docs       int64         // documents (or passages) indexed
	Skipped    int64         // bad records left out
	Segments   int           // segments written so far
	Elapsed    time.Duration // since the start
	Done       bool          // the final report
}

// MBPerSecond returns the indexing throughput in megabytes of raw text
// per second.
func (p Progress) MBPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.TextBytes) / 1e6 / p.Elapsed.Seconds()
}

// Result summarises a Build.
type Result struct {
	Progress
	// Errors holds the first 100 bad records skipped.
	Errors []*RecordError
}

// batch is a run of input lines handed to a worker.
type batch struct {
	file      *inputFile
	seq       uint64 // batch number: ordinals are seq<<32 | record index
	firstLine int
	data      []byte
}

// Build indexes the inputs into dir, creating the index or adding to the
// one there, and commits. An interrupted or failed run leaves the last
// commit as it was.
func Build(ctx context.Context, dir string, inputs []string, opts *Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	if path, ok := strings.CutPrefix(o.Analyzer, analysis.TokenizerPrefix); ok {
		// The commit names the analyzer; make it valid from any directory.
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("search: analyzer %s: %w", o.Analyzer, err)
		}
		o.Analyzer = analysis.TokenizerPrefix + abs
	}
	files, err := expandInputs(inputs)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search: create index dir: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := readCommit(dir)
	if err != nil && !errors.Is(err, ErrNotIndex) {
		return nil, err
	}
	a, err := analysis.New(o.Analyzer)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	b := &build{dir: dir, opts: o, files: files, start: time.Now(), analyzer: a}
	if old != nil {
		if old.Analyzer != o.Analyzer {
			return nil, fmt.Errorf("search: index %s uses analyzer %q, not %q", dir, old.Analyzer, o.Analyzer)
		}
		b.old = old
		if err := b.loadExistingIDs(); err != nil {
			return nil, err
		}
	} else {
		removeOrphans(dir, nil)
	}
	return b.run(ctx)
}

// build is the state of one Build call.
type build struct {
	dir      string
	opts     Options
	files    []inputFile
	old      *commit
	start    time.Time
	analyzer analysis.Analyzer // shared by the workers (safe for concurrent use)

	idSeed maphash.Seed
	idMu   sync.Mutex
	idSeen map[uint64]struct{}

	bytesRead, textBytes, docs, skipped atomic.Int64
	errMu                               sync.Mutex
	errs                                []*RecordError

	nextSeq uint64 // first batch number not used

	segMu    sync.Mutex
	shards   [][]string // new segments per shard
	segSeq   int
	merges   sync.WaitGroup
	mergeErr error
	merging  []bool
}

func (b *build) loadExistingIDs() error {
	b.idSeed = maphash.MakeSeed()
	b.idSeen = make(map[uint64]struct{})
	ix, err := Open(b.dir)
	if err != nil {
		return err
	}
	defer ix.Close()
	for _, segs := range ix.shards {
		for _, s := range segs {
			s.allValues(idField, func(v string, _ []uint32) {
				b.idSeen[maphash.String(b.idSeed, v)] = struct{}{}
			})
		}
	}
	return nil
}

// seenID records id and reports whether it was seen before.
func (b *build) seenID(id string) bool {
	h := maphash.String(b.idSeed, id)
	b.idMu.Lock()
	_, dup := b.idSeen[h]
	if !dup {
		b.idSeen[h] = struct{}{}
	}
	b.idMu.Unlock()
	return dup
}

func (b *build) progress(done bool) Progress {
	var total int64
	for _, f := range b.files {
		total += f.size
	}
	b.segMu.Lock()
	segs := 0
	for _, s := range b.shards {
		segs += len(s)
	}
	b.segMu.Unlock()
	return Progress{BytesRead: b.bytesRead.Load(), BytesTotal: total, TextBytes: b.textBytes.Load(),
		Docs: b.docs.Load(), Skipped: b.skipped.Load(), Segments: segs, Elapsed: time.Since(b.start), Done: done}
}

func (b *build) run(ctx context.Context) (*Result, error) {
	if b.idSeen == nil {
		b.idSeed = maphash.MakeSeed()
		b.idSeen = make(map[uint64]struct{})
	}
	threads := b.opts.Threads
	nshards := threads
	if b.old != nil {
		nshards = max(nshards, len(b.old.Shards))
	}
	b.shards = make([][]string, nshards)
	b.merging = make([]bool, nshards)
	if b.old != nil {
		for i, s := range b.old.Shards {
			b.shards[i] = slices.Clone(s)
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	batches := make(chan batch, threads*2)
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if err := b.worker(ctx, w, batches); err != nil {
				cancel(err)
			}
		}(w)
	}
	tickDone := make(chan struct{})
	if b.opts.Progress != nil {
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					b.opts.Progress(b.progress(false))
				case <-tickDone:
					return
				}
			}
		}()
	}
	readErr := b.readInputs(ctx, batches)
	close(batches)
	wg.Wait()
	b.merges.Wait()
	close(tickDone)
	if err := context.Cause(ctx); err != nil {
		b.cleanup()
		return nil, err
	}
	if readErr != nil {
		b.cleanup()
		return nil, readErr
	}
	if b.mergeErr != nil {
		b.cleanup()
		return nil, b.mergeErr
	}
	if !b.opts.NoFinalMerge {
		if err := b.finalMerge(ctx); err != nil {
			b.cleanup()
			return nil, err
		}
	}
	if err := b.commit(); err != nil {
		b.cleanup()
		return nil, err
	}
	p := b.progress(true)
	if b.opts.Progress != nil {
		b.opts.Progress(p)
	}
	return &Result{Progress: p, Errors: b.errs}, nil
}

// readInputs reads the files in order and sends batches of about 1 MiB of
// whole lines.
func (b *build) readInputs(ctx context.Context, out chan<- batch) error {
	seq := uint64(0)
	if b.old != nil {
		seq = b.old.NextOrd >> 32
	}
	defer func() { b.nextSeq = seq }()
	for i := range b.files {
		f := &b.files[i]
		if f.kind == kindParquet || f.kind == kindHub {
			read := b.readParquet
			if f.kind == kindHub {
				read = b.readHub
			}
			next, err := read(ctx, f, seq, out)
			if err != nil {
				return err
			}
			seq = next
			continue
		}
		r, counter, err := openDecompressed(f.path)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		line := 1
		var carry []byte
		readBefore := b.bytesRead.Load()
		send := func(data []byte) bool {
			if len(data) == 0 {
				return true
			}
			bt := batch{file: f, seq: seq, firstLine: line, data: data}
			seq++
			if f.kind == kindJSONL {
				line += bytes.Count(data, []byte{'\n'})
			}
			select {
			case out <- bt:
				b.bytesRead.Store(readBefore + counter.n)
				return true
			case <-ctx.Done():
				return false
			}
		}
		if f.kind == kindText {
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return fmt.Errorf("search: read %s: %w", f.name, err)
			}
			if !send(data) {
				return nil
			}
			continue
		}
		for {
			buf := make([]byte, len(carry), max(1<<20, len(carry)*2))
			copy(buf, carry)
			n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
			buf = buf[:len(carry)+n]
			eof := err == io.EOF || err == io.ErrUnexpectedEOF
			if err != nil && !eof {
				r.Close()
				return fmt.Errorf("search: read %s: %w", f.name, err)
			}
			cut := bytes.LastIndexByte(buf, '\n') + 1
			if eof {
				cut = len(buf)
			}
			carry = append([]byte(nil), buf[cut:]...)
			if !send(buf[:cut]) {
				r.Close()
				return nil
			}
			if eof {
				break
			}
		}
		r.Close()
	}
	return nil
}

// worker indexes batches into its own in-memory segment, flushing it to
// its shard when it outgrows its share of the RAM budget.
func (b *build) worker(ctx context.Context, shard int, batches <-chan batch) error {
	a := b.analyzer
	budget := int(b.opts.RAMBufferBytes / int64(b.opts.Threads))
	bl := newBuilder(a)
	var doc Document
	for bt := range batches {
		if ctx.Err() != nil {
			return nil
		}
		if err := b.indexBatch(bl, &bt, &doc); err != nil {
			return err
		}
		if bl.ramBytes >= budget {
			if err := b.flush(bl, shard); err != nil {
				return err
			}
			bl = newBuilder(a)
		}
	}
	if ctx.Err() != nil || bl.numDocs() == 0 {
		return nil
	}
	return b.flush(bl, shard)
}

func (b *build) indexBatch(bl *builder, bt *batch, doc *Document) error {
	if bt.file.kind == kindText {
		*doc = Document{ID: bt.file.name, Contents: string(bt.data)}
		rec, _ := json.Marshal(map[string]string{"id": doc.ID, "contents": doc.Contents})
		doc.Record = rec
		return b.addDoc(bl, doc, bt.seq<<32, bt.file.name, 0)
	}
	data := bt.data
	idx := uint64(0)
	for ln := bt.firstLine; len(data) > 0; ln++ {
		end := bytes.IndexByte(data, '\n')
		var line []byte
		if end < 0 {
			line, data = data, nil
		} else {
			line, data = data[:end], data[end+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := parseRecord(line, &b.opts.Fields, doc, &bl.scratch); err != nil {
			if err := b.recordError(&RecordError{File: bt.file.name, Line: ln, Err: err}); err != nil {
				return err
			}
			continue
		}
		if err := b.addDoc(bl, doc, bt.seq<<32|idx, bt.file.name, ln); err != nil {
			return err
		}
		idx += 1 << 12
	}
	return nil
}

// addDoc indexes doc, or its passages, with ordinal ord.
func (b *build) addDoc(bl *builder, doc *Document, ord uint64, file string, line int) error {
	if b.seenID(doc.ID) {
		return b.recordError(&RecordError{File: file, Line: line, Err: fmt.Errorf("%w %q", ErrDuplicateID, doc.ID)})
	}
	if b.opts.Segment == nil {
		bl.add(doc, ord)
		b.docs.Add(1)
		b.textBytes.Add(int64(len(doc.Contents)))
		return nil
	}
	sg := b.opts.Segment
	parent := doc.ID
	meta := doc.Meta
	contents := doc.Contents
	sg.passages(contents, func(n int, text string) {
		p := Document{ID: sg.passageID(parent, n), Contents: text, Meta: meta}
		p.Record = passageRecord(p.ID, parent, text, meta)
		bl.add(&p, ord+uint64(min(n, 1<<12-1)))
		b.docs.Add(1)
	})
	b.textBytes.Add(int64(len(contents)))
	return nil
}

func (b *build) recordError(e *RecordError) error {
	if b.opts.OnError == Stop {
		return fmt.Errorf("search: %w", e)
	}
	b.skipped.Add(1)
	b.errMu.Lock()
	if len(b.errs) < 100 {
		b.errs = append(b.errs, e)
	}
	b.errMu.Unlock()
	return nil
}

func (b *build) newSegmentName() string {
	b.segMu.Lock()
	defer b.segMu.Unlock()
	b.segSeq++
	gen := 1
	if b.old != nil {
		gen = b.old.Generation + 1
	}
	return fmt.Sprintf("seg-%06d-%06d.fmx", gen, b.segSeq)
}

func (b *build) flush(bl *builder, shard int) error {
	name := b.newSegmentName()
	if err := bl.flush(filepath.Join(b.dir, name)); err != nil {
		return fmt.Errorf("search: write segment %s: %w", name, err)
	}
	b.segMu.Lock()
	b.shards[shard] = append(b.shards[shard], name)
	b.segMu.Unlock()
	b.maybeMerge(shard)
	return nil
}

// commit writes the new commit: the old shards with the new segments
// appended, then removes files no commit refers to.
func (b *build) commit() error {
	c := &commit{Format: FormatVersion, Generation: 1, Analyzer: b.opts.Analyzer,
		Similarity: b.opts.Similarity, K1: b.opts.K1, B: b.opts.B, Fields: b.opts.Fields}
	if b.old != nil {
		c.Generation = b.old.Generation + 1
		c.Similarity, c.K1, c.B = b.old.Similarity, b.old.K1, b.old.B
	}
	c.LuceneNorms = c.Similarity == Lucene4
	for _, segs := range b.shards {
		if len(segs) > 0 {
			c.Shards = append(c.Shards, segs)
		}
	}
	c.NextOrd = b.nextSeq << 32
	if err := writeCommit(b.dir, c); err != nil {
		return fmt.Errorf("search: commit %s: %w", b.dir, err)
	}
	removeOrphans(b.dir, c)
	return nil
}

// cleanup removes the files of a failed run.
func (b *build) cleanup() {
	removeOrphans(b.dir, b.old)
}

// removeOrphans deletes segment and temporary files that c does not list.
func removeOrphans(dir string, c *commit) {
	keep := map[string]bool{}
	if c != nil {
		for _, s := range c.Shards {
			for _, name := range s {
				keep[name] = true
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if keep[n] {
			continue
		}
		if strings.HasSuffix(n, ".fmx") || strings.HasPrefix(n, ".postings-") || strings.HasPrefix(n, ".positions-") || strings.HasPrefix(n, "."+commitFile+".tmp") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}
