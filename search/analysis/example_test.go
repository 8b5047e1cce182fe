package analysis_test

import (
	"fmt"

	"github.com/fmkit/fmkit/search/analysis"
)

func Example() {
	a, err := analysis.New("english")
	if err != nil {
		panic(err)
	}
	var ts analysis.Tokens
	a.Analyze(&ts, "The runner's shoes were running quickly to the e-mail server.")
	for i := 0; i < ts.Len(); i++ {
		fmt.Printf("%d:%s ", ts.Pos[i], ts.Term(i))
	}
	fmt.Println()
	// Output:
	// 1:runner 2:shoe 3:were 4:run 5:quickli 8:e 9:mail 10:server
}
