package langdetect_test

import (
	"fmt"

	"github.com/fmkit/fmkit/eval/ifeval/internal/langdetect"
)

func Example() {
	d, err := langdetect.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{"The library opens next spring.", "La biblioteca abrirá la próxima primavera.", "新しい図書館は来年の春に開館する。"} {
		lang, _ := d.Detect(s, 0)
		fmt.Println(lang)
	}
	_, err = d.Detect("42 !!!", 0)
	fmt.Println(err)
	// Output:
	// en
	// es
	// ja
	// langdetect: no features in text
}
