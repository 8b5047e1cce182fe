package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/safetensors"
)

func Example() {
	dir, _ := os.MkdirTemp("", "st")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	w := safetensors.FromFloat32("embed.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	if err := safetensors.WriteFile(path, []safetensors.Tensor{w}, map[string]string{"format": "pt"}); err != nil {
		fmt.Println(err)
		return
	}

	f, err := safetensors.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	t, _ := f.Tensor("embed.weight")
	data, _ := t.Float32() // a view into the mapped file, no copy
	fmt.Println(t.DType, t.Shape, data)
	// Output: F32 [2 3] [1 2 3 4 5 6]
}
