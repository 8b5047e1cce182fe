package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/search/ngram"
)

func newSearchNgramCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ngram",
		Short: "Exact n-gram counts over tokenized corpora (a suffix array, as infini-gram)",
		Long: `ngram builds a suffix array over a corpus tokenized with any tokenizer.json
and counts n-grams exactly: occurrences, the distribution of the next token,
the longest suffix of a query that occurs (the ∞-gram context), and the
documents that contain a match. Queries are text (tokenized with the index's
tokenizer, without special tokens) or JSON arrays of token ids.`,
	}
	cmd.AddCommand(newNgramBuildCmd(), newNgramCountCmd(), newNgramNextCmd(), newNgramLongestCmd(), newNgramStatsCmd())
	return cmd
}

func newNgramBuildCmd() *cobra.Command {
	var (
		inputs            []string
		field, idField    string
		tokPath, out      string
		memMB, threads    int
		overwrite, asJSON bool
		quiet             bool
	)
	cmd := &cobra.Command{
		Use:   "build --input FILE.jsonl --tokenizer tokenizer.json --out DIR",
		Short: "Tokenize JSONL documents and build a suffix-array index (out of core)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case len(inputs) == 0:
				return errors.New("search ngram build: --input is required")
			case tokPath == "":
				return errors.New("search ngram build: --tokenizer is required")
			case out == "":
				return errors.New("search ngram build: --out is required")
			case memMB < 0:
				return fmt.Errorf("search ngram build: --memory-mb %d must be >= 0", memMB)
			case threads < 0:
				return fmt.Errorf("search ngram build: --threads %d must be >= 0", threads)
			}
			opts := &ngram.Options{MemoryBytes: int64(memMB) << 20, Threads: threads, Overwrite: overwrite}
			errw := cmd.ErrOrStderr()
			bar := !quiet && isTerminal(errw)
			if bar {
				opts.Progress = func(p ngram.Progress) { renderNgramProgress(errw, p) }
			}
			res, err := ngram.Build(cmd.Context(), out, inputs, tokPath, &ngram.Input{Field: field, IDField: idField}, opts)
			if bar {
				fmt.Fprintln(errw)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(map[string]any{
					"index": out, "docs": res.Docs, "tokens": res.Tokens, "bytes": res.Bytes,
					"seconds": res.Elapsed.Seconds(), "sort_seconds": res.SortTime.Seconds(), "tokens_per_s": res.TokensPerSecond(),
				})
			}
			fmt.Fprintf(w, "indexed %d documents, %d tokens into %s (%.1f MB) in %.1fs (%.0f tokens/s; suffix sorting %.1fs)\n",
				res.Docs, res.Tokens, out, float64(res.Bytes)/1e6, res.Elapsed.Seconds(), res.TokensPerSecond(), res.SortTime.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&inputs, "input", nil, "JSONL file or folder of .jsonl/.json files, optionally .gz or .zst (repeatable)")
	f.StringVar(&field, "field", "text", "JSON field with the text")
	f.StringVar(&idField, "id-field", "id", "JSON field with the document id; FILE:LINE where a record has none")
	f.StringVar(&tokPath, "tokenizer", "", "tokenizer.json (or a folder holding one); a copy goes into the index")
	f.StringVar(&out, "out", "", "index directory")
	f.IntVar(&memMB, "memory-mb", 1024, "memory for suffix sorting, all threads together, in MiB (larger corpora are sorted in chunks and merged from disk)")
	f.IntVar(&threads, "threads", 0, "chunks sorted at once (0: GOMAXPROCS)")
	f.BoolVar(&overwrite, "overwrite", false, "replace an index already in --out")
	f.BoolVar(&asJSON, "json", false, "print a JSON summary")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func renderNgramProgress(w io.Writer, p ngram.Progress) {
	frac := 0.0
	if p.Total > 0 {
		frac = min(1, float64(p.Done)/float64(p.Total))
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(w, "\r%-8s %s %5.1f%% %12d tokens %6.0fs", p.Stage, strings.Repeat("█", n)+strings.Repeat("░", width-n), 100*frac, p.Tokens, p.Elapsed.Seconds())
}

// ngramQueryFlags are the flags count, next and longest share.
type ngramQueryFlags struct {
	dir, query, queries string
	asJSON              bool
}

func (f *ngramQueryFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "index", "", "n-gram index directory")
	fl.StringVar(&f.query, "query", "", "one query: text, or a JSON array of token ids")
	fl.StringVar(&f.queries, "queries", "", "file with one query a line (text or a JSON array of ids)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per query")
}

// run opens the index and calls answer for each query; answer returns
// the JSON object and the line for people. A bad query line gives
// {"query", "error"} in --queries mode and stops a single --query.
func (f *ngramQueryFlags) run(cmd *cobra.Command, name string, answer func(ix *ngram.Index, q []uint32, out map[string]any) (string, error)) error {
	if f.dir == "" {
		return fmt.Errorf("search ngram %s: --index is required", name)
	}
	if (f.query == "") == (f.queries == "") {
		return fmt.Errorf("search ngram %s: give either --query TEXT or --queries FILE", name)
	}
	ix, err := ngram.Open(f.dir)
	if err != nil {
		return err
	}
	defer ix.Close()
	bw := bufio.NewWriter(cmd.OutOrStdout())
	defer bw.Flush()
	one := func(line string) error {
		out := map[string]any{"query": line}
		q, err := ix.Query(line)
		var text string
		if err == nil {
			text, err = answer(ix, q, out)
		}
		if err != nil {
			// A damaged index fails every query: stop at the first.
			if f.queries == "" || errors.Is(err, ngram.ErrCorrupt) {
				return err
			}
			out = map[string]any{"query": line, "error": err.Error()}
			text = fmt.Sprintf("error: %v\t%s", err, line)
		}
		if f.asJSON {
			return newJSONEncoder(bw).Encode(out)
		}
		_, err = fmt.Fprintln(bw, text)
		return err
	}
	if f.query != "" {
		return one(f.query)
	}
	file, err := os.Open(f.queries)
	if err != nil {
		return fmt.Errorf("search ngram %s: %w", name, err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		if err := one(sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("search ngram %s: %s: %w", name, f.queries, err)
	}
	return nil
}

func newNgramCountCmd() *cobra.Command {
	var (
		f    ngramQueryFlags
		docs int
	)
	cmd := &cobra.Command{
		Use:   "count --index DIR (--query TEXT | --queries FILE)",
		Short: "Count the occurrences of n-grams (and list documents that contain them)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if docs < 0 {
				return fmt.Errorf("search ngram count: --docs %d must be >= 0", docs)
			}
			return f.run(cmd, "count", func(ix *ngram.Index, q []uint32, out map[string]any) (string, error) {
				if docs == 0 {
					n, err := ix.Count(q)
					out["count"] = n
					return fmt.Sprintf("%d\t%s", n, out["query"]), err
				}
				ms, n, err := ix.Matches(q, docs)
				if err != nil {
					return "", err
				}
				out["count"] = n
				var b strings.Builder
				fmt.Fprintf(&b, "%d\t%s", n, out["query"])
				list := make([]map[string]any, len(ms))
				for i, m := range ms {
					ctx := matchContext(ix, m, len(q))
					list[i] = map[string]any{"doc": m.Doc, "id": m.ID, "offset": m.Offset, "context": ctx}
					fmt.Fprintf(&b, "\n  %s @%d: %s", m.ID, m.Offset, strings.ReplaceAll(ctx, "\n", " "))
				}
				out["docs"] = list
				return b.String(), nil
			})
		},
	}
	f.add(cmd)
	cmd.Flags().IntVar(&docs, "docs", 0, "also list up to N occurrences: document id, token offset, text around the match")
	return cmd
}

// matchContext shows a match with 10 tokens on either side, the match in
// [brackets] ("" without a tokenizer).
func matchContext(ix *ngram.Index, m ngram.Match, n int) string {
	if ix.Tokenizer() == nil {
		return ""
	}
	before, _ := ix.DocTokens(m.Doc, m.Offset-10, m.Offset)
	match, _ := ix.DocTokens(m.Doc, m.Offset, m.Offset+int64(n))
	after, _ := ix.DocTokens(m.Doc, m.Offset+int64(n), m.Offset+int64(n)+10)
	return ix.Decode(before) + "[" + ix.Decode(match) + "]" + ix.Decode(after)
}

func newNgramNextCmd() *cobra.Command {
	var (
		f ngramQueryFlags
		k int
	)
	cmd := &cobra.Command{
		Use:   "next --index DIR (--query TEXT | --queries FILE)",
		Short: "The distribution of the token after an n-gram, with counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if k < 0 {
				return fmt.Errorf("search ngram next: -k %d must be >= 0", k)
			}
			return f.run(cmd, "next", func(ix *ngram.Index, q []uint32, out map[string]any) (string, error) {
				nt, err := ix.Next(q, k)
				if err != nil {
					return "", err
				}
				out["count"], out["distinct"], out["doc_ends"] = nt.Count, nt.Distinct, nt.DocEnds
				toks := make([]map[string]any, len(nt.Tokens))
				var b strings.Builder
				fmt.Fprintf(&b, "%d occurrences, %d distinct next tokens, %d document ends\t%s", nt.Count, nt.Distinct, nt.DocEnds, out["query"])
				for i, tc := range nt.Tokens {
					text := ix.Decode([]uint32{tc.Token})
					toks[i] = map[string]any{"token": tc.Token, "text": text, "count": tc.Count, "p": float64(tc.Count) / float64(nt.Count)}
					fmt.Fprintf(&b, "\n  %10d  %6.4f  %6d  %q", tc.Count, float64(tc.Count)/float64(nt.Count), tc.Token, text)
				}
				out["tokens"] = toks
				return b.String(), nil
			})
		},
	}
	f.add(cmd)
	cmd.Flags().IntVarP(&k, "k", "k", 10, "the most frequent next tokens to show (0: all)")
	return cmd
}

func newNgramLongestCmd() *cobra.Command {
	var f ngramQueryFlags
	cmd := &cobra.Command{
		Use:   "longest --index DIR (--query TEXT | --queries FILE)",
		Short: "The longest suffix of a query that occurs (the ∞-gram context), with its count",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, "longest", func(ix *ngram.Index, q []uint32, out map[string]any) (string, error) {
				l, err := ix.Longest(q)
				if err != nil {
					return "", err
				}
				suffix := ix.Decode(q[l.Start:])
				out["length"], out["start"], out["count"], out["suffix"] = l.Length, l.Start, l.Count, suffix
				return fmt.Sprintf("%d tokens, %d occurrences: %q\t%s", l.Length, l.Count, suffix, out["query"]), nil
			})
		},
	}
	f.add(cmd)
	return cmd
}

func newNgramStatsCmd() *cobra.Command {
	var (
		dir    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "stats --index DIR",
		Short: "Describe an n-gram index",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("search ngram stats: --index is required")
			}
			ix, err := ngram.Open(dir)
			if err != nil {
				return err
			}
			defer ix.Close()
			st := ix.Stats()
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(st)
			}
			for _, r := range [][2]string{
				{"index", st.Dir}, {"documents", fmt.Sprint(st.Docs)}, {"tokens", fmt.Sprint(st.Tokens)},
				{"vocabulary", fmt.Sprint(st.VocabSize)}, {"token bytes", fmt.Sprint(st.TokenBytes)},
				{"pointer bytes", fmt.Sprint(st.PointerBytes)}, {"tokenizer", st.Tokenizer}, {"field", st.Field},
				{"size", fmt.Sprintf("%.1f MB", float64(st.Bytes)/1e6)},
			} {
				fmt.Fprintf(w, "%-14s %s\n", r[0], r[1])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "index", "", "n-gram index directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
