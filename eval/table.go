package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// The Markdown tables that the CLI prints, laid out as lm-eval's
// make_table lays them out (markdownTable).

// Table renders lm-eval's Markdown results table, with the human accuracy
// (KMMLU) beside the model's where known, and a second table of groups with
// the micro (lm-eval's) and macro averages.
func Table(run *Run) string {
	var rows [][]string
	for _, r := range run.Results {
		for i, m := range r.Metrics {
			name, version, human := "", "", ""
			if i == 0 {
				name, version = r.Name, py.Str(r.task.version())
				human = fmtHuman(r.HumanAccuracy)
			}
			rows = append(rows, []string{name, version, m.Filter, strconv.Itoa(r.NumFewshot), m.Name, arrow(r.task, m.Name),
				fmtFloat(m.Value), "±", fmtStderr(m.Stderr), human})
		}
	}
	var b strings.Builder
	b.WriteString(markdownTable([]string{"Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr", "Human"}, rows))
	if groups := run.Groups(); len(groups) > 0 {
		rows = rows[:0]
		for _, g := range groups {
			for _, m := range g.Metrics {
				rows = append(rows, []string{g.Name, "", m.Filter, m.Name, fmtFloat(m.Value), "±", fmtStderr(m.Stderr), fmtFloat(g.Macro[m.Key()]), fmtHuman(g.Human)})
			}
		}
		b.WriteString("\n")
		b.WriteString(markdownTable([]string{"Groups", "Version", "Filter", "Metric", "Micro (lm-eval)", "", "Stderr", "Macro", "Human"}, rows))
	}
	if run.Interrupted {
		b.WriteString("\n(interrupted: only finished tasks are shown)\n")
	}
	return b.String()
}

func arrow(t *Task, metric string) string {
	for _, mc := range t.Config.Metrics {
		if mc.Name == metric {
			if mc.higherIsBetter() {
				return "↑"
			}
			return "↓"
		}
	}
	return ""
}

func fmtFloat(f float64) string { return fmt.Sprintf("%.4f", f) }

// fmtStderr is a standard error as make_table writes it, "   N/A" where
// there is none.
func fmtStderr(f float64) string {
	if math.IsNaN(f) {
		return "   N/A"
	}
	return fmtFloat(f)
}

func fmtHuman(f float64) string {
	if math.IsNaN(f) {
		return ""
	}
	return fmtFloat(f)
}

// SweepTable renders a guidance sweep as a task × scale Markdown table
// under a line naming the unconditional branch; an empty cell is a run
// without that value.
func SweepTable(scales []float64, rows []SweepRow, uncond string) string {
	head := []string{"Task", "Metric", "Filter"}
	for _, s := range scales {
		head = append(head, fmt.Sprintf("γ=%g", s))
	}
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		row := []string{r.Task, r.Metric, r.Filter}
		for _, v := range r.Values {
			if math.IsNaN(v) {
				row = append(row, "")
			} else {
				row = append(row, fmtFloat(v))
			}
		}
		cells = append(cells, row)
	}
	return fmt.Sprintf("classifier-free guidance sweep, unconditional branch %s\n", uncond) + markdownTable(head, cells)
}
