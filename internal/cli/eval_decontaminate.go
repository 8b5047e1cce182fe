package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/search/ngram"
)

func newEvalDecontaminateCmd() *cobra.Command {
	var (
		tf        taskFlags
		tasksArg  string
		indexDir  string
		n         int
		threshold float64
		limit     int
		output    string
		asJSON    bool
		showDirty int
	)
	cmd := &cobra.Command{
		Use:   "decontaminate --tasks LIST --ngram-index DIR [--n 13]",
		Short: "Report the n-gram overlap of task documents with a training corpus and write the clean subset",
		Long: `decontaminate tokenizes each evaluation document (the task's
doc_to_decontamination_query, or its doc_to_text, as lm-evaluation-harness
does) with the n-gram index's tokenizer and reports, per task and per
document, how many of its n-grams occur in the indexed corpus and its longest
match. A document is contaminated when at least one n-gram occurs (or the
share in --threshold). It writes OUTPUT/contamination.json (the report) and
OUTPUT/clean.json (the clean documents' indexes per task, lm-eval's
--samples layout).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case tasksArg == "":
				return errors.New("eval decontaminate: --tasks is required")
			case indexDir == "":
				return errors.New("eval decontaminate: --ngram-index is required")
			case n < 1:
				return fmt.Errorf("eval decontaminate: --n %d must be >= 1", n)
			case !(threshold >= 0 && threshold <= 1):
				return fmt.Errorf("eval decontaminate: --threshold %v must be in [0, 1]", threshold)
			case limit < 0:
				return fmt.Errorf("eval decontaminate: --limit %d must be >= 0", limit)
			}
			ix, err := ngram.Open(indexDir)
			if err != nil {
				return err
			}
			defer ix.Close()
			if ix.Tokenizer() == nil {
				return fmt.Errorf("eval decontaminate: %w", ngram.ErrNoTokenizer)
			}
			suite, release, err := tf.loadTasks(cmd.ErrOrStderr(), splitList(tasksArg))
			if err != nil {
				return err
			}
			defer release()
			var docs []ngram.Document
			for _, t := range suite.Tasks {
				if err := t.Load(cmd.Context(), evalLoader(cmd.ErrOrStderr())); err != nil {
					return err
				}
				for i, d := range t.Docs() {
					if limit > 0 && i >= limit {
						break
					}
					text, err := t.DecontaminationText(d)
					if err != nil {
						return fmt.Errorf("eval decontaminate: document %d: %w", i, err)
					}
					docs = append(docs, ngram.Document{Task: t.Name, Index: i, Text: text})
				}
			}
			copts := &ngram.CheckOptions{N: n, Threshold: threshold}
			errw := cmd.ErrOrStderr()
			bar := isTerminal(errw)
			if bar {
				copts.Progress = func(done, total int) {
					if done%256 == 0 || done == total {
						fmt.Fprintf(errw, "\rchecked %d of %d documents", done, total)
					}
				}
			}
			rep, err := ngram.Check(cmd.Context(), ix, docs, copts)
			if bar {
				fmt.Fprintln(errw)
			}
			if err != nil {
				return err
			}
			if output != "" {
				if err := writeReportJSON(filepath.Join(output, "contamination.json"), rep); err != nil {
					return err
				}
				if err := writeReportJSON(filepath.Join(output, "clean.json"), rep.Clean()); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(rep)
			}
			fmt.Fprintf(w, "%-40s %6s %6s %8s %9s %8s\n", "task", "docs", "dirty", "short", "overlap", "longest")
			for _, t := range rep.Tasks {
				fmt.Fprintf(w, "%-40s %6d %6d %8d %8.1f%% %8d\n", t.Task, t.Docs, t.Contaminated, t.TooShort, 100*t.MeanOverlap, t.Longest)
			}
			fmt.Fprintf(w, "(%d-gram overlap; dirty: %s; short: fewer than %d tokens, not judged)\n", rep.N, dirtyRule(threshold), rep.N)
			shown := 0
			for _, d := range rep.Docs {
				if d.Contaminated && shown < showDirty {
					fmt.Fprintf(w, "  %s/%d: %.0f%% of %d-grams, longest %d tokens: %q\n", d.Task, d.Index, 100*d.Fraction, rep.N, d.Longest, oneLine(d.LongestText, 100))
					shown++
				}
			}
			if output != "" {
				fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(output, "contamination.json"), filepath.Join(output, "clean.json"))
			}
			return nil
		},
	}
	f := cmd.Flags()
	tf.register(f)
	f.StringVar(&tasksArg, "tasks", "", "comma-separated tasks or groups")
	f.StringVar(&indexDir, "ngram-index", "", "n-gram index of the training corpus (fmkit search ngram build)")
	f.IntVar(&n, "n", 13, "n-gram length in tokens (13 as in GPT-3's study and lm-eval)")
	floatVar(f, &threshold, "threshold", 0, "share of a document's n-grams that makes it dirty (0: any one)")
	f.IntVar(&limit, "limit", 0, "check the first N documents of each task (0: all)")
	f.StringVar(&output, "output", "", "folder for contamination.json and clean.json")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.IntVar(&showDirty, "show", 5, "print this many contaminated documents")
	return cmd
}

func dirtyRule(threshold float64) string {
	if threshold == 0 {
		return "any n-gram found"
	}
	return fmt.Sprintf(">= %.0f%% of n-grams found", 100*threshold)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func writeReportJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}
