package grok_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/group/grok"
	"github.com/fmkit/fmkit/npy"
	"github.com/fmkit/fmkit/safetensors"
)

func TestSplit(t *testing.T) {
	d, _ := grok.NewDataset(4)
	s1, err := grok.NewSplit(d, 0.4, 7)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := grok.NewSplit(d, 0.4, 7)
	s3, _ := grok.NewSplit(d, 0.4, 8)
	if len(s1.Train) != 230 || len(s1.Test) != 576-230 {
		t.Errorf("split sizes %d/%d, want 230/346", len(s1.Train), len(s1.Test))
	}
	if !equal32(s1.Train, s2.Train) || equal32(s1.Train, s3.Train) {
		t.Error("split is not a function of the seed")
	}
	for _, bad := range []float64{0, 1, -0.5, math.NaN(), 0.0001} {
		if _, err := grok.NewSplit(d, bad, 1); err == nil {
			t.Errorf("fraction %v accepted", bad)
		}
	}
	back := grok.SplitFromMask(s1.Mask(d.Pairs()))
	if !equal32(back.Train, s1.Train) || !equal32(back.Test, s1.Test) {
		t.Error("mask round trip changed the split")
	}
}

func equal32(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNewModelInit(t *testing.T) {
	m := grok.NewModel(120, 256, 128, rand.New(rand.NewPCG(1, 1)))
	mean, sq := 0.0, 0.0
	for _, v := range m.LeftEmbed {
		mean += float64(v)
		sq += float64(v) * float64(v)
	}
	mean /= float64(len(m.LeftEmbed))
	std := math.Sqrt(sq/float64(len(m.LeftEmbed)) - mean*mean)
	if math.Abs(mean) > 0.02 || math.Abs(std-1) > 0.02 {
		t.Errorf("embedding mean %g std %g, want N(0, 1)", mean, std)
	}
	bound := float32(1 / math.Sqrt(512))
	maxAbs := float32(0)
	for _, v := range m.Linear {
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	if maxAbs > bound || maxAbs < 0.95*bound {
		t.Errorf("linear weights reach %g, want just under 1/√512 = %g", maxAbs, bound)
	}
	if m.N() != 5 {
		t.Errorf("N() = %d", m.N())
	}
}

func TestSaveLoadModel(t *testing.T) {
	m := grok.NewModel(24, 8, 6, rand.New(rand.NewPCG(2, 2)))
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ti := range f.Tensors() {
		names = append(names, ti.Name)
	}
	f.Close()
	want := "lembed.weight linear.weight rembed.weight unembed.bias unembed.weight"
	if got := strings.Join(sortedStrings(names), " "); got != want {
		t.Errorf("tensor names %q, want sn-grok's %q", got, want)
	}
	back, meta, err := grok.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["epoch"] != "3" || back.HiddenDim != 6 || back.EmbedDim != 8 || back.Order != 24 {
		t.Errorf("loaded %+v %v", back, meta)
	}
	for i := range m.Linear {
		if back.Linear[i] != m.Linear[i] {
			t.Fatal("weights changed in the round trip")
		}
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestLoadModelErrors(t *testing.T) {
	dir := t.TempDir()
	m := grok.NewModel(24, 4, 3, rand.New(rand.NewPCG(3, 3)))
	write := func(name string, edit func([]safetensors.Tensor) []safetensors.Tensor) string {
		p := filepath.Join(dir, name)
		if err := safetensors.WriteFile(p, edit(m.Tensors()), nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nan := float32(math.NaN())
	tests := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		msg  string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }, `no tensor "lembed.weight"`},
		{"shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[2] = safetensors.FromFloat32("linear.weight", []int{3, 7}, make([]float32, 21))
			return ts
		}, "linear.weight has shape [3 7], expected [3 8]"},
		{"nan", func(ts []safetensors.Tensor) []safetensors.Tensor {
			ts[4] = safetensors.FromFloat32("unembed.bias", []int{24}, append([]float32{nan}, make([]float32, 23)...))
			return ts
		}, "unembed.bias holds NaN"},
		{"vocab", func([]safetensors.Tensor) []safetensors.Tensor {
			return grok.NewModel(25, 4, 3, rand.New(rand.NewPCG(1, 1))).Tensors()
		}, "vocabulary 25 is not n!"},
	}
	for _, tc := range tests {
		_, _, err := grok.LoadModel(write(tc.name+".safetensors", tc.edit))
		if !errors.Is(err, grok.ErrCheckpoint) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want ErrCheckpoint with %q", tc.name, err, tc.msg)
		}
	}
	if _, _, err := grok.LoadModel(filepath.Join(dir, "absent.safetensors")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestAblationZeroesNeurons checks that ablating neurons equals removing
// their unembedding columns, and that ablating nothing changes nothing.
func TestAblationZeroesNeurons(t *testing.T) {
	_, m, d := loadFixture(t)
	split, _ := grok.NewSplit(d, 0.4, 1)
	mask := make(grok.Ablation, m.HiddenDim)
	cut := *m
	cut.Unembed = append([]float32(nil), m.Unembed...)
	for _, j := range []int{0, 3, 7} {
		mask[j] = true
		for tok := range m.Order {
			cut.Unembed[tok*m.HiddenDim+j] = 0
		}
	}
	a := m.Evaluate(d, split.Test, mask)
	b := cut.Evaluate(d, split.Test, nil)
	if math.Abs(a.Loss-b.Loss) > 1e-9 || a.Accuracy != b.Accuracy {
		t.Errorf("ablated %+v, columns removed %+v", a, b)
	}
	base := m.Evaluate(d, split.Test, make(grok.Ablation, m.HiddenDim))
	if base != m.Evaluate(d, split.Test, nil) {
		t.Error("an empty ablation changed the metrics")
	}
	if a == base {
		t.Error("ablating three neurons changed nothing")
	}
}

func newFixtureRun(t *testing.T) (*grok.Run, string) {
	t.Helper()
	_, m, d := loadFixture(t)
	dir := filepath.Join(t.TempDir(), "run")
	cfg := grok.PaperConfig(5)
	cfg.EmbedDim, cfg.HiddenDim, cfg.Seed = m.EmbedDim, m.HiddenDim, 3
	split, _ := grok.NewSplit(d, cfg.FracTrain, cfg.Seed)
	r, err := grok.CreateRun(dir, cfg, split)
	if err != nil {
		t.Fatal(err)
	}
	early := grok.NewModel(m.Order, m.EmbedDim, m.HiddenDim, rand.New(rand.NewPCG(4, 4)))
	if err := r.SaveCheckpoint(0, early); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCheckpoint(500, m); err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	err = r.AppendMetrics(
		grok.EpochMetrics{Epoch: 0, TrainLoss: f(4.8), TestLoss: f(4.8), TrainAcc: f(0.01), TestAcc: f(0.008)},
		grok.EpochMetrics{Epoch: 1, TrainLoss: f(4.7)},
		grok.EpochMetrics{Epoch: 300, TrainLoss: f(0.01), TestLoss: f(0.02), TrainAcc: f(1), TestAcc: f(0.995)},
		grok.EpochMetrics{Epoch: 500, TrainLoss: f(0.005), TestLoss: f(0.01), TrainAcc: f(1), TestAcc: f(1)},
	)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

func TestRunRoundTrip(t *testing.T) {
	r, dir := newFixtureRun(t)
	got, err := grok.OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != r.Config || !equal32(got.Split.Train, r.Split.Train) || len(got.Checkpoints) != 2 || got.Checkpoints[1].Epoch != 500 {
		t.Errorf("reopened run differs: %+v", got.Checkpoints)
	}
	ms, err := got.Metrics()
	if err != nil || len(ms) != 4 || ms[1].TestLoss != nil || *ms[2].TestAcc != 0.995 {
		t.Errorf("metrics %+v, %v", ms, err)
	}
	if _, err := grok.CreateRun(dir, r.Config, r.Split); !errors.Is(err, grok.ErrRunExists) {
		t.Errorf("second CreateRun: %v, want ErrRunExists", err)
	}
	wrong := grok.NewModel(120, 4, 4, rand.New(rand.NewPCG(1, 1)))
	if err := got.SaveCheckpoint(7, wrong); !errors.Is(err, grok.ErrCheckpoint) {
		t.Errorf("checkpoint of the wrong shape: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	_, dir := newFixtureRun(t)
	corrupt := func(name, content string) string {
		d := filepath.Join(t.TempDir(), "run")
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		file, content, msg string
	}{
		{"config.json", `{"n": 5, "embed_dim": 32, "hiden_dim": 24}`, `unknown field "hiden_dim"`},
		{"config.json", `{"n": 9, "embed_dim": 0, "hidden_dim": 24, "frac_train": 1.5}`, "n (9) must be in 2..6; embed_dim (0) must be ≥ 1; frac_train (1.5) must be in (0, 1)"},
		{"config.json", `{"n": 5`, "config.json"},
		{"split.npy", "not npy", "split.npy"},
	}
	for _, tc := range tests {
		_, err := grok.OpenRun(corrupt(tc.file, tc.content))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s %q: %v, want %q", tc.file, tc.content, err, tc.msg)
		}
	}
	// a split of the wrong length
	d := corrupt("config.json", mustRead(t, filepath.Join(dir, "config.json")))
	var buf bytes.Buffer
	if err := npy.Write(&buf, []int{10}, make([]uint8, 10)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d, "split.npy"), buf.Bytes(), 0o666)
	if _, err := grok.OpenRun(d); !errors.Is(err, grok.ErrRun) || !strings.Contains(err.Error(), "expected [14400]") {
		t.Errorf("short split: %v", err)
	}
	if _, err := grok.OpenRun(t.TempDir()); !errors.Is(err, grok.ErrRun) {
		t.Errorf("empty directory: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMetricsTolerateTornLastLine(t *testing.T) {
	r, dir := newFixtureRun(t)
	path := filepath.Join(dir, grok.MetricsFile)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"epoch": 600, "train_lo`)
	f.Close()
	ms, err := r.Metrics()
	if err != nil || len(ms) != 4 {
		t.Errorf("torn last line: %d metrics, %v", len(ms), err)
	}
	os.WriteFile(path, []byte("{\"epoch\": 1}\n{bad}\n{\"epoch\": 2}\n"), 0o666)
	if _, err := r.Metrics(); !errors.Is(err, grok.ErrRun) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed line 2: %v", err)
	}
}

func TestAnalyzeAndReport(t *testing.T) {
	r, dir := newFixtureRun(t)
	var stages []string
	a, err := grok.Analyze(context.Background(), r, &grok.AnalyzeOptions{Progress: func(s string, done, total int) {
		stages = append(stages, s)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Epoch != 500 || a.GrokEpoch != 300 || len(a.Timeline) != 2 || len(a.Circuits) == 0 || len(a.Ablations) != len(a.Circuits) {
		t.Fatalf("analysis: epoch %d grok %d timeline %d circuits %d ablations %d", a.Epoch, a.GrokEpoch, len(a.Timeline), len(a.Circuits), len(a.Ablations))
	}
	if a.Timeline[0].CircuitNeurons != 0 || a.Timeline[1].CircuitNeurons == 0 {
		t.Errorf("circuit neurons over time: %+v", a.Timeline)
	}
	if len(stages) == 0 {
		t.Error("no progress reported")
	}
	out := filepath.Join(dir, grok.ReportDir)
	if err := grok.WriteReport(out, a); err != nil {
		t.Fatal(err)
	}
	md := mustRead(t, filepath.Join(out, grok.ReportFile))
	for _, want := range []string{"# Grokking S5", "first reached 99% at epoch 300", "| (4,1) | 4 |", a.Circuits[0].Left + " / " + a.Circuits[0].Right, "![loss](loss.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, name := range []string{"loss.png", "accuracy.png", "power_left.png", "power_right.png", "power_unembed.png", "cosets.png", "timeline.png"} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(out, grok.AnalysisFile))), &back); err != nil || back["grok_epoch"] != 300.0 {
		t.Errorf("analysis.json: %v %v", err, back["grok_epoch"])
	}
	epoch := 7
	if _, err := grok.Analyze(context.Background(), r, &grok.AnalyzeOptions{Epoch: &epoch}); !errors.Is(err, grok.ErrRun) {
		t.Errorf("missing epoch: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := grok.Analyze(ctx, r, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	c := grok.PaperConfig(5)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c6 := grok.PaperConfig(6)
	if c6.EmbedDim != 512 || c6.HiddenDim != 256 || c6.BatchSize != 16384 || c6.Epochs != 50000 {
		t.Errorf("S6 config %+v", c6)
	}
	if grok.DefaultConfig(5) != c || grok.DefaultConfig(6) != c6 {
		t.Error("DefaultConfig differs from the paper's for S5 or S6")
	}
	if c4 := grok.DefaultConfig(4); c4.FracTrain != 0.6 || c4.Epochs != 30000 || c4.EmbedDim != 256 || c4.LR != 1e-3 || c4.WeightDecay != 1 {
		t.Errorf("S4 default %+v", c4)
	}
	c.LR = math.NaN()
	c.Betas[1] = 1
	err := c.Validate()
	if !errors.Is(err, grok.ErrConfig) || !strings.Contains(err.Error(), "lr (NaN)") || !strings.Contains(err.Error(), "betas[1] (1)") {
		t.Errorf("Validate: %v", err)
	}
}
