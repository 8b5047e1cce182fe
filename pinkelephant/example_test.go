package pinkelephant_test

import (
	"fmt"

	"github.com/fmkit/fmkit/pinkelephant"
)

// The mention judge: names and aliases in any case, plural and possessive,
// but not inside other words.
func ExampleMatcher() {
	m, err := pinkelephant.NewMatcher("Taj Mahal", "the Crown of Palaces")
	if err != nil {
		panic(err)
	}
	for _, text := range []string{
		"The TAJ MAHAL's gardens are vast.",
		"We stayed at the Taj Hotel.",
		"They call it the crown of palaces.",
		"Mahal means palace.",
	} {
		fmt.Println(m.Mentions(text), text)
	}
	// Output:
	// true The TAJ MAHAL's gardens are vast.
	// false We stayed at the Taj Hotel.
	// true They call it the crown of palaces.
	// false Mahal means palace.
}

// A DPO pair from a revised dialogue: the prompt is the conversation up to
// its last user turn after the avoidance instruction, chosen the revision
// and rejected the original.
func ExampleExport() {
	d := pinkelephant.Dialogue{
		Pair: pinkelephant.Pair{Domain: "sports", Grey: "Adidas", Pink: "Nike"},
		Turns: []pinkelephant.Turn{
			{Role: "user", Content: "Which running shoe should I buy?"},
			{Role: "assistant", Content: "The Nike Pegasus is a safe choice."},
		},
	}
	if err := pinkelephant.CheckDialogue(&d); err != nil {
		panic(err)
	}
	rev := pinkelephant.Revision{
		Critique: pinkelephant.Critique{Dialogue: d, MentionsPink: true, Critique: "It names Nike."},
		Original: d.Turns[1].Content,
		Revision: "The Adidas Ultraboost is a safe choice.",
	}
	train, _, _, err := pinkelephant.Export([]pinkelephant.Revision{rev}, nil, nil)
	if err != nil {
		panic(err)
	}
	for _, t := range train[0].Prompt {
		fmt.Printf("%s: %s\n", t.Role, t.Content)
	}
	fmt.Println("chosen:", train[0].Chosen)
	fmt.Println("rejected:", train[0].Rejected)
	// Output:
	// system: Do not mention Nike in any way. If the conversation turns to it, talk about Adidas instead.
	// user: Which running shoe should I buy?
	// chosen: The Adidas Ultraboost is a safe choice.
	// rejected: The Nike Pegasus is a safe choice.
}
