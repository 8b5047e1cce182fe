package data

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var registerOnce sync.Once

func TestGeneratedDatasets(t *testing.T) {
	registerOnce.Do(func() {
		RegisterGenerator("test-counting", func(_ context.Context, config, split string) ([]Doc, error) {
			if config != "three" {
				return nil, fmt.Errorf("no configuration %q (have three)", config)
			}
			cols := []string{"n", "split"}
			var docs []Doc
			for i := range 3 {
				docs = append(docs, Doc{Columns: cols, Values: []any{int64(i), split}})
			}
			return docs, nil
		})
	})
	var l Loader // no Hub: generated datasets need none
	docs, err := l.Load(context.Background(), Source{Path: "fmkit:test-counting", Name: "three"}, "test.x")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 || docs[2].Values[0] != int64(2) || docs[0].Values[1] != "test.x" {
		t.Errorf("docs %v", docs)
	}
	_, err = l.Load(context.Background(), Source{Path: "fmkit:test-counting", Name: "four"}, "test")
	if err == nil || !strings.Contains(err.Error(), `data: fmkit:test-counting/four: no configuration "four"`) {
		t.Errorf("bad config: %v", err)
	}
	_, err = l.Load(context.Background(), Source{Path: "fmkit:nothing"}, "test")
	if !errors.Is(err, ErrNoGenerator) || !strings.Contains(err.Error(), "fmkit:nothing") || !strings.Contains(err.Error(), "test-counting") {
		t.Errorf("unknown generator: %v", err)
	}
	found := false
	for _, n := range Generators() {
		found = found || n == "test-counting"
	}
	if !found {
		t.Errorf("Generators() = %v", Generators())
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	RegisterGenerator("test-counting", func(context.Context, string, string) ([]Doc, error) { return nil, nil })
}
