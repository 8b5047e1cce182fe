package npy_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/npy"
)

func Example() {
	dir, _ := os.MkdirTemp("", "npy")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "acts.npy")

	if err := npy.WriteFile(path, []int{2, 2}, []float32{1, 2, 3, 4}); err != nil {
		fmt.Println(err)
		return
	}
	a, err := npy.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := a.Float32()
	fmt.Println(a.DType, a.Shape, x)
	// Output: <f4 [2 2] [1 2 3 4]
}
