package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/fmkit/fmkit/tokenizer"
)

func Example() {
	tok, err := tokenizer.Load("testdata/gpt2") // a model directory or a tokenizer.json
	if err != nil {
		log.Fatal(err)
	}
	text := "Hello world<|endoftext|>"
	ids, offsets := tok.EncodeWithOffsets(text, false)
	for i, id := range ids {
		s, _ := tok.IDToToken(id)
		fmt.Printf("%d %q %q\n", id, s, text[offsets[i].Start:offsets[i].End])
	}
	fmt.Println(tok.Decode(ids, true))
	// Output:
	// 15496 "Hello" "Hello"
	// 995 "Ġworld" " world"
	// 50256 "<|endoftext|>" "<|endoftext|>"
	// Hello world
}
