package shapes

import "context"

// Analysis is the full report on one shape on one GPU.
type Analysis struct {
	Shape        Shape         `json:"shape"`
	GPU          string        `json:"gpu"`
	Dtype        Dtype         `json:"dtype"`
	Machine      Machine       `json:"machine"`
	Params       float64       `json:"params"`
	Prediction   Prediction    `json:"prediction"`
	Guidelines   []Check       `json:"guidelines"`
	Alternatives []Alternative `json:"alternatives"`
}

// Analyze predicts s on gpu in dtype, applies the guidelines and searches
// for faster nearby shapes (none with opts.Off). opts may be nil for the
// defaults. It fails before any work on an invalid shape or a search over
// MaxCandidates, and stops with ctx's error when ctx is cancelled.
func Analyze(ctx context.Context, s Shape, gpu GPU, dtype Dtype, opts *AlternativesOptions) (*Analysis, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	m, err := gpu.Machine(dtype)
	if err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	alts, err := Alternatives(ctx, s, m, opts)
	if err != nil {
		return nil, err
	}
	return &Analysis{
		Shape:        s,
		GPU:          gpu.Name,
		Dtype:        dtype,
		Machine:      m,
		Params:       s.Params(),
		Prediction:   Predict(s, m),
		Guidelines:   Guidelines(s, m),
		Alternatives: alts,
	}, nil
}
