package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/search"
)

// Pyserini's habits in fmkit search: TSV topic files, TREC run files,
// --hits, and its index command's collection and store flags.

// topic is one line of a TSV topics file: qid<TAB>query.
type topic struct{ id, query string }

// readTopics reads a topics file as Pyserini's TsvIntTopicReader and
// TsvStringTopicReader do: one qid<TAB>query per line, blank lines skipped.
func readTopics(path string) ([]topic, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--topics: %w", err)
	}
	defer f.Close()
	var out []topic
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxQueryLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		id, q, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("--topics %s:%d: expected qid<TAB>query, got %.60q", path, n, line)
		}
		out = append(out, topic{strings.TrimSpace(id), strings.TrimSpace(q)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--topics %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--topics %s: no topics", path)
	}
	return out, nil
}

// writeRun searches every topic as a bag of words (the whole text, its
// repeated terms counting again, as Anserini's BagOfWordsQueryGenerator
// does) and writes the hits as a TREC run, "qid Q0 docid rank score tag",
// rank from 1 and the score to six decimals as Pyserini's TrecWriter. A
// topic whose search fails is reported and leaves no lines; the file is
// written at the end, atomically.
func writeRun(cmd *cobra.Command, ix *search.Index, topics []topic, opts *search.SearchOptions, path, tag string) error {
	o := *opts
	o.Snippets, o.NoMeta = false, true
	hits, failed := 0, 0
	err := atomicfile.Write(path, func(w io.Writer) error {
		for _, t := range topics {
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			res, err := ix.SearchQuery(cmd.Context(), &search.TermQuery{Text: t.query}, &o)
			if err != nil {
				failed++
				fmt.Fprintf(cmd.ErrOrStderr(), "topic %s: %v\n", t.id, err)
				continue
			}
			for i, h := range res.Hits {
				if _, err := fmt.Fprintf(w, "%s Q0 %s %d %.6f %s\n", t.id, h.ID, i+1, h.Score, tag); err != nil {
					return err
				}
			}
			hits += len(res.Hits)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--output %s: %w", path, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d topics, %d hits\n", path, len(topics)-failed, hits)
	if failed > 0 {
		return fmt.Errorf("%d of %d topics failed (see above)", failed, len(topics))
	}
	return nil
}

// topicLine is what a line of a TSV topics file looks like: an id without
// spaces, a tab, then text.
var topicLine = regexp.MustCompile(`^[^\s]+\t\S`)

// looksLikeTopics reports whether the first lines of a --queries file are
// qid<TAB>query lines: searched as queries, the ids would be words.
func looksLikeTopics(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxQueryLine)
	lines, tsv := 0, 0
	for lines < 20 && sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		lines++
		if topicLine.MatchString(sc.Text()) {
			tsv++
		}
	}
	return lines > 0 && tsv*10 >= lines*8
}

// errTopicsAsQueries is a topics file given as --queries.
func errTopicsAsQueries(path string) error {
	return &usageError{fmt.Sprintf("--queries %s looks like a topics file (qid<TAB>query lines): its ids would be searched as words; use --topics %s (with --output run.trec for a TREC run)", path, path)}
}

// searchQueryNormalize takes Pyserini's --hits for -k.
func searchQueryNormalize(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "hits" {
		name = "k"
	}
	return pflag.NormalizedName(name)
}

// checkCollection accepts Pyserini's --collection for the one kind fmkit
// reads that way (JSONL with id and contents) and its --generator.
func checkCollection(collection, generator string) error {
	if collection != "" && collection != "JsonCollection" {
		return errors.New("search index: --collection " + collection + ": fmkit reads JsonCollection (JSON Lines with id and contents, the default), Parquet and plain text; convert the collection to JSON Lines")
	}
	if generator != "" && generator != "DefaultLuceneDocumentGenerator" {
		return errors.New("search index: --generator " + generator + ": fmkit indexes as DefaultLuceneDocumentGenerator does")
	}
	return nil
}
