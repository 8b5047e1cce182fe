package transformer_test

import (
	"fmt"

	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/nn/transformer"
)

// Load a Llama checkpoint, run it on a sequence and take one gradient of
// its next-token loss.
func Example() {
	m, _, err := transformer.Load[float32]("../../model/testdata/llama_gqa")
	if err != nil {
		fmt.Println(err)
		return
	}
	ids := []int{5, 17, 2, 40, 11}
	g := nn.NewTape[float32]()
	logits, err := m.Logits(g, ids, 1, len(ids), transformer.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	labels := append(ids[1:], nn.IgnoreIndex)
	loss := g.CrossEntropy(logits, labels, nn.CrossEntropyOptions{})
	fmt.Println("logits", logits.Shape())
	g.Backward(loss)
	g.Reset()
	fmt.Println(len(m.Params()), "parameters,", m.NumParams(), "values; lm_head gradient", len(m.Head.Grad()))
	// Output:
	// logits [5 96]
	// 15 parameters, 24736 values; lm_head gradient 3072
}
