package cli

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/internal/atomicfile"
)

// sweepPanel is one metric (and filter) of a guidance sweep: a line per
// task that reports it.
type sweepPanel struct {
	title string
	rows  []eval.SweepRow
}

// sweepPanels groups the sweep's rows by metric and filter, in order of
// first appearance; the filter joins the title only where a metric has
// several.
func sweepPanels(rows []eval.SweepRow) []sweepPanel {
	filters := map[string]map[string]bool{}
	for _, r := range rows {
		if filters[r.Metric] == nil {
			filters[r.Metric] = map[string]bool{}
		}
		filters[r.Metric][r.Filter] = true
	}
	var panels []sweepPanel
	index := map[string]int{}
	for _, r := range rows {
		title := r.Metric
		if len(filters[r.Metric]) > 1 {
			title += " (" + r.Filter + ")"
		}
		i, ok := index[title]
		if !ok {
			i = len(panels)
			index[title] = i
			panels = append(panels, sweepPanel{title: title})
		}
		panels[i].rows = append(panels[i].rows, r)
	}
	return panels
}

// writeSweepPlot draws every metric of every task against the guidance
// scale, one panel per metric (small multiples), γ on each x axis with a
// tick at every scale run, and one shared legend in a panel of its own:
// each task keeps its colour and marker in every panel, and many close
// lines stay apart by their markers. The PNG is written atomically.
func writeSweepPlot(path string, scales []float64, rows []eval.SweepRow, uncond string) error {
	panels := sweepPanels(rows)
	if len(panels) == 0 {
		return fmt.Errorf("--cfg-plot: the sweep has no values to plot")
	}
	order := make([]int, len(scales))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return scales[order[a]] < scales[order[b]] })
	var ticks []plot.Tick
	for _, i := range order {
		ticks = append(ticks, plot.Tick{Value: scales[i], Label: strconv.FormatFloat(scales[i], 'g', -1, 64)})
	}
	tasks := taskStyles(rows)
	legend := plot.NewLegend()
	legend.TextStyle.Font.Size = vg.Points(9)
	var plots []*plot.Plot
	for _, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "guidance scale γ"
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Add(plotter.NewGrid())
		fraction := true
		for _, r := range pn.rows {
			var xys plotter.XYs
			for _, i := range order {
				if v := r.Values[i]; !math.IsNaN(v) {
					xys = append(xys, plotter.XY{X: scales[i], Y: v})
					fraction = fraction && v >= 0 && v <= 1
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("--cfg-plot: %w", err)
			}
			st := tasks[r.Task]
			line.Color, points.Color, points.Shape = st.color, st.color, st.shape
			points.Radius = vg.Points(3.5)
			p.Add(line, points)
			if !st.inLegend {
				legend.Add(r.Task, line, points)
				st.inLegend = true
			}
		}
		if fraction {
			p.Y.Min, p.Y.Max = 0, 1
		}
		p.X.Min, p.X.Max = scales[order[0]], scales[order[len(order)-1]]
		if p.X.Min == p.X.Max {
			p.X.Min, p.X.Max = p.X.Min-0.5, p.X.Max+0.5
		}
		plots = append(plots, p)
	}
	const cols = 3
	cells := len(plots) + 1 // the legend takes the last cell
	nc := min(cols, cells)
	nr := (cells + nc - 1) / nc
	width, height := vg.Length(nc)*3.6*vg.Inch, vg.Length(nr)*3*vg.Inch+0.4*vg.Inch
	img := vgimg.New(width, height)
	dc := draw.New(img)
	title := "classifier-free guidance sweep (unconditional branch " + uncond + ")"
	titleStyle := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(13)), XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
	dc.FillText(titleStyle, vg.Point{X: dc.Min.X + width/2, Y: dc.Max.Y - 0.2*vg.Inch}, title)
	body := draw.Crop(dc, 0, 0, 0, -0.4*vg.Inch)
	tiles := draw.Tiles{Rows: nr, Cols: nc, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	grid := make([][]*plot.Plot, nr)
	for r := range grid {
		grid[r] = make([]*plot.Plot, nc)
		for c := range grid[r] {
			if i := r*nc + c; i < len(plots) {
				grid[r][c] = plots[i]
			}
		}
	}
	canvases := plot.Align(grid, tiles, body)
	for r := range grid {
		for c := range grid[r] {
			if grid[r][c] != nil {
				grid[r][c].Draw(canvases[r][c])
			}
		}
	}
	last := len(plots)
	lc := tiles.At(body, last%nc, last/nc)
	legend.Top, legend.Left = true, true
	legend.Draw(lc)
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("--cfg-plot %s: %w", path, err)
	}
	return nil
}

// taskStyle is one task's colour and marker, the same in every panel.
type taskStyle struct {
	color    color.Color
	shape    draw.GlyphDrawer
	inLegend bool
}

// taskStyles gives each task its own colour and marker; the palettes
// cycle at different lengths (7 colours, 8 markers), so the first 56
// tasks all differ in one or the other.
func taskStyles(rows []eval.SweepRow) map[string]*taskStyle {
	styles := map[string]*taskStyle{}
	for _, r := range rows {
		if _, ok := styles[r.Task]; !ok {
			i := len(styles)
			styles[r.Task] = &taskStyle{color: plotutil.Color(i), shape: plotutil.Shape(i)}
		}
	}
	return styles
}
