package recursion

import (
	"context"
	"testing"
)

// BenchmarkGenerate measures drawing 10,000 natural examples (answers,
// features, both notations; no traces) of each built-in function.
func BenchmarkGenerate(b *testing.B) {
	for _, fn := range HarnessFuncs() {
		b.Run(fn, func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(context.Background(), Options{Func: fn, N: 10000, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/example")
		})
	}
}

// BenchmarkTrace measures the step-wise reduction of one input of each
// built-in function (12-bit numbers, an 8-node tree).
func BenchmarkTrace(b *testing.B) {
	env := Std()
	for _, call := range []string{
		"succ (xI (xI (xI (xI (xO (xI (xO (xO (xI (xI (xI xH)))))))))))",
		"add (xI (xI (xI (xI (xO (xI (xO (xO (xI (xI (xI xH))))))))))) (xO (xI (xO (xI (xI (xO (xI xH)))))))",
		"postorder (Node 4 (Node 2 (Node 1 Leaf Leaf) (Node 3 Leaf Leaf)) (Node 6 (Node 5 Leaf Leaf) (Node 7 Leaf (Node 8 Leaf Leaf))))",
	} {
		t := MustParse(call)
		b.Run(t.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := env.Trace(t, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHarnessLoad measures what fmkit eval spends generating the
// documents of one task: the test split of one class and the 1,000-example
// demonstration pool of the _icl variants.
func BenchmarkHarnessLoad(b *testing.B) {
	for _, split := range []string{"test.carry_4_7", "train"} {
		b.Run(split, func(b *testing.B) {
			for b.Loop() {
				if _, err := HarnessDocs(context.Background(), "succ", split); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
