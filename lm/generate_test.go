package lm

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestStopStream(t *testing.T) {
	tests := []struct {
		name   string
		until  []string
		steps  []string // whole decoded text after each token
		sent   []string
		stop   []bool
		result string
	}{
		{"stop string held back then found", []string{"Q:"}, []string{"Hel", "Hello Q", "Hello Q:x"},
			[]string{"Hel", "lo "}, []bool{false, false, true}, "Hello "},
		{"prefix that does not complete is flushed", []string{"Q:"}, []string{"a Q"},
			[]string{"a ", "Q"}, []bool{false}, "a Q"},
		{"half a UTF-8 character waits", nil, []string{"a\xe2\x82", "a€"},
			[]string{"a", "€"}, []bool{false, false}, "a€"},
	}
	for _, tt := range tests {
		var sent []string
		s := NewStopStream(1, tt.until, func(i int, text string) error {
			sent = append(sent, text)
			return nil
		})
		for j, text := range tt.steps {
			if got := s.Update(0, text); got != tt.stop[j] {
				t.Errorf("%s: Update(%q) = %v, want %v", tt.name, text, got, tt.stop[j])
			}
		}
		texts, err := s.Finish()
		if err != nil || len(texts) != 1 || texts[0] != tt.result {
			t.Errorf("%s: Finish() = %q, %v; want [%q]", tt.name, texts, err, tt.result)
		}
		if !slices.Equal(sent, tt.sent) {
			t.Errorf("%s: sent %q, want %q", tt.name, sent, tt.sent)
		}
	}
}

func TestStopStreamErrors(t *testing.T) {
	boom := errors.New("boom")
	s := NewStopStream(2, nil, func(int, string) error { return boom })
	if !s.Update(0, "x") {
		t.Error("Update after a failed send: want true (end generation)")
	}
	if _, err := s.Finish(); !errors.Is(err, boom) {
		t.Errorf("Finish: err %v, want %v", err, boom)
	}
	s = NewStopStream(1, nil, nil)
	s.Fail(boom)
	if !s.Update(0, "x") {
		t.Error("Update after Fail: want true")
	}
	if _, err := s.Finish(); !errors.Is(err, boom) {
		t.Errorf("Finish after Fail: err %v, want %v", err, boom)
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
