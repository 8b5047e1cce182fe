package grok_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/group/grok"
	"github.com/fmkit/fmkit/npy"
)

// torchSteps is testdata/sntrain_<case>/steps.json, written by
// testdata/gen/group/gen_sntrain.py with PyTorch.
type torchSteps struct {
	Config struct {
		N         int `json:"n"`
		EmbedDim  int `json:"embed_dim"`
		HiddenDim int `json:"hidden_dim"`
		BatchSize int `json:"batch_size"`
		Steps     int `json:"steps"`
	} `json:"config"`
	Steps []struct {
		TrainLoss float64 `json:"train_loss"`
		TrainAcc  float64 `json:"train_acc"`
		TestLoss  float64 `json:"test_loss"`
		TestAcc   float64 `json:"test_acc"`
	} `json:"steps"`
}

// relClose reports |got − want| ≤ tol·(|want| + scale).
func relClose(got, want, scale, tol float64) bool {
	return math.Abs(got-want) <= tol*(math.Abs(want)+scale)
}

// torchRun creates a run directory for a PyTorch fixture: its config, split
// and initial weights.
func torchRun(t *testing.T, name string) (*grok.Run, *grok.Model, *torchSteps) {
	t.Helper()
	dir := filepath.Join("testdata", "sntrain_"+name)
	b, err := os.ReadFile(filepath.Join(dir, "steps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref torchSteps
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(filepath.Join(dir, "split.npy"))
	if err != nil {
		t.Fatal(err)
	}
	flags, err := a.Int64()
	if err != nil {
		t.Fatal(err)
	}
	mask := make([]bool, len(flags))
	for i, f := range flags {
		mask[i] = f == 1
	}
	c := ref.Config
	cfg := grok.PaperConfig(c.N)
	cfg.EmbedDim, cfg.HiddenDim, cfg.BatchSize, cfg.Epochs = c.EmbedDim, c.HiddenDim, c.BatchSize, c.Steps
	cfg.TestEvery, cfg.CheckpointEvery = 1, 0
	r, err := grok.CreateRun(filepath.Join(t.TempDir(), "run"), cfg, grok.SplitFromMask(mask))
	if err != nil {
		t.Fatal(err)
	}
	init, _, err := grok.LoadModel(filepath.Join(dir, "init.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return r, init, &ref
}

// TestTrainMatchesPyTorch trains from the fixture's initial weights and
// compares every epoch's losses and accuracies, and every weight after the
// last epoch, with PyTorch's replay of sn-grok's loop: within 1e-5
// relative (weights relative to the value plus the tensor's mean
// magnitude). s5_full is the paper's S5 scheme (one full batch per step);
// s4_minibatch sums the gradients of four minibatch means, as for S6.
func TestTrainMatchesPyTorch(t *testing.T) {
	for _, name := range []string{"s5_full", "s4_minibatch"} {
		t.Run(name, func(t *testing.T) {
			r, init, ref := torchRun(t, name)
			tr, err := grok.NewTrainer(r, init)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Train(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			ms, err := r.Metrics()
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != len(ref.Steps) {
				t.Fatalf("%d metrics lines, PyTorch ran %d steps", len(ms), len(ref.Steps))
			}
			for i, want := range ref.Steps {
				m := ms[i]
				if m.Epoch != i+1 || !relClose(*m.TrainLoss, want.TrainLoss, 0, 1e-5) || !relClose(*m.TestLoss, want.TestLoss, 0, 1e-5) ||
					*m.TrainAcc != want.TrainAcc || *m.TestAcc != want.TestAcc {
					t.Errorf("epoch %d: train %.8g / %g, test %.8g / %g; PyTorch %.8g / %g, %.8g / %g", m.Epoch,
						*m.TrainLoss, *m.TrainAcc, *m.TestLoss, *m.TestAcc, want.TrainLoss, want.TrainAcc, want.TestLoss, want.TestAcc)
				}
			}
			want, _, err := grok.LoadModel(filepath.Join("testdata", "sntrain_"+name, "final.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			compareModels(t, tr.Model(), want, 1e-5)
			// The steps moved the weights far beyond the tolerance, so
			// the comparison above can fail.
			if d := maxDiff(init.Linear, want.Linear); d < 1e-3 {
				t.Errorf("PyTorch's steps moved linear.weight by only %g", d)
			}
			last := r.Checkpoints[len(r.Checkpoints)-1]
			saved, err := r.LoadCheckpoint(last)
			if err != nil || last.Epoch != ref.Config.Steps {
				t.Fatalf("last checkpoint %+v: %v", last, err)
			}
			compareModels(t, saved, tr.Model(), 0)
		})
	}
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// compareModels checks every parameter elementwise (tol 0: bit for bit).
func compareModels(t *testing.T, got, want *grok.Model, tol float64) {
	t.Helper()
	g, w := got.Tensors(), want.Tensors()
	for i := range w {
		gv, _ := g[i].ToFloat64()
		wv, _ := w[i].ToFloat64()
		mean := 0.0
		for _, v := range wv {
			mean += math.Abs(v) / float64(len(wv))
		}
		for j := range wv {
			if !relClose(gv[j], wv[j], mean, tol) {
				t.Fatalf("%s element %d: %.9g, want %.9g", w[i].Name, j, gv[j], wv[j])
			}
		}
	}
}

// smallRun creates a run of S4 with a small model, for tests of the loop.
func smallRun(t *testing.T, dir string, epochs int) *grok.Run {
	t.Helper()
	cfg := grok.PaperConfig(4)
	cfg.EmbedDim, cfg.HiddenDim, cfg.Epochs, cfg.TestEvery, cfg.CheckpointEvery, cfg.Seed = 16, 12, epochs, 3, 8, 5
	d, _ := grok.NewDataset(4)
	split, err := grok.NewSplit(d, cfg.FracTrain, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	r, err := grok.CreateRun(dir, cfg, split)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestResumeEqualsUninterrupted stops a run with ctx after epoch 7 (as
// Ctrl-C does), resumes it from its saved state and checks that the
// weights, checkpoints and metrics equal those of a run that was never
// interrupted, bit for bit. A second interruption simulates a crash: the
// state is older than the log, which ends in a torn line.
func TestResumeEqualsUninterrupted(t *testing.T) {
	const epochs = 20
	base := t.TempDir()
	whole := smallRun(t, filepath.Join(base, "whole"), epochs)
	tw, err := grok.NewTrainer(whole, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(base, "parts")
	parts := smallRun(t, dir, epochs)
	tp, err := grok.NewTrainer(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = tp.Train(ctx, func(p grok.TrainProgress) {
		if p.Metrics.Epoch == 6 {
			cancel() // the loop stops before the next epoch: at 6
		}
	})
	if !errors.Is(err, context.Canceled) || tp.Epoch() != 6 {
		t.Fatalf("stopped at epoch %d with %v", tp.Epoch(), err)
	}
	if _, err := grok.ResumeTrainer(parts); !errors.Is(err, grok.ErrRunBusy) {
		t.Errorf("second trainer on a locked run: %v", err)
	}
	tp.Close()
	// A crash after epoch 6's state: a later line and a torn one logged.
	f, _ := os.OpenFile(filepath.Join(dir, grok.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"epoch":9,"train_loss":1}` + "\n" + `{"epoch":12,"tra`)
	f.Close()

	reopened, err := grok.OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := grok.ResumeTrainer(reopened)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Epoch() != 6 {
		t.Fatalf("resumed at epoch %d, want 6", tr.Epoch())
	}
	if err := tr.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	compareModels(t, tr.Model(), tw.Model(), 0)
	wantMetrics, _ := whole.Metrics()
	gotMetrics, err := reopened.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(wantMetrics)
	gb, _ := json.Marshal(gotMetrics)
	if string(wb) != string(gb) {
		t.Errorf("metrics differ:\n%s\n%s", gb, wb)
	}
	for _, name := range []string{grok.StateFile, filepath.Join(grok.CheckpointDir, grok.CheckpointFile(16)), filepath.Join(grok.CheckpointDir, grok.CheckpointFile(epochs))} {
		a, err1 := os.ReadFile(filepath.Join(whole.Dir, name))
		b, err2 := os.ReadFile(filepath.Join(dir, name))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s differs between the runs (%v, %v)", name, err1, err2)
		}
	}
	var epochsSaved []int
	for _, c := range whole.Checkpoints {
		epochsSaved = append(epochsSaved, c.Epoch)
	}
	if want := []int{0, 1, 2, 4, 8, 16, 20}; !slices.Equal(epochsSaved, want) {
		t.Errorf("checkpoints at %v, want %v", epochsSaved, want)
	}
}

// TestResumeLonger extends a finished run with SetEpochs and checks it
// against one trained to the new length at once.
func TestResumeLonger(t *testing.T) {
	base := t.TempDir()
	long := smallRun(t, filepath.Join(base, "long"), 12)
	tl, _ := grok.NewTrainer(long, nil)
	if err := tl.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	short := smallRun(t, filepath.Join(base, "short"), 5)
	ts, _ := grok.NewTrainer(short, nil)
	if err := ts.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	ts.Close()
	r, err := grok.OpenRun(short.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetEpochs(12); err != nil {
		t.Fatal(err)
	}
	tr, err := grok.ResumeTrainer(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	compareModels(t, tr.Model(), tl.Model(), 0)
	if again, _ := grok.OpenRun(short.Dir); again.Config.Epochs != 12 {
		t.Errorf("config.json says %d epochs after SetEpochs(12)", again.Config.Epochs)
	}
	if err := r.SetEpochs(-1); !errors.Is(err, grok.ErrConfig) {
		t.Errorf("SetEpochs(-1): %v", err)
	}
}

func TestResumeErrors(t *testing.T) {
	dir := t.TempDir()
	r := smallRun(t, dir, 4)
	if _, err := grok.ResumeTrainer(r); !errors.Is(err, grok.ErrNoState) {
		t.Errorf("no state: %v", err)
	}
	os.WriteFile(filepath.Join(dir, grok.StateFile), []byte("not safetensors"), 0o666)
	if _, err := grok.ResumeTrainer(r); !errors.Is(err, grok.ErrNoState) {
		t.Errorf("garbage state: %v", err)
	}
	if _, err := grok.NewTrainer(r, grok.NewModel(24, 16, 8, rand.New(rand.NewPCG(1, 1)))); !errors.Is(err, grok.ErrCheckpoint) {
		t.Errorf("initial model of another shape: %v", err)
	}
	// A state whose weights do not fit the config is refused.
	tr, err := grok.NewTrainer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	r.Config.HiddenDim = 8
	if _, err := grok.ResumeTrainer(r); !errors.Is(err, grok.ErrCheckpoint) {
		t.Errorf("state of another shape: %v", err)
	}
}

// TestNonFiniteLossKeepsWeights diverges a run with a huge learning rate:
// training stops with ErrNonFinite, and the weights and state are those of
// the last finite epoch.
func TestNonFiniteLossKeepsWeights(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := grok.PaperConfig(3)
	cfg.EmbedDim, cfg.HiddenDim, cfg.Epochs, cfg.LR = 8, 8, 50, 1e30
	d, _ := grok.NewDataset(3)
	split, _ := grok.NewSplit(d, cfg.FracTrain, 1)
	r, err := grok.CreateRun(dir, cfg, split)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := grok.NewTrainer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	err = tr.Train(context.Background(), nil)
	if !errors.Is(err, grok.ErrNonFinite) || tr.Epoch() == 0 || tr.Epoch() == cfg.Epochs {
		t.Fatalf("epoch %d: %v", tr.Epoch(), err)
	}
	last := r.Checkpoints[len(r.Checkpoints)-1]
	if last.Epoch != tr.Epoch() {
		t.Errorf("last checkpoint at epoch %d, stopped at %d", last.Epoch, tr.Epoch())
	}
	m, err := r.LoadCheckpoint(last) // LoadModel refuses NaN and ±Inf
	if err != nil {
		t.Fatal(err)
	}
	compareModels(t, m, tr.Model(), 0)
}
