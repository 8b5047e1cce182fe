package data_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/data"
)

// Load a local JSON Lines split the way a task's dataset_kwargs.data_files
// selects it.
func ExampleLoader_Load() {
	dir, _ := os.MkdirTemp("", "data-example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "test.jsonl")
	os.WriteFile(file, []byte(`{"question": "1+1?", "answer": 2}`+"\n"), 0o644)

	var l data.Loader
	docs, err := l.Load(context.Background(), data.Source{Path: "json", DataFiles: map[string][]string{"test": {file}}}, "test")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := docs[0].Get("answer")
	fmt.Println(docs[0].Keys(), v)
	// Output: [question answer] 2
}
