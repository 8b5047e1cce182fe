package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/group/grok"
)

// smallTrain are the flags of a quick run on S3.
var smallTrain = []string{"sn", "train", "--n", "3", "--embed-dim", "8", "--hidden-dim", "8", "--test-every", "5", "--checkpoint-every", "10"}

func TestSnTrainThenAnalyze(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, errOut, code := runFmkit(t, append(smallTrain, "--epochs", "30", "--out", dir, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res snTrainJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Epoch != 30 || res.Epochs != 30 || res.Last == nil || res.Last.Epoch != 30 || res.Last.TestLoss == nil {
		t.Errorf("summary %+v", res)
	}
	// The progress line goes to stderr (a line every ten seconds and at the
	// end when it is not a terminal).
	if !strings.Contains(errOut, "epoch 30/30  train loss") {
		t.Errorf("no final progress line in %q", errOut)
	}
	r, err := grok.OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	if c.N != 3 || c.EmbedDim != 8 || c.LR != 1e-3 || c.WeightDecay != 1 || c.Betas != [2]float64{0.9, 0.98} || c.Eps != 1e-8 || c.FracTrain != 0.6 || c.BatchSize != 0 {
		t.Errorf("config %+v, want the default hyperparameters for S3 (the paper's, with 60%% of the pairs)", c)
	}
	var epochs []int
	for _, ck := range r.Checkpoints {
		epochs = append(epochs, ck.Epoch)
	}
	if want := []int{0, 1, 2, 4, 8, 10, 20, 30}; !slices.Equal(epochs, want) {
		t.Errorf("checkpoints at %v, want %v", epochs, want)
	}
	text, errOut, code := runFmkit(t, "sn", "analyze", "--run", dir)
	if code != 0 || !strings.Contains(text, "S3, epoch 30") {
		t.Errorf("analyze: exit %d %q %q", code, text, errOut)
	}
}

// TestSnTrainResume trains 20 epochs, then resumes to 40, and checks the
// weights against a run of 40 epochs at once, byte for byte.
func TestSnTrainResume(t *testing.T) {
	base := t.TempDir()
	whole, parts := filepath.Join(base, "whole"), filepath.Join(base, "parts")
	if _, e, code := runFmkit(t, append(smallTrain, "--epochs", "40", "--out", whole, "--quiet")...); code != 0 {
		t.Fatal(e)
	}
	if _, e, code := runFmkit(t, append(smallTrain, "--epochs", "20", "--out", parts, "--quiet")...); code != 0 {
		t.Fatal(e)
	}
	out, e, code := runFmkit(t, "sn", "train", "--out", parts, "--resume", "--epochs", "40", "--quiet")
	if code != 0 || !strings.Contains(out, "trained to epoch 40: 20 epochs") {
		t.Fatalf("resume: exit %d %q %q", code, out, e)
	}
	for _, f := range []string{grok.StateFile, filepath.Join(grok.CheckpointDir, grok.CheckpointFile(40)), grok.MetricsFile} {
		a, err1 := os.ReadFile(filepath.Join(whole, f))
		b, err2 := os.ReadFile(filepath.Join(parts, f))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s differs after resuming (%v, %v)", f, err1, err2)
		}
	}
}

// TestSnTrainFlagErrors checks that bad flags give one line that names
// them, and that no run directory is left behind by a rejected command.
func TestSnTrainFlagErrors(t *testing.T) {
	base := t.TempDir()
	done := filepath.Join(base, "done")
	if _, e, code := runFmkit(t, append(smallTrain, "--epochs", "10", "--out", done, "--quiet")...); code != 0 {
		t.Fatal(e)
	}
	fresh := filepath.Join(base, "fresh")
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--n", "3"}, "--out: required"},
		{[]string{"--n", "7", "--out", fresh}, "--n 7: expected 2 ≤ n ≤ 6"},
		{[]string{"--n", "1", "--out", fresh}, "--n 1"},
		{[]string{"--lr", "NaN", "--out", fresh}, `"--lr" flag: "NaN" is not a finite number`},
		{[]string{"--lr", "0", "--out", fresh}, "--lr 0: expected a finite learning rate > 0"},
		{[]string{"--lr", "-1", "--out", fresh}, "--lr -1"},
		{[]string{"--weight-decay", "inf", "--out", fresh}, `"--weight-decay" flag: "inf" is not a finite number`},
		{[]string{"--weight-decay", "-0.5", "--out", fresh}, "--weight-decay -0.5: expected a finite weight decay ≥ 0"},
		{[]string{"--eps", "0", "--out", fresh}, "--eps 0"},
		{[]string{"--frac", "1.5", "--out", fresh}, "--frac 1.5: expected a fraction strictly between 0 and 1"},
		{[]string{"--frac", "nan", "--out", fresh}, `"--frac" flag: "nan" is not a finite number`},
		{[]string{"--n", "2", "--frac", "0.1", "--out", fresh}, "--frac 0.1"},
		{[]string{"--betas", "0.9", "--out", fresh}, "--betas 0.9: expected two numbers"},
		{[]string{"--betas", "0.9,1.5", "--out", fresh}, "--betas 0.9,1.5"},
		{[]string{"--epochs", "-1", "--out", fresh}, "--epochs -1"},
		{[]string{"--batch-size", "-3", "--out", fresh}, "--batch-size -3"},
		{[]string{"--hidden-dim", "0", "--out", fresh}, "--hidden-dim 0"},
		{[]string{"--lr", "x", "--out", fresh}, "--lr"},
		{[]string{"--n", "3", "--out", done}, "already holds a run"},
		{[]string{"--resume", "--out", fresh}, "grok:"},
		{[]string{"--resume", "--lr", "0.01", "--out", done}, "--lr: --resume takes the run's config.json"},
		{[]string{"--resume", "--epochs", "5", "--out", done}, "--epochs 5: the run has already trained 10 epochs"},
	}
	for _, tc := range tests {
		_, errOut, code := runFmkit(t, append([]string{"sn", "train", "--quiet"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want one line with %q", tc.args, code, errOut, tc.msg)
		}
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a rejected command left %s behind (%v)", fresh, err)
	}
	// Two bad flags are reported together.
	_, errOut, _ := runFmkit(t, "sn", "train", "--lr", "-1", "--eps", "-1", "--out", fresh)
	if !strings.Contains(errOut, "--lr -1") || !strings.Contains(errOut, "--eps -1") {
		t.Errorf("both bad flags not named: %q", errOut)
	}
}

// TestSnTrainInterrupted runs the command with its context already ended,
// as after Ctrl-C: it saves the run at epoch 0, says how to continue in one
// line, and --resume then finishes the run.
func TestSnTrainInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := Main(ctx, append(smallTrain, "--epochs", "10", "--out", dir, "--quiet"), &out, &errb)
	msg := errb.String()
	// The error is one line; the line before it says what was being trained.
	last := msg[strings.LastIndex(strings.TrimSuffix(msg, "\n"), "\n")+1:]
	if code == 0 || !strings.HasPrefix(last, "fmkit: stopped at epoch 0;") || !strings.Contains(last, "--resume") || strings.Count(msg, "fmkit:") != 1 {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	text, e, code := runFmkit(t, "sn", "train", "--out", dir, "--resume", "--quiet")
	if code != 0 || !strings.Contains(text, "trained to epoch 10: 10 epochs") {
		t.Errorf("resume: exit %d %q %q", code, text, e)
	}
}
