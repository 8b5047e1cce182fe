package pinkelephant

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fmkit/fmkit/lm/native"
)

// Arm kinds of a comparison, as ArmResult.Kind names them.
const (
	KindBase        = "base"
	KindInstruction = "base+instruction"
	KindCFG         = "cfg"
	KindDPF         = "dpf"
	KindDPFInstr    = "dpf+instruction"
)

// CompareOptions configure Compare.
type CompareOptions struct {
	EvalOptions
	// Scales are the guidance scales γ of the CFG arms. The default is
	// 1.5, 2, 3 and 5.
	Scales []float64
	// Progress, if set, is told which arm starts.
	ArmStart func(i, n int, name string)
}

// ArmResult is one row of a comparison.
type ArmResult struct {
	Kind  string  `json:"kind"`
	Scale float64 `json:"scale,omitempty"` // CFG arms: γ
	*EvalResult
}

// Comparison is the outcome of Compare: the arms in order.
type Comparison struct {
	Arms []ArmResult `json:"arms"`
}

// Compare evaluates, on the same test dialogues, the base model without
// and with the avoidance instruction, the base model with the instruction
// and classifier-free guidance away from the Pink Elephant at each scale,
// and (if dpf is not nil) a DPF-trained model without and with the
// instruction. Both models are native: guidance needs the full next-token
// distributions.
func Compare(ctx context.Context, base, dpf *native.Model, test []Dialogue, opts *CompareOptions) (*Comparison, error) {
	var o CompareOptions
	if opts != nil {
		o = *opts
	}
	if len(o.Scales) == 0 {
		o.Scales = []float64{1.5, 2, 3, 5}
	}
	for _, s := range o.Scales {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("pinkelephant: guidance scale %v is not a finite number", s)
		}
	}
	if base == nil {
		return nil, errors.New("pinkelephant: Compare needs a base model")
	}
	type spec struct {
		kind  string
		scale float64
		arm   Arm
	}
	arms := []spec{
		{kind: KindBase, arm: Arm{Name: "base", Model: base, Chat: base}},
		{kind: KindInstruction, arm: Arm{Name: "base+instruction", Model: base, Chat: base, Instruction: true}},
	}
	for _, s := range o.Scales {
		name := "cfg γ=" + strconv.FormatFloat(s, 'g', -1, 64)
		arms = append(arms, spec{kind: KindCFG, scale: s, arm: Arm{Name: name, Model: base, Chat: base, Instruction: true, Guided: base, CFGScale: s}})
	}
	if dpf != nil {
		arms = append(arms,
			spec{kind: KindDPF, arm: Arm{Name: "dpf", Model: dpf, Chat: dpf}},
			spec{kind: KindDPFInstr, arm: Arm{Name: "dpf+instruction", Model: dpf, Chat: dpf, Instruction: true}})
	}
	cmp := &Comparison{}
	for i, a := range arms {
		if o.ArmStart != nil {
			o.ArmStart(i, len(arms), a.arm.Name)
		}
		res, err := Evaluate(ctx, a.arm, test, &o.EvalOptions)
		if err != nil {
			return cmp, err
		}
		cmp.Arms = append(cmp.Arms, ArmResult{Kind: a.kind, Scale: a.scale, EvalResult: res})
	}
	return cmp, nil
}

// Domains returns every domain of the comparison, sorted.
func (c *Comparison) Domains() []string {
	var out []string
	for _, a := range c.Arms {
		for _, d := range a.ByDomain {
			if !slices.Contains(out, d.Domain) {
				out = append(out, d.Domain)
			}
		}
	}
	slices.Sort(out)
	return out
}

// The size of the PNG WritePlot draws.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

// WritePlot draws the comparison as a PNG: the Pink Elephant mention rate
// of the CFG arms against the guidance scale γ (with ±1 standard error
// bars), and the other arms as horizontal lines across the sweep.
func (c *Comparison) WritePlot(w io.Writer, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "guidance scale γ"
	p.Y.Label.Text = "Pink Elephant mention rate (lower is better)"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())

	var cfg plotter.XYs
	var errs plotter.YErrors
	lo, hi := 1.0, 1.0
	for _, a := range c.Arms {
		if a.Kind == KindCFG {
			cfg = append(cfg, plotter.XY{X: a.Scale, Y: a.Pink.Rate})
			errs = append(errs, struct{ Low, High float64 }{orZero(a.Pink.Stderr), orZero(a.Pink.Stderr)})
			lo, hi = math.Min(lo, a.Scale), math.Max(hi, a.Scale)
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	p.X.Min, p.X.Max = lo-0.1*(hi-lo), hi+0.1*(hi-lo)
	palette := []color.Color{
		color.RGBA{R: 90, G: 90, B: 90, A: 255}, color.RGBA{R: 30, G: 110, B: 200, A: 255},
		color.RGBA{R: 220, G: 120, B: 20, A: 255}, color.RGBA{R: 40, G: 160, B: 70, A: 255},
	}
	k := 0
	ymax := 0.0
	for _, a := range c.Arms {
		if a.Kind == KindCFG || math.IsNaN(a.Pink.Rate) {
			continue
		}
		rate := a.Pink.Rate
		ymax = math.Max(ymax, rate)
		l := plotter.NewFunction(func(float64) float64 { return rate })
		l.Color = palette[k%len(palette)]
		l.Width = vg.Points(1.5)
		if a.Kind == KindDPF || a.Kind == KindBase {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		k++
		p.Add(l)
		p.Legend.Add(a.Arm, l)
	}
	if len(cfg) > 0 {
		data := struct {
			plotter.XYs
			plotter.YErrors
		}{cfg, errs}
		line, points, err := plotter.NewLinePoints(cfg)
		if err != nil {
			return fmt.Errorf("pinkelephant: plot: %w", err)
		}
		line.Color = color.RGBA{R: 200, G: 30, B: 120, A: 255}
		line.Width = vg.Points(2)
		points.Color = line.Color
		bars, err := plotter.NewYErrorBars(data)
		if err != nil {
			return fmt.Errorf("pinkelephant: plot: %w", err)
		}
		bars.Color = line.Color
		p.Add(line, points, bars)
		p.Legend.Add("base+instruction, CFG away from the Pink Elephant", line, points)
		for _, pt := range cfg {
			ymax = math.Max(ymax, pt.Y)
		}
	}
	p.Y.Max = math.Min(1, math.Max(0.05, ymax*1.3+0.02))
	p.Legend.Top = true
	wt, err := p.WriterTo(plotWidth, plotHeight, "png")
	if err != nil {
		return fmt.Errorf("pinkelephant: plot: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("pinkelephant: plot: %w", err)
	}
	return nil
}

func orZero(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return f
}
