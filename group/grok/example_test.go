package grok_test

import (
	"fmt"

	"github.com/fmkit/fmkit/group/grok"
)

// The task: every pair of elements of S_4, labelled with their product,
// with a seeded 40% of the pairs for training.
func Example() {
	d, err := grok.NewDataset(4)
	if err != nil {
		fmt.Println(err)
		return
	}
	split, err := grok.NewSplit(d, 0.4, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, r := d.Pair(100)
	fmt.Println(d.Order(), d.Pairs(), len(split.Train), len(split.Test))
	fmt.Printf("%v·%v = %v\n", d.Elements[l], d.Elements[r], d.Elements[d.Target[100]])
	// Output:
	// 24 576 230 346
	// [1 2 0 3]·[1 2 0 3] = [2 0 1 3]
}
