package eval_test

import (
	"fmt"
	"testing/fstest"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
)

// Render the prompt of a task written in lm-eval's YAML schema.
func ExampleRenderDoc() {
	fsys := fstest.MapFS{"demo.yaml": {Data: []byte(`task: demo
dataset_path: json
test_split: test
output_type: multiple_choice
doc_to_text: "{{question.strip()}}\nA. {{A}}\nB. {{B}}\n정답："
doc_to_choice: ["A", "B"]
doc_to_target: "{{answer-1}}"
`)}}
	ix, err := eval.NewIndex(eval.TaskSource{Name: "demo", FS: fsys})
	if err != nil {
		fmt.Println(err)
		return
	}
	suite, _ := ix.Load([]string{"demo"})
	task := suite.Tasks[0]
	cols := []string{"question", "A", "B", "answer"}
	task.SetDocs([]data.Doc{{Columns: cols, Values: []any{" 1+1? ", "2", "3", int64(1)}}}, nil)
	r, _ := eval.RenderDoc(task, 0)
	fmt.Printf("%q\n%v\ntarget %s\n", r.Prompt, r.Requests, r.Target)
	// Output:
	// "1+1?\nA. 2\nB. 3\n정답："
	// [loglikelihood ('1+1?\nA. 2\nB. 3\n정답：', ' A') loglikelihood ('1+1?\nA. 2\nB. 3\n정답：', ' B')]
	// target 0
}
