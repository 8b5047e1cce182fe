// Command mathbench times fmkit's MATH scoring with majority voting on
// synthetic documents (internal/mathsynth): each document's k generations
// extracted, normalized and voted on (Llemma's majority vote), as the
// llemma_minerva_math_majk tasks score them. bench/math_vs_sympy.sh runs
// it beside the SymPy-based scorer on the same documents.
//
//	mathbench --docs 5000 --k 16 --write data.jsonl --scores scores.jsonl
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/internal/mathsynth"
	"github.com/fmkit/fmkit/mathcheck"
)

func main() {
	docs := flag.Int("docs", 5000, "documents")
	k := flag.Int("k", 16, "generations per document")
	seed := flag.Uint64("seed", 1, "seed of the synthetic data")
	write := flag.String("write", "", "write the documents as JSONL here (for the peer)")
	scores := flag.String("scores", "", "write each document's exact_match and pass_rate as JSONL here")
	flag.Parse()
	if *docs <= 0 || *k <= 0 {
		fmt.Fprintln(os.Stderr, "mathbench: --docs and --k must be positive")
		os.Exit(2)
	}
	data := mathsynth.Generate(*docs, *k, *seed)
	if *write != "" {
		if err := writeJSONL(*write, len(data), func(i int) any { return data[i] }); err != nil {
			fmt.Fprintln(os.Stderr, "mathbench:", err)
			os.Exit(1)
		}
	}

	type score struct {
		ExactMatch int     `json:"exact_match"`
		PassRate   float64 `json:"pass_rate"`
	}
	out := make([]score, len(data))
	comparisons := 0
	start := time.Now()
	for i, d := range data {
		c := mathcheck.NewChecker(nil)
		raw, err := mathcheck.SolutionAnswer(d.Solution, mathcheck.Fixed)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mathbench:", err)
			os.Exit(1)
		}
		gold := mathcheck.Normalize(raw, mathcheck.Fixed)
		var valid []string
		for _, g := range d.Generations {
			if a, ok := mathcheck.GenerationAnswer(g); ok {
				valid = append(valid, mathcheck.Normalize(a, mathcheck.Fixed))
			}
		}
		e := mathcheck.MajorityVote(valid, gold, len(d.Generations), func(a, b string) bool {
			comparisons++
			return c.Check(a, b).Equivalent
		})
		out[i] = score{PassRate: e.PassRate}
		if e.Correct {
			out[i].ExactMatch = 1
		}
	}
	elapsed := time.Since(start).Seconds()

	withVerify := time.Now()
	for _, d := range data {
		c := mathcheck.NewChecker(nil)
		raw, _ := mathcheck.SolutionAnswer(d.Solution, mathcheck.Fixed)
		c.VoteGenerations(mathcheck.Normalize(raw, mathcheck.Fixed), d.Generations, mathcheck.Fixed)
		gold, ok := c.VerifyAnswer(d.Solution)
		if !ok {
			continue
		}
		var answers []string
		for _, g := range d.Generations {
			if a, ok := c.VerifyAnswer(g); ok {
				answers = append(answers, a)
			}
		}
		mathcheck.MajorityVote(answers, gold, len(d.Generations), func(a, b string) bool { return c.Check(a, b).Equivalent })
	}
	verifySeconds := time.Since(withVerify).Seconds()

	if *scores != "" {
		if err := writeJSONL(*scores, len(out), func(i int) any { return out[i] }); err != nil {
			fmt.Fprintln(os.Stderr, "mathbench:", err)
			os.Exit(1)
		}
	}
	em, pr := 0.0, 0.0
	for _, s := range out {
		em += float64(s.ExactMatch)
		pr += s.PassRate
	}
	n := float64(len(out))
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"docs": len(data), "k": *k, "samples": len(data) * *k, "comparisons": comparisons,
		"seconds": elapsed, "seconds_with_math_verify": verifySeconds, "threads": 1,
		"gomaxprocs": runtime.GOMAXPROCS(0), "exact_match": em / n, "pass_rate": pr / n,
	})
}

func writeJSONL(path string, n int, item func(i int) any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for i := 0; i < n; i++ {
			if err := enc.Encode(item(i)); err != nil {
				return err
			}
		}
		return nil
	})
}
