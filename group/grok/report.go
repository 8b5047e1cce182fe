package grok

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/fmkit/fmkit/group"
	"github.com/fmkit/fmkit/internal/atomicfile"
)

// The files WriteReport writes into its directory.
const (
	ReportFile   = "report.md"
	AnalysisFile = "analysis.json"
)

const (
	plotWidth  = 7 * vg.Inch
	plotHeight = 4 * vg.Inch
)

// WriteReport writes the analysis into dir: report.md (markdown that links
// the plots), analysis.json (everything Analyze found) and PNG plots:
// loss.png and accuracy.png (training curves, when metrics were logged),
// power_left.png, power_right.png and power_unembed.png (neuron × irrep
// power), cosets.png (left against right coset ratio, when the coset
// analysis ran) and timeline.png (mean left power per irrep over the
// checkpoints). Every file is written atomically.
func WriteReport(dir string, a *Analysis) error {
	var plots []struct {
		name string
		draw func(io.Writer) error
	}
	add := func(name string, draw func(io.Writer) error) {
		plots = append(plots, struct {
			name string
			draw func(io.Writer) error
		}{name, draw})
	}
	if hasMetric(a.Metrics, func(m EpochMetrics) *float64 { return m.TrainLoss }) ||
		hasMetric(a.Metrics, func(m EpochMetrics) *float64 { return m.TestLoss }) {
		add("loss.png", func(w io.Writer) error { return curvePlot(w, a.Metrics, true) })
	}
	if hasMetric(a.Metrics, func(m EpochMetrics) *float64 { return m.TrainAcc }) ||
		hasMetric(a.Metrics, func(m EpochMetrics) *float64 { return m.TestAcc }) {
		add("accuracy.png", func(w io.Writer) error { return curvePlot(w, a.Metrics, false) })
	}
	for _, layer := range []string{"left", "right", "unembed"} {
		add("power_"+layer+".png", func(w io.Writer) error { return powerPlot(w, a, layer) })
	}
	if len(a.Cosets) > 0 {
		add("cosets.png", func(w io.Writer) error { return cosetPlot(w, a) })
	}
	if len(a.Timeline) > 0 {
		add("timeline.png", func(w io.Writer) error { return timelinePlot(w, a) })
	}
	var names []string
	for _, p := range plots {
		if err := atomicfile.Write(filepath.Join(dir, p.name), p.draw); err != nil {
			return fmt.Errorf("grok: report: %s: %w", p.name, err)
		}
		names = append(names, p.name)
	}
	b, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		return fmt.Errorf("grok: report: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, AnalysisFile), append(b, '\n')); err != nil {
		return fmt.Errorf("grok: report: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ReportFile), []byte(Markdown(a, names))); err != nil {
		return fmt.Errorf("grok: report: %w", err)
	}
	return nil
}

func hasMetric(ms []EpochMetrics, get func(EpochMetrics) *float64) bool {
	for _, m := range ms {
		if get(m) != nil {
			return true
		}
	}
	return false
}

// Markdown renders the analysis as the report's markdown, linking the
// named plots.
func Markdown(a *Analysis, plots []string) string {
	var b strings.Builder
	c := a.Config
	has := map[string]bool{}
	for _, p := range plots {
		has[p] = true
	}
	img := func(name, alt string) {
		if has[name] {
			fmt.Fprintf(&b, "![%s](%s)\n\n", alt, name)
		}
	}
	fmt.Fprintf(&b, "# Grokking S%d: analysis of epoch %d\n\n", c.N, a.Epoch)
	fmt.Fprintf(&b, "| n | \\|G\\| | embed | hidden | train fraction | seed | epochs | lr | weight decay |\n|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %g | %d | %d | %g | %g |\n\n", c.N, group.Factorial(c.N), c.EmbedDim, c.HiddenDim, c.FracTrain, c.Seed, c.Epochs, c.LR, c.WeightDecay)

	b.WriteString("## Training\n\n")
	fmt.Fprintf(&b, "At epoch %d: train loss %.4g, accuracy %.2f%%; test loss %.4g, accuracy %.2f%%.\n",
		a.Epoch, a.Train.Loss, 100*a.Train.Accuracy, a.Test.Loss, 100*a.Test.Accuracy)
	switch {
	case len(a.Metrics) == 0:
		b.WriteString("No metrics were logged.\n\n")
	case a.GrokEpoch >= 0:
		fmt.Fprintf(&b, "Test accuracy first reached %.0f%% at epoch %d.\n\n", 100*GrokAccuracy, a.GrokEpoch)
	default:
		fmt.Fprintf(&b, "Test accuracy never reached %.0f%% in the logged epochs.\n\n", 100*GrokAccuracy)
	}
	img("loss.png", "loss")
	img("accuracy.png", "accuracy")

	writePowerSection(&b, a)
	img("power_left.png", "left power")
	img("power_right.png", "right power")
	img("power_unembed.png", "unembedding power")

	writeCircuitSection(&b, a)
	img("cosets.png", "coset ratios")

	if has["timeline.png"] {
		b.WriteString("## Over training\n\nMean power of the neurons' left functions per irrep at each checkpoint (analysis.json's timeline also counts the neurons in circuits).\n\n")
		img("timeline.png", "timeline")
	}
	return b.String()
}

func writePowerSection(b *strings.Builder, a *Analysis) {
	p := a.Power
	b.WriteString("## Fourier power by irrep\n\n")
	b.WriteString("Neurons whose function has most of its power (fraction of ‖f‖²) in each irrep, and the mean fraction over neurons.\n\n")
	b.WriteString("| irrep | dim | left: neurons | left: mean | right: neurons | right: mean | unembed: neurons | unembed: mean |\n|---|---|---|---|---|---|---|---|\n")
	count := func(rows [][]float64, k int) int {
		c := 0
		for _, r := range rows {
			if Dominant(r) == k && r[k] > 0 {
				c++
			}
		}
		return c
	}
	for k, λ := range p.Irreps {
		fmt.Fprintf(b, "| %v | %d |", λ, λ.Dimension())
		for _, rows := range [][][]float64{p.Left, p.Right, p.Unembed} {
			fmt.Fprintf(b, " %d | %.3f |", count(rows, k), meanRows(rows)[k])
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func writeCircuitSection(b *strings.Builder, a *Analysis) {
	b.WriteString("## Coset circuits\n\n")
	if len(a.Cosets) == 0 {
		fmt.Fprintf(b, "The coset analysis needs the subgroup lattice, which is built for n ≤ %d.\n\n", group.MaxLatticeN)
		return
	}
	in := len(a.Cosets) - len(a.Unassigned)
	fmt.Fprintf(b, "Each neuron's left function is scored against the right cosets Hσ and its right function against the left cosets σH of every proper nontrivial subgroup H (sum of within-coset sample variances over the function's variance; a random function scores about [G:H]). A neuron is in a circuit when both best ratios are below %g. %d of %d neurons are in %d circuits.\n\n",
		a.Threshold, in, len(a.Cosets), len(a.Circuits))
	if len(a.Ablations) > 0 {
		b.WriteString("| circuit (left / right subgroup) | classes | neurons | dominant left irrep | test loss ablated (Δ) | test accuracy ablated |\n|---|---|---|---|---|---|\n")
		for _, ab := range a.Ablations {
			c := ab.Circuit
			fmt.Fprintf(b, "| %s / %s | %s / %s | %d | %v | %.4g (%+.4g) | %.2f%% |\n",
				c.Left, c.Right, c.LeftClass, c.RightClass, len(c.Neurons), dominantIrrep(a.Power, c.Neurons),
				ab.Ablated.Loss, ab.Ablated.Loss-ab.Base.Loss, 100*ab.Ablated.Accuracy)
		}
		b.WriteString("\n")
	}
	if len(a.Unassigned) > 0 {
		fmt.Fprintf(b, "Neurons in no circuit: %v.\n\n", a.Unassigned)
	}
}

// dominantIrrep returns the irrep that dominates most of the neurons' left
// functions.
func dominantIrrep(p *Power, neurons []int) group.Partition {
	votes := make([]int, len(p.Irreps))
	for _, j := range neurons {
		votes[Dominant(p.Left[j])]++
	}
	best := 0
	for k, v := range votes {
		if v > votes[best] {
			best = k
		}
	}
	return p.Irreps[best]
}

// setLogRange gives a log-scale axis a positive range around [lo, hi],
// which gonum/plot cannot find itself from a single value (or none).
func setLogRange(a *plot.Axis, lo, hi float64) {
	if math.IsInf(lo, 0) || lo <= 0 {
		lo, hi = 0.1, 10
	}
	a.Min, a.Max = lo/1.5, hi*1.5
}

func savePNG(w io.Writer, p *plot.Plot) error {
	wt, err := p.WriterTo(plotWidth, plotHeight, "png")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// curvePlot draws train and test loss (log scale) or accuracy over epochs.
func curvePlot(w io.Writer, ms []EpochMetrics, loss bool) error {
	p := plot.New()
	p.X.Label.Text = "epoch"
	p.Add(plotter.NewGrid())
	getters := []func(EpochMetrics) *float64{
		func(m EpochMetrics) *float64 { return m.TrainAcc },
		func(m EpochMetrics) *float64 { return m.TestAcc },
	}
	p.Title.Text, p.Y.Label.Text = "accuracy", "accuracy"
	if loss {
		getters = []func(EpochMetrics) *float64{
			func(m EpochMetrics) *float64 { return m.TrainLoss },
			func(m EpochMetrics) *float64 { return m.TestLoss },
		}
		p.Title.Text, p.Y.Label.Text = "loss", "cross-entropy (log scale)"
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: 1}
	}
	var lines []any
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, get := range getters {
		var xys plotter.XYs
		for _, m := range ms {
			if v := get(m); v != nil && (!loss || *v > 0) {
				xys = append(xys, plotter.XY{X: float64(m.Epoch), Y: *v})
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
		if len(xys) > 0 {
			lines = append(lines, []string{"train", "test"}[i], xys)
		}
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return err
	}
	if loss {
		setLogRange(&p.Y, lo, hi)
	}
	p.Legend.Top = true // the curves end low on the right
	return savePNG(w, p)
}

// grid is a neuron × irrep matrix for a heat map.
type grid struct {
	rows [][]float64 // [neuron][irrep]
}

func (g grid) Dims() (c, r int)   { return len(g.rows), len(g.rows[0]) }
func (g grid) Z(c, r int) float64 { return g.rows[c][r] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

func powerPlot(w io.Writer, a *Analysis, layer string) error {
	rows := map[string][][]float64{"left": a.Power.Left, "right": a.Power.Right, "unembed": a.Power.Unembed}[layer]
	if len(rows) == 0 {
		return fmt.Errorf("no neurons")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s functions: fraction of power per irrep (epoch %d)", layer, a.Epoch)
	p.X.Label.Text = "neuron"
	cmap := moreland.ExtendedBlackBody()
	cmap.SetMin(0)
	cmap.SetMax(1)
	h := plotter.NewHeatMap(grid{rows}, cmap.Palette(64))
	h.Min, h.Max = 0, 1
	p.Add(h)
	var names []string
	for _, λ := range a.Power.Irreps {
		names = append(names, λ.String())
	}
	p.Y.Tick.Marker = irrepTicks(names)
	return savePNG(w, p)
}

type irrepTicks []string

func (t irrepTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for i, s := range t {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: s})
	}
	return ticks
}

func cosetPlot(w io.Writer, a *Analysis) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("coset ratios per neuron (epoch %d)", a.Epoch)
	p.X.Label.Text, p.Y.Label.Text = "left ratio (right cosets Hσ)", "right ratio (left cosets σH)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	// Prec 1 labels the powers of ten "1e-05", not "9.999999999999999e-06".
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: 1}, plot.LogTicks{Prec: 1}
	p.Add(plotter.NewGrid())
	inCircuit := circuitLegend(a.Circuits)
	groups := map[string]plotter.XYs{}
	var order []string
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, nc := range a.Cosets {
		key := inCircuit[nc.Neuron]
		if key == "" {
			key = "no circuit"
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		x, y := math.Max(nc.Left.Ratio, 1e-6), math.Max(nc.Right.Ratio, 1e-6)
		groups[key] = append(groups[key], plotter.XY{X: x, Y: y})
		xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
		ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
	}
	// Largest circuits first, then the rest, then the neurons in none.
	rank := func(k string) int {
		switch k {
		case "no circuit":
			return 2
		case "other circuits":
			return 1
		}
		return 0
	}
	slices.SortStableFunc(order, func(a, b string) int {
		if rank(a) != rank(b) {
			return rank(a) - rank(b)
		}
		return len(groups[b]) - len(groups[a])
	})
	for i, key := range order {
		s, err := plotter.NewScatter(groups[key])
		if err != nil {
			return err
		}
		s.Color = plotutil.Color(i)
		s.Shape = plotutil.Shape(i)
		p.Add(s)
		p.Legend.Add(key, s)
	}
	// Circuits sit low on the left and the other neurons near 1 on the
	// right, which leaves the top left free.
	p.Legend.Top, p.Legend.Left = true, true
	setLogRange(&p.X, xlo, xhi)
	setLogRange(&p.Y, ylo, yhi)
	return savePNG(w, p)
}

// legendClasses is how many circuit classes (pairs of subgroup classes)
// the coset plot names; the rest share one legend entry.
const legendClasses = 6

// circuitLegend maps each neuron in a circuit to its legend entry: the
// pair of subgroup classes for the legendClasses pairs with most neurons,
// "other circuits" for the rest.
func circuitLegend(circuits []Circuit) map[int]string {
	count := map[string]int{}
	for _, c := range circuits {
		count[c.LeftClass+"/"+c.RightClass] += len(c.Neurons)
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return strings.Compare(a, b)
	})
	named := map[string]bool{}
	for _, k := range keys[:min(len(keys), legendClasses)] {
		named[k] = true
	}
	out := map[int]string{}
	for _, c := range circuits {
		key := c.LeftClass + "/" + c.RightClass
		if !named[key] {
			key = "other circuits"
		}
		for _, j := range c.Neurons {
			out[j] = key
		}
	}
	return out
}

func timelinePlot(w io.Writer, a *Analysis) error {
	p := plot.New()
	p.Title.Text = "mean power of the left functions per irrep"
	p.X.Label.Text, p.Y.Label.Text = "epoch", "fraction of ‖f‖²"
	p.Add(plotter.NewGrid())
	var lines []any
	for k, λ := range a.Power.Irreps {
		xys := make(plotter.XYs, len(a.Timeline))
		for i, t := range a.Timeline {
			xys[i] = plotter.XY{X: float64(t.Epoch), Y: t.LeftPower[k]}
		}
		lines = append(lines, λ.String(), xys)
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return err
	}
	p.Y.Min, p.Y.Max = 0, 1
	// The power moves late in a run, on the right; at the start an irrep
	// of S_4 or larger holds about d²/|G| ≤ 0.375, so the top left is free.
	p.Legend.Top = true
	p.Legend.Left = true
	return savePNG(w, p)
}
