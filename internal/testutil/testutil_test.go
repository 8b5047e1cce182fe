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
