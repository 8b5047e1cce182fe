package cli

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/group/grok"
	"github.com/fmkit/fmkit/npy"
)

func TestSnIrreps(t *testing.T) {
	out, errOut, code := runFmkit(t, "sn", "irreps", "--n", "4", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got irrepsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// S4's textbook table, irreps and classes both (4), (3,1), (2,2), (2,1,1), (1,1,1,1).
	want := [][]int{{1, 1, 1, 1, 1}, {-1, 0, -1, 1, 3}, {0, -1, 2, 0, 2}, {1, 0, -1, -1, 3}, {-1, 1, 1, -1, 1}}
	if got.Order != 24 || !slices.Equal(got.Dims, []int{1, 3, 2, 3, 1}) || got.Irreps[1] != "(3,1)" || got.Classes[3].CycleType != "(2,1,1)" || got.Classes[3].Size != 6 {
		t.Errorf("irreps: %+v", got)
	}
	for i := range want {
		if !slices.Equal(got.Characters[i], want[i]) {
			t.Errorf("χ%s = %v, want %v", got.Irreps[i], got.Characters[i], want[i])
		}
	}
	text, _, code := runFmkit(t, "sn", "irreps", "--n", "5")
	if code != 0 || !strings.Contains(text, "S5: 120 elements, 7 irreps") || !strings.Contains(text, "(2,1,1,1)") {
		t.Errorf("table output:\n%s", text)
	}
	for _, args := range [][]string{{"--n", "0"}, {"--n", "9"}, {"--n", "x"}} {
		if _, e, code := runFmkit(t, append([]string{"sn", "irreps"}, args...)...); code == 0 || !strings.Contains(e, "--n") {
			t.Errorf("%v: exit %d, %q", args, code, e)
		}
	}
	help, _, _ := runFmkit(t, "sn", "irreps", "--help")
	if !strings.Contains(help, "(a·b)[i] = b[a[i]]") || !strings.Contains(help, "lexicographic order") {
		t.Error("--help does not state the conventions")
	}
}

// TestSnFourierMatchesSnGrok runs the command on the fixture functions of
// package group and compares with the paper's code's power fractions.
func TestSnFourierMatchesSnGrok(t *testing.T) {
	b, err := os.ReadFile("../../group/testdata/sngrok_spectra.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]map[string][]float64
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runFmkit(t, "sn", "fourier", "--n", "5", "--f", "../../group/testdata/sngrok_functions_s5.npy", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got fourierJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 7 {
		t.Fatalf("%d rows", len(got.Rows))
	}
	for _, row := range got.Rows {
		sum := 0.0
		for name, v := range row.Power {
			sum += v
			py := "[" + strings.ReplaceAll(strings.Trim(name, "()"), ",", ", ") + "]"
			if w := ref["5"][py][row.Row]; math.Abs(v-w) > 1e-5 {
				t.Errorf("row %d %s: %g, sn-grok %g", row.Row, name, v, w)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("row %d sums to %g", row.Row, sum)
		}
	}
}

func TestSnFourierErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, shape []int, data []float64) string {
		p := filepath.Join(dir, name)
		if err := npy.WriteFile(p, shape, data); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := make([]float64, 6)
	for i := range good {
		good[i] = float64(i + 1)
	}
	nan := append([]float64(nil), good...)
	nan[4] = math.NaN()
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--n", "3"}, "--f: required"},
		{[]string{"--n", "3", "--f", filepath.Join(dir, "absent.npy")}, "--f"},
		{[]string{"--n", "4", "--f", write("g.npy", []int{6}, good)}, "expected [24] or [m, 24]"},
		{[]string{"--n", "3", "--f", write("nan.npy", []int{1, 6}, nan)}, "row 0, element 4 is NaN"},
		{[]string{"--n", "3", "--f", write("zero.npy", []int{2, 6}, append(append([]float64(nil), good...), make([]float64, 6)...))}, "row 1 is zero"},
		{[]string{"--n", "8", "--f", write("g8.npy", []int{6}, good)}, "--n 8: expected 1 ≤ n ≤ 7"},
	}
	for _, tc := range tests {
		_, errOut, code := runFmkit(t, append([]string{"sn", "fourier"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, code, errOut, tc.msg)
		}
	}
	out, _, code := runFmkit(t, "sn", "fourier", "--n", "3", "--f", write("ok.npy", []int{6}, good))
	if code != 0 || !strings.Contains(out, "(2,1)") {
		t.Errorf("table output: %q", out)
	}
}

func TestSnAnalyze(t *testing.T) {
	m, _, err := grok.LoadModel("../../group/grok/testdata/sngrok_s5_model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := grok.NewDataset(5)
	cfg := grok.PaperConfig(5)
	cfg.EmbedDim, cfg.HiddenDim = m.EmbedDim, m.HiddenDim
	split, _ := grok.NewSplit(d, cfg.FracTrain, 1)
	dir := filepath.Join(t.TempDir(), "run")
	r, err := grok.CreateRun(dir, cfg, split)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCheckpoint(10, grok.NewModel(m.Order, m.EmbedDim, m.HiddenDim, rand.New(rand.NewPCG(1, 1)))); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCheckpoint(20, m); err != nil {
		t.Fatal(err)
	}
	loss := 1.0
	if err := r.AppendMetrics(grok.EpochMetrics{Epoch: 10, TrainLoss: &loss}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := runFmkit(t, "sn", "analyze", "--run", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res analyzeJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Epoch != 20 || len(res.Circuits) == 0 || res.GrokEpoch != -1 {
		t.Errorf("summary %+v", res)
	}
	for _, f := range []string{"report.md", "analysis.json", "power_left.png", "cosets.png", "loss.png"} {
		if _, err := os.Stat(filepath.Join(dir, "report", f)); err != nil {
			t.Errorf("report file: %v", err)
		}
	}
	text, errOut, code := runFmkit(t, "sn", "analyze", "--run", dir, "--epoch", "10")
	if code != 0 || !strings.Contains(text, "epoch 10") || !strings.Contains(text, "0 circuits") {
		t.Errorf("epoch 10: exit %d %q %q", code, text, errOut)
	}
	for _, args := range [][]string{
		{"--run", dir, "--epoch", "15"},
		{"--run", dir, "--epoch", "-3"},
		{"--run", dir, "--threshold", "inf"},
		{"--run", filepath.Join(dir, "nothing")},
		{},
	} {
		_, errOut, code := runFmkit(t, append([]string{"sn", "analyze"}, args...)...)
		if code == 0 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
