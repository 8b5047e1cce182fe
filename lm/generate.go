package lm

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// StopStream follows the texts of a batch of prompts while their tokens are
// generated: it cuts each text before its first stop string and streams
// only text that can no longer turn into a stop string or into a longer
// UTF-8 character, so the streamed pieces of prompt i concatenate to the
// final text i. Backends that decode tokens to text share it.
type StopStream struct {
	until   []string
	send    func(i int, text string) error
	texts   []string
	emitted []int
	err     error
}

// NewStopStream returns a StopStream for n prompts that stop at any of
// until. send, if set, receives the streamed pieces.
func NewStopStream(n int, until []string, send func(i int, text string) error) *StopStream {
	return &StopStream{until: until, send: send, texts: make([]string, n), emitted: make([]int, n)}
}

// Update takes the whole text decoded so far for prompt i, cuts it at a
// stop string and streams what is safe to show. It reports whether
// generation should end for prompt i: a stop string was found, or an error
// (from send or Fail) ends every prompt.
func (s *StopStream) Update(i int, text string) bool {
	cut, stopped := CutAtStop(text, s.until)
	s.texts[i] = cut
	safe := len(cut)
	if !stopped {
		safe -= StopPrefixLen(cut, s.until)
		for safe > s.emitted[i] && !utf8.ValidString(cut[s.emitted[i]:safe]) {
			safe--
		}
		// A replacement character may be the first half of a character
		// split across tokens; hold it back until the next token.
		if r, _ := utf8.DecodeLastRuneInString(cut[:safe]); r == utf8.RuneError && safe > s.emitted[i] {
			safe--
		}
	}
	if s.send != nil && safe > s.emitted[i] && s.err == nil {
		s.err = s.send(i, cut[s.emitted[i]:safe])
		s.emitted[i] = safe
	}
	return stopped || s.err != nil
}

// Fail records an error met while decoding; from then on Update ends every
// prompt and Finish returns err.
func (s *StopStream) Fail(err error) {
	s.err = err
}

// Finish sends the text held back at the end of each prompt and returns
// the texts, or the first error of send (the last one given to Fail).
func (s *StopStream) Finish() ([]string, error) {
	if s.err != nil {
		return nil, s.err
	}
	for i, text := range s.texts {
		if s.send != nil && len(text) > s.emitted[i] {
			if err := s.send(i, text[s.emitted[i]:]); err != nil {
				return nil, err
			}
		}
	}
	return s.texts, nil
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
