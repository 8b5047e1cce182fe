package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/lm"
)

// StreamGenerateUntil implements lm.Streamer. Requests with the same
// settings share a completions request when BatchSize allows.
func (m *Model) StreamGenerateUntil(ctx context.Context, reqs []lm.GenerateRequest, emit func(int, string)) error {
	var jobs [][]int
	if m.opts.BatchSize == 1 || m.opts.Chat {
		jobs = make([][]int, len(reqs))
		for i := range reqs {
			jobs[i] = []int{i}
		}
	} else {
		jobs = groupBySettings(reqs, m.opts.BatchSize)
	}
	return m.run(ctx, len(jobs), func(ctx context.Context, j int) error {
		idx := jobs[j]
		texts, err := m.generate(ctx, reqs, idx)
		if err != nil {
			if len(idx) == 1 {
				return fmt.Errorf("openai: generate_until request %d: %w", idx[0], err)
			}
			return fmt.Errorf("openai: generate_until requests %v: %w", idx, err)
		}
		for k, i := range idx {
			cut, _ := lm.CutAtStop(texts[k], reqs[i].Until) // servers may apply only some stops (the OpenAI API takes four)
			emit(i, cut)
		}
		return nil
	})
}

// groupBySettings puts requests with equal settings, in order of first
// appearance, into jobs of at most size.
func groupBySettings(reqs []lm.GenerateRequest, size int) [][]int {
	type settings struct {
		until           string
		maxTokens, topK int
		sample          bool
		temp, topP      float64
		seed            int64
	}
	groups := map[settings][]int{}
	var order []settings
	for i, r := range reqs {
		s := settings{strings.Join(r.Until, "\x00"), r.MaxTokens, r.TopK, r.DoSample, r.Temperature, r.TopP, r.Seed}
		if !r.DoSample {
			s = settings{until: s.until, maxTokens: s.maxTokens}
		}
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], i)
	}
	var jobs [][]int
	for _, s := range order {
		g := groups[s]
		for _, b := range batches(len(g), size) {
			jobs = append(jobs, g[b[0]:b[1]])
		}
	}
	return jobs
}

// generate sends one request for reqs[idx...], which share their settings.
func (m *Model) generate(ctx context.Context, reqs []lm.GenerateRequest, idx []int) ([]string, error) {
	r := reqs[idx[0]]
	maxTokens := r.MaxTokens
	if maxTokens <= 0 {
		maxTokens = m.opts.MaxGenTokens
	}
	var stop []string
	for _, u := range r.Until {
		if u != "" {
			stop = append(stop, u)
		}
	}
	temp, seed := 0.0, m.opts.Seed
	var topP *float64
	var topK *int
	if r.DoSample {
		temp = r.Temperature
		if r.TopP > 0 && r.TopP < 1 {
			topP = &r.TopP
		}
		if r.TopK > 0 {
			topK = &r.TopK
		}
		seed = &r.Seed
	}
	if math.IsNaN(temp) || math.IsInf(temp, 0) || temp < 0 {
		return nil, fmt.Errorf("temperature %v is not a finite number >= 0", temp)
	}
	cost := float64(maxTokens)
	for _, i := range idx {
		cost += float64(len(reqs[i].Context)/4 + 1)
	}
	out := make([]string, len(idx))
	if m.opts.Chat {
		msgs, addGen, err := unpackChat(r.Context)
		if err != nil {
			return nil, err
		}
		req := chatRequest{Model: m.model, Messages: msgs,
			MaxTokens: maxTokens, Temperature: temp, TopP: topP, TopK: topK, Stop: stop, Seed: seed}
		if !addGen {
			req.AddGenerationPrompt, req.ContinueFinalMessage = &addGen, true
		}
		body, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		_, err = m.c.do(ctx, "POST", "/chat/completions", body, cost, func(b []byte) (int, error) {
			var resp chatResponse
			if err := json.Unmarshal(b, &resp); err != nil {
				return 0, fmt.Errorf("malformed chat completions response: %w", err)
			}
			if len(resp.Choices) != 1 {
				return 0, fmt.Errorf("%d choices for one prompt", len(resp.Choices))
			}
			if c := resp.Choices[0].Message.Content; c != nil {
				out[0] = *c
			}
			return usedTokens(resp.Usage), nil
		})
		return out, err
	}
	for _, i := range idx {
		if isPackedChat(reqs[i].Context) {
			return nil, fmt.Errorf("the context holds chat messages but chat=true is not set")
		}
	}
	var prompt any = r.Context
	if len(idx) > 1 {
		ps := make([]string, len(idx))
		for k, i := range idx {
			ps[k] = reqs[i].Context
		}
		prompt = ps
	}
	body, err := json.Marshal(completionRequest{
		Model: m.model, Prompt: prompt, MaxTokens: maxTokens, Temperature: temp,
		TopP: topP, TopK: topK, Stop: stop, Seed: seed,
	})
	if err != nil {
		return nil, err
	}
	_, err = m.c.do(ctx, "POST", "/completions", body, cost, func(b []byte) (int, error) {
		var resp completionResponse
		if err := json.Unmarshal(b, &resp); err != nil {
			return 0, fmt.Errorf("malformed completions response: %w", err)
		}
		choices, err := byIndex(resp.Choices, len(idx))
		if err != nil {
			return 0, err
		}
		for k, c := range choices {
			out[k] = c.Text.String()
		}
		return usedTokens(resp.Usage), nil
	})
	return out, err
}

func usedTokens(u *usage) int {
	if u == nil {
		return 0
	}
	return u.TotalTokens
}
