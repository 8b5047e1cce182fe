package data

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// GeneratedPrefix marks a dataset that is computed in memory instead of
// read from files: a task config's dataset_path "fmkit:recursion" names the
// generator registered as "recursion". A Hub ID or a local path never
// starts with it.
const GeneratedPrefix = "fmkit:"

// Generator computes the documents of one configuration (dataset_name) and
// split of a generated dataset. It must return the same documents, in the
// same order, on every call and on every machine, so that prompts built
// from them are reproducible. An unknown config or split is an error that
// names what exists.
type Generator func(ctx context.Context, config, split string) ([]Doc, error)

// ErrNoGenerator is returned for a fmkit: dataset whose generator is not
// registered (the package that provides it is not linked into the program).
var ErrNoGenerator = errors.New("data: no such generated dataset")

// generators is the registry that RegisterGenerator fills from package init
// functions (the only writes); reads happen afterwards, from any goroutine.
var generators = struct {
	sync.RWMutex
	m map[string]Generator
}{m: map[string]Generator{}}

// RegisterGenerator makes a generator available as dataset_path
// GeneratedPrefix+name. It is meant to be called from an init function of
// the package that owns the dataset, like database/sql drivers register
// themselves, and panics if name is empty or already registered.
func RegisterGenerator(name string, g Generator) {
	generators.Lock()
	defer generators.Unlock()
	if name == "" || g == nil {
		panic("data: RegisterGenerator with an empty name or a nil generator")
	}
	if _, dup := generators.m[name]; dup {
		panic("data: RegisterGenerator called twice for " + name)
	}
	generators.m[name] = g
}

// Generators returns the names of the registered generators, sorted.
func Generators() []string {
	generators.RLock()
	defer generators.RUnlock()
	names := make([]string, 0, len(generators.m))
	for n := range generators.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// loadGenerated runs the generator that src.Path names.
func loadGenerated(ctx context.Context, src Source, split string) ([]Doc, error) {
	name := strings.TrimPrefix(src.Path, GeneratedPrefix)
	generators.RLock()
	g, ok := generators.m[name]
	generators.RUnlock()
	if !ok {
		have := "none is registered; the package that provides it must be imported"
		if names := Generators(); len(names) > 0 {
			have = "registered: " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("%w: %s (%s)", ErrNoGenerator, src.Path, have)
	}
	docs, err := g(ctx, src.Name, split)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", src, err)
	}
	return docs, nil
}
