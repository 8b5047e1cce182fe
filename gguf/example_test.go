package gguf_test

import (
	"bytes"
	"fmt"

	"github.com/fmkit/fmkit/gguf"
)

// Write a small file and read it back.
func Example() {
	var buf bytes.Buffer
	meta := []gguf.KV{
		{Key: "general.architecture", Value: gguf.StringValue("llama")},
		{Key: "llama.context_length", Value: gguf.Uint32Value(2048)},
	}
	weights := gguf.TensorData{Name: "output_norm.weight", Dims: []uint64{4}, Type: gguf.F32, Data: make([]byte, 16)}
	if err := gguf.Write(&buf, meta, []gguf.TensorData{weights}); err != nil {
		panic(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		panic(err)
	}
	arch, _ := f.Get("general.architecture")
	ctx, _ := f.Get("llama.context_length")
	n, _ := ctx.Int()
	t, _ := f.Tensor("output_norm.weight")
	fmt.Println(arch, n, t.Type, t.Dims, len(t.Data), buf.Len())
	// Output: "llama" 2048 F32 [4] 16 192
}
