package cli

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/eval"
)

func TestSweepPanels(t *testing.T) {
	rows := []eval.SweepRow{
		{Task: "arc", Metric: "acc", Filter: "none"},
		{Task: "arc", Metric: "acc_norm", Filter: "none"},
		{Task: "gsm8k", Metric: "exact_match", Filter: "strict"},
		{Task: "gsm8k", Metric: "exact_match", Filter: "flexible"},
		{Task: "piqa", Metric: "acc", Filter: "none"},
	}
	var got []string
	for _, p := range sweepPanels(rows) {
		var tasks []string
		for _, r := range p.rows {
			tasks = append(tasks, r.Task)
		}
		got = append(got, p.title+":"+strings.Join(tasks, ","))
	}
	want := "acc:arc,piqa|acc_norm:arc|exact_match (strict):gsm8k|exact_match (flexible):gsm8k"
	if strings.Join(got, "|") != want {
		t.Errorf("panels %v, want %s", got, want)
	}
	styles := taskStyles(rows)
	if len(styles) != 3 || styles["arc"].color == styles["gsm8k"].color && styles["arc"].shape == styles["gsm8k"].shape {
		t.Errorf("tasks must differ in colour or marker: %v", styles)
	}
}

// TestCFGSweepFiles: a sweep writes one results file per γ, named with
// it, and a plot with a panel per metric.
func TestCFGSweepFiles(t *testing.T) {
	dir := t.TempDir()
	plotPath := filepath.Join(dir, "plots", "new", "sweep.png")
	_, stderr, code := run(t, "eval", "--model", "builtin:recursion-tiny", "--tasks", "recursion_succ_carry_0,recursion_succ_carry_1",
		"--limit", "2", "--cfg-sweep", "1,1.5,-0.5", "--output", filepath.Join(dir, "out"), "--cfg-plot", plotPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, g := range []string{"1", "1.5", "-0.5"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "out", "*", "results_*_cfg"+g+".json")); len(m) != 1 {
			t.Errorf("γ=%s: results files %v", g, m)
		}
	}
	f, err := os.Open(plotPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 500 {
		t.Errorf("plot: %v, %v", err, img)
	}
}
