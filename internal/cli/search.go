package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/analysis"
)

func newSearchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Index corpora and search them with Lucene-exact BM25",
		Long: `Index JSONL, Parquet or plain-text corpora and search them with BM25,
phrases and boolean queries. Scores equal Lucene 8's (and so Pyserini's) by
default, Lucene 4.10's with --similarity lucene4.`,
	}
	cmd.AddCommand(newSearchIndexCmd(), newSearchQueryCmd(), newSearchStatsCmd(), newSearchDocCmd(), newSearchNgramCmd(), newSearchServeCmd())
	return cmd
}

func newSearchIndexCmd() *cobra.Command {
	var (
		inputs      []string
		dir         string
		analyzer    string
		segment     string
		threads     int
		ramMB       int
		onError     string
		luceneNorms bool
		similarity  string
		k1, b       float32
		idField     string
		textField   string
		metaField   string
		noMerge     bool
		asJSON      bool
		quiet       bool
		collection  string
		generator   string
		pyserini    [3]bool
	)
	cmd := &cobra.Command{
		Use:   "index --input PATH... --index DIR",
		Short: "Index JSONL/Parquet/text files into an index directory (creating or adding to it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(inputs) == 0 {
				return errors.New("search index: --input is required")
			}
			if dir == "" {
				return errors.New("search index: --index is required")
			}
			if err := checkCollection(collection, generator); err != nil {
				return err
			}
			sim, err := search.ParseSimilarity(similarity)
			if err != nil {
				return err
			}
			if luceneNorms {
				if cmd.Flags().Changed("similarity") && sim != search.Lucene4 {
					return fmt.Errorf("search index: --lucene-norms (an alias of --similarity lucene4) contradicts --similarity %s", sim)
				}
				sim = search.Lucene4
			}
			opts := &search.Options{
				Analyzer: analyzer, Threads: threads, RAMBufferBytes: int64(ramMB) << 20,
				Similarity: sim, K1: k1, B: b, NoFinalMerge: noMerge,
				Fields: search.Fields{ID: idField, Contents: textField, Meta: metaField},
			}
			switch onError {
			case "stop":
				opts.OnError = search.Stop
			case "skip":
				opts.OnError = search.Skip
			default:
				return fmt.Errorf("search index: --on-error %q: want skip or stop", onError)
			}
			if segment != "" {
				sg, err := search.ParseSegmenting(segment)
				if err != nil {
					return err
				}
				opts.Segment = sg
			}
			errw := cmd.ErrOrStderr()
			showBar := !quiet && isTerminal(errw)
			if showBar {
				opts.Progress = func(p search.Progress) { renderIndexProgress(errw, p) }
			}
			opts.Datasets = &data.Loader{Hub: hub.FromEnvironment()}
			res, err := search.Build(cmd.Context(), dir, inputs, opts)
			if showBar {
				fmt.Fprintln(errw)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(indexSummary(dir, res))
			}
			fmt.Fprintf(w, "indexed %d documents (%.1f MB of text) into %s in %.1fs: %.1f MB/s\n",
				res.Docs, float64(res.TextBytes)/1e6, dir, res.Elapsed.Seconds(), res.MBPerSecond())
			if res.Skipped > 0 {
				fmt.Fprintf(w, "skipped %d bad records; first ones:\n", res.Skipped)
				for _, e := range res.Errors[:min(len(res.Errors), 10)] {
					fmt.Fprintf(w, "  %v\n", e)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&inputs, "input", nil, "input file or directory (repeatable; .jsonl, .json, .parquet, .txt, optionally .gz or .zst), or hf:ORG/NAME[/CONFIG][:SPLIT] for a Hugging Face dataset")
	f.StringVar(&dir, "index", "", "index directory")
	f.StringVar(&analyzer, "analyzer", "english", "analyzer: "+analysis.NamesText())
	f.StringVar(&segment, "segment", "", "index passages of SIZE whitespace tokens overlapping by OVERLAP, as SIZE:OVERLAP (e.g. 256:16)")
	f.IntVar(&threads, "threads", 0, "indexing threads and shards (0: GOMAXPROCS)")
	f.IntVar(&ramMB, "ram-mb", 256, "RAM buffer for in-memory segments, in MiB")
	f.StringVar(&onError, "on-error", "stop", "bad records: skip or stop")
	f.StringVar(&similarity, "similarity", string(search.Lucene8), "default BM25 variant: lucene8 (Lucene >= 8, Pyserini), lucene4 (Lucene 4.10) or exact (Lucene 4's formula, exact lengths)")
	f.BoolVar(&luceneNorms, "lucene-norms", false, "alias of --similarity lucene4")
	floatVar(f, &k1, "k1", 0.9, "default BM25 k1 for searches")
	floatVar(f, &b, "b", 0.4, "default BM25 b for searches")
	f.StringVar(&idField, "id-field", "id", "JSON field with the document id")
	f.StringVar(&textField, "contents-field", "contents", "JSON field with the text")
	f.StringVar(&metaField, "meta-field", "meta", "JSON object field with exact-match metadata")
	f.BoolVar(&noMerge, "no-final-merge", false, "leave several segments per shard (faster indexing, slower queries)")
	f.BoolVar(&asJSON, "json", false, "print a JSON summary")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	f.StringVar(&collection, "collection", "", "Pyserini's collection class: JsonCollection (the default input)")
	// Pyserini's index flags: fmkit always stores positions and records,
	// and has no query expansion to keep document vectors for.
	f.StringVar(&generator, "generator", "", "Pyserini's generator: DefaultLuceneDocumentGenerator")
	f.BoolVar(&pyserini[0], "storePositions", false, "Pyserini's flag; positions are always stored")
	f.BoolVar(&pyserini[1], "storeDocvectors", false, "Pyserini's flag; no effect")
	f.BoolVar(&pyserini[2], "storeRaw", false, "Pyserini's flag; records are always stored")
	for _, name := range []string{"generator", "storePositions", "storeDocvectors", "storeRaw"} {
		f.MarkHidden(name)
	}
	return cmd
}

func indexSummary(dir string, res *search.Result) map[string]any {
	errs := make([]string, len(res.Errors))
	for i, e := range res.Errors {
		errs[i] = e.Error()
	}
	return map[string]any{
		"index": dir, "docs": res.Docs, "text_bytes": res.TextBytes, "skipped": res.Skipped,
		"seconds": res.Elapsed.Seconds(), "mb_per_s": res.MBPerSecond(), "errors": errs,
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func renderIndexProgress(w io.Writer, p search.Progress) {
	frac := 0.0
	if p.BytesTotal > 0 {
		frac = min(1, float64(p.BytesRead)/float64(p.BytesTotal))
	}
	const width = 30
	n := int(frac * width)
	bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
	fmt.Fprintf(w, "\r%s %5.1f%% %9d docs %7.1f MB/s %3d segments", bar, 100*frac, p.Docs, p.MBPerSecond(), p.Segments)
	if p.Skipped > 0 {
		fmt.Fprintf(w, " %d skipped", p.Skipped)
	}
}

// queryOutput is one query's JSON line.
type queryOutput struct {
	Query      string       `json:"query,omitempty"`
	Hits       []search.Hit `json:"hits"`
	Total      int64        `json:"total"`
	TotalExact bool         `json:"total_exact"`
	TookMS     float64      `json:"took_ms"`
	Error      string       `json:"error,omitempty"`
}

func newSearchQueryCmd() *cobra.Command {
	var (
		dir        string
		k, offset  int
		asJSON     bool
		queries    string
		k1, b      float32
		noSnippet  bool
		noMeta     bool
		exact      bool
		sim        string
		maxClauses int
		topics     string
		output     string
		runTag     string
		bm25       bool
	)
	cmd := &cobra.Command{
		Use:   "query --index DIR [QUERY]",
		Short: "Search an index (one query, or one per line of --queries FILE)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errors.New("search query: --index is required")
			}
			if n := len(args) + min(len(queries), 1) + min(len(topics), 1); n != 1 {
				return errors.New("search query: give one of a QUERY argument, --queries FILE or --topics FILE")
			}
			if (topics != "") != (output != "") {
				return &usageError{"search query: --topics and --output go together (a TSV topics file in, a TREC run out)"}
			}
			if queries != "" && looksLikeTopics(queries) {
				return errTopicsAsQueries(queries)
			}
			if topics != "" && !cmd.Flags().Changed("k") {
				k = 1000 // Pyserini's --hits default, the depth of TREC runs
			}
			ix, err := search.Open(dir)
			if err != nil {
				return err
			}
			defer ix.Close()
			if k <= 0 {
				return fmt.Errorf("search query: -k %d: expected a positive number of hits", k)
			}
			opts := &search.SearchOptions{K: k, Offset: offset, Snippets: !noSnippet, NoMeta: noMeta, ExactTotal: exact, MaxClauses: maxClauses}
			if sim != "" {
				if opts.Similarity, err = search.ParseSimilarity(sim); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("k1") || cmd.Flags().Changed("b") {
				st := ix.Stats()
				p := search.BM25{K1: st.K1, B: st.B}
				if cmd.Flags().Changed("k1") {
					p.K1 = k1
				}
				if cmd.Flags().Changed("b") {
					p.B = b
				}
				opts.BM25 = &p
			}
			w := cmd.OutOrStdout()
			if topics != "" {
				ts, err := readTopics(topics)
				if err != nil {
					return err
				}
				return writeRun(cmd, ix, ts, opts, output, runTag)
			}
			if queries == "" {
				res, err := ix.Search(cmd.Context(), args[0], opts)
				if err != nil {
					return err
				}
				out := queryOutput{Hits: res.Hits, Total: res.Total, TotalExact: res.TotalExact, TookMS: ms(res.Took)}
				if asJSON {
					return newJSONEncoder(w).Encode(out)
				}
				printHits(w, out)
				return nil
			}
			return runQueryFile(cmd, ix, queries, opts, w)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "index", "", "index directory")
	f.IntVarP(&k, "k", "k", 10, "number of hits (Pyserini's --hits; 1000 with --topics)")
	f.IntVar(&offset, "offset", 0, "skip this many hits (pagination)")
	f.BoolVar(&asJSON, "json", false, "print JSON: hits [{id, score, snippet, meta}], total, took_ms")
	f.StringVar(&queries, "queries", "", "file with one query per line; prints one JSON object per line")
	f.StringVar(&topics, "topics", "", "TSV topics file (qid<TAB>query per line, as Pyserini's); needs --output")
	f.StringVar(&output, "output", "", "TREC run file for --topics: qid Q0 docid rank score tag")
	f.StringVar(&runTag, "run-tag", "Anserini", "tag in the last column of the TREC run")
	f.BoolVar(&bm25, "bm25", false, "Pyserini's flag; BM25 is fmkit's ranking")
	f.MarkHidden("bm25")
	f.SetNormalizeFunc(searchQueryNormalize)
	floatVar(f, &k1, "k1", 0, "BM25 k1 (default: the index's)")
	floatVar(f, &b, "b", 0, "BM25 b (default: the index's)")
	f.BoolVar(&noSnippet, "no-snippets", false, "leave snippets out")
	f.BoolVar(&exact, "exact-total", false, "count every match (by default, disjunctions count the first 1000 exactly, then prune)")
	f.BoolVar(&noMeta, "no-meta", false, "leave meta out (with --no-snippets, results need no stored records)")
	f.StringVar(&sim, "similarity", "", "BM25 variant for this search: "+search.SimilaritiesText()+" (default: the index's)")
	f.IntVar(&maxClauses, "max-clauses", search.DefaultMaxClauses, "most terms, phrases and field matches in one query (Lucene's maxClauseCount)")
	return cmd
}

// maxQueryLine bounds a line of --queries: a longer line is reported as
// that query's error and skipped, without holding it in memory.
const maxQueryLine = 1 << 20

// readQueryLine reads the next line of r (without its newline), keeping at
// most maxQueryLine bytes; tooLong says the line was longer.
func readQueryLine(r *bufio.Reader) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(b)+len(chunk) <= maxQueryLine {
			b = append(b, chunk...)
		} else {
			tooLong = true
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && (len(b) > 0 || tooLong) && errors.Is(err, io.EOF):
			return strings.TrimRight(string(b), "\r\n"), tooLong, nil
		case err != nil:
			return "", false, err
		}
		return strings.TrimRight(string(b), "\r\n"), tooLong, nil
	}
}

func runQueryFile(cmd *cobra.Command, ix *search.Index, path string, opts *search.SearchOptions, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("search query: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	enc := newJSONEncoder(bw)
	br := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		q, tooLong, err := readQueryLine(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("search query: %s: %w", path, err)
		}
		if strings.TrimSpace(q) == "" && !tooLong {
			continue
		}
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		start := time.Now()
		out := queryOutput{Query: q, Hits: []search.Hit{}}
		if tooLong {
			out.Query = ""
			out.Error = fmt.Sprintf("%s:%d: the query is longer than %d bytes", path, n, maxQueryLine)
		} else if res, err := ix.Search(cmd.Context(), q, opts); err != nil {
			out.Error = err.Error()
		} else {
			out.Hits, out.Total, out.TotalExact = res.Hits, res.Total, res.TotalExact
		}
		out.TookMS = ms(time.Since(start))
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func printHits(w io.Writer, out queryOutput) {
	more := ""
	if !out.TotalExact {
		more = "+"
	}
	fmt.Fprintf(w, "%d%s hits in %.2f ms\n", out.Total, more, out.TookMS)
	bold := isTerminal(w)
	for i, h := range out.Hits {
		fmt.Fprintf(w, "%3d  %9.4f  %s\n", i+1, h.Score, h.ID)
		if h.Snippet != "" {
			s := h.Snippet
			if bold {
				s = strings.NewReplacer("<b>", "\x1b[1m", "</b>", "\x1b[0m").Replace(s)
			} else {
				s = strings.NewReplacer("<b>", "[", "</b>", "]").Replace(s)
			}
			fmt.Fprintf(w, "     %s\n", s)
		}
	}
}

func newSearchStatsCmd() *cobra.Command {
	var (
		dir    string
		asJSON bool
		verify bool
	)
	cmd := &cobra.Command{
		Use:   "stats --index DIR",
		Short: "Describe an index: documents, terms, shards, segments, size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("search stats: --index is required")
			}
			ix, err := search.Open(dir)
			if err != nil {
				return err
			}
			defer ix.Close()
			if verify {
				if err := ix.Verify(); err != nil {
					return err
				}
			}
			st := ix.Stats()
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(st)
			}
			rows := [][2]string{
				{"index", st.Dir}, {"format", fmt.Sprint(st.Format)}, {"generation", fmt.Sprint(st.Generation)},
				{"analyzer", st.Analyzer}, {"similarity", string(st.Similarity)},
				{"bm25", fmt.Sprintf("k1=%g b=%g", st.K1, st.B)}, {"documents", fmt.Sprint(st.Docs)},
				{"tokens", fmt.Sprint(st.Tokens)}, {"avg doc length", fmt.Sprintf("%.1f", st.AvgDocLen)},
				{"terms (all segments)", fmt.Sprint(st.Terms)}, {"shards", fmt.Sprint(st.Shards)},
				{"segments", fmt.Sprint(st.Segments)}, {"size", fmt.Sprintf("%.1f MB", float64(st.Bytes)/1e6)},
				{"meta fields", strings.Join(st.MetaFields, ", ")},
			}
			for _, r := range rows {
				fmt.Fprintf(w, "%-22s %s\n", r[0], r[1])
			}
			if verify {
				fmt.Fprintf(w, "%-22s %s\n", "checksums", "ok")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "index", "", "index directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&verify, "verify", false, "check every segment's checksum")
	return cmd
}

func newSearchDocCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "doc --index DIR ID",
		Short: "Print the stored record of a document",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errors.New("search doc: --index is required")
			}
			ix, err := search.Open(dir)
			if err != nil {
				return err
			}
			defer ix.Close()
			rec, err := ix.Doc(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			_, err = fmt.Fprintf(w, "%s\n", rec)
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "index", "", "index directory")
	return cmd
}
