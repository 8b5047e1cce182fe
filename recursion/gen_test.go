package recursion

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func mustGenerate(t *testing.T, o Options) []Example {
	t.Helper()
	exs, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func TestFeatures(t *testing.T) {
	env := Std()
	for _, tc := range []struct {
		call string
		want Features
	}{
		{"succ xH", Features{Len: 1, Carry: 1, AllOnes: true, Grows: true}},
		{"succ (xO (xI xH))", Features{Len: 3, Carry: 0}},
		{"succ (xI (xI (xO xH)))", Features{Len: 4, Carry: 2}},
		{"succ (xI (xI xH))", Features{Len: 3, Carry: 3, AllOnes: true, Grows: true}},
		// 1011 + 1 = 1100: carries out of bits 0 and 1.
		{"add (xI (xI (xO xH))) xH", Features{Len: 4, Carry: 2, AllOnes: true}}, // xH = 1 is all ones
		// 1001 + 111 = 10000: four carries in a row, a new bit.
		{"add (xI (xO (xO xH))) (xI (xI xH))", Features{Len: 4, Carry: 4, AllOnes: true, Grows: true}},
		// 1010 + 101 = 1111: no carry.
		{"add (xO (xI (xO xH))) (xI (xO xH))", Features{Len: 4, Carry: 0}},
		{"inorder Leaf", Features{Shape: "leaf"}},
		{"inorder (Node 1 Leaf Leaf)", Features{Nodes: 1, Depth: 1, Shape: "single"}},
		{"inorder (Node 1 (Node 2 (Node 3 Leaf Leaf) Leaf) Leaf)", Features{Nodes: 3, Depth: 3, Shape: "left_spine"}},
		{"inorder (Node 1 Leaf (Node 2 Leaf Leaf))", Features{Nodes: 2, Depth: 2, Shape: "right_spine"}},
		{"inorder (Node 1 (Node 2 Leaf (Node 3 Leaf Leaf)) Leaf)", Features{Nodes: 3, Depth: 3, Shape: "zigzag"}},
		{"inorder (Node 1 (Node 2 Leaf Leaf) (Node 3 Leaf Leaf))", Features{Nodes: 3, Depth: 2, Shape: "perfect"}},
		{"inorder (Node 1 (Node 2 Leaf Leaf) (Node 3 (Node 4 Leaf Leaf) Leaf))", Features{Nodes: 4, Depth: 3, Shape: "other"}},
	} {
		call := MustParse(tc.call)
		ans, err := env.Eval(call)
		if err != nil {
			t.Fatal(err)
		}
		if got := featuresOf(call.Args, ans); got != tc.want {
			t.Errorf("%s: features %+v, want %+v", tc.call, got, tc.want)
		}
	}
	f := Features{Len: 3, Carry: 3, AllOnes: true, Grows: true}
	if got := strings.Join(f.Tags(), " "); got != "len:3 carry:3 all_ones grows" {
		t.Errorf("tags %q", got)
	}
}

func TestGenerateIsReproducible(t *testing.T) {
	o := Options{Func: "add", N: 300, Seed: 7, Oversample: map[string]float64{"grows": 0.2}, Trace: true, Machine: true}
	a, _ := json.Marshal(mustGenerate(t, o))
	prev := runtime.GOMAXPROCS(1)
	b, _ := json.Marshal(mustGenerate(t, o))
	runtime.GOMAXPROCS(prev)
	if string(a) != string(b) {
		t.Fatal("the same options on 1 and GOMAXPROCS goroutines gave different examples")
	}
	o.Seed = 8
	c, _ := json.Marshal(mustGenerate(t, o))
	if string(a) == string(c) {
		t.Fatal("seeds 7 and 8 gave the same examples")
	}
	o.Seed, o.Split = 7, "validation"
	if d, _ := json.Marshal(mustGenerate(t, o)); string(a) == string(d) {
		t.Fatal("splits train and validation of one seed gave the same examples")
	}
}

func TestBucketsHoldTheirDraws(t *testing.T) {
	env := Std()
	r := DefaultRanges()
	for _, fn := range []string{"succ", "add", "inorder"} {
		classes, _ := env.Buckets(fn)
		f, _ := env.lookup(fn)
		p := profileOf(f.Func)
		for _, c := range classes {
			b, _ := findBucket(p, c[0])
			exs := mustGenerate(t, Options{Func: fn, N: 60, Dist: Balanced, Buckets: []string{c[0]}, Split: "test"})
			for _, ex := range exs {
				if ex.Bucket != c[0] || !b.contains(ex.Features, r) {
					t.Fatalf("%s %s: example %s has class %s, features %+v", fn, c[0], ex.Call, ex.Bucket, ex.Features)
				}
				if !b.outOfRange && (ex.Len > r.MaxLen || ex.Depth > r.MaxDepth) || b.outOfRange && ex.Len <= r.MaxLen && ex.Depth <= r.MaxDepth {
					t.Fatalf("%s %s: example %s is out of the class's range", fn, c[0], ex.Call)
				}
			}
		}
	}
}

// TestNaturalRates checks the natural distribution's edge-case rates
// against their exact values for lengths uniform in 1..12: an even number
// (no carry) with probability 11/12 · 1/2, all ones with probability
// 1/12 · Σ 2^−(L−1).
func TestNaturalRates(t *testing.T) {
	const n = 20000
	rate := func(exs []Example, pred func(Example) bool) float64 {
		k := 0
		for _, ex := range exs {
			if pred(ex) {
				k++
			}
		}
		return float64(k) / float64(len(exs))
	}
	allOnes := 0.0
	for l := 1; l <= 12; l++ {
		allOnes += math.Pow(2, -float64(l-1)) / 12
	}
	exs := mustGenerate(t, Options{Func: "succ", N: n, Seed: 1})
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"carry 0", rate(exs, func(e Example) bool { return e.Carry == 0 }), 11.0 / 24},
		{"all ones", rate(exs, func(e Example) bool { return e.AllOnes }), allOnes},
		{"12 bits", rate(exs, func(e Example) bool { return e.Len == 12 }), 1.0 / 12},
	} {
		if math.Abs(tc.got-tc.want) > 0.01 {
			t.Errorf("natural %s: rate %.4f, want %.4f", tc.name, tc.got, tc.want)
		}
	}
	over := mustGenerate(t, Options{Func: "succ", N: n, Seed: 1, Oversample: map[string]float64{"all_ones": 0.25}})
	if got, want := rate(over, func(e Example) bool { return e.AllOnes }), 0.25+0.75*allOnes; math.Abs(got-want) > 0.01 {
		t.Errorf("oversampled all ones: rate %.4f, want %.4f", got, want)
	}
	if got := rate(over, func(e Example) bool { return e.Bucket == "all_ones" }); got < 0.35 {
		t.Errorf("oversampled all ones: only %.3f of the examples are in class all_ones", got)
	}
	for _, ex := range exs {
		if ex.Len < 1 || ex.Len > 12 {
			t.Fatalf("%s: %d bits, outside 1..12", ex.Call, ex.Len)
		}
	}
	trees := mustGenerate(t, Options{Func: "preorder", N: 2000, Ranges: Ranges{MinNodes: 2, MaxNodes: 6, MaxDepth: 4, Labels: 3}})
	for _, ex := range trees {
		if ex.Nodes < 2 || ex.Nodes > 6 || ex.Depth > 4 {
			t.Fatalf("%s: %d nodes, depth %d, outside 2..6 and 4", ex.Call, ex.Nodes, ex.Depth)
		}
		if strings.ContainsAny(ex.Call, "3456789") {
			t.Fatalf("%s: a label outside 0..2", ex.Call)
		}
	}
}

func TestHoldout(t *testing.T) {
	ctx := context.Background()
	test, err := HarnessExamples(ctx, "succ", "test")
	if err != nil {
		t.Fatal(err)
	}
	inTest := map[string]bool{}
	for _, ex := range test {
		inTest[ex.Call] = true
	}
	overlap := func(exs []Example) int {
		k := 0
		for _, ex := range exs {
			if ex.Len >= holdoutBits && inTest[ex.Call] {
				k++
			}
		}
		return k
	}
	free := mustGenerate(t, Options{Func: "succ", N: 5000, Seed: 3})
	held := mustGenerate(t, Options{Func: "succ", N: 5000, Seed: 3, Holdout: true})
	if overlap(free) == 0 {
		t.Fatal("without Holdout no training input is in the test set; the check below proves nothing")
	}
	if k := overlap(held); k != 0 {
		t.Errorf("with Holdout %d training inputs of 6 or more bits are in the test set", k)
	}
}

func TestUnique(t *testing.T) {
	exs := mustGenerate(t, Options{Func: "succ", N: 500, Unique: true, Ranges: Ranges{MaxLen: 10}})
	seen := map[string]bool{}
	for _, ex := range exs {
		if seen[ex.Call] {
			t.Fatalf("%s twice", ex.Call)
		}
		seen[ex.Call] = true
	}
	few := mustGenerate(t, Options{Func: "succ", N: 100, Unique: true, AtMost: true, Dist: Balanced, Buckets: []string{"all_ones"}})
	if len(few) != 11 {
		t.Errorf("all-ones numbers of 2 to 12 bits: got %d, want 11", len(few))
	}
	_, err := Generate(context.Background(), Options{Func: "succ", N: 100, Unique: true, Dist: Balanced, Buckets: []string{"all_ones"}})
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "only 11 distinct inputs") {
		t.Errorf("100 distinct all-ones numbers: %v", err)
	}
}

func TestValidate(t *testing.T) {
	o := Options{Func: "succ", N: -1, Ranges: Ranges{MinLen: 5, MaxLen: 3}, Oversample: map[string]float64{"all_ones": 1.5, "nope": 0.1},
		Buckets: []string{"carry_9"}}
	err := o.Validate()
	if !errors.Is(err, ErrOptions) {
		t.Fatalf("Validate: %v", err)
	}
	for _, want := range []string{"N -1", "lengths 5..3", `no edge-case class "carry_9"`, `no edge-case class "nope"`, "Oversample all_ones=1.5", "add up to 1.6"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %q lacks %q", err, want)
		}
	}
	if err := (&Options{Func: "mul"}).Validate(); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), `unknown function "mul"`) {
		t.Errorf("unknown function: %v", err)
	}
	if err := (&Options{Func: "succ", Oversample: map[string]float64{"all_ones": math.NaN()}}).Validate(); err == nil {
		t.Error("a NaN fraction passed")
	}
	if _, err := Generate(context.Background(), Options{Func: "succ", Dist: Balanced, Buckets: []string{"carry_8plus"}, Ranges: Ranges{MaxLen: 6}}); !errors.Is(err, ErrOptions) {
		t.Errorf("an empty class: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, Options{Func: "succ", N: 100000}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHarnessSplits(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		config string
		splits string
	}{
		{"succ", "train test test.carry_0 test.carry_1 test.carry_2_3 test.carry_4_7 test.carry_8plus test.all_ones test.longer"},
		{"add", "train test test.carry_0 test.carry_1 test.carry_2_3 test.carry_4_7 test.carry_8plus test.grows test.longer"},
		{"inorder", "train test test.random test.left_spine test.right_spine test.zigzag test.perfect test.deeper"},
		{"postorder_trace", "train test test.delta test.beta test.iota"},
	} {
		splits, err := HarnessSplits(tc.config)
		if err != nil || strings.Join(splits, " ") != tc.splits {
			t.Errorf("%s: splits %v (%v), want %s", tc.config, splits, err, tc.splits)
		}
	}
	if _, err := HarnessDocs(ctx, "mul", "test"); !errors.Is(err, ErrNoSplit) || !strings.Contains(err.Error(), "succ, succ_trace, add") {
		t.Errorf("unknown configuration: %v", err)
	}
	if _, err := HarnessDocs(ctx, "succ", "test.carry_9"); !errors.Is(err, ErrNoSplit) || !strings.Contains(err.Error(), "test.all_ones") {
		t.Errorf("unknown split: %v", err)
	}
	docs, err := HarnessDocs(ctx, "succ", "test.all_ones")
	if err != nil || len(docs) != 11 {
		t.Fatalf("succ test.all_ones: %d documents, %v", len(docs), err)
	}
	call, _ := docs[0].Get("call")
	target, _ := docs[0].Get("target")
	argsText, _ := docs[0].Get("args_text")
	if !strings.HasPrefix(call.(string), "succ "+argsText.(string)) || target == "" {
		t.Errorf("document 0: call %v, args_text %v, target %v", call, argsText, target)
	}
	env := Std()
	for _, rule := range []string{"delta", "beta", "iota"} {
		tdocs, err := HarnessTraceDocs(ctx, "add", "test."+rule)
		if err != nil || len(tdocs) != HarnessPerBucket {
			t.Fatalf("add_trace test.%s: %d documents, %v", rule, len(tdocs), err)
		}
		for _, d := range tdocs {
			next, r, ok, err := env.Reduce(MustParse(d.Term))
			if err != nil || !ok || next.String() != d.Next || r.String() != rule || d.Rule != rule || d.Bucket != rule {
				t.Fatalf("%s -> %s (%s): reducing gives %v by %s", d.Term, d.Next, d.Rule, next, r)
			}
		}
	}
	train, err := HarnessExamples(ctx, "inorder", "train")
	if err != nil || len(train) != HarnessTrainPool {
		t.Fatalf("inorder train: %d, %v", len(train), err)
	}
	test, _ := HarnessExamples(ctx, "inorder", "test")
	held := map[string]bool{}
	for _, ex := range test {
		held[ex.Call] = true
	}
	for _, ex := range train {
		if ex.Nodes >= holdoutNodes && held[ex.Call] {
			t.Fatalf("train example %s is in the test set", ex.Call)
		}
	}
	classes := map[string]int{}
	for _, ex := range test {
		classes[ex.Bucket]++
	}
	for _, c := range []string{"random", "left_spine", "right_spine", "zigzag", "perfect", "deeper"} {
		if classes[c] == 0 {
			t.Errorf("inorder test has no %s documents", c)
		}
	}
	if !slices.Equal(HarnessFuncs(), []string{"succ", "add", "preorder", "inorder", "postorder"}) {
		t.Errorf("HarnessFuncs %v", HarnessFuncs())
	}
}
