package testutil

import (
	"slices"
	"testing"
)

func TestCharTokenizer(t *testing.T) {
	var tok CharTokenizer
	ids := tok.Encode("Hi!", true)
	if want := []int{0, 'H' - 31, 'i' - 31, '!' - 31}; !slices.Equal(ids, want) {
		t.Errorf("Encode = %v, want %v", ids, want)
	}
	if got := tok.Decode(ids, false); got != "<eos>Hi!" {
		t.Errorf("Decode = %q, want %q", got, "<eos>Hi!")
	}
	if got := tok.Decode(ids, true); got != "Hi!" {
		t.Errorf("Decode skipping special = %q, want %q", got, "Hi!")
	}
}

func TestAllocatedBytes(t *testing.T) {
	var keep []byte
	n := AllocatedBytes(func() { keep = make([]byte, 1<<20) })
	if n < 1<<20 || n > 2<<20 {
		t.Errorf("AllocatedBytes of a 1 MiB slice = %d", n)
	}
	_ = keep
}
