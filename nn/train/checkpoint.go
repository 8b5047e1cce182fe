package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/safetensors"
)

// Files of a training checkpoint, beside the model's config.json and
// model.safetensors (names as Hugging Face's Trainer uses them).
const (
	OptimizerFile = "optimizer.safetensors"
	StateFile     = "trainer_state.json"
	checkpointDir = "checkpoint-"
)

// ErrNoCheckpoint is returned (wrapped) by Resume when there is no
// checkpoint to resume from.
var ErrNoCheckpoint = errors.New("train: no checkpoint")

// saveCheckpoint writes Out/checkpoint-STEP: the model, the optimizer
// state and where the run stands. The directory is written under a
// temporary name and renamed into place, so a crash never leaves a
// half-written checkpoint behind a valid name. It does nothing when Out is
// empty.
func (c *core) saveCheckpoint() error {
	if c.out == "" {
		return nil
	}
	final := filepath.Join(c.out, checkpointDir+strconv.Itoa(c.state.Step))
	tmp := filepath.Join(c.out, ".tmp-"+checkpointDir+strconv.Itoa(c.state.Step))
	os.RemoveAll(tmp)
	if err := c.saveModel(tmp); err != nil {
		return err
	}
	if err := c.saveOptimizer(tmp); err != nil {
		return err
	}
	state, err := json.MarshalIndent(c.state, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(tmp, StateFile), append(state, '\n')); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return c.pruneCheckpoints()
}

// saveFinal writes the trained model into Out (config.json,
// model.safetensors and the extra files), as save_model does.
func (c *core) saveFinal() error {
	if c.out == "" {
		return nil
	}
	return c.saveModel(c.out)
}

func (c *core) saveModel(dir string) error {
	if err := c.model.Save(dir, c.configJSON); err != nil {
		return err
	}
	for _, src := range c.extra {
		if err := copyFile(src, filepath.Join(dir, filepath.Base(src))); err != nil {
			return err
		}
	}
	return nil
}

func (c *core) saveOptimizer(dir string) error {
	state := c.opt.State()
	names := make([]string, 0, len(state))
	for n := range state {
		names = append(names, n)
	}
	slices.Sort(names)
	tensors := make([]safetensors.Tensor, len(names))
	for i, n := range names {
		tensors[i] = safetensors.FromFloat32(n, []int{len(state[n])}, state[n])
	}
	meta := map[string]string{"optimizer": c.options.Optimizer, "steps": strconv.Itoa(c.opt.Steps())}
	err := atomicfile.Write(filepath.Join(dir, OptimizerFile), func(w io.Writer) error {
		return safetensors.Write(w, tensors, meta)
	})
	if err != nil {
		return fmt.Errorf("train: save optimizer state: %w", err)
	}
	return nil
}

// pruneCheckpoints removes the oldest step checkpoints beyond
// SaveTotalLimit.
func (c *core) pruneCheckpoints() error {
	limit := c.options.SaveTotalLimit
	if limit <= 0 {
		return nil
	}
	steps, err := checkpointSteps(c.out)
	if err != nil {
		return err
	}
	for len(steps) > limit {
		if err := os.RemoveAll(filepath.Join(c.out, checkpointDir+strconv.Itoa(steps[0]))); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		steps = steps[1:]
	}
	return nil
}

// checkpointSteps lists the steps of the checkpoints in dir, ascending.
func checkpointSteps(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var steps []int
	for _, e := range entries {
		if s, ok := strings.CutPrefix(e.Name(), checkpointDir); ok && e.IsDir() {
			if n, err := strconv.Atoi(s); err == nil {
				steps = append(steps, n)
			}
		}
	}
	slices.Sort(steps)
	return steps, nil
}

// LatestCheckpoint returns the newest checkpoint directory in out.
func LatestCheckpoint(out string) (string, error) {
	steps, err := checkpointSteps(out)
	if err != nil {
		return "", err
	}
	if len(steps) == 0 {
		return "", fmt.Errorf("%w in %s", ErrNoCheckpoint, out)
	}
	return filepath.Join(out, checkpointDir+strconv.Itoa(steps[len(steps)-1])), nil
}

// resume restores the model weights, the optimizer state and the run's
// position from a checkpoint directory. A checkpoint of other data or of
// another objective is refused.
func (c *core) resume(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s has no %s", ErrNoCheckpoint, dir, StateFile)
	}
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("train: %s: %w", filepath.Join(dir, StateFile), err)
	}
	if st.Objective != c.state.Objective {
		return fmt.Errorf("train: checkpoint %s is of a %s run; this is a %s run", dir, st.Objective, c.state.Objective)
	}
	if st.Data != c.state.Data {
		return fmt.Errorf("train: checkpoint %s was trained on %q, not %q", dir, st.Data, c.state.Data)
	}
	ckpt, err := safetensors.OpenCheckpoint(dir)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	_, err = c.model.LoadWeights(ckpt)
	ckpt.Close()
	if err != nil {
		return fmt.Errorf("train: resume from %s: %w", dir, err)
	}
	if err := c.loadOptimizer(dir, st.Step); err != nil {
		return err
	}
	c.state.Step, c.state.MicroBatches = st.Step, st.MicroBatches
	return nil
}

func (c *core) loadOptimizer(dir string, steps int) error {
	f, err := safetensors.Open(filepath.Join(dir, OptimizerFile))
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	if kind := f.Metadata()["optimizer"]; kind != c.options.Optimizer {
		return fmt.Errorf("train: checkpoint %s holds %s state; this run uses %s", dir, kind, c.options.Optimizer)
	}
	state := map[string][]float32{}
	for _, info := range f.Tensors() {
		tn, _ := f.Tensor(info.Name)
		v, err := tn.ToFloat32()
		if err != nil {
			return fmt.Errorf("train: %s: %w", info.Name, err)
		}
		state[info.Name] = slices.Clone(v)
	}
	if err := c.opt.LoadState(state, steps); err != nil {
		return fmt.Errorf("train: resume from %s: %w", dir, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer in.Close()
	return atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}
