package grok

import (
	"fmt"
	"math"
	"slices"

	"github.com/fmkit/fmkit/group"
)

// Power is the Fourier power spectrum of every neuron, as fractions of
// ‖f‖² per irrep (each row sums to 1): of its left function, its right
// function, and its unembedding column (the function t ↦ Unembed[t, j]).
type Power struct {
	// Irreps are in the order of group.Partitions(n).
	Irreps []group.Partition `json:"irreps"`
	// Left, Right and Unembed are [H][len(Irreps)]. A neuron function that
	// is identically zero has no power: its row is all zeros.
	Left    [][]float64 `json:"left"`
	Right   [][]float64 `json:"right"`
	Unembed [][]float64 `json:"unembed"`
}

// FourierPower computes the power spectra of all 3·H neuron functions of
// m with the transform f (built once for S_n and reused across
// checkpoints), in float32 as sn-grok does, through one GEMM per layer.
func FourierPower(m *Model, d *Dataset, f *group.Fourier) (*Power, error) {
	if f.Order() != m.Order || d.Order() != m.Order {
		return nil, fmt.Errorf("grok: power: model has %d tokens, transform and dataset %d and %d", m.Order, f.Order(), d.Order())
	}
	h, order := m.HiddenDim, m.Order
	left, right := m.NeuronFunctions()
	// The unembedding's columns as rows.
	unembed := transpose(m.Unembed, order, h)
	rows := make([]float32, 3*h*order)
	for i, src := range [][]float32{left, right, unembed} {
		dst := rows[i*h*order : (i+1)*h*order]
		for j := range h {
			for t, v := range src[j*order : (j+1)*order] {
				dst[j*order+d.lexRank[t]] = v
			}
		}
	}
	spec := f.PowerSpectra(rows, 3*h)
	k := len(f.Irreps())
	p := &Power{}
	for _, r := range f.Irreps() {
		p.Irreps = append(p.Irreps, r.Partition())
	}
	for i, dst := range []*[][]float64{&p.Left, &p.Right, &p.Unembed} {
		*dst = make([][]float64, h)
		for j := range h {
			row := spec[(i*h+j)*k : (i*h+j+1)*k]
			for x, v := range row {
				if math.IsNaN(v) {
					row[x] = 0
				}
			}
			(*dst)[j] = row
		}
	}
	return p, nil
}

// Dominant returns the index of the largest entry of a power spectrum.
func Dominant(spectrum []float64) int {
	best := 0
	for i, v := range spectrum {
		if v > spectrum[best] {
			best = i
		}
	}
	return best
}

// CosetScore is how well one function is explained by the cosets of one
// subgroup: the sum over the cosets of the function's sample variance
// (ddof = 1) within each coset, over its sample variance on all of S_n.
// It is 0 for a function constant on every coset; a random function
// scores about the index [G:H]; it is not bounded by 1.
type CosetScore struct {
	// Subgroup is the subgroup's name in its lattice ("S4_3") and Class the
	// name of its conjugacy class ("S4").
	Subgroup string  `json:"subgroup"`
	Class    string  `json:"class"`
	Ratio    float64 `json:"ratio"`
}

// NeuronCosets is the best coset score of one neuron's left function
// (grouped by right cosets Hσ) and right function (grouped by left cosets
// σH).
type NeuronCosets struct {
	Neuron int        `json:"neuron"`
	Left   CosetScore `json:"left"`
	Right  CosetScore `json:"right"`
}

// CosetTable holds the coset labels of every candidate subgroup, built once
// per lattice: labels[s][lexRank] is the index of the coset of subgroup s
// holding that element.
type CosetTable struct {
	Subgroups   []group.Named
	right, left [][]int // right cosets Hσ, left cosets σH
}

// NewCosetTable prepares the coset analysis over the proper nontrivial
// subgroups of lat (S_5: 154 in 17 classes).
func NewCosetTable(lat *group.Lattice) *CosetTable {
	c := &CosetTable{Subgroups: lat.ProperNontrivial()}
	for _, s := range c.Subgroups {
		c.left = append(c.left, s.CosetLabels(true))
		c.right = append(c.right, s.CosetLabels(false))
	}
	return c
}

// Ratio returns the coset score of fn (values in group.Elements order)
// against the cosets given by labels, each of size k.
func Ratio(fn []float64, labels []int, k int) float64 {
	nc := len(fn) / k
	mean := make([]float64, nc)
	for g, v := range fn {
		mean[labels[g]] += v
	}
	for c := range mean {
		mean[c] /= float64(k)
	}
	total, within := 0.0, 0.0
	all := 0.0
	for _, v := range fn {
		all += v
	}
	all /= float64(len(fn))
	for g, v := range fn {
		dw, dt := v-mean[labels[g]], v-all
		within += dw * dw
		total += dt * dt
	}
	// Σ_c var_c = Σ_c Σ_{g∈c}(f−mean_c)²/(k−1); var = Σ_g (f−mean)²/(|G|−1).
	return (within / float64(k-1)) / (total / float64(len(fn)-1))
}

// Scores returns the ratio of fn for every candidate subgroup, grouping by
// right cosets Hσ (right = true; the left function's grouping) or by left
// cosets σH.
func (c *CosetTable) Scores(fn []float64, right bool) []float64 {
	labels := c.left
	if right {
		labels = c.right
	}
	out := make([]float64, len(c.Subgroups))
	for s, l := range labels {
		out[s] = Ratio(fn, l, c.Subgroups[s].Order())
	}
	return out
}

func (c *CosetTable) best(fn []float64, right bool) CosetScore {
	scores := c.Scores(fn, right)
	b := 0
	for s, v := range scores {
		if v < scores[b] {
			b = s
		}
	}
	return CosetScore{Subgroup: c.Subgroups[b].Name(), Class: c.Subgroups[b].Class, Ratio: scores[b]}
}

// Cosets runs the coset analysis of sn-grok's calculate_cosets.py on every
// neuron: the left function is scored against the right cosets of each
// candidate subgroup, the right function against the left cosets, and the
// subgroup with the smallest ratio names each.
func (c *CosetTable) Cosets(m *Model, d *Dataset) []NeuronCosets {
	left, right := m.NeuronFunctions()
	order := m.Order
	out := make([]NeuronCosets, m.HiddenDim)
	fn := make([]float64, order)
	for j := range out {
		out[j].Neuron = j
		for t, v := range left[j*order : (j+1)*order] {
			fn[d.lexRank[t]] = float64(v)
		}
		out[j].Left = c.best(fn, true)
		for t, v := range right[j*order : (j+1)*order] {
			fn[d.lexRank[t]] = float64(v)
		}
		out[j].Right = c.best(fn, false)
	}
	return out
}

// CircuitThreshold is the paper's cut-off: a neuron belongs to a circuit
// when both its left and right ratios are below it.
const CircuitThreshold = 1.0

// Circuit is a set of neurons whose left functions are explained by the
// cosets of one subgroup and whose right functions by those of another
// (possibly a different conjugate).
type Circuit struct {
	Left       string `json:"left"` // subgroup names
	Right      string `json:"right"`
	LeftClass  string `json:"left_class"`
	RightClass string `json:"right_class"`
	Neurons    []int  `json:"neurons"`
}

// Name returns "left/right".
func (c Circuit) Name() string { return c.Left + "/" + c.Right }

// Circuits groups the neurons whose left and right ratios are both below
// threshold by their (left, right) subgroups, largest circuit first; it
// also returns the neurons in no circuit.
func Circuits(cos []NeuronCosets, threshold float64) (circuits []Circuit, rest []int) {
	index := map[[2]string]int{}
	for _, nc := range cos {
		if !(nc.Left.Ratio < threshold && nc.Right.Ratio < threshold) {
			rest = append(rest, nc.Neuron)
			continue
		}
		key := [2]string{nc.Left.Subgroup, nc.Right.Subgroup}
		i, ok := index[key]
		if !ok {
			i = len(circuits)
			index[key] = i
			circuits = append(circuits, Circuit{Left: key[0], Right: key[1], LeftClass: nc.Left.Class, RightClass: nc.Right.Class})
		}
		circuits[i].Neurons = append(circuits[i].Neurons, nc.Neuron)
	}
	slices.SortStableFunc(circuits, func(a, b Circuit) int { return len(b.Neurons) - len(a.Neurons) })
	return circuits, rest
}

// AblationResult is the effect on the test split of zeroing one circuit's
// neurons.
type AblationResult struct {
	Circuit Circuit `json:"circuit"`
	Base    Metrics `json:"base"`
	Ablated Metrics `json:"ablated"`
}

// Ablate zeroes each circuit's neurons in turn and evaluates the model on
// pairs (normally the test split). progress, if not nil, is called after
// each circuit.
func Ablate(m *Model, d *Dataset, pairs []int32, circuits []Circuit, progress func(done, total int)) []AblationResult {
	base := m.Evaluate(d, pairs, nil)
	out := make([]AblationResult, len(circuits))
	for i, c := range circuits {
		mask := make(Ablation, m.HiddenDim)
		for _, j := range c.Neurons {
			mask[j] = true
		}
		out[i] = AblationResult{Circuit: c, Base: base, Ablated: m.Evaluate(d, pairs, mask)}
		if progress != nil {
			progress(i+1, len(circuits))
		}
	}
	return out
}
