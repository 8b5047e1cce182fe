package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// The Markdown tables that the CLI prints.

// mdTable writes Markdown table rows.
type mdTable struct{ b strings.Builder }

func (t *mdTable) row(cells ...string) { t.b.WriteString("|" + strings.Join(cells, "|") + "|\n") }

// Table renders lm-eval's Markdown results table, with the human accuracy
// (KMMLU) beside the model's where known, and a second table of groups with
// the micro (lm-eval's) and macro averages.
func Table(run *Run) string {
	var t mdTable
	t.row("Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr", "Human")
	t.row("-----", "------:", "------", "-----:", "------", "---", "-----:", "---", "-----:", "-----:")
	for _, r := range run.Results {
		for i, m := range r.Metrics {
			name, version, human := "", "", ""
			if i == 0 {
				name, version = r.Name, py.Str(r.task.version())
				human = fmtHuman(r.HumanAccuracy)
			}
			t.row(name, version, m.Filter, strconv.Itoa(r.NumFewshot), m.Name, arrow(r.task, m.Name), fmtFloat(m.Value), "±", fmtStderr(m.Stderr), human)
		}
	}
	if groups := run.Groups(); len(groups) > 0 {
		t.b.WriteString("\n")
		t.row("Groups", "Version", "Filter", "Metric", "Micro (lm-eval)", "", "Stderr", "Macro", "Human")
		t.row("------", "------:", "------", "------", "--------------:", "---", "-----:", "-----:", "-----:")
		for _, g := range groups {
			for _, m := range g.Metrics {
				t.row(g.Name, "", m.Filter, m.Name, fmtFloat(m.Value), "±", fmtStderr(m.Stderr), fmtFloat(g.Macro[m.Key()]), fmtHuman(g.Human))
			}
		}
	}
	if run.Interrupted {
		t.b.WriteString("\n(interrupted: only finished tasks are shown)\n")
	}
	return t.b.String()
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

func fmtStderr(f float64) string {
	if math.IsNaN(f) {
		return "N/A"
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
	var t mdTable
	fmt.Fprintf(&t.b, "classifier-free guidance sweep, unconditional branch %s\n", uncond)
	head := []string{"Task", "Metric", "Filter"}
	rule := []string{"----", "------", "------"}
	for _, s := range scales {
		head = append(head, fmt.Sprintf("γ=%g", s))
		rule = append(rule, "-----:")
	}
	t.row(head...)
	t.row(rule...)
	for _, r := range rows {
		cells := []string{r.Task, r.Metric, r.Filter}
		for _, v := range r.Values {
			if math.IsNaN(v) {
				cells = append(cells, "")
			} else {
				cells = append(cells, fmtFloat(v))
			}
		}
		t.row(cells...)
	}
	return t.b.String()
}
