package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/ngram"
	"github.com/fmkit/fmkit/search/pii"
)

//go:embed static
var static embed.FS

// Corpus is a BM25 index served under a name.
type Corpus struct {
	Name  string
	Index *search.Index
}

// NgramCorpus is an n-gram index served under a name.
type NgramCorpus struct {
	Name  string
	Index *ngram.Index
}

// Options configure a Server. A nil *Options means the defaults.
type Options struct {
	// NoRedact shows text as stored. By default e-mail addresses, IP
	// addresses, user handles and keys are replaced by PI: tags (see
	// package pii) in everything the server sends.
	NoRedact bool
	// PII adds kinds to redact (phone numbers, identity numbers).
	PII pii.Options
	// Rate is the requests per second each client may make to the API,
	// and Burst how many it may make at once. The default values are 50
	// and 100.
	Rate  float64
	Burst int
	// MaxK is the most hits one search may ask for. The default value is
	// 100.
	MaxK int
	// MaxOffset is the deepest page a search may ask for. The default
	// value is 10000.
	MaxOffset int
	// FlagsFile is the JSONL file where flagged results are kept; without
	// it the flag action is refused.
	FlagsFile string
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Rate <= 0 {
		d.Rate = 50
	}
	if d.Burst <= 0 {
		d.Burst = 100
	}
	if d.MaxK <= 0 {
		d.MaxK = 100
	}
	if d.MaxOffset <= 0 {
		d.MaxOffset = 10000
	}
	return d
}

// Limits on what a request may carry.
const (
	maxURLBytes   = 8 << 10 // the whole query string
	maxQueryBytes = 2 << 10 // one search or count query
	maxBodyBytes  = 8 << 10 // a flag
	maxMatchDocs  = 100     // documents listed for a count
)

// Server serves the search page and its JSON API. A Server is safe for
// concurrent use.
type Server struct {
	opts    Options
	corpora map[string]*search.Index
	ngrams  map[string]*ngram.Index
	order   []corpusInfo
	limit   *limiter
	flags   *flagStore
	mux     *http.ServeMux
}

type corpusInfo struct {
	Name       string            `json:"name"`
	Kind       string            `json:"kind"` // "bm25" or "ngram"
	Docs       int64             `json:"docs"`
	Tokens     int64             `json:"tokens"`
	Similarity search.Similarity `json:"similarity,omitempty"`
	Analyzer   string            `json:"analyzer,omitempty"`
	MetaFields []string          `json:"meta_fields,omitempty"`
	Tokenizer  bool              `json:"tokenizer,omitempty"`
}

// New returns a server for the corpora. Names must be unique across both
// kinds.
func New(corpora []Corpus, ngrams []NgramCorpus, opts *Options) (*Server, error) {
	o := opts.withDefaults()
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) {
		return nil, fmt.Errorf("web: rate %v must be a finite number", o.Rate)
	}
	s := &Server{opts: o, corpora: map[string]*search.Index{}, ngrams: map[string]*ngram.Index{}, limit: newLimiter(o.Rate, o.Burst)}
	seen := map[string]bool{}
	for _, c := range corpora {
		if c.Name == "" || seen[c.Name] {
			return nil, fmt.Errorf("web: corpus name %q is empty or used twice", c.Name)
		}
		seen[c.Name] = true
		s.corpora[c.Name] = c.Index
		st := c.Index.Stats()
		s.order = append(s.order, corpusInfo{Name: c.Name, Kind: "bm25", Docs: int64(st.Docs), Tokens: int64(st.Tokens),
			Similarity: st.Similarity, Analyzer: st.Analyzer, MetaFields: st.MetaFields})
	}
	for _, c := range ngrams {
		if c.Name == "" || seen[c.Name] {
			return nil, fmt.Errorf("web: corpus name %q is empty or used twice", c.Name)
		}
		seen[c.Name] = true
		s.ngrams[c.Name] = c.Index
		st := c.Index.Stats()
		s.order = append(s.order, corpusInfo{Name: c.Name, Kind: "ngram", Docs: st.Docs, Tokens: st.Tokens, Tokenizer: c.Index.Tokenizer() != nil})
	}
	if len(s.order) == 0 {
		return nil, errors.New("web: no corpus to serve")
	}
	flags, err := openFlags(o.FlagsFile)
	if err != nil {
		return nil, err
	}
	s.flags = flags
	sub, _ := fs.Sub(static, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(sub))
	mux.HandleFunc("GET /api/corpora", s.api(s.handleCorpora))
	mux.HandleFunc("GET /api/search", s.api(s.handleSearch))
	mux.HandleFunc("GET /api/doc", s.api(s.handleDoc))
	mux.HandleFunc("GET /api/count", s.api(s.handleCount))
	mux.HandleFunc("POST /api/flag", s.api(s.handleFlag))
	s.mux = mux
	return s, nil
}

// ServeHTTP serves the page (its assets are embedded; it fetches nothing
// from elsewhere, which its Content-Security-Policy enforces) and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if len(r.URL.RawQuery) > maxURLBytes {
		writeError(w, http.StatusRequestURITooLong, fmt.Errorf("web: query string of %d bytes, the limit is %d", len(r.URL.RawQuery), maxURLBytes))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Flags returns the flags stored so far.
func (s *Server) Flags() []Flag { return s.flags.list() }

// httpError is an error with the status it answers.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func badRequest(format string, a ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Errorf("web: "+format, a...)}
}

// api wraps a JSON handler with rate limiting and error replies.
func (s *Server) api(h func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limit.allow(clientOf(r)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, fmt.Errorf("web: too many requests; retry in %.1fs", wait.Seconds()))
			return
		}
		v, err := h(r)
		if err != nil {
			status := http.StatusInternalServerError
			var he *httpError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &he):
				status = he.status
			case errors.As(err, &mbe):
				status = http.StatusRequestEntityTooLarge
			case errors.Is(err, search.ErrNotFound), errors.Is(err, search.ErrNotPassage):
				status = http.StatusNotFound
			}
			writeError(w, status, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// clientOf names the client for rate limiting: its IP address.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// param reads a query parameter, bounded in length and valid UTF-8.
func param(r *http.Request, name string, required bool) (string, error) {
	v := r.URL.Query().Get(name)
	switch {
	case v == "" && required:
		return "", badRequest("missing parameter %q", name)
	case len(v) > maxQueryBytes:
		return "", badRequest("parameter %q has %d bytes, the limit is %d", name, len(v), maxQueryBytes)
	case !utf8.ValidString(v):
		return "", badRequest("parameter %q is not valid UTF-8", name)
	}
	return v, nil
}

// intParam reads an integer parameter in [lo, hi], def when absent.
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("parameter %q is %q, want an integer in [%d, %d]", name, v, lo, hi)
	}
	return n, nil
}

func (s *Server) handleCorpora(*http.Request) (any, error) {
	return map[string]any{"corpora": s.order, "redact": !s.opts.NoRedact}, nil
}

func (s *Server) bm25(r *http.Request) (*search.Index, string, error) {
	name, err := param(r, "corpus", true)
	if err != nil {
		return nil, "", err
	}
	ix, ok := s.corpora[name]
	if !ok {
		if _, ok := s.ngrams[name]; ok {
			return nil, "", badRequest("corpus %q is an n-gram index: use /api/count", name)
		}
		return nil, "", &httpError{http.StatusNotFound, fmt.Errorf("web: unknown corpus %q", name)}
	}
	return ix, name, nil
}

// searchReply is the answer of /api/search.
type searchReply struct {
	Corpus     string    `json:"corpus"`
	Query      string    `json:"query"`
	Total      int64     `json:"total"`
	TotalExact bool      `json:"total_exact"`
	Offset     int       `json:"offset"`
	K          int       `json:"k"`
	TookMS     float64   `json:"took_ms"`
	Hits       []hitView `json:"hits"`
}

type hitView struct {
	Rank    int               `json:"rank"`
	ID      string            `json:"id"`
	Score   float32           `json:"score"`
	Snippet []Part            `json:"snippet"`
	Meta    map[string]string `json:"meta,omitempty"`
	Passage bool              `json:"passage,omitempty"`
}

func (s *Server) handleSearch(r *http.Request) (any, error) {
	ix, name, err := s.bm25(r)
	if err != nil {
		return nil, err
	}
	q, err := param(r, "q", true)
	if err != nil {
		return nil, err
	}
	k, err := intParam(r, "k", 10, 1, s.opts.MaxK)
	if err != nil {
		return nil, err
	}
	offset, err := intParam(r, "offset", 0, 0, s.opts.MaxOffset)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := ix.Search(r.Context(), q, &search.SearchOptions{K: k, Offset: offset, Snippets: true, SnippetParts: true})
	if err != nil {
		var se *search.SyntaxError
		if errors.As(err, &se) {
			return nil, &httpError{http.StatusBadRequest, err}
		}
		return nil, err
	}
	out := searchReply{Corpus: name, Query: q, Total: res.Total, TotalExact: res.TotalExact, Offset: offset, K: k, Hits: []hitView{}}
	for i, h := range res.Hits {
		out.Hits = append(out.Hits, hitView{Rank: offset + i + 1, ID: h.ID, Score: h.Score,
			Snippet: s.redactParts(h.Parts), Meta: s.metaView(h.Meta), Passage: strings.Contains(h.ID, "?seg=para_")})
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// metaView turns stored meta into strings for display, redacted.
func (s *Server) metaView(raw json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var str string
		switch v := v.(type) {
		case string:
			str = v
		default:
			b, _ := json.Marshal(v)
			str = string(b)
		}
		out[k] = s.redactString(str)
	}
	return out
}

// record is a stored document as the page shows it.
type record struct {
	ID       string            `json:"id"`
	Contents []Part            `json:"contents"`
	Meta     map[string]string `json:"meta,omitempty"`
	Parent   string            `json:"parent,omitempty"`
	Current  bool              `json:"current,omitempty"`
}

func (s *Server) handleDoc(r *http.Request) (any, error) {
	ix, _, err := s.bm25(r)
	if err != nil {
		return nil, err
	}
	id, err := param(r, "id", true)
	if err != nil {
		return nil, err
	}
	q, err := param(r, "q", false)
	if err != nil {
		return nil, err
	}
	if r.URL.Query().Get("parent") != "" {
		parent, recs, err := ix.Passages(id)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"parent": parent}
		var passages []record
		for _, raw := range recs {
			rec, err := s.record(ix, raw, q)
			if err != nil {
				return nil, err
			}
			rec.Current = rec.ID == id
			passages = append(passages, rec)
		}
		out["passages"] = passages
		return out, nil
	}
	raw, err := ix.Doc(id)
	if err != nil {
		return nil, err
	}
	return s.record(ix, raw, q)
}

// record decodes a stored record, highlights q's terms and redacts it.
func (s *Server) record(ix *search.Index, raw []byte, q string) (record, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return record{}, fmt.Errorf("web: stored record: %w", err)
	}
	f := ix.Fields()
	var rec record
	json.Unmarshal(fields[f.ID], &rec.ID)
	var text string
	json.Unmarshal(fields[f.Contents], &text)
	json.Unmarshal(fields["parent"], &rec.Parent)
	rec.Meta = s.metaView(fields[f.Meta])
	parts := []search.SnippetPart{{Text: text}}
	if strings.TrimSpace(q) != "" {
		if hl, err := ix.Highlight(text, q); err == nil {
			parts = hl
		}
	}
	rec.Contents = s.redactParts(parts)
	return rec, nil
}

// countReply is the answer of /api/count.
type countReply struct {
	Corpus string         `json:"corpus"`
	Query  string         `json:"query"`
	Tokens []uint32       `json:"tokens"`
	Count  uint64         `json:"count"`
	TookMS float64        `json:"took_ms"`
	Next   []nextView     `json:"next,omitempty"`
	Docs   []matchView    `json:"docs,omitempty"`
	Long   *ngram.Longest `json:"longest,omitempty"`
}

type nextView struct {
	Token uint32 `json:"token"`
	Text  string `json:"text"`
	Count uint64 `json:"count"`
}

type matchView struct {
	ID      string `json:"id"`
	Offset  int64  `json:"offset"`
	Context []Part `json:"context"`
}

func (s *Server) handleCount(r *http.Request) (any, error) {
	name, err := param(r, "corpus", true)
	if err != nil {
		return nil, err
	}
	ix, ok := s.ngrams[name]
	if !ok {
		if _, ok := s.corpora[name]; ok {
			return nil, badRequest("corpus %q is a BM25 index: use /api/search", name)
		}
		return nil, &httpError{http.StatusNotFound, fmt.Errorf("web: unknown corpus %q", name)}
	}
	q, err := param(r, "q", true)
	if err != nil {
		return nil, err
	}
	docs, err := intParam(r, "docs", 0, 0, maxMatchDocs)
	if err != nil {
		return nil, err
	}
	next, err := intParam(r, "next", 0, 0, 100)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	toks, err := ix.Query(q)
	if err != nil {
		return nil, &httpError{http.StatusBadRequest, err}
	}
	out := countReply{Corpus: name, Query: q, Tokens: toks}
	ms, n, err := ix.Matches(toks, docs)
	if err != nil {
		return nil, &httpError{http.StatusBadRequest, err}
	}
	out.Count = n
	for _, m := range ms {
		out.Docs = append(out.Docs, matchView{ID: m.ID, Offset: m.Offset, Context: s.matchContext(ix, m, len(toks))})
	}
	if next > 0 {
		nt, err := ix.Next(toks, next)
		if err != nil {
			return nil, err
		}
		for _, tc := range nt.Tokens {
			out.Next = append(out.Next, nextView{Token: tc.Token, Text: s.redactString(ix.Decode([]uint32{tc.Token})), Count: tc.Count})
		}
	}
	if n == 0 && len(toks) > 0 {
		l, err := ix.Longest(toks)
		if err == nil {
			out.Long = &l
		}
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// matchContext shows a match with 12 tokens on either side.
func (s *Server) matchContext(ix *ngram.Index, m ngram.Match, n int) []Part {
	before, _ := ix.DocTokens(m.Doc, m.Offset-12, m.Offset)
	match, _ := ix.DocTokens(m.Doc, m.Offset, m.Offset+int64(n))
	after, _ := ix.DocTokens(m.Doc, m.Offset+int64(n), m.Offset+int64(n)+12)
	return s.redactParts([]search.SnippetPart{{Text: ix.Decode(before)}, {Text: ix.Decode(match), Match: true}, {Text: ix.Decode(after)}})
}

// flagRequest is the body of /api/flag.
type flagRequest struct {
	Corpus string `json:"corpus"`
	ID     string `json:"id"`
	Query  string `json:"query"`
	Reason string `json:"reason"`
}

func (s *Server) handleFlag(r *http.Request) (any, error) {
	var fr flagRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fr); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, badRequest("flag: want a JSON object {corpus, id, query, reason}: %v", err)
	}
	ix, bm := s.corpora[fr.Corpus]
	_, ng := s.ngrams[fr.Corpus]
	switch {
	case !bm && !ng:
		return nil, badRequest("flag: unknown corpus %q", fr.Corpus)
	case fr.ID == "":
		return nil, badRequest("flag: missing id")
	case len(fr.ID) > maxQueryBytes || len(fr.Query) > maxQueryBytes || len(fr.Reason) > maxQueryBytes:
		return nil, badRequest("flag: fields are limited to %d bytes", maxQueryBytes)
	}
	// A BM25 corpus can say whether the document exists, so that the
	// file holds only flags of real results.
	if bm {
		if _, err := ix.Doc(fr.ID); err != nil {
			return nil, fmt.Errorf("web: flag: %w", err)
		}
	}
	n, err := s.flags.add(Flag{Time: time.Now().UTC(), Corpus: fr.Corpus, ID: fr.ID, Query: fr.Query, Reason: fr.Reason})
	if err != nil {
		return nil, &httpError{http.StatusServiceUnavailable, err}
	}
	return map[string]any{"ok": true, "flags": n}, nil
}
