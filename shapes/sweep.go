package shapes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// SweepDims are the dimensions Sweep can vary.
var SweepDims = []string{"hidden", "heads", "kv-heads", "layers", "vocab", "seq", "micro-batch", "tp", "ffn"}

// Range is an inclusive integer range with a step, as in hidden=2048:4096:64.
type Range struct {
	Dim            string `json:"dim"`
	From, To, Step int
}

// maxSweepPoints bounds a sweep so that a typo cannot ask for billions of
// points.
const maxSweepPoints = 100000

// ParseRange parses "dim=from:to[:step]" (step defaults to 1).
func ParseRange(spec string) (Range, error) {
	bad := func(why string) (Range, error) {
		return Range{}, fmt.Errorf("shapes: sweep range %q: %s; expected dim=from:to[:step] with dim one of %s",
			spec, why, strings.Join(SweepDims, ", "))
	}
	dim, rest, ok := strings.Cut(spec, "=")
	if !ok {
		return bad("no '='")
	}
	known := false
	for _, d := range SweepDims {
		known = known || d == dim
	}
	if !known {
		return bad(fmt.Sprintf("unknown dimension %q", dim))
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad("need from:to or from:to:step")
	}
	nums := []int{0, 0, 1}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return bad(fmt.Sprintf("%q is not an integer", p))
		}
		nums[i] = n
	}
	r := Range{Dim: dim, From: nums[0], To: nums[1], Step: nums[2]}
	switch {
	case r.From <= 0 || r.To < r.From:
		return bad("need 0 < from <= to")
	case r.Step <= 0:
		return bad("step must be positive")
	case (r.To-r.From)/r.Step+1 > maxSweepPoints:
		return bad(fmt.Sprintf("more than %d points", maxSweepPoints))
	}
	return r, nil
}

// SweepPoint is the prediction at one value of the swept dimension.
type SweepPoint struct {
	Value           int     `json:"value"`
	ModelTFLOPS     float64 `json:"model_tflops"`
	LayerTFLOPS     float64 `json:"layer_tflops"`
	LayerEfficiency float64 `json:"layer_efficiency"`
	// GEMMTFLOPS is each GEMM's predicted throughput, in Shape.Layer order
	// with the logits last; GEMMNames in SweepResult names them.
	GEMMTFLOPS []float64 `json:"gemm_tflops"`
}

// SweepResult is a sweep's points and the values skipped because they made
// no valid shape (hidden not divisible by heads, say).
type SweepResult struct {
	Range     Range        `json:"range"`
	Machine   Machine      `json:"machine"`
	GEMMNames []string     `json:"gemm_names"`
	Points    []SweepPoint `json:"points"`
	Skipped   []int        `json:"skipped,omitempty"`
}

// Sweep predicts base on m for every value of r, holding the rest of base.
// A zero FFN in base stays the default for each point (4h, or 8h/3 with
// SwiGLU), so sweeping hidden moves the MLP with it; a zero KVHeads stays
// equal to Heads. It stops early, returning what it has and ctx's error, if
// ctx is cancelled.
func Sweep(ctx context.Context, base Shape, m Machine, r Range) (*SweepResult, error) {
	res := &SweepResult{Range: r, Machine: m}
	for v := r.From; v <= r.To; v += r.Step {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		s := base
		switch r.Dim {
		case "hidden":
			s.Hidden = v
		case "heads":
			s.Heads = v
		case "kv-heads":
			s.KVHeads = v
		case "layers":
			s.Layers = v
		case "vocab":
			s.Vocab = v
		case "seq":
			s.Seq = v
		case "micro-batch":
			s.MicroBatch = v
		case "tp":
			s.TP = v
		case "ffn":
			s.FFN = v
		default:
			return nil, fmt.Errorf("shapes: sweep: unknown dimension %q", r.Dim)
		}
		if s.Validate() != nil {
			res.Skipped = append(res.Skipped, v)
			continue
		}
		p := Predict(s, m)
		pt := SweepPoint{Value: v, ModelTFLOPS: p.ModelTFLOPS, LayerTFLOPS: p.LayerTFLOPS, LayerEfficiency: p.LayerEfficiency}
		names := make([]string, len(p.Rows))
		for i, row := range p.Rows {
			pt.GEMMTFLOPS = append(pt.GEMMTFLOPS, row.TFLOPS)
			names[i] = row.Name
		}
		res.GEMMNames = names
		res.Points = append(res.Points, pt)
	}
	return res, nil
}
