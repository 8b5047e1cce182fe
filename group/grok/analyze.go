package grok

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/group"
)

// GrokAccuracy is the test accuracy at which a run counts as grokked.
const GrokAccuracy = 0.99

// GrokEpoch returns the first logged epoch with test accuracy ≥
// GrokAccuracy, or −1.
func GrokEpoch(metrics []EpochMetrics) int {
	for _, m := range metrics {
		if m.TestAcc != nil && *m.TestAcc >= GrokAccuracy {
			return m.Epoch
		}
	}
	return -1
}

// AnalyzeOptions tune Analyze. A nil *AnalyzeOptions means the defaults.
type AnalyzeOptions struct {
	// Epoch selects the checkpoint to dissect; nil means the last one.
	Epoch *int
	// Threshold is the coset ratio below which a neuron's left and right
	// functions put it in a circuit. The default is CircuitThreshold (1.0).
	Threshold float64
	// Progress, if not nil, is called as work finishes: the stage
	// ("timeline", "ablations") and how much of it is done.
	Progress func(stage string, done, total int)
}

// TimelinePoint summarises one checkpoint.
type TimelinePoint struct {
	Epoch int `json:"epoch"`
	// LeftPower is the mean over neurons of the left functions' power
	// fractions per irrep.
	LeftPower []float64 `json:"left_power"`
	// CircuitNeurons is the number of neurons in some circuit (0 when the
	// coset analysis is not available for the group).
	CircuitNeurons int `json:"circuit_neurons"`
}

// Analysis is what Analyze finds in a run.
type Analysis struct {
	Config  Config         `json:"config"`
	Epoch   int            `json:"epoch"`
	Metrics []EpochMetrics `json:"-"`
	// GrokEpoch is the first logged epoch with test accuracy ≥
	// GrokAccuracy, or −1.
	GrokEpoch int `json:"grok_epoch"`
	// Train and Test are the dissected checkpoint's metrics on the split.
	Train Metrics `json:"train"`
	Test  Metrics `json:"test"`
	Power *Power  `json:"power"`
	// Cosets, Circuits, Unassigned and Ablations are empty when S_n has no
	// subgroup lattice here (n > group.MaxLatticeN).
	Cosets     []NeuronCosets   `json:"cosets,omitempty"`
	Threshold  float64          `json:"threshold"`
	Circuits   []Circuit        `json:"circuits,omitempty"`
	Unassigned []int            `json:"unassigned,omitempty"`
	Ablations  []AblationResult `json:"ablations,omitempty"`
	Timeline   []TimelinePoint  `json:"timeline"`
}

// Analyze dissects a run: the Fourier power of every neuron, the coset
// analysis, circuits and their ablations on the test split at the chosen
// checkpoint, and a timeline over all checkpoints. It stops early with
// ctx's error if ctx ends.
func Analyze(ctx context.Context, r *Run, opts *AnalyzeOptions) (*Analysis, error) {
	var o AnalyzeOptions
	if opts != nil {
		o = *opts
	}
	if o.Threshold == 0 {
		o.Threshold = CircuitThreshold
	}
	progress := func(stage string, done, total int) {
		if o.Progress != nil {
			o.Progress(stage, done, total)
		}
	}
	if len(r.Checkpoints) == 0 {
		return nil, fmt.Errorf("%w: %s: no checkpoints in %s/", ErrRun, r.Dir, CheckpointDir)
	}
	chosen := r.Checkpoints[len(r.Checkpoints)-1]
	if o.Epoch != nil {
		found := false
		for _, c := range r.Checkpoints {
			if c.Epoch == *o.Epoch {
				chosen, found = c, true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: %s: no checkpoint for epoch %d", ErrRun, r.Dir, *o.Epoch)
		}
	}
	metrics, err := r.Metrics()
	if err != nil {
		return nil, err
	}
	d, err := NewDataset(r.Config.N)
	if err != nil {
		return nil, err
	}
	f, err := group.NewFourier(r.Config.N)
	if err != nil {
		return nil, err
	}
	var cosets *CosetTable
	if r.Config.N <= group.MaxLatticeN {
		lat, err := group.SubgroupLattice(r.Config.N)
		if err != nil {
			return nil, err
		}
		cosets = NewCosetTable(lat)
	}

	a := &Analysis{Config: r.Config, Epoch: chosen.Epoch, Metrics: metrics, GrokEpoch: GrokEpoch(metrics), Threshold: o.Threshold}
	for i, c := range r.Checkpoints {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := r.LoadCheckpoint(c)
		if err != nil {
			return nil, err
		}
		p, err := FourierPower(m, d, f)
		if err != nil {
			return nil, err
		}
		point := TimelinePoint{Epoch: c.Epoch, LeftPower: meanRows(p.Left)}
		var cos []NeuronCosets
		if cosets != nil {
			cos = cosets.Cosets(m, d)
			circuits, _ := Circuits(cos, o.Threshold)
			for _, ci := range circuits {
				point.CircuitNeurons += len(ci.Neurons)
			}
		}
		a.Timeline = append(a.Timeline, point)
		if c == chosen {
			a.Power, a.Cosets = p, cos
			a.Train = m.Evaluate(d, r.Split.Train, nil)
			a.Test = m.Evaluate(d, r.Split.Test, nil)
			if cosets != nil {
				a.Circuits, a.Unassigned = Circuits(cos, o.Threshold)
				a.Ablations = Ablate(m, d, r.Split.Test, a.Circuits, func(done, total int) { progress("ablations", done, total) })
			}
		}
		progress("timeline", i+1, len(r.Checkpoints))
	}
	return a, nil
}

func meanRows(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for i, v := range r {
			out[i] += v / float64(len(rows))
		}
	}
	return out
}
