package pinkelephant

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
)

// negativeGuided answers generation requests with classifier-free
// guidance whose negative prompt differs per request: each conditional
// prompt (a request's Context) has its own negative prompt, the same
// dialogue introduced by the negative template. lm/guided takes one
// negative prompt per model, so requests are grouped by negative prompt
// and each group is answered by its own guided view of the backend.
type negativeGuided struct {
	backend *native.Model
	scale   float64
	// negatives maps a conditional prompt to its negative prompt.
	negatives map[string]string
	// tag names the negative template in Name, so that cached answers of
	// another template are not taken for these.
	tag string
}

var _ lm.Model = (*negativeGuided)(nil)

func (n *negativeGuided) Name() string {
	return fmt.Sprintf("%s+cfg=%g,negative=pinkelephant:%s", n.backend.Name(), n.scale, n.tag)
}

func (n *negativeGuided) Capabilities() lm.Capabilities {
	return lm.Capabilities{Generate: n.backend.Capabilities().Generate, ChatTemplate: true}
}

func (n *negativeGuided) Loglikelihood(context.Context, []lm.LoglikelihoodRequest, lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return nil, fmt.Errorf("pinkelephant: guided model %s: loglikelihood: %w", n.Name(), lm.ErrUnsupported)
}

func (n *negativeGuided) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, fmt.Errorf("pinkelephant: guided model %s: loglikelihood_rolling: %w", n.Name(), lm.ErrUnsupported)
}

// GenerateUntil answers each group of requests that share a negative
// prompt through one guided model, in request order.
func (n *negativeGuided) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	groups := map[string][]int{}
	var order []string
	for i, r := range reqs {
		neg, ok := n.negatives[r.Context]
		if !ok {
			return nil, fmt.Errorf("pinkelephant: guided model %s: request %d has no negative prompt", n.Name(), i)
		}
		if _, seen := groups[neg]; !seen {
			order = append(order, neg)
		}
		groups[neg] = append(groups[neg], i)
	}
	out := make([]string, len(reqs))
	done := 0
	for _, neg := range order {
		idx := groups[neg]
		g, err := guided.New(n.backend, n.scale, &guided.Options{Uncond: guided.Negative, NegativePrompt: neg})
		if err != nil {
			return nil, fmt.Errorf("pinkelephant: %w", err)
		}
		sub := make([]lm.GenerateRequest, len(idx))
		for j, i := range idx {
			sub[j] = reqs[i]
		}
		base := done
		texts, err := g.GenerateUntil(ctx, sub, func(d int) {
			if progress != nil {
				progress(base + d)
			}
		})
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = texts[j]
		}
		done += len(idx)
	}
	return out, nil
}
