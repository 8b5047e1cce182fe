package native

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
)

// GenerateOptions configures Generate.
type GenerateOptions struct {
	// MaxTokens caps the new tokens; 0 means Options.MaxGenTokens.
	MaxTokens int
	// Until lists stop strings: the output ends before the first one.
	Until   []string
	Sampler model.SamplerOptions
}

// Generate continues each prompt in one batch and returns the texts, each
// cut before its first stop string. stream, if set, receives text as it is
// produced: only text that can no longer turn into a stop string or into a
// longer UTF-8 character, so the streamed pieces of prompt i concatenate to
// the returned text i.
func (n *Model) Generate(ctx context.Context, prompts []string, opts GenerateOptions, stream func(i int, text string) error) ([]string, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	maxNew := opts.MaxTokens
	if maxNew <= 0 {
		maxNew = n.opts.MaxGenTokens
	}
	if maxNew >= n.opts.MaxLength {
		return nil, fmt.Errorf("native: %d new tokens leave no room for a context in the max length %d", maxNew, n.opts.MaxLength)
	}
	ids := make([][]int, len(prompts))
	for i, p := range prompts {
		ids[i] = n.encode(p)
		if len(ids[i]) == 0 {
			ids[i] = []int{n.prefix}
		}
		// Left-truncate so that context and new tokens fit, as the harness.
		if keep := n.opts.MaxLength - maxNew; len(ids[i]) > keep {
			ids[i] = ids[i][len(ids[i])-keep:]
		}
	}
	texts := make([]string, len(prompts))
	emitted := make([]int, len(prompts))
	finished := make([]bool, len(prompts))
	var streamErr error
	// update decodes the tokens so far, cuts at a stop string, and streams
	// what is safe to show. It reports whether a stop string was found.
	update := func(i int, gen []int) bool {
		full := n.tok.Decode(gen, true)
		cut, stopped := lm.CutAtStop(full, opts.Until)
		texts[i] = cut
		safe := len(cut)
		if !stopped {
			safe = len(cut) - lm.StopPrefixLen(cut, opts.Until)
			for safe > emitted[i] && !utf8.ValidString(cut[emitted[i]:safe]) {
				safe--
			}
			if r, _ := utf8.DecodeLastRuneInString(cut[:safe]); r == utf8.RuneError && safe > emitted[i] {
				safe-- // a replacement character may be half of a multi-token character
			}
		}
		if stream != nil && safe > emitted[i] && streamErr == nil {
			streamErr = stream(i, cut[emitted[i]:safe])
			emitted[i] = safe
		}
		return stopped
	}
	_, err := n.m.Generate(ctx, ids, &model.GenerateOptions{
		MaxNewTokens: maxNew,
		Sampler:      opts.Sampler,
		StopTokens:   n.eos,
		Stop: func(i int, gen []int) bool {
			finished[i] = update(i, gen)
			return finished[i] || streamErr != nil
		},
	})
	if err != nil {
		return nil, err
	}
	if streamErr != nil {
		return nil, streamErr
	}
	// Flush what was held back at the end of each sequence.
	for i := range texts {
		if stream != nil && len(texts[i]) > emitted[i] {
			if err := stream(i, texts[i][emitted[i]:]); err != nil {
				return nil, err
			}
		}
	}
	return texts, nil
}

// GenerateUntil answers generation requests as the harness does: greedy
// unless DoSample, the decoded end-of-sequence token added to the stop
// strings, contexts left-truncated to leave room for the new tokens, and the
// output cut before the first stop string.
func (n *Model) GenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, progress lm.Progress) ([]string, error) {
	if err := n.checkTokenizer(); err != nil {
		return nil, err
	}
	out := make([]string, len(reqs))
	eos := ""
	if len(n.eos) > 0 {
		eos = n.tok.Decode(n.eos[:1], false)
	}
	const batch = 16
	done := 0
	// Requests with the same options run together, in batches.
	type key struct {
		opts  model.SamplerOptions
		max   int
		until string
	}
	groups := map[key][]int{}
	var order []key
	for i, r := range reqs {
		k := key{max: r.MaxTokens, until: strings.Join(r.Until, "\x00")}
		if r.DoSample {
			k.opts = model.SamplerOptions{Temperature: r.Temperature, TopP: r.TopP, TopK: r.TopK, Seed: uint64(r.Seed)}
			if k.opts.Temperature == 0 {
				k.opts.Temperature = 1
			}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		until := append([]string(nil), reqs[idx[0]].Until...)
		if eos != "" && !containsString(until, eos) {
			until = append(until, eos)
		}
		for s := 0; s < len(idx); s += batch {
			part := idx[s:min(len(idx), s+batch)]
			prompts := make([]string, len(part))
			for j, i := range part {
				prompts[j] = reqs[i].Context
			}
			texts, err := n.Generate(ctx, prompts, GenerateOptions{MaxTokens: k.max, Until: until, Sampler: k.opts}, nil)
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

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
