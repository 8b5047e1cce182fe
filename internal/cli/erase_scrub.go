package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/erase"
	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/tokenizer"
)

type scrubReport struct {
	Model    string           `json:"model"`
	Data     string           `json:"data"`
	Labels   string           `json:"labels"`
	Classes  int              `json:"classes"`
	Docs     int              `json:"docs"`
	Tokens   int              `json:"tokens"`
	Sites    []string         `json:"sites"`
	Ranks    []int            `json:"ranks"`
	Clean    erase.ScrubLoss  `json:"clean"`
	Scrubbed erase.ScrubLoss  `json:"scrubbed"`
	Random   *erase.ScrubLoss `json:"random,omitempty"`
	Seconds  float64          `json:"seconds"`
}

func newEraseScrubCmd() *cobra.Command {
	var (
		ef                                          engineFlags
		dataPath, labelsField, out, method, tokPath string
		classes, batchTokens, maxTokens             int
		noShrinkage, noTraceConstraint, skip        bool
		svdTol                                      float64
		seed                                        uint64
		asJSON                                      bool
	)
	cmd := &cobra.Command{
		Use:   "scrub",
		Short: "Erase a concept from every layer of a model and measure the loss it causes",
		Long: `scrub fits a LEACE eraser at every layer of a native model, LLaMA style: for
each layer in turn, the attention input's eraser is fitted over all documents
(with the earlier erasers installed) and installed, then the MLP input's
(parallel-residual GPT-NeoX models fit both from the same pass). It saves one
eraser per hook site as DIR/<site>.safetensors with DIR/report.json, and
prints bits per byte without erasure, with it, and with a random erasure of
the same rank at every site (the control).

--data is JSON Lines, one document per line, in one of two forms. Token ids
with one integer label per token in the field named by --labels (-1 leaves a
token out of the fit) and the UTF-8 byte length of the text in "num_bytes"
(or a "text" field) for bits per byte:

  {"tokens": [510, 4062, 8516], "pos": [5, 0, 7], "num_bytes": 19}

or words with one label per word (the layout of conll2003-style datasets),
which are joined with spaces and tokenized with the model's tokenizer.json
(or --tokenizer); every sub-token of a word gets the word's label:

  {"tokens": ["The", "quick", "fox"], "pos": [5, 0, 7]}`,
		Example: `  fmkit erase scrub --model ./pythia-160m --data pos.jsonl --labels pos --out erasers/`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataPath == "" || out == "" {
				return fmt.Errorf("--data and --out are required")
			}
			m, err := erase.ParseMethod(method)
			if err != nil {
				return fmt.Errorf("--method: %w", err)
			}
			model, err := ef.load(cmd)
			if err != nil {
				return err
			}
			defer model.Close()
			tok, err := scrubTokenizer(tokPath, model.Dir)
			if err != nil {
				return err
			}
			f, err := os.Open(dataPath)
			if err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			docs, maxLabel, err := erase.ReadScrubDocs(f, labelsField, tok)
			f.Close()
			if err != nil {
				return fmt.Errorf("--data %s: %w", dataPath, err)
			}
			docs, tokens := limitTokens(docs, maxTokens)
			if classes == 0 {
				classes = maxLabel + 1
			}
			if maxLabel >= classes {
				return fmt.Errorf("--data %s: label %d, but --classes is %d", dataPath, maxLabel, classes)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			start := time.Now()
			stderr := cmd.ErrOrStderr()
			res, err := erase.Scrub(cmd.Context(), model, docs, &erase.ScrubOptions{
				Classes:     classes,
				Fitter:      &erase.Options{Method: m, Shrinkage: !noShrinkage, ConstrainTrace: !noTraceConstraint, SVDTol: svdTol},
				BatchTokens: batchTokens,
				Seed:        seed,
				SkipRandom:  skip,
			}, func(p erase.ScrubProgress) {
				what := p.Stage
				if p.Site != "" {
					what += " " + p.Site
				}
				fmt.Fprintf(stderr, "\r%-30s %3.0f%%", what, 100*float64(p.Done)/float64(p.Total))
				if p.Done == p.Total {
					fmt.Fprintln(stderr)
				}
			})
			if err != nil {
				return err
			}
			rep := scrubReport{Model: ef.model, Data: dataPath, Labels: labelsField, Classes: classes, Docs: len(docs), Tokens: tokens,
				Sites: res.Sites, Clean: res.Clean, Scrubbed: res.Scrubbed, Seconds: time.Since(start).Seconds()}
			for _, site := range res.Sites {
				e := res.Erasers[site]
				e.Metadata["model"] = ef.model
				e.Metadata["labels"] = labelsField
				if err := e.Save(filepath.Join(out, site+".safetensors")); err != nil {
					return err
				}
				rep.Ranks = append(rep.Ranks, e.R)
			}
			if !skip {
				rep.Random = &res.Random
			}
			b, err := json.MarshalIndent(jsonSafe(rep), "", " ")
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFile(filepath.Join(out, "report.json"), append(b, '\n')); err != nil {
				return err
			}
			if asJSON {
				_, err := cmd.OutOrStdout().Write(append(b, '\n'))
				return err
			}
			renderScrub(cmd.OutOrStdout(), &rep, out)
			return nil
		},
	}
	ef.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&dataPath, "data", "", "documents with per-token labels (JSON Lines, see above)")
	fl.StringVar(&labelsField, "labels", "labels", "name of the per-token (or per-word) label field")
	fl.StringVar(&tokPath, "tokenizer", "", "tokenizer.json for word-level data (default: the model directory's)")
	fl.StringVar(&out, "out", "", "directory for the erasers and report.json")
	fl.IntVar(&classes, "classes", 0, "number of label classes (0: largest label + 1)")
	fl.IntVar(&maxTokens, "max-tokens", 0, "use only the first N tokens of the data (0: all)")
	fl.IntVar(&batchTokens, "batch-tokens", 4096, "tokens per forward pass")
	fl.StringVar(&method, "method", "leace", "leace, or orth for orthogonal projections")
	fitterFlags(fl, &noShrinkage, &noTraceConstraint)
	floatVar(fl, &svdTol, "svd-tol", erase.DefaultSVDTol, "drop singular values of W·Σ_XZ at or below this")
	fl.BoolVar(&skip, "skip-random", false, "skip the random-erasure control pass")
	fl.Uint64Var(&seed, "seed", 0, "seed of the random-erasure control")
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// scrubTokenizer loads the tokenizer for word-level data: path if given,
// else the model directory's tokenizer.json when there is one, else none
// (token-id data needs none).
func scrubTokenizer(path, modelDir string) (*tokenizer.Tokenizer, error) {
	if path == "" {
		path = filepath.Join(modelDir, "tokenizer.json")
		if _, err := os.Stat(path); err != nil {
			return nil, nil
		}
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		return nil, fmt.Errorf("--tokenizer: %w", err)
	}
	return tok, nil
}

// limitTokens keeps the first maxTokens tokens of docs (all when 0),
// cutting the last document kept; it returns the documents and the count.
func limitTokens(docs []erase.ScrubDoc, maxTokens int) ([]erase.ScrubDoc, int) {
	total := 0
	for i, d := range docs {
		if maxTokens > 0 && total+len(d.Tokens) >= maxTokens {
			keep := maxTokens - total
			if keep < len(d.Tokens) {
				// The byte count of a cut document is unknown; scale it.
				d.Bytes = d.Bytes * keep / len(d.Tokens)
				d.Tokens, d.Labels = d.Tokens[:keep], d.Labels[:keep]
			}
			out := append(docs[:i:i], d)
			if keep == 0 {
				out = docs[:i]
			}
			return out, maxTokens
		}
		total += len(d.Tokens)
	}
	return docs, total
}

// jsonSafe replaces NaN bits per byte (no byte counts) with zero, since
// JSON has no NaN; report.json documents bytes = 0 in that case.
func jsonSafe(r scrubReport) scrubReport {
	fix := func(l *erase.ScrubLoss) {
		if l != nil && math.IsNaN(l.BitsPerByte) {
			l.BitsPerByte = 0
		}
	}
	fix(&r.Clean)
	fix(&r.Scrubbed)
	if r.Random != nil {
		c := *r.Random
		fix(&c)
		r.Random = &c
	}
	return r
}

func renderScrub(w io.Writer, r *scrubReport, out string) {
	fmt.Fprintf(w, "scrubbed %d sites of %s over %d tokens (%d docs, %d classes) in %.1fs\n\n", len(r.Sites), r.Model, r.Tokens, r.Docs, r.Classes, r.Seconds)
	fmt.Fprintf(w, "%-26s %12s %12s\n", "", "bits/byte", "bits/token")
	row := func(name string, l erase.ScrubLoss) {
		bpb := "n/a"
		if l.Bytes > 0 {
			bpb = fmt.Sprintf("%.4f", l.BitsPerByte)
		}
		fmt.Fprintf(w, "%-26s %12s %12.4f\n", name, bpb, l.BitsPerToken)
	}
	row("clean", r.Clean)
	row("LEACE-scrubbed", r.Scrubbed)
	if r.Random != nil {
		row("random erasure (control)", *r.Random)
	}
	fmt.Fprintf(w, "\nerasers and report.json written to %s\n", out)
}
