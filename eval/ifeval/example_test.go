package ifeval_test

import (
	"fmt"

	"github.com/fmkit/fmkit/eval/ifeval"
)

func Example() {
	c, err := ifeval.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	in := ifeval.Input{
		Prompt:         "Write two sentences about tea without commas. Answer in English.",
		InstructionIDs: []string{"punctuation:no_comma", "length_constraints:number_sentences", "language:response_language"},
		Kwargs: []map[string]any{
			{},
			{"num_sentences": int64(3), "relation": "less than"},
			{"language": "en"},
		},
	}
	response := "**Tea is brewed from leaves.** It is drunk hot or cold all over the world."
	strict, _ := c.Strict(in, response)
	fmt.Println("strict:", strict.FollowAll, strict.Follow)
	in.InstructionIDs[1], in.Kwargs[1] = "detectable_format:title", map[string]any{}
	loose, _ := c.Loose(in, "<<Tea>>\nTea is brewed from leaves. It is drunk everywhere.")
	fmt.Println("loose:", loose.FollowAll, loose.Follow)
	// Output:
	// strict: true [true true true]
	// loose: true [true true true]
}
