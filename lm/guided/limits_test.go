package guided

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/model"
)

// TestHugeScalesFail is issue 24's --cfg 1e308: a finite scale whose mix
// overflows float32 gave empty text ending with "stop", and scores of
// ±Inf. Both must fail with the scale named, and sampler settings that
// cannot be sampled with fail before any step.
func TestHugeScalesFail(t *testing.T) {
	m := loadModel(t, "gpt2")
	b := backend(t, m, nil, nil)
	ctx := context.Background()
	huge := guide(t, b, 1e308, nil)
	if _, err := huge.GenerateTokens(ctx, [][]int{{1, 2, 3}}, &TokenOptions{MaxNewTokens: 4}); err == nil || !strings.Contains(err.Error(), "guided: scale 1e+308: the guided log-probability of token") {
		t.Errorf("generate at γ=1e308: %v", err)
	}
	if _, err := huge.LoglikelihoodTokens(ctx, []TokenRequest{{Context: []int{1, 2}, Continuation: []int{3, 4}}}, nil); err == nil || !strings.Contains(err.Error(), "guided: scale 1e+308: a guided log-probability is") {
		t.Errorf("score at γ=1e308: %v", err)
	}
	g := guide(t, b, 1.5, nil)
	for _, o := range []model.SamplerOptions{{Temperature: math.NaN()}, {Temperature: 1, TopP: math.NaN()}, {Temperature: 1, RepetitionPenalty: math.Inf(1)}} {
		if _, err := g.GenerateTokens(ctx, [][]int{{1, 2}}, &TokenOptions{MaxNewTokens: 2, Sampler: o}); err == nil || !strings.Contains(err.Error(), "invalid sampler options") {
			t.Errorf("sampler %+v: %v", o, err)
		}
	}
}
