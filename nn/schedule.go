package nn

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of each optimizer step as a factor of
// the peak rate, as Hugging Face's get_*_schedule_with_warmup functions do
// (a LambdaLR: step 0 is the first update, so with warm-up the first update
// uses a rate of 0).
type Schedule struct {
	// Kind is "constant", "linear" (warm-up, then linear decay to zero at
	// Total) or "cosine" (warm-up, then half a cosine from 1 down to
	// MinRatio at Total).
	Kind string
	// Warmup is the number of steps over which the factor rises linearly
	// from 0 to 1.
	Warmup int
	// Total is the number of steps of the run (needed by linear and
	// cosine).
	Total int
	// MinRatio is the floor of the cosine schedule, as a fraction of the
	// peak rate (Hugging Face's cosine_with_min_lr min_lr_rate). Default 0.
	MinRatio float64
}

// Validate reports every problem with the schedule at once.
func (s Schedule) Validate() error {
	var problems []string
	switch s.Kind {
	case "constant", "linear", "cosine":
	default:
		problems = append(problems, fmt.Sprintf("kind %q is not constant, linear or cosine", s.Kind))
	}
	if s.Warmup < 0 {
		problems = append(problems, fmt.Sprintf("warm-up steps %d is negative", s.Warmup))
	}
	if s.Kind != "constant" && s.Total <= 0 {
		problems = append(problems, fmt.Sprintf("total steps %d must be positive for a %s schedule", s.Total, s.Kind))
	}
	if !(s.MinRatio >= 0 && s.MinRatio <= 1) {
		problems = append(problems, fmt.Sprintf("minimum ratio %v outside [0, 1]", s.MinRatio))
	}
	if len(problems) > 0 {
		return fmt.Errorf("nn: schedule: %s", joinProblems(problems))
	}
	return nil
}

// Factor returns the learning-rate factor of step (counted from 0).
func (s Schedule) Factor(step int) float64 {
	if step < s.Warmup {
		return float64(step) / float64(max(1, s.Warmup))
	}
	switch s.Kind {
	case "linear":
		return math.Max(0, float64(s.Total-step)/float64(max(1, s.Total-s.Warmup)))
	case "cosine":
		progress := float64(step-s.Warmup) / float64(max(1, s.Total-s.Warmup))
		c := 0.5 * (1 + math.Cos(math.Pi*progress))
		return math.Max(0, c*(1-s.MinRatio)+s.MinRatio)
	}
	return 1
}

func joinProblems(p []string) string {
	out := p[0]
	for _, s := range p[1:] {
		out += "; " + s
	}
	return out
}
