package shapes

// Row is one GEMM of a forward pass with its share of the predicted time.
type Row struct {
	Estimate
	// PerPass is how often the GEMM runs in one forward pass: once per
	// layer, or once for the logits.
	PerPass int `json:"per_pass"`
	// Share is the fraction of the forward pass's predicted GEMM time.
	Share float64 `json:"share"`
}

// Prediction is the model's estimate for one forward pass of one
// micro-batch on one tensor-parallel rank.
type Prediction struct {
	Rows []Row `json:"gemms"`
	// LayerFLOPs and LayerSeconds sum one layer's GEMMs.
	LayerFLOPs   float64 `json:"layer_flops"`
	LayerSeconds float64 `json:"layer_seconds"`
	// LayerTFLOPS is the predicted throughput of a layer's GEMMs and
	// LayerEfficiency that as a fraction of the machine's peak: the layer's
	// relative throughput.
	LayerTFLOPS     float64 `json:"layer_tflops"`
	LayerEfficiency float64 `json:"layer_efficiency"`
	// Model* cover all layers plus the logits.
	ModelFLOPs      float64 `json:"model_flops"`
	ModelSeconds    float64 `json:"model_seconds"`
	ModelTFLOPS     float64 `json:"model_tflops"`
	ModelEfficiency float64 `json:"model_efficiency"`
}

// Predict estimates every GEMM of s's forward pass on m and sums them. The
// shape should be valid (see Shape.Validate).
func Predict(s Shape, m Machine) Prediction {
	s = s.WithDefaults()
	var p Prediction
	for _, g := range s.Layer() {
		e := EstimateGEMM(g, m)
		p.Rows = append(p.Rows, Row{Estimate: e, PerPass: s.Layers})
		p.LayerFLOPs += e.FLOPs
		p.LayerSeconds += e.Seconds
	}
	logits := EstimateGEMM(s.Logits(), m)
	p.Rows = append(p.Rows, Row{Estimate: logits, PerPass: 1})
	L := float64(s.Layers)
	p.ModelFLOPs = L*p.LayerFLOPs + logits.FLOPs
	p.ModelSeconds = L*p.LayerSeconds + logits.Seconds
	if p.LayerSeconds > 0 {
		p.LayerTFLOPS = p.LayerFLOPs / p.LayerSeconds / 1e12
	}
	if p.ModelSeconds > 0 {
		p.ModelTFLOPS = p.ModelFLOPs / p.ModelSeconds / 1e12
		for i := range p.Rows {
			p.Rows[i].Share = float64(p.Rows[i].PerPass) * p.Rows[i].Seconds / p.ModelSeconds
		}
	}
	if m.PeakTFLOPS > 0 {
		p.LayerEfficiency = p.LayerTFLOPS / m.PeakTFLOPS
		p.ModelEfficiency = p.ModelTFLOPS / m.PeakTFLOPS
	}
	return p
}
