package memtest

import (
	"fmt"
	"testing"
)

func TestAllocatedBytes(t *testing.T) {
	var keep []byte
	n := AllocatedBytes(func() { keep = make([]byte, 1<<20) })
	if n < 1<<20 || n > 2<<20 {
		t.Errorf("AllocatedBytes of a 1 MiB slice = %d", n)
	}
	_ = keep
	if n := AllocatedBytes(func() {}); n > 1<<10 {
		t.Errorf("AllocatedBytes of an empty function = %d", n)
	}
}

var sink []int

func ExampleAllocatedBytes() {
	n := AllocatedBytes(func() { sink = make([]int, 1<<20) })
	fmt.Println(n >= 8<<20)
	// Output: true
}
