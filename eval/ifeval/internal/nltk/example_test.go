package nltk_test

import (
	"fmt"

	"github.com/fmkit/fmkit/eval/ifeval/internal/nltk"
)

func Example() {
	sents, _ := nltk.English()
	s, _ := sents.Tokenize("Mr. Smith met Dr. Jones at 3 p.m. on Monday. They talked.")
	fmt.Printf("%q\n", s)
	words, _ := nltk.NewWordTokenizer(sents)
	w, _ := words.Tokenize("I can't go, NASA said.")
	fmt.Printf("%q\n", w)
	fmt.Println(nltk.CountWords("snake_case and x² count once each"))
	// Output:
	// ["Mr. Smith met Dr. Jones at 3 p.m. on Monday." "They talked."]
	// ["I" "ca" "n't" "go" "," "NASA" "said" "."]
	// 6
}
