package model_test

import (
	"context"
	"fmt"
	"math"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

// Capture the residual stream after layer 0, then run the same tokens again
// with a hook that removes one direction from it (a one-dimensional concept
// eraser) and compare the log-probabilities of the next token.
func Example_hooks() {
	m, err := model.Load("testdata/gpt2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	ids := []int{5, 17, 42, 8}
	seq, _ := m.NewSequence(len(ids))
	ctx := context.Background()

	// 1. Run up to layers.0.resid_out and keep a copy of its activations.
	var captured []float32
	err = m.Forward(ctx, []model.Input{{Seq: seq, Tokens: ids}}, &model.ForwardOptions{
		Hooks: map[string]model.Hook{"layers.0.resid_out": func(a *model.Activations) error {
			captured = append(captured, a.Data...)
			return nil
		}},
		StopAfter: "layers.0.resid_out",
	})
	fmt.Println("captured", len(captured)/m.Config.Hidden, "rows, error", err, "sequence length", seq.Len())

	// 2. Fit an "eraser": here simply the mean direction of the capture.
	u := make([]float32, m.Config.Hidden)
	for r := 0; r < len(ids); r++ {
		for i := range u {
			u[i] += captured[r*m.Config.Hidden+i]
		}
	}
	var norm float32
	for _, v := range u {
		norm += v * v
	}
	for i := range u {
		u[i] /= float32(math.Sqrt(float64(norm)))
	}

	// 3. Run again with the eraser installed at the same site; the sequence
	// was not advanced by the stopped pass, so the tokens go in again.
	erase := func(a *model.Activations) error {
		for r := range a.Rows {
			x := a.Row(r)
			var dot float32
			for i := range x {
				dot += x[i] * u[i]
			}
			for i := range x {
				x[i] -= dot * u[i]
			}
		}
		return nil
	}
	logp := make([]float32, m.Config.Vocab)
	err = m.Forward(ctx, []model.Input{{Seq: seq, Tokens: ids, Logits: 1}}, &model.ForwardOptions{
		Hooks: map[string]model.Hook{"layers.0.resid_out": erase},
		Logits: func(r model.Row, logits []float32) error {
			tensor.LogSoftmaxTo(logp, logits)
			return nil
		},
	})
	fmt.Println("erased pass error", err, "sequence length", seq.Len(), "next token", tensor.Argmax(logp))
	// Output:
	// captured 4 rows, error <nil> sequence length 0
	// erased pass error <nil> sequence length 4 next token 24
}

// Carry a residual stream through a model one layer at a time: each pass
// starts from the stream after the previous layer (StartAfter) and stops
// after its own layer, where a hook keeps the new stream. Work that needs
// every layer's activations over a whole corpus (layer-by-layer concept
// scrubbing) then runs each layer once instead of re-running the layers
// below it from the tokens every time. The last pass starts after the last
// layer and gives the log-probabilities.
func Example_startAfter() {
	m, err := model.Load("testdata/llama_gqa", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	ids := []int{5, 17, 42, 8}
	ctx := context.Background()
	seq, _ := m.NewSequence(len(ids))

	var resid []float32 // the stream after the layers run so far
	for l := 0; l < m.Config.Layers; l++ {
		site := fmt.Sprintf("layers.%d.resid_out", l)
		opts := &model.ForwardOptions{StopAfter: site, Hooks: map[string]model.Hook{
			site: func(a *model.Activations) error {
				resid = append(resid[:0], a.Data...) // edit it here to intervene
				return nil
			}}}
		if l > 0 {
			opts.StartAfter = fmt.Sprintf("layers.%d.resid_out", l-1)
			opts.Residual = resid
		}
		if err := m.Forward(ctx, []model.Input{{Seq: seq, Tokens: ids}}, opts); err != nil {
			fmt.Println(err)
			return
		}
	}
	err = m.Forward(ctx, []model.Input{{Seq: seq, Tokens: ids, Logits: 1}}, &model.ForwardOptions{
		StartAfter: fmt.Sprintf("layers.%d.resid_out", m.Config.Layers-1),
		Residual:   resid,
		LogProbs:   true,
		Logits: func(r model.Row, logp []float32) error {
			fmt.Println("next token", tensor.Argmax(logp), "at position", r.Pos)
			return nil
		},
	})
	fmt.Println("error", err, "sequence length", seq.Len())
	// Output:
	// next token 22 at position 3
	// error <nil> sequence length 0
}
