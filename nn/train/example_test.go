package train_test

import (
	"context"
	"fmt"

	"github.com/fmkit/fmkit/nn/train"
	"github.com/fmkit/fmkit/nn/transformer"
)

// Fine-tune a small GPT-2 on token ids for a few steps.
func Example() {
	m, _, err := transformer.Load[float32]("../testdata/train/gpt2/init")
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := train.ReadFile("../testdata/train/gpt2/data.jsonl", nil, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	lm := &train.LM{Model: m, Data: data, Options: &train.Options{SeqLen: 16, BatchSize: 4, Steps: 20, LR: 3e-3, Schedule: "constant"}}
	var first, last float64
	lm.OnStep = func(x train.Metrics) error {
		if x.Step == 1 {
			first = x.Loss
		}
		last = x.Loss
		return nil
	}
	if err := lm.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(data.Len(), "sequences,", lm.Step(), "steps; loss went down:", last < first)
	// Output: 12 sequences, 20 steps; loss went down: true
}
