package grok

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/safetensors"
)

// StateFile is the training state of a run directory: the weights and
// AdamW's moments after the epoch in its metadata, from which ResumeTrainer
// continues. It is rewritten at every checkpoint and when training stops.
const StateFile = "train_state.safetensors"

// LockFile is locked (flock) while a Trainer holds the run directory.
const LockFile = "train.lock"

// ErrRunBusy is returned (wrapped) when another process is training the
// run directory.
var ErrRunBusy = errors.New("grok: run directory is being trained by another process")

// ErrNoState is returned (wrapped) by ResumeTrainer for a run directory
// without a training state.
var ErrNoState = errors.New("grok: no training state to resume from")

// ErrNonFinite is returned (wrapped) when the training loss becomes NaN or
// infinite; the weights from before that epoch are kept.
var ErrNonFinite = errors.New("grok: non-finite training loss")

// Trainer trains the SnMLP of a run directory with AdamW, as sn-grok's
// train_grok.py does: every epoch runs the training pairs in minibatches
// of Config.BatchSize (all at once when 0), in increasing pair order, adds
// up the gradients of each minibatch's mean loss, and takes one optimizer
// step. Weight decay applies to every parameter.
//
// The model is computed through package nn's tape. Because the first layer
// is linear, the trainer evaluates it once per token instead of once per
// pair: the block-diagonal [E_L 0; 0 E_R] times Linearᵀ gives every
// token's left and right function ([2·n!, H]), and a pair's pre-activation
// is the sum of two of its rows. That is the same function and gradient as
// sn-grok's concatenate-then-multiply (up to float32 rounding), for about a
// fifth of the arithmetic on S_5.
type Trainer struct {
	run   *Run
	data  *Dataset
	model *Model
	net   *snNet
	opt   *nn.Adam[float32]
	tape  *nn.Tape[float32]
	// batches are the training pairs in minibatches.
	batches []trainBatch
	epoch   int
	pending []EpochMetrics // logged but not yet appended to metrics.jsonl
	flushed time.Time
	unlock  func()
}

// trainBatch holds one minibatch as nn wants it: left tokens, right tokens
// offset by n! (rows of the right functions) and targets.
type trainBatch struct {
	left, right, target []int
}

// snNet views a Model's parameters as nn parameters (no copy: the
// optimizer updates the Model in place).
type snNet struct {
	order, embed, hidden                  int
	lembed, rembed, linear, unembed, bias *nn.Param[float32]
	zeros                                 *nn.Tensor[float32] // [order, embed]
}

func newSnNet(m *Model) *snNet {
	param := func(name string, data []float32, shape ...int) *nn.Param[float32] {
		return &nn.Param[float32]{Name: name, Tensor: nn.NewParam(data, shape...)}
	}
	o, e, h := m.Order, m.EmbedDim, m.HiddenDim
	return &snNet{
		order: o, embed: e, hidden: h,
		lembed:  param(NameLeftEmbed, m.LeftEmbed, o, e),
		rembed:  param(NameRightEmbed, m.RightEmbed, o, e),
		linear:  param(NameLinear, m.Linear, h, 2*e),
		unembed: param(NameUnembed, m.Unembed, o, h),
		bias:    param(NameUnembedBias, m.UnembedBias, o),
		zeros:   nn.New[float32](o, e),
	}
}

// params lists the parameters in sn-grok's state_dict order.
func (n *snNet) params() []*nn.Param[float32] {
	return []*nn.Param[float32]{n.lembed, n.rembed, n.linear, n.unembed, n.bias}
}

// logits returns the logits [len(left), n!] of the pairs (left[i],
// right[i] − n!) on the tape.
func (n *snNet) logits(g *nn.Tape[float32], left, rightOffset []int) *nn.Tensor[float32] {
	blocks := g.Concat(0, g.Concat(1, n.lembed.Tensor, n.zeros), g.Concat(1, n.zeros, n.rembed.Tensor))
	fns := g.Linear(blocks, n.linear.Tensor, nil) // row t: L(t); row n!+t: R(t)
	pre := g.Add(g.Embedding(fns, left), g.Embedding(fns, rightOffset))
	return g.Linear(g.ReLU(pre), n.unembed.Tensor, n.bias.Tensor)
}

// NewTrainer prepares a fresh run: it starts from init, or, when init is
// nil, from NewModel seeded with PCG(Seed, Seed+1). It locks the run
// directory (ErrRunBusy if another process holds it; Close releases it) and
// writes the epoch-0 checkpoint and the training state, so that the run can
// be resumed from the start.
func NewTrainer(r *Run, init *Model) (*Trainer, error) {
	c := r.Config
	d, err := NewDataset(c.N)
	if err != nil {
		return nil, err
	}
	m := init
	if m == nil {
		m = NewModel(d.Order(), c.EmbedDim, c.HiddenDim, rand.New(rand.NewPCG(c.Seed, c.Seed+1)))
	} else {
		if err := r.checkShape(m, "initial model"); err != nil {
			return nil, err
		}
		m = m.clone()
	}
	unlock, err := lockRun(r.Dir)
	if err != nil {
		return nil, err
	}
	t := newTrainer(r, d, m, unlock)
	err = r.TruncateMetrics(0)
	if err == nil {
		err = r.SaveCheckpoint(0, m)
	}
	if err == nil {
		err = t.SaveState()
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// ResumeTrainer continues a run from its training state (StateFile):
// weights, AdamW's moments and the epoch. Lines of metrics.jsonl after
// that epoch (logged before a crash) are dropped; the epochs after it are
// trained again, with the same result on the same number of threads, since
// training draws no random numbers. Like NewTrainer, it locks the run directory until Close.
func ResumeTrainer(r *Run) (t *Trainer, err error) {
	unlock, err := lockRun(r.Dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	path := filepath.Join(r.Dir, StateFile)
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoState, r.Dir, err)
	}
	defer f.Close()
	m, meta, err := LoadModel(path)
	if err != nil {
		return nil, err
	}
	if err := r.checkShape(m, path); err != nil {
		return nil, err
	}
	epoch, err := strconv.Atoi(meta["epoch"])
	if err != nil || epoch < 0 {
		return nil, fmt.Errorf("%w: %s: metadata epoch %q, expected a number ≥ 0", ErrCheckpoint, path, meta["epoch"])
	}
	d, err := NewDataset(r.Config.N)
	if err != nil {
		return nil, err
	}
	t = newTrainer(r, d, m, unlock)
	state := map[string][]float32{}
	for _, info := range f.Tensors() {
		if !strings.HasSuffix(info.Name, ".exp_avg") && !strings.HasSuffix(info.Name, ".exp_avg_sq") {
			continue
		}
		tn, _ := f.Tensor(info.Name)
		v, err := tn.ToFloat32()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s: %v", ErrCheckpoint, path, info.Name, err)
		}
		state[info.Name] = slices.Clone(v)
	}
	if err := t.opt.LoadState(state, epoch); err != nil {
		return nil, fmt.Errorf("grok: resume from %s: %w", path, err)
	}
	t.epoch = epoch
	if err := r.TruncateMetrics(epoch); err != nil {
		return nil, err
	}
	return t, nil
}

func newTrainer(r *Run, d *Dataset, m *Model, unlock func()) *Trainer {
	c := r.Config
	net := newSnNet(m)
	opt := nn.NewAdamW(net.params(), nn.AdamOptions{Beta1: c.Betas[0], Beta2: c.Betas[1], Eps: c.Eps, WeightDecay: c.WeightDecay})
	t := &Trainer{run: r, data: d, model: m, net: net, opt: opt, tape: nn.NewTape[float32](), flushed: time.Now(), unlock: unlock}
	size := c.BatchSize
	if size == 0 {
		size = len(r.Split.Train)
	}
	for lo := 0; lo < len(r.Split.Train); lo += size {
		pairs := r.Split.Train[lo:min(lo+size, len(r.Split.Train))]
		b := trainBatch{left: make([]int, len(pairs)), right: make([]int, len(pairs)), target: make([]int, len(pairs))}
		for i, p := range pairs {
			l, rt := d.Pair(int(p))
			b.left[i], b.right[i], b.target[i] = l, d.Order()+rt, int(d.Target[p])
		}
		t.batches = append(t.batches, b)
	}
	return t
}

func (m *Model) clone() *Model {
	c := *m
	c.LeftEmbed, c.RightEmbed = slices.Clone(m.LeftEmbed), slices.Clone(m.RightEmbed)
	c.Linear, c.Unembed, c.UnembedBias = slices.Clone(m.Linear), slices.Clone(m.Unembed), slices.Clone(m.UnembedBias)
	return &c
}

// Close releases the run directory's lock. Train saves what it trains
// before returning, so Close writes nothing.
func (t *Trainer) Close() {
	if t.unlock != nil {
		t.unlock()
		t.unlock = nil
	}
}

// Epoch returns the number of epochs trained so far.
func (t *Trainer) Epoch() int { return t.epoch }

// Model returns the model being trained. Its weights change with every
// epoch.
func (t *Trainer) Model() *Model { return t.model }

// Step trains one epoch and returns the mean loss and the accuracy of the
// training pairs under the weights before the update (what sn-grok logs
// as the epoch's training loss). On a non-finite loss it returns
// ErrNonFinite and leaves the weights unchanged.
func (t *Trainer) Step() (Metrics, error) { return t.step(true) }

// step is Step, with the accuracy (an argmax over every logit) measured
// only when it is logged.
func (t *Trainer) step(accuracy bool) (Metrics, error) {
	params := t.net.params()
	nn.ZeroGrad(params)
	var lossSum float64
	correct, count := 0, 0
	for _, b := range t.batches {
		logits := t.net.logits(t.tape, b.left, b.right)
		loss := t.tape.CrossEntropy(logits, b.target, nn.CrossEntropyOptions{Float64: true})
		if accuracy {
			correct += countCorrect(logits.Data(), b.target, t.net.order)
		}
		count += len(b.target)
		lossSum += float64(loss.Item()) * float64(len(b.target))
		t.tape.Backward(loss)
		t.tape.Reset()
	}
	m := Metrics{Loss: lossSum / float64(count), Accuracy: float64(correct) / float64(count)}
	if math.IsNaN(m.Loss) || math.IsInf(m.Loss, 0) {
		return m, fmt.Errorf("%w at epoch %d (loss %v); the weights from before it are kept", ErrNonFinite, t.epoch+1, m.Loss)
	}
	t.opt.Step(t.run.Config.LR)
	t.epoch++
	return m, nil
}

func countCorrect(logits []float32, targets []int, vocab int) int {
	n := 0
	for i, tgt := range targets {
		if argmax(logits[i*vocab:(i+1)*vocab]) == tgt {
			n++
		}
	}
	return n
}

// TrainProgress is what Train reports after each logged epoch.
type TrainProgress struct {
	// Metrics is the line just logged; its test fields are set.
	Metrics EpochMetrics
	// Epochs is the run's length.
	Epochs int
	// Elapsed is the wall time of this call of Train so far, and
	// EpochsDone the epochs it has trained.
	Elapsed    time.Duration
	EpochsDone int
}

// metricsFlushInterval bounds how long logged lines wait in memory before
// they are appended to metrics.jsonl; they are also appended before every
// checkpoint, so a resumed run never lacks lines.
const metricsFlushInterval = 30 * time.Second

// Train trains until Config.Epochs, ctx's end or a non-finite loss. Every
// TestEvery epochs and at the last one it measures the test split and logs
// a line to metrics.jsonl; at 0, every power of two below CheckpointEvery
// (sn-grok's extra checkpoints), every CheckpointEvery epochs and at the
// last epoch it saves the weights and the training state. When stopped
// early it saves both at the current epoch and returns ctx's error (or
// ErrNonFinite), so that ResumeTrainer continues where it stopped.
// progress, if not nil, is called after every logged line.
func (t *Trainer) Train(ctx context.Context, progress func(TrainProgress)) error {
	c := t.run.Config
	start, startEpoch := time.Now(), t.epoch
	for t.epoch < c.Epochs {
		if err := ctx.Err(); err != nil {
			return t.stop(err)
		}
		e := t.epoch + 1
		logged := (c.TestEvery > 0 && e%c.TestEvery == 0) || e == c.Epochs
		train, err := t.step(logged)
		if err != nil {
			return t.stop(err)
		}
		if logged {
			line := t.measure(train)
			t.pending = append(t.pending, line)
			if progress != nil {
				progress(TrainProgress{Metrics: line, Epochs: c.Epochs, Elapsed: time.Since(start), EpochsDone: e - startEpoch})
			}
		}
		if c.isCheckpoint(e) {
			if err := t.save(); err != nil {
				return err
			}
		} else if time.Since(t.flushed) > metricsFlushInterval {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return t.flush()
}

// measure returns the metrics line of the epoch just trained: train from
// its forward pass, test under the updated weights (as sn-grok logs them).
func (t *Trainer) measure(train Metrics) EpochMetrics {
	test := t.model.Evaluate(t.data, t.run.Split.Test, nil)
	return EpochMetrics{Epoch: t.epoch, TrainLoss: &train.Loss, TrainAcc: &train.Accuracy, TestLoss: &test.Loss, TestAcc: &test.Accuracy}
}

// isCheckpoint reports whether the weights of epoch e are saved.
func (c *Config) isCheckpoint(e int) bool {
	every := c.CheckpointEvery
	switch {
	case e == c.Epochs:
		return true
	case every > 0 && e%every == 0:
		return true
	}
	return e > 0 && e&(e-1) == 0 && (every == 0 || e < every)
}

// stop saves the weights and state of the current epoch and returns err.
func (t *Trainer) stop(err error) error {
	if serr := t.save(); serr != nil {
		return fmt.Errorf("%w (and saving the run failed: %v)", err, serr)
	}
	return err
}

// save appends the pending metrics, then writes the checkpoint and the
// state of the current epoch.
func (t *Trainer) save() error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.run.SaveCheckpoint(t.epoch, t.model); err != nil {
		return err
	}
	return t.SaveState()
}

func (t *Trainer) flush() error {
	t.flushed = time.Now()
	if len(t.pending) == 0 {
		return nil
	}
	if err := t.run.AppendMetrics(t.pending...); err != nil {
		return err
	}
	t.pending = t.pending[:0]
	return nil
}

// SaveState writes StateFile: the weights under sn-grok's names, AdamW's
// moments as NAME.exp_avg and NAME.exp_avg_sq, and the epoch in the
// metadata.
func (t *Trainer) SaveState() error {
	tensors := t.model.Tensors()
	state := t.opt.State()
	names := make([]string, 0, len(state))
	for n := range state {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tensors = append(tensors, safetensors.FromFloat32(n, []int{len(state[n])}, state[n]))
	}
	meta := epochMetadata(t.epoch)
	meta["format"] = "fmkit sn-grok training state"
	err := atomicfile.Write(filepath.Join(t.run.Dir, StateFile), func(w io.Writer) error {
		return safetensors.Write(w, tensors, meta)
	})
	if err != nil {
		return fmt.Errorf("grok: save training state: %w", err)
	}
	return nil
}
