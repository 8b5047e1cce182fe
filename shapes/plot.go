package shapes

import (
	"errors"
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// The size of the PNG WritePlot draws.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

// WritePlot draws r as a PNG: predicted throughput (TFLOPS) against the
// swept dimension, one thick line for the whole forward pass and a thin one
// per GEMM, in the manner of the sawtooth figures of Anthony et al.
func WritePlot(w io.Writer, r *SweepResult, title string) error {
	if len(r.Points) == 0 {
		return errors.New("shapes: plot: the sweep has no points")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = r.Range.Dim
	p.Y.Label.Text = "predicted TFLOPS"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())

	model := make(plotter.XYs, len(r.Points))
	for i, pt := range r.Points {
		model[i] = plotter.XY{X: float64(pt.Value), Y: pt.ModelTFLOPS}
	}
	var lines []any
	for g, name := range r.GEMMNames {
		xys := make(plotter.XYs, len(r.Points))
		for i, pt := range r.Points {
			xys[i] = plotter.XY{X: float64(pt.Value), Y: pt.GEMMTFLOPS[g]}
		}
		lines = append(lines, name, xys)
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return fmt.Errorf("shapes: plot: %w", err)
	}
	l, err := plotter.NewLine(model)
	if err != nil {
		return fmt.Errorf("shapes: plot: %w", err)
	}
	l.Color = color.Black
	l.Width = vg.Points(2.5)
	p.Add(l)
	p.Legend.Add("forward pass", l)
	p.Legend.Top = false
	p.Legend.Left = false
	p.Y.Max = max(p.Y.Max, r.Machine.PeakTFLOPS*1.02)
	peak := plotter.NewFunction(func(float64) float64 { return r.Machine.PeakTFLOPS })
	peak.Color = color.Gray{Y: 120}
	peak.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(peak)
	p.Legend.Add("peak", peak)

	wt, err := p.WriterTo(plotWidth, plotHeight, "png")
	if err != nil {
		return fmt.Errorf("shapes: plot: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("shapes: plot: %w", err)
	}
	return nil
}
