package cli

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/group"
	"github.com/fmkit/fmkit/group/grok"
	"github.com/fmkit/fmkit/npy"
)

const snConventions = `Conventions: a permutation of {0, …, n−1} is written in one-line notation
([1 0 2] sends 0 to 1, 1 to 0, 2 to 2). Products apply the left factor
first, (a·b)[i] = b[a[i]], as the paper's code (sn-grok) does, so that
every irrep satisfies ρ(a·b) = ρ(a)ρ(b). Functions on S_n list their n!
values for the elements in the lexicographic order of their one-line
notation ([0 1 2], [0 2 1], [1 0 2], …). Irreps are in Young's orthogonal
form and keyed by partitions, e.g. "(4,1)"; a conjugacy class is named by
its cycle type, the same kind of partition.`

func newSnCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sn",
		Short: "The symmetric group S_n: irreps, Fourier transform, grokking analysis",
		Long: `sn works with the symmetric group S_n: its irreducible representations and
characters, the group Fourier transform and power spectrum of functions on
S_n, and the analysis of networks that learned S_n's multiplication
("Grokking Group Multiplication with Cosets").

` + snConventions,
	}
	cmd.AddCommand(newSnIrrepsCmd(), newSnFourierCmd(), newSnTrainCmd(), newSnAnalyzeCmd())
	return cmd
}

func checkSnDegree(n, limit int) error {
	if n < 1 || n > limit {
		return fmt.Errorf("--n %d: expected 1 ≤ n ≤ %d", n, limit)
	}
	return nil
}

type irrepsJSON struct {
	N       int        `json:"n"`
	Order   int        `json:"order"`
	Irreps  []string   `json:"irreps"`
	Dims    []int      `json:"dims"`
	Classes []classRow `json:"classes"`
	// Characters[irrep][class], irreps and classes as listed.
	Characters [][]int `json:"characters"`
}

type classRow struct {
	CycleType string `json:"cycle_type"`
	Size      int    `json:"size"`
}

func newSnIrrepsCmd() *cobra.Command {
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "irreps",
		Short: "List the irreps of S_n: partitions, dimensions, character table",
		Long: `irreps lists the irreducible representations of S_n, one per partition of n,
with their dimensions (hook-length formula) and the character table on the
conjugacy classes, each given by its cycle type and size.

` + snConventions,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkSnDegree(n, group.MaxIrrepN); err != nil {
				return err
			}
			ct, err := group.Characters(n)
			if err != nil {
				return err
			}
			out := irrepsJSON{N: n, Order: group.Factorial(n), Characters: ct.Values}
			for _, λ := range ct.Irreps {
				out.Irreps = append(out.Irreps, λ.String())
				out.Dims = append(out.Dims, λ.Dimension())
			}
			for _, c := range ct.Classes {
				out.Classes = append(out.Classes, classRow{CycleType: c.CycleType.String(), Size: c.Size})
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(out)
			}
			return printIrreps(w, out)
		},
	}
	cmd.Flags().IntVar(&n, "n", 5, "degree n of S_n (1 to 8)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printIrreps(w io.Writer, out irrepsJSON) error {
	fmt.Fprintf(w, "S%d: %d elements, %d irreps\n\n", out.N, out.Order, len(out.Irreps))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "irrep\tdim\t")
	for _, c := range out.Classes {
		fmt.Fprintf(tw, "%s\t", c.CycleType)
	}
	fmt.Fprint(tw, "\n\t\t")
	for _, c := range out.Classes {
		fmt.Fprintf(tw, "×%d\t", c.Size)
	}
	fmt.Fprintln(tw)
	for i, name := range out.Irreps {
		fmt.Fprintf(tw, "%s\t%d\t", name, out.Dims[i])
		for _, v := range out.Characters[i] {
			fmt.Fprintf(tw, "%d\t", v)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncolumns: conjugacy classes by cycle type, with their sizes")
	return nil
}

type fourierRow struct {
	Row int `json:"row"`
	// Norm2 is Σ_g f(g)².
	Norm2 float64 `json:"norm2"`
	// Power maps each irrep's partition to its fraction of Norm2.
	Power map[string]float64 `json:"power"`
}

type fourierJSON struct {
	N      int          `json:"n"`
	Irreps []string     `json:"irreps"`
	Rows   []fourierRow `json:"rows"`
}

func newSnFourierCmd() *cobra.Command {
	var n int
	var path string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "fourier",
		Short: "Power spectra of functions on S_n by irrep",
		Long: `fourier reads one or more functions on S_n from a .npy file (--f) and prints,
for each and each irrep, the fraction of ‖f‖² = Σ_g f(g)² that lies in that
irrep: d_ρ‖f̂(ρ)‖²_F/(n!·‖f‖²) with f̂(ρ) = Σ_g f(g)ρ(g). The fractions of a
row sum to 1 and do not depend on the basis of the irreps.

The array has shape [n!] (one function) or [m, n!] (m functions as rows),
of any float or integer dtype.

` + snConventions,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkSnDegree(n, group.MaxFourierN); err != nil {
				return err
			}
			if path == "" {
				return fmt.Errorf("--f: required (a .npy file of functions on S_%d)", n)
			}
			rows, err := readFunctions(path, n)
			if err != nil {
				return err
			}
			ft, err := group.NewFourier(n)
			if err != nil {
				return err
			}
			out := fourierJSON{N: n}
			for _, r := range ft.Irreps() {
				out.Irreps = append(out.Irreps, r.Partition().String())
			}
			for i, f := range rows {
				row := fourierRow{Row: i, Power: map[string]float64{}}
				for _, v := range f {
					row.Norm2 += v * v
				}
				for k, p := range ft.PowerSpectrum(f) {
					row.Power[out.Irreps[k]] = p
				}
				out.Rows = append(out.Rows, row)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(out)
			}
			return printFourier(w, out)
		},
	}
	cmd.Flags().IntVar(&n, "n", 5, "degree n of S_n (1 to 7)")
	cmd.Flags().StringVar(&path, "f", "", ".npy file: one function per row, n! values in lexicographic order")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// readFunctions reads --f as rows of n! finite values, none all zero.
func readFunctions(path string, n int) ([][]float64, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--f: %w", err)
	}
	order := group.Factorial(n)
	var m int
	switch {
	case len(a.Shape) == 1 && a.Shape[0] == order:
		m = 1
	case len(a.Shape) == 2 && a.Shape[1] == order && a.Shape[0] > 0:
		m = a.Shape[0]
	default:
		return nil, fmt.Errorf("--f %s: shape %v, expected [%d] or [m, %d] (functions on S_%d)", path, a.Shape, order, order, n)
	}
	vals, err := a.Float64()
	if err != nil {
		return nil, fmt.Errorf("--f %s: %w", path, err)
	}
	rows := make([][]float64, m)
	for i := range rows {
		rows[i] = vals[i*order : (i+1)*order]
		zero := true
		for g, v := range rows[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("--f %s: row %d, element %d is %v, expected a finite number", path, i, g, v)
			}
			zero = zero && v == 0
		}
		if zero {
			return nil, fmt.Errorf("--f %s: row %d is zero, so it has no power spectrum", path, i)
		}
	}
	return rows, nil
}

func printFourier(w io.Writer, out fourierJSON) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "row\t‖f‖²\t")
	for _, name := range out.Irreps {
		fmt.Fprintf(tw, "%s\t", name)
	}
	fmt.Fprintln(tw)
	for _, r := range out.Rows {
		fmt.Fprintf(tw, "%d\t%.6g\t", r.Row, r.Norm2)
		for _, name := range out.Irreps {
			fmt.Fprintf(tw, "%.6f\t", r.Power[name])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nentries: fraction of ‖f‖² in each irrep (each row sums to 1)")
	return nil
}

type analyzeJSON struct {
	Report    string                `json:"report"`
	Epoch     int                   `json:"epoch"`
	GrokEpoch int                   `json:"grok_epoch"`
	Test      grok.Metrics          `json:"test"`
	Circuits  []grok.AblationResult `json:"circuits"`
}

func newSnAnalyzeCmd() *cobra.Command {
	var dir, epoch string
	var threshold float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Dissect a run: Fourier power per neuron, coset circuits, ablations; write a report",
		Long: `analyze reads a run directory (config.json, split.npy, metrics.jsonl and
checkpoints/epoch_NNNNNNNN.safetensors, as package group/grok documents)
and writes DIR/report/: report.md with PNG plots and analysis.json. At the
chosen checkpoint (the last by default) it computes every neuron's Fourier
power by irrep (left, right, unembedding), the coset analysis of sn-grok's
calculate_cosets.py (n ≤ 5), the circuits of neurons whose left and right
coset ratios are both below --threshold, and the test loss when each
circuit's neurons are zeroed.

` + snConventions,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return fmt.Errorf("--run: required (a run directory)")
			}
			if math.IsNaN(threshold) || math.IsInf(threshold, 0) || threshold <= 0 {
				return fmt.Errorf("--threshold %v: expected a finite number > 0", threshold)
			}
			opts := &grok.AnalyzeOptions{Threshold: threshold}
			if epoch != "" {
				e, err := strconv.Atoi(epoch)
				if err != nil || e < 0 {
					return fmt.Errorf("--epoch %q: expected an epoch number ≥ 0", epoch)
				}
				opts.Epoch = &e
			}
			r, err := grok.OpenRun(dir)
			if err != nil {
				return err
			}
			a, err := grok.Analyze(cmd.Context(), r, opts)
			if err != nil {
				return err
			}
			out := filepath.Join(dir, grok.ReportDir)
			if err := grok.WriteReport(out, a); err != nil {
				return err
			}
			res := analyzeJSON{Report: filepath.Join(out, grok.ReportFile), Epoch: a.Epoch, GrokEpoch: a.GrokEpoch, Test: a.Test, Circuits: a.Ablations}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(res)
			}
			return printSnAnalysis(w, a, res.Report)
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "run directory")
	cmd.Flags().StringVar(&epoch, "epoch", "", "checkpoint epoch to dissect (default: the last)")
	floatVar(cmd.Flags(), &threshold, "threshold", grok.CircuitThreshold, "coset ratio below which both a neuron's functions must lie for it to join a circuit")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON summary")
	return cmd
}

func printSnAnalysis(w io.Writer, a *grok.Analysis, report string) error {
	fmt.Fprintf(w, "S%d, epoch %d: test loss %.4g, accuracy %.2f%%", a.Config.N, a.Epoch, a.Test.Loss, 100*a.Test.Accuracy)
	if a.GrokEpoch >= 0 {
		fmt.Fprintf(w, "; grokked (test accuracy ≥ %.0f%%) at epoch %d", 100*grok.GrokAccuracy, a.GrokEpoch)
	}
	fmt.Fprintln(w)
	if len(a.Cosets) == 0 {
		fmt.Fprintf(w, "no coset analysis: the subgroup lattice is built for n ≤ %d\n", group.MaxLatticeN)
	} else {
		fmt.Fprintf(w, "%d circuits, %d of %d neurons in none\n\n", len(a.Circuits), len(a.Unassigned), len(a.Cosets))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "left subgroup\tright subgroup\tneurons\tablated test loss\tΔ loss\tablated accuracy")
		for _, ab := range a.Ablations {
			c := ab.Circuit
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.4g\t%+.4g\t%.2f%%\n", c.Left, c.Right, len(c.Neurons), ab.Ablated.Loss, ab.Ablated.Loss-ab.Base.Loss, 100*ab.Ablated.Accuracy)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nreport: %s\n", report)
	return nil
}
