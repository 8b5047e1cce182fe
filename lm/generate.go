package lm

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/model"
)

// TextBatch follows the texts of a batch of prompts while their tokens are
// generated, one TextStream per prompt: it cuts each text before its first
// stop string and sends only text that can no longer turn into a stop
// string or into a longer UTF-8 character, so the pieces sent for prompt i
// concatenate to the final text i. Backends that decode tokens to text
// share it.
type TextBatch struct {
	texts []*TextStream
	send  func(i int, text string) error
	err   error
}

// NewTextBatch returns a TextBatch for n prompts decoded by dec that stop at
// any of until. send, if set, receives the pieces.
func NewTextBatch(dec Decoder, n int, until []string, send func(i int, text string) error) *TextBatch {
	b := &TextBatch{texts: make([]*TextStream, n), send: send}
	for i := range b.texts {
		b.texts[i] = NewTextStream(dec, until)
	}
	return b
}

// Add takes token id, just generated for prompt i, and sends what text is
// now safe to show. It reports whether generation should end for prompt i:
// a stop string has appeared, or send failed (which ends every prompt).
func (b *TextBatch) Add(i, id int) bool {
	piece, stopped := b.texts[i].Add(id)
	if b.send != nil && piece != "" && b.err == nil {
		b.err = b.send(i, piece)
	}
	return stopped || b.err != nil
}

// Finish sends the text held back at the end of each prompt and returns
// the texts, or the first error of send.
func (b *TextBatch) Finish() ([]string, error) {
	if b.err != nil {
		return nil, b.err
	}
	out := make([]string, len(b.texts))
	for i, t := range b.texts {
		if tail := t.Finish(); tail != "" && b.send != nil {
			if err := b.send(i, tail); err != nil {
				return nil, err
			}
		}
		out[i] = t.Text()
	}
	return out, nil
}

// SamplerOptions returns the engine's sampler settings for the request as
// lm-evaluation-harness reads them: greedy unless DoSample, and a sampling
// temperature of 0 meaning 1.
func (r GenerateRequest) SamplerOptions() model.SamplerOptions {
	if !r.DoSample {
		return model.SamplerOptions{}
	}
	o := model.SamplerOptions{Temperature: r.Temperature, TopP: r.TopP, TopK: r.TopK, Seed: uint64(r.Seed)}
	if o.Temperature == 0 {
		o.Temperature = 1
	}
	return o
}

// TokenKey returns a string that identifies a token sequence, for grouping
// requests that share a context.
func TokenKey(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(id))
		b.WriteByte(',')
	}
	return b.String()
}

// GenerateInGroups answers generation requests as lm-evaluation-harness's
// backends do: requests with the same settings run together, up to batch
// contexts in one call of generate, each group with its stop strings plus
// eos (the decoded end-of-sequence token; "" for none), and progress is
// reported after each call. generate receives the contexts of a batch and
// the settings they share: their first request with Context empty, Until
// including eos, and the sampling fields zero unless DoSample (a sampling
// temperature of 0 then means 1).
func GenerateInGroups(ctx context.Context, reqs []GenerateRequest, eos string, batch int, progress Progress,
	generate func(ctx context.Context, contexts []string, settings GenerateRequest) ([]string, error)) ([]string, error) {
	type sampling struct {
		temperature, topP float64
		topK              int
		seed              int64
		on                bool
	}
	type key struct {
		sampling sampling
		max      int
		until    string
	}
	groups := map[key][]int{}
	var order []key
	for i, r := range reqs {
		k := key{max: r.MaxTokens, until: strings.Join(r.Until, "\x00")}
		if r.DoSample {
			k.sampling = sampling{on: true, temperature: r.Temperature, topP: r.TopP, topK: r.TopK, seed: r.Seed}
			if k.sampling.temperature == 0 {
				k.sampling.temperature = 1
			}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	out := make([]string, len(reqs))
	done := 0
	for _, k := range order {
		idx := groups[k]
		sp := k.sampling
		settings := GenerateRequest{MaxTokens: k.max, Until: slices.Clone(reqs[idx[0]].Until),
			DoSample: sp.on, Temperature: sp.temperature, TopP: sp.topP, TopK: sp.topK, Seed: sp.seed}
		if eos != "" && !slices.Contains(settings.Until, eos) {
			settings.Until = append(settings.Until, eos)
		}
		for s := 0; s < len(idx); s += batch {
			part := idx[s:min(len(idx), s+batch)]
			contexts := make([]string, len(part))
			for j, i := range part {
				contexts[j] = reqs[i].Context
			}
			texts, err := generate(ctx, contexts, settings)
			if err != nil {
				return nil, err
			}
			for j, i := range part {
				out[i] = texts[j]
			}
			done += len(part)
			if progress != nil {
				progress(done)
			}
		}
	}
	return out, nil
}
