package guided_test

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// Guided scoring and greedy decoding on a small random checkpoint, at the
// paper's benchmark scale and at a steering scale. The numbers are the
// PyTorch reference's (testdata/gen/cfg/make_fixtures.py).
func Example() {
	m, err := model.Load("../../model/testdata/llama_gqa", nil)
	if err != nil {
		panic(err)
	}
	defer m.Close()
	backend, err := native.New(m, nil, nil) // token level: no tokenizer
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, scale := range []float64{1.5, 3} {
		g, err := guided.New(backend, scale, &guided.Options{Uncond: guided.LastToken})
		if err != nil {
			panic(err)
		}
		out, err := g.GenerateTokens(ctx, [][]int{{52, 72, 58, 65}}, &guided.TokenOptions{MaxNewTokens: 8})
		if err != nil {
			panic(err)
		}
		fmt.Printf("γ=%g greedy: %v\n", scale, out[0])
	}
	g, _ := guided.New(backend, 1.5, nil)
	res, err := g.LoglikelihoodTokens(ctx, []guided.TokenRequest{
		{Context: []int{94, 87, 50, 85, 93, 84, 68, 6, 27}, Continuation: []int{82, 62, 54, 14}},
	}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("guided log-probability: %.3f\n", res[0].LogProb)
	// Output:
	// γ=1.5 greedy: [53 61 41 54 83 64 92 42]
	// γ=3 greedy: [53 61 41 82 73 62 27 54]
	// guided log-probability: -21.015
}
