package grok

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/npy"
)

// The files of a run directory (see the package documentation).
const (
	ConfigFile    = "config.json"
	SplitFile     = "split.npy"
	MetricsFile   = "metrics.jsonl"
	CheckpointDir = "checkpoints"
	ReportDir     = "report"
)

// ErrRun marks a run directory that is missing a file or holds a malformed
// one.
var ErrRun = errors.New("grok: bad run directory")

// ErrRunExists is returned by CreateRun for a directory that already holds
// a run.
var ErrRunExists = errors.New("grok: run directory already holds a run")

// EpochMetrics is one line of metrics.jsonl. Fields that were not measured
// at that epoch are nil (the test split is evaluated every TestEvery
// epochs only).
type EpochMetrics struct {
	Epoch     int      `json:"epoch"`
	TrainLoss *float64 `json:"train_loss,omitempty"`
	TrainAcc  *float64 `json:"train_acc,omitempty"`
	TestLoss  *float64 `json:"test_loss,omitempty"`
	TestAcc   *float64 `json:"test_acc,omitempty"`
}

// Checkpoint is one saved set of weights.
type Checkpoint struct {
	Epoch int
	Path  string
}

// Run is a run directory.
type Run struct {
	Dir    string
	Config Config
	// Split is the run's train/test split, read from split.npy.
	Split Split
	// Checkpoints are in increasing order of epoch.
	Checkpoints []Checkpoint
}

// CreateRun makes dir a run directory: it writes config.json and split.npy
// and creates checkpoints/. It fails with ErrRunExists if dir already has a
// config.json, so that a finished run is never overwritten.
func CreateRun(dir string, cfg Config, split Split) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrRunExists, dir)
	}
	d, err := NewDataset(cfg.N)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, CheckpointDir), 0o777); err != nil {
		return nil, fmt.Errorf("grok: %w", err)
	}
	mask := split.Mask(d.Pairs())
	u8 := make([]uint8, len(mask))
	for i, t := range mask {
		if t {
			u8[i] = 1
		}
	}
	err = atomicfile.Write(filepath.Join(dir, SplitFile), func(w io.Writer) error {
		return npy.Write(w, []int{len(u8)}, u8)
	})
	if err != nil {
		return nil, fmt.Errorf("grok: %w", err)
	}
	if err := writeConfig(dir, cfg); err != nil {
		return nil, err
	}
	return &Run{Dir: dir, Config: cfg, Split: split}, nil
}

// SetEpochs changes the run's length in config.json (durably), so that a
// resumed run trains on to a new last epoch.
func (r *Run) SetEpochs(epochs int) error {
	c := r.Config
	c.Epochs = epochs
	if err := c.Validate(); err != nil {
		return err
	}
	if err := writeConfig(r.Dir, c); err != nil {
		return err
	}
	r.Config = c
	return nil
}

func writeConfig(dir string, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("grok: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(b, '\n')); err != nil {
		return fmt.Errorf("grok: %w", err)
	}
	return nil
}

// OpenRun reads a run directory: its config, split and list of
// checkpoints.
func OpenRun(dir string) (*Run, error) {
	r := &Run{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRun, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.Config); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRun, filepath.Join(dir, ConfigFile), err)
	}
	if err := r.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	if r.Split, err = readSplit(filepath.Join(dir, SplitFile), r.Config.N); err != nil {
		return nil, err
	}
	if r.Checkpoints, err = listCheckpoints(filepath.Join(dir, CheckpointDir)); err != nil {
		return nil, err
	}
	return r, nil
}

func readSplit(path string, n int) (Split, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return Split{}, fmt.Errorf("%w: %v", ErrRun, err)
	}
	order := 1
	for i := 2; i <= n; i++ {
		order *= i
	}
	if len(a.Shape) != 1 || a.Shape[0] != order*order {
		return Split{}, fmt.Errorf("%w: %s: shape %v, expected [%d] (one entry per pair of S_%d)", ErrRun, path, a.Shape, order*order, n)
	}
	v, err := a.Int64()
	if err != nil {
		return Split{}, fmt.Errorf("%w: %s: %v", ErrRun, path, err)
	}
	mask := make([]bool, len(v))
	for i, x := range v {
		if x != 0 && x != 1 {
			return Split{}, fmt.Errorf("%w: %s: entry %d is %d, expected 0 (test) or 1 (train)", ErrRun, path, i, x)
		}
		mask[i] = x == 1
	}
	s := SplitFromMask(mask)
	if len(s.Train) == 0 || len(s.Test) == 0 {
		return Split{}, fmt.Errorf("%w: %s: %d training and %d test pairs, expected both > 0", ErrRun, path, len(s.Train), len(s.Test))
	}
	return s, nil
}

var checkpointName = regexp.MustCompile(`^epoch_(\d+)\.safetensors$`)

// CheckpointFile returns the name of the checkpoint of an epoch,
// "epoch_00001000.safetensors".
func CheckpointFile(epoch int) string { return fmt.Sprintf("epoch_%08d.safetensors", epoch) }

func listCheckpoints(dir string) ([]Checkpoint, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRun, err)
	}
	var out []Checkpoint
	for _, e := range entries {
		m := checkpointName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		epoch, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		out = append(out, Checkpoint{Epoch: epoch, Path: filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(out, func(a, b Checkpoint) int { return a.Epoch - b.Epoch })
	return out, nil
}

// SaveCheckpoint writes the model's weights for an epoch to
// checkpoints/epoch_NNNNNNNN.safetensors, durably, and records it.
func (r *Run) SaveCheckpoint(epoch int, m *Model) error {
	if err := r.checkShape(m, "model"); err != nil {
		return err
	}
	path := filepath.Join(r.Dir, CheckpointDir, CheckpointFile(epoch))
	if err := m.Save(path, epochMetadata(epoch)); err != nil {
		return fmt.Errorf("grok: save checkpoint: %w", err)
	}
	i, found := slices.BinarySearchFunc(r.Checkpoints, epoch, func(c Checkpoint, e int) int { return c.Epoch - e })
	if !found {
		r.Checkpoints = slices.Insert(r.Checkpoints, i, Checkpoint{Epoch: epoch, Path: path})
	}
	return nil
}

// LoadCheckpoint reads the weights of a checkpoint and checks them against
// the run's config.
func (r *Run) LoadCheckpoint(c Checkpoint) (*Model, error) {
	m, _, err := LoadModel(c.Path)
	if err != nil {
		return nil, err
	}
	if err := r.checkShape(m, c.Path); err != nil {
		return nil, err
	}
	return m, nil
}

func (r *Run) checkShape(m *Model, what string) error {
	c := r.Config
	if m.N() != c.N || m.EmbedDim != c.EmbedDim || m.HiddenDim != c.HiddenDim {
		return fmt.Errorf("%w: %s: S_%d, E = %d, H = %d, but config.json says S_%d, E = %d, H = %d",
			ErrCheckpoint, what, m.N(), m.EmbedDim, m.HiddenDim, c.N, c.EmbedDim, c.HiddenDim)
	}
	return nil
}

// AppendMetrics appends lines to metrics.jsonl and syncs the file, so that
// what was logged survives a crash. Values must be finite.
func (r *Run) AppendMetrics(ms ...EpochMetrics) error {
	var buf bytes.Buffer
	for _, m := range ms {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("grok: metrics of epoch %d: %w", m.Epoch, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	f, err := os.OpenFile(filepath.Join(r.Dir, MetricsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("grok: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("grok: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("grok: %w", err)
	}
	return f.Close()
}

// TruncateMetrics drops the lines of metrics.jsonl after epoch (rewriting
// the file durably), so that a run resumed from that epoch logs the later
// ones only once.
// A last line cut short by a crash is dropped too.
func (r *Run) TruncateMetrics(epoch int) error {
	path := filepath.Join(r.Dir, MetricsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRun, err)
	}
	ms, err := parseMetrics(path, b)
	if err != nil {
		return err
	}
	keep := slices.IndexFunc(ms, func(m EpochMetrics) bool { return m.Epoch > epoch })
	if keep < 0 {
		keep = len(ms)
		if len(b) == 0 || b[len(b)-1] == '\n' {
			return nil // nothing to drop
		}
	}
	var buf bytes.Buffer
	for _, m := range ms[:keep] {
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("grok: metrics of epoch %d: %w", m.Epoch, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if err := atomicfile.WriteFile(filepath.Join(r.Dir, MetricsFile), buf.Bytes()); err != nil {
		return fmt.Errorf("grok: %w", err)
	}
	return nil
}

// Metrics reads metrics.jsonl (none if the file does not exist). A last
// line cut short by a crash (no final newline, not valid JSON) is skipped;
// any other malformed line is an error naming it.
func (r *Run) Metrics() ([]EpochMetrics, error) {
	path := filepath.Join(r.Dir, MetricsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRun, err)
	}
	return parseMetrics(path, b)
}

func parseMetrics(path string, b []byte) ([]EpochMetrics, error) {
	var out []EpochMetrics
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var m EpochMetrics
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			last := !bytes.HasSuffix(b, []byte("\n")) && !sc.Scan()
			if last {
				break // a line cut short by a crash
			}
			return nil, fmt.Errorf("%w: %s line %d: %v", ErrRun, path, line, err)
		}
		if m.Epoch < 0 {
			return nil, fmt.Errorf("%w: %s line %d: epoch %d, expected ≥ 0", ErrRun, path, line, m.Epoch)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRun, path, err)
	}
	return out, nil
}
