package shapes

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
// for faster nearby shapes. opts may be nil for the defaults.
func Analyze(s Shape, gpu GPU, dtype Dtype, opts *AlternativesOptions) (*Analysis, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	m, err := gpu.Machine(dtype)
	if err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	return &Analysis{
		Shape:        s,
		GPU:          gpu.Name,
		Dtype:        dtype,
		Machine:      m,
		Params:       s.Params(),
		Prediction:   Predict(s, m),
		Guidelines:   Guidelines(s, m),
		Alternatives: Alternatives(s, m, opts),
	}, nil
}
