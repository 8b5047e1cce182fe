// Command corpus writes the strings on which the recursion tokenizer is
// compared with Hugging Face tokenizers: every text format of the
// recursion tasks (input-output lines, in-context prompts, trace steps,
// state-machine states) and edge cases (unknown names, other characters,
// white space runs, the special tokens' text).
//
// Usage (from the repository root):
//
//	go run ./testdata/gen/recursion/corpus.go recursion/testdata/tokenizer_corpus.json
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"strings"

	"github.com/fmkit/fmkit/recursion"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: corpus OUT.json")
	}
	ctx := context.Background()
	var corpus []string
	for _, fn := range recursion.HarnessFuncs() {
		exs, err := recursion.Generate(ctx, recursion.Options{Func: fn, N: 40, Seed: 99, Trace: true, Machine: true,
			Oversample: map[string]float64{}})
		if err != nil {
			log.Fatal(err)
		}
		var icl strings.Builder
		for i, ex := range exs {
			corpus = append(corpus, ex.Call+" = "+ex.Target+"\n", ex.Call+" =", " "+ex.TargetCompact)
			if i < 4 {
				icl.WriteString("f " + ex.ArgsText + " = " + ex.Target + "\n")
			}
			step := ex.Trace[(i*7)%len(ex.Trace)]
			next := ex.Trace[min((i*7)%len(ex.Trace)+1, len(ex.Trace)-1)]
			corpus = append(corpus, step.Term+" -> "+next.Term+"\n")
			m := ex.Machine[(i*5)%len(ex.Machine)]
			corpus = append(corpus, m.Mode+" "+m.Term+" | "+strings.Join(m.Stack, " :: "))
		}
		corpus = append(corpus, icl.String()+"f "+exs[5].ArgsText+" =")
	}
	corpus = append(corpus,
		"", " ", "  ", "\n\n", "\t", "\r\n", "a  b", "xI  xH", " xI", "xI ", "xIxH", "xIxO", "Node10Leaf",
		"double (xI xH) = xO (xI xH)", "my_func' x_1 = y", "Node 123 Leaf Leaf", "cons 0 (cons 42 nil)",
		"<|endoftext|>", "succ xH = xO xH<|endoftext|>", "<unk> x", "~!@#$%^&*{}<>?/\\`\"'", "é δ β ι □ 🙂",
		"[1; 2; 3]", "x := y", "fun x => x", "match x, y with | _, _ => y end", "((((((((xH))))))))",
		"succ (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI (xI xH))))))))))))))) =",
	)
	b, err := json.MarshalIndent(corpus, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(os.Args[1], append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d strings -> %s", len(corpus), os.Args[1])
}
