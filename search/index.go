package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/search/analysis"
)

// FormatVersion is the version of the index layout this package writes.
// Open rejects an index with a larger version.
const FormatVersion = 1

const commitFile = "commit.json"

// commit is the content of commit.json, the index's single source of
// truth: an index is exactly the segments its commit lists.
type commit struct {
	Format     int        `json:"format"`
	Generation int        `json:"generation"`
	Analyzer   string     `json:"analyzer"`
	Similarity Similarity `json:"similarity,omitempty"`
	// LuceneNorms is what commits before similarities recorded: true for
	// lucene4, false for exact. It is still written, for older readers.
	LuceneNorms bool       `json:"lucene_norms"`
	K1          float32    `json:"k1"`
	B           float32    `json:"b"`
	NextOrd     uint64     `json:"next_ordinal"`
	Fields      Fields     `json:"fields"`
	Shards      [][]string `json:"shards"`
}

func readCommit(dir string) (*commit, error) {
	data, err := os.ReadFile(filepath.Join(dir, commitFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no %s: %w", ErrNotIndex, dir, commitFile, fs.ErrNotExist)
		}
		return nil, err
	}
	var c commit
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("search: %s: %w: %v", filepath.Join(dir, commitFile), ErrCorrupt, err)
	}
	if c.Format > FormatVersion {
		return nil, fmt.Errorf("search: index %s has format version %d, this fmkit reads up to %d: %w", dir, c.Format, FormatVersion, ErrNewerFormat)
	}
	if c.Format < 1 {
		return nil, fmt.Errorf("search: %s: %w: format version %d", filepath.Join(dir, commitFile), ErrCorrupt, c.Format)
	}
	switch {
	case c.Similarity == "" && c.LuceneNorms:
		c.Similarity = Lucene4
	case c.Similarity == "":
		c.Similarity = Exact
	}
	if _, err := ParseSimilarity(string(c.Similarity)); err != nil {
		return nil, fmt.Errorf("search: %s: %w: %v", filepath.Join(dir, commitFile), ErrCorrupt, err)
	}
	return &c, nil
}

// writeCommit replaces commit.json atomically and durably: the commit is
// the one write that publishes new segments, so a crash leaves either the
// old commit (and its segments) or the new one.
func writeCommit(dir string, c *commit) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, commitFile), append(data, '\n'))
}

// Index is an open, read-only index: shards of memory-mapped segments
// searched in parallel, with BM25 statistics over the whole corpus. An
// Index is safe for concurrent use.
type Index struct {
	dir      string
	commit   *commit
	shards   [][]*segment
	analyzer analysis.Analyzer
	docs     uint64
	sumTF    uint64

	normCache sync.Map // normKey -> *normTable

	// withTerms counts the documents with at least one term, Lucene 8's
	// N; computed on first use.
	withTerms func() uint64
}

// similarity returns the index's default similarity.
func (ix *Index) similarity() Similarity { return ix.commit.Similarity }

// docsWithTerms returns the number of documents that hold at least one
// term (Lucene's docCount of the field).
func (ix *Index) docsWithTerms() uint64 { return ix.withTerms() }

func (ix *Index) countDocsWithTerms() uint64 {
	var n uint64
	for _, segs := range ix.shards {
		for _, s := range segs {
			for d := uint32(0); d < s.ft.Docs; d++ {
				if s.docLen(d) > 0 {
					n++
				}
			}
		}
	}
	return n
}

// Open opens the index in dir.
func Open(dir string) (*Index, error) {
	c, err := readCommit(dir)
	if err != nil {
		return nil, err
	}
	a, err := analysis.New(c.Analyzer)
	if err != nil {
		return nil, fmt.Errorf("search: index %s: %w", dir, err)
	}
	ix := &Index{dir: dir, commit: c, analyzer: a}
	ix.withTerms = sync.OnceValue(ix.countDocsWithTerms)
	for _, names := range c.Shards {
		var segs []*segment
		for _, name := range names {
			s, err := openSegment(filepath.Join(dir, name))
			if err != nil {
				ix.Close()
				for _, s := range segs {
					s.close()
				}
				return nil, err
			}
			segs = append(segs, s)
			ix.docs += uint64(s.ft.Docs)
			ix.sumTF += s.ft.SumTermFreq
		}
		ix.shards = append(ix.shards, segs)
	}
	return ix, nil
}

// Close unmaps the index's files.
func (ix *Index) Close() error {
	var first error
	for _, segs := range ix.shards {
		for _, s := range segs {
			if err := s.close(); err != nil && first == nil {
				first = err
			}
		}
	}
	ix.shards = nil
	return first
}

// Stats describes an index.
type Stats struct {
	Dir        string     `json:"dir"`
	Format     int        `json:"format"`
	Generation int        `json:"generation"`
	Analyzer   string     `json:"analyzer"`
	Similarity Similarity `json:"similarity"`
	K1         float32    `json:"k1"`
	B          float32    `json:"b"`
	Docs       uint64     `json:"docs"`
	Tokens     uint64     `json:"tokens"`
	AvgDocLen  float64    `json:"avg_doc_len"`
	Terms      uint64     `json:"terms"` // summed over segments
	Shards     int        `json:"shards"`
	Segments   int        `json:"segments"`
	Bytes      int64      `json:"bytes"`
	MetaFields []string   `json:"meta_fields"`
}

// Stats returns the index's statistics.
func (ix *Index) Stats() Stats {
	c := ix.commit
	st := Stats{Dir: ix.dir, Format: c.Format, Generation: c.Generation, Analyzer: c.Analyzer,
		Similarity: c.Similarity, K1: c.K1, B: c.B, Docs: ix.docs, Tokens: ix.sumTF, Shards: len(ix.shards)}
	if ix.docs > 0 {
		st.AvgDocLen = float64(ix.sumTF) / float64(ix.docs)
	}
	seen := map[string]bool{}
	for _, segs := range ix.shards {
		for _, s := range segs {
			st.Segments++
			st.Terms += uint64(s.ft.NumTerms)
			st.Bytes += int64(len(s.data))
			for name := range s.fields {
				if len(name) > len(metaPrefix) && name[:len(metaPrefix)] == metaPrefix && !seen[name] {
					seen[name] = true
					st.MetaFields = append(st.MetaFields, name)
				}
			}
		}
	}
	slices.Sort(st.MetaFields)
	return st
}

// Verify checks every segment's checksum.
func (ix *Index) Verify() error {
	for _, segs := range ix.shards {
		for _, s := range segs {
			if err := s.verify(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrNotIndex is returned (wrapped, with fs.ErrNotExist) when a directory
// holds no index.
var ErrNotIndex = errors.New("search: not an index")

// ErrNotFound is returned by Doc for an id the index does not hold.
var ErrNotFound = errors.New("search: document not found")

// Doc returns the stored record of the document with the given id.
func (ix *Index) Doc(id string) (rec []byte, err error) {
	defer recoverCorrupt(&err)
	for _, segs := range ix.shards {
		for _, s := range segs {
			if docs := s.lookupValue(idField, id); len(docs) > 0 {
				return s.record(docs[0])
			}
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// ErrNotPassage is returned by Passages for an id that names no passage.
var ErrNotPassage = errors.New("search: not a passage id")

// maxPassages bounds Passages, so that a request cannot walk a huge
// document.
const maxPassages = 10000

// Passages returns the parent document's id of passage id (see
// Options.Segment) and the stored records of all its passages, in order.
func (ix *Index) Passages(id string) (parent string, recs [][]byte, err error) {
	i := strings.LastIndex(id, "?seg=para_")
	if i < 0 {
		return "", nil, fmt.Errorf("%w: %q", ErrNotPassage, id)
	}
	params, _, ok := strings.Cut(id[i+1:], "&seg_id=")
	if !ok {
		return "", nil, fmt.Errorf("%w: %q", ErrNotPassage, id)
	}
	parent = id[:i]
	for n := 0; n < maxPassages; n++ {
		rec, err := ix.Doc(fmt.Sprintf("%s?%s&seg_id=%d", parent, params, n))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return "", nil, err
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return "", nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return parent, recs, nil
}
