package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/risk"
)

func newRiskCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Marginal-risk assessments of open model releases: templates, checks, reports",
		Long: `risk works with marginal-risk assessments: YAML files that take one misuse
vector of a model release through the six steps of the framework of Kapoor
et al., "On the Societal Impact of Open Foundation Models" (ICML 2024, arXiv
2403.07918): threat identification, existing risk, existing defenses,
evidence of marginal risk, ease of defense, uncertainty and assumptions.
Each step is graded addressed, partial or absent, with its evidence:
citations, URLs and fmkit results files.

A FILE argument may also be example:NAME for the shipped examples: table1
(the paper's seven graded studies), table2 (its two worked analyses), all,
or one name from 'fmkit risk examples'.

The framework assesses marginal risk only: it does not weigh benefits and is
not a procedure for deciding whether to release a model.`,
	}
	cmd.AddCommand(newRiskNewCmd(), newRiskCheckCmd(), newRiskReportCmd(), newRiskExamplesCmd())
	return cmd
}

func newRiskNewCmd() *cobra.Command {
	var (
		o       risk.TemplateOptions
		release string
		results []string
		out     string
		force   bool
	)
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Write a template for a new assessment",
		Example: `  fmkit risk new --out release-risk.yaml --model my-org/my-7b --misuse-vector "spear-phishing scams"
  fmkit risk new --out risk/phishing.yaml --results results/results_2024-06-01.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := riskRelease(release)
			if err != nil {
				return err
			}
			o.Release = r
			for _, path := range results {
				e, err := risk.CiteResults(path, resultsRef(path, out))
				if err != nil {
					return fmt.Errorf("--results: %w", err)
				}
				o.Evidence = append(o.Evidence, e)
			}
			data, err := risk.Template(o)
			if err != nil {
				return err
			}
			if out == "" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			if _, err := os.Stat(out); err == nil && !force {
				return fmt.Errorf("--out %s exists; pass --force to replace it", out)
			}
			if err := atomicfile.WriteFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: grade each step, then run fmkit risk check %s\n", out, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Title, "title", "", "title of the assessment")
	fl.StringVar(&o.MisuseVector, "misuse-vector", "", "misuse vector assessed, e.g. \"spear-phishing scams\"")
	fl.StringVar(&o.Model, "model", "", "model (or kind of model) whose release is assessed")
	fl.StringVar(&release, "release", "open-weights", "release assessed: open-weights, api, staged, closed or unreleased")
	fl.StringVar(&o.Baseline, "baseline", "", "what the marginal risk is measured against, e.g. \"the status quo\" or \"API-only release\"")
	fl.StringArrayVar(&results, "results", nil, "fmkit results JSON to cite under evidence of marginal risk, with its digest and metrics (repeatable)")
	fl.StringVar(&out, "out", "", "file to write (default: standard output)")
	fl.BoolVar(&force, "force", false, "replace --out if it exists")
	return cmd
}

func riskRelease(s string) (risk.Release, error) {
	switch r := risk.Release(s); r {
	case risk.OpenWeights, risk.APIOnly, risk.Staged, risk.Closed, risk.Unreleased:
		return r, nil
	}
	return "", fmt.Errorf("--release %q: expected open-weights, api, staged, closed or unreleased", s)
}

// resultsRef is how an assessment written to out names the results file at
// path: relative to out's folder, so the two can move together.
func resultsRef(path, out string) string {
	if out == "" {
		return path
	}
	absOut, err1 := filepath.Abs(out)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	rel, err := filepath.Rel(filepath.Dir(absOut), absPath)
	if err != nil {
		return absPath
	}
	return filepath.ToSlash(rel)
}

type riskCheckResult struct {
	Assessments int           `json:"assessments"`
	Errors      int           `json:"errors"`
	Warnings    int           `json:"warnings"`
	Problems    []riskProblem `json:"problems"`
}

type riskProblem struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Field    string `json:"field,omitempty"`
	Severity string `json:"severity"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
}

func newRiskCheckCmd() *cobra.Command {
	var asJSON, strict bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check assessments: missing or ungraded steps, evidence that does not resolve, results that changed",
		Long: `check reports what keeps each assessment from being complete and verifiable:
missing fields and steps, ungraded steps, grades without a finding, URLs
that are not well-formed http(s) URLs (nothing is fetched), results files
that are missing, and results whose cited numbers or digest no longer match
the file. It exits with status 1 if any error is found (with --strict, any
warning too).`,
		Example: `  fmkit risk check release-risk.yaml
  fmkit risk check example:all --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res := riskCheckResult{Problems: []riskProblem{}}
			for _, name := range args {
				as, err := risk.LoadAny(name)
				if err != nil {
					res.add(risk.LoadProblem(name, err))
					continue
				}
				for _, a := range as {
					res.Assessments++
					for _, p := range risk.Check(a, nil) {
						res.add(p)
					}
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := newJSONEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				res.print(w)
			}
			if res.Errors > 0 || (strict && res.Warnings > 0) {
				return fmt.Errorf("risk check: %d errors and %d warnings in %d assessments", res.Errors, res.Warnings, res.Assessments)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the problems as JSON")
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings as well as errors")
	return cmd
}

func (r *riskCheckResult) add(p risk.Problem) {
	if p.Severity == risk.Error {
		r.Errors++
	} else {
		r.Warnings++
	}
	r.Problems = append(r.Problems, riskProblem{File: p.File, Line: p.Line, Field: p.Field, Severity: p.Severity.String(), Kind: string(p.Kind), Message: p.Msg})
}

func (r *riskCheckResult) print(w io.Writer) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, risk.Problem{File: p.File, Line: p.Line, Field: p.Field, Severity: severityOf(p.Severity), Msg: p.Message})
	}
	fmt.Fprintf(w, "checked %d %s: %d errors, %d warnings\n", r.Assessments, plural(r.Assessments, "assessment", "assessments"), r.Errors, r.Warnings)
}

func severityOf(s string) risk.Severity {
	if s == risk.Error.String() {
		return risk.Error
	}
	return risk.Warning
}

func newRiskReportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report FILE...",
		Short: "Report assessments in the paper's table layout (Markdown, HTML or JSON)",
		Long: `report renders assessments as the paper's Table 1 (a row per assessment, a
column per step, marked ● addressed, ◐ partial, ○ absent) followed by each
step's finding, the basis of its grade and its evidence. --format json
prints one object per assessment with the misuse vector and each step's
grade as "addressed", "partial" or "absent".`,
		Example: `  fmkit risk report example:table1
  fmkit risk report release-risk.yaml --format html --out risk.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := risk.ParseFormat(format)
			if err != nil {
				return fmt.Errorf("--format: %w", err)
			}
			var as []*risk.Assessment
			for _, name := range args {
				loaded, err := risk.LoadAny(name)
				if err != nil {
					return err
				}
				as = append(as, loaded...)
			}
			if out == "" {
				return risk.WriteReport(cmd.OutOrStdout(), as, f)
			}
			if err := atomicfile.Write(out, func(w io.Writer) error { return risk.WriteReport(w, as, f) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d assessments)\n", out, len(as))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md, html or json")
	cmd.Flags().StringVar(&out, "out", "", "file to write (default: standard output)")
	return cmd
}

func newRiskExamplesCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "examples",
		Short: "List the shipped example assessments, or write them to a folder",
		Long: `examples lists the assessments shipped with fmkit: the seven published
studies graded in Table 1 of Kapoor et al. (2024) and the paper's two worked
analyses from Table 2. Use them as example:NAME, or write them out with --out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, name := range risk.Examples() {
				if out != "" {
					data, err := risk.ExampleSource(name)
					if err != nil {
						return err
					}
					path := filepath.Join(out, name+".yaml")
					if err := atomicfile.WriteFile(path, data); err != nil {
						return err
					}
					fmt.Fprintf(w, "wrote %s\n", path)
					continue
				}
				a, err := risk.Example(name)
				if err != nil {
					return err
				}
				marks := ""
				for _, f := range a.Steps {
					if f == nil {
						marks += risk.Ungraded.Symbol()
					} else {
						marks += f.Grade.Symbol()
					}
				}
				fmt.Fprintf(w, "%-34s %s  %s\n", name, marks, a.Title)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write the example files into")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
