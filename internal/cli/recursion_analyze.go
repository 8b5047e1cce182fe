package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/recursion"
)

func newRecursionAnalyzeCmd() *cobra.Command {
	var (
		inputs   []string
		plotPath string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "analyze --input SAMPLES.jsonl",
		Short: "Score a model's answers by edge-case class and fit shortcut rules to its failures",
		Long: `analyze reads a model's answers, either the sample logs of fmkit eval
--log-samples on recursion tasks (samples_recursion_succ::carry_0_....jsonl)
or JSONL records {"call": "succ (xI xH)", "output": "..."}, and reports per
function the accuracy by edge-case class and, for each candidate shortcut
rule (for succ: "flip the trailing 1s and the lowest 0, never grow the
number", a carry chain cut after k bits, ...), the share of the model's
failures it reproduces exactly; a rule's parameter is fitted to agree with
as many of the model's answers as possible. --plot draws the accuracy by
class as a PNG.`,
		Example: `  fmkit eval --model runs/tiny --tasks recursion_succ --output res --log-samples
  fmkit recursion analyze --input 'res/runs__tiny/samples_recursion_succ::*.jsonl' --plot succ.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(inputs) == 0 {
				return errors.New("--input is required: eval sample logs or JSONL predictions")
			}
			var paths []string
			for _, in := range inputs {
				m, err := globInput(in)
				if err != nil {
					return err
				}
				paths = append(paths, m...)
			}
			preds, skipped, err := readPredictionFiles(paths)
			if err != nil {
				return err
			}
			if len(preds) == 0 {
				return fmt.Errorf("--input: no predictions in %d files (%d trace samples skipped)", len(paths), skipped)
			}
			reports, err := recursion.Std().Analyze(preds, recursion.Shortcuts())
			if err != nil {
				return err
			}
			if plotPath != "" {
				if err := plotClasses(plotPath, reports); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, map[string]any{"files": paths, "trace_samples_skipped": skipped, "reports": reports})
			}
			return printReports(w, reports, skipped)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&inputs, "input", nil, "JSONL file of samples or predictions (a glob; repeatable)")
	f.StringVar(&plotPath, "plot", "", "PNG file for a bar chart of accuracy by edge-case class")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printReports(w io.Writer, reports []recursion.Report, skipped int) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %d answers, accuracy %.4f, %d failures (%d not a term)\n", r.Func, r.Total, r.Accuracy, r.Total-r.Correct, r.Unparsed)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "class\tanswers\taccuracy\t")
		for _, c := range r.Classes {
			fmt.Fprintf(tw, "%s\t%d\t%.4f\t\n", c.Name, c.Total, float64(c.Correct)/float64(c.Total))
		}
		tw.Flush()
		if len(r.Rules) == 0 {
			continue
		}
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "shortcut\tfitted\tfailures predicted\tshare\tagreement\trule")
		for _, rf := range r.Rules {
			param := ""
			if rf.Param != nil {
				param = fmt.Sprintf("%s=%d", rf.ParamName, *rf.Param)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%.3f\t%.3f\t%s\n", rf.Name, param, rf.Predicted, r.Total-r.Correct, rf.Share, rf.Agreement, rf.Doc)
		}
		tw.Flush()
		fmt.Fprintf(w, "%d failures no rule predicts\n", r.Unexplained)
	}
	if skipped > 0 {
		fmt.Fprintf(w, "\n(%d samples of _trace tasks skipped: their answers are reduction steps)\n", skipped)
	}
	return nil
}

// plotClasses draws the accuracy by class of every report as bars.
func plotClasses(path string, reports []recursion.Report) error {
	p := plot.New()
	p.Title.Text = "accuracy by edge-case class"
	p.Y.Label.Text = "exact match"
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	var vals plotter.Values
	var names []string
	for _, r := range reports {
		for _, c := range r.Classes {
			vals = append(vals, float64(c.Correct)/float64(c.Total))
			name := c.Name
			if len(reports) > 1 {
				name = r.Func + " " + name
			}
			names = append(names, name)
		}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	p.Add(bars)
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5
	wt, err := p.WriterTo(vg.Length(max(6, 0.45*float64(len(names))))*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := wt.WriteTo(w); return err }); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// globInput expands a glob; a pattern that matches nothing is an error
// naming it.
func globInput(pattern string) ([]string, error) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("--input %q: %w", pattern, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("--input %s: no such file", pattern)
	}
	return m, nil
}
