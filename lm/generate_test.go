package lm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fmkit/fmkit/model"
)

// TestTextBatch checks that a batch streams each prompt's pieces, ends a
// prompt at its stop string, and that an error from send ends every prompt.
func TestTextBatch(t *testing.T) {
	dec := pieceDecoder{"Hel", "lo ", "Q", ":", "x"}
	var sent []string
	b := NewTextBatch(dec, 2, []string{"Q:"}, func(i int, text string) error {
		sent = append(sent, fmt.Sprint(i, text))
		return nil
	})
	ends := []bool{b.Add(0, 0), b.Add(1, 4), b.Add(0, 1), b.Add(0, 2), b.Add(0, 3), b.Add(1, 2)}
	texts, err := b.Finish()
	if err != nil || !slices.Equal(texts, []string{"Hello ", "xQ"}) {
		t.Errorf("Finish() = %q, %v; want [\"Hello \" \"xQ\"]", texts, err)
	}
	if want := []bool{false, false, false, false, true, false}; !slices.Equal(ends, want) {
		t.Errorf("Add ended %v, want %v", ends, want)
	}
	if want := []string{"0Hel", "1x", "0lo ", "1Q"}; !slices.Equal(sent, want) {
		t.Errorf("sent %q, want %q", sent, want)
	}

	boom := errors.New("boom")
	b = NewTextBatch(dec, 2, nil, func(int, string) error { return boom })
	if !b.Add(0, 0) || !b.Add(1, 1) {
		t.Error("Add after a failed send: want true (end generation) for every prompt")
	}
	if _, err := b.Finish(); !errors.Is(err, boom) {
		t.Errorf("Finish: err %v, want %v", err, boom)
	}
}

func TestSamplerOptions(t *testing.T) {
	tests := []struct {
		r    GenerateRequest
		want model.SamplerOptions
	}{
		{GenerateRequest{Temperature: 0.5, TopK: 9, Seed: 3}, model.SamplerOptions{}},
		{GenerateRequest{DoSample: true, Seed: 3}, model.SamplerOptions{Temperature: 1, Seed: 3}},
		{GenerateRequest{DoSample: true, Temperature: 0.7, TopP: 0.9, TopK: 40, Seed: 1}, model.SamplerOptions{Temperature: 0.7, TopP: 0.9, TopK: 40, Seed: 1}},
	}
	for _, tt := range tests {
		if got := tt.r.SamplerOptions(); got != tt.want {
			t.Errorf("%+v.SamplerOptions() = %+v, want %+v", tt.r, got, tt.want)
		}
	}
}

func TestTokenKey(t *testing.T) {
	a, b := []int{5, 6}, []int{5, 6}
	if TokenKey([]int{1, 23}) == TokenKey([]int{12, 3}) || TokenKey(nil) == TokenKey([]int{0}) || TokenKey(a) != TokenKey(b) {
		t.Error("TokenKey must tell sequences apart and give equal sequences one key")
	}
}

func TestGenerateInGroups(t *testing.T) {
	reqs := []GenerateRequest{
		{Context: "a", Until: []string{"\n"}},
		{Context: "b", Until: []string{"\n"}, DoSample: true, Seed: 3},
		{Context: "c", Until: []string{"\n"}, Temperature: 0.5, TopK: 9}, // greedy: sampling fields ignored
		{Context: "d", Until: []string{"\n"}, DoSample: true, Temperature: 1, Seed: 3},
		{Context: "e", Until: []string{"\n", "<eos>"}},
		{Context: "f", Until: []string{"\n"}},
	}
	type call struct {
		contexts []string
		settings GenerateRequest
	}
	var calls []call
	var progress []int
	out, err := GenerateInGroups(context.Background(), reqs, "<eos>", 2, func(n int) { progress = append(progress, n) },
		func(_ context.Context, contexts []string, settings GenerateRequest) ([]string, error) {
			calls = append(calls, call{contexts, settings})
			res := make([]string, len(contexts))
			for i, c := range contexts {
				res[i] = c + "!"
			}
			return res, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a!", "b!", "c!", "d!", "e!", "f!"}; !slices.Equal(out, want) {
		t.Errorf("out = %q, want %q", out, want)
	}
	greedy := GenerateRequest{Until: []string{"\n", "<eos>"}}
	sampled := GenerateRequest{Until: []string{"\n", "<eos>"}, DoSample: true, Temperature: 1, Seed: 3}
	want := []call{
		{[]string{"a", "c"}, greedy},
		{[]string{"f"}, greedy},
		{[]string{"b", "d"}, sampled},
		{[]string{"e"}, greedy},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls, want %d: %+v", len(calls), len(want), calls)
	}
	for i, c := range calls {
		w := want[i]
		if !slices.Equal(c.contexts, w.contexts) || !slices.Equal(c.settings.Until, w.settings.Until) ||
			c.settings.DoSample != w.settings.DoSample || c.settings.Temperature != w.settings.Temperature ||
			c.settings.TopK != w.settings.TopK || c.settings.Seed != w.settings.Seed || c.settings.Context != "" {
			t.Errorf("call %d = %+v, want %+v", i, c, w)
		}
	}
	if wantP := []int{2, 3, 5, 6}; !slices.Equal(progress, wantP) {
		t.Errorf("progress = %v, want %v", progress, wantP)
	}
}

func TestCollect(t *testing.T) {
	reqs := []RollingRequest{{"a"}, {"bb"}, {"ccc"}}
	var progress []int
	out, err := Collect(context.Background(), reqs, func(n int) { progress = append(progress, n) },
		func(_ context.Context, reqs []RollingRequest, emit func(int, float64)) error {
			for i := len(reqs) - 1; i >= 0; i-- { // out of order, as a concurrent backend may
				emit(i, float64(len(reqs[i].Text)))
			}
			return nil
		})
	if err != nil || !slices.Equal(out, []float64{1, 2, 3}) || !slices.Equal(progress, []int{1, 2, 3}) {
		t.Errorf("Collect = %v, %v (progress %v); want [1 2 3], nil (progress [1 2 3])", out, err, progress)
	}
	boom := errors.New("boom")
	out, err = Collect(context.Background(), reqs, nil, func(context.Context, []RollingRequest, func(int, float64)) error { return boom })
	if out != nil || !errors.Is(err, boom) {
		t.Errorf("Collect on error = %v, %v; want nil, %v", out, err, boom)
	}
}
