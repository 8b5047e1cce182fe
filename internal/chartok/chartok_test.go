package chartok

import (
	"fmt"
	"slices"
	"testing"
)

func TestTokenizer(t *testing.T) {
	var tok Tokenizer
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

func ExampleTokenizer() {
	var tok Tokenizer
	ids := tok.Encode("ab", true)
	fmt.Println(ids, tok.Decode(ids, true))
	// Output: [0 66 67] ab
}
