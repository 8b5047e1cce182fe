// Command taskzoo measures how much of lm-evaluation-harness's task tree
// fmkit resolves: it indexes the built-in tasks with the tree as an include
// path, draws a random sample of the tree's tasks (seeded) and resolves
// each as `fmkit tasks show` does, then resolves a fixed list of suites,
// and prints the resolution rates with the reasons for failures.
//
//	go run ./bench/taskzoo -tree /tmp/lmeval/lm_eval/tasks [-python python3] [-n 200] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/eval/tasks"
)

// suites are the Open LLM Leaderboard v1 and v2 tasks and the everyday
// tasks of issue 26.
var suites = map[string][]string{
	"leaderboard v1": {"arc_challenge", "hellaswag", "mmlu", "truthfulqa_mc2", "winogrande", "gsm8k"},
	"leaderboard v2": {"leaderboard_ifeval", "leaderboard_bbh", "leaderboard_math_hard", "leaderboard_gpqa", "leaderboard_musr", "leaderboard_mmlu_pro"},
	"issue 26 failing": {"truthfulqa_mc2", "truthfulqa_gen", "ifeval", "leaderboard_ifeval", "leaderboard_math_hard", "minerva_math",
		"leaderboard_gpqa", "leaderboard_musr", "leaderboard_mmlu_pro", "mmlu_pro", "gpqa_main_zeroshot", "race", "wikitext", "xcopa",
		"squadv2", "drop", "humaneval", "mbpp", "logiqa", "mathqa", "copa", "wsc", "medqa_4options", "pubmedqa", "agieval", "kmmlu"},
}

func main() {
	tree := flag.String("tree", "", "lm_eval/tasks folder of lm-evaluation-harness")
	python := flag.String("python", "", "python3 for the bridge (empty: native ports only)")
	n := flag.Int("n", 200, "tasks in the random sample")
	seed := flag.Uint64("seed", 1, "sample seed")
	verbose := flag.Bool("v", false, "print every failure")
	flag.Parse()
	if err := run(*tree, *python, *n, *seed, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "taskzoo:", err)
		os.Exit(1)
	}
}

func run(tree, python string, n int, seed uint64, verbose bool) error {
	ix, err := eval.NewIndex(eval.TaskSource{Name: "builtin", FS: tasks.FS()}, eval.TaskSource{Name: tree, FS: os.DirFS(tree), Dir: tree})
	if err != nil {
		return err
	}
	if python != "" {
		p, err := eval.StartPython(python)
		if err != nil {
			return err
		}
		defer p.Close()
		ix.UsePython(p)
	}
	var names []string
	kinds := map[eval.Kind]int{}
	for _, e := range ix.Entries() {
		kinds[e.Kind]++
		if e.Kind == eval.KindTask && e.Source == tree {
			names = append(names, e.Name)
		}
	}
	templates := 0
	for _, no := range ix.Notices() {
		if !no.Warning {
			templates++
		}
	}
	fmt.Printf("index: %d tasks, %d groups, %d tags (%d from the tree); %d templates skipped, %d notices\n",
		kinds[eval.KindTask], kinds[eval.KindGroup], kinds[eval.KindTag], len(names), templates, len(ix.Notices()))
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	sample := names[:min(n, len(names))]
	ok, reasons := resolve(ix, sample, verbose)
	fmt.Printf("random sample of %d tree tasks (seed %d): %d resolve (%.1f%%)\n", len(sample), seed, ok, 100*float64(ok)/float64(len(sample)))
	printReasons(reasons)
	for _, s := range sortedKeys(suites) {
		ok, reasons := resolve(ix, suites[s], true)
		fmt.Printf("%s: %d of %d resolve\n", s, ok, len(suites[s]))
		printReasons(reasons)
	}
	return nil
}

var digits = regexp.MustCompile(`[0-9]+`)

// resolve loads each name as `fmkit tasks show` does and returns how many
// resolved and the failures grouped by reason.
func resolve(ix *eval.Index, names []string, verbose bool) (int, map[string][]string) {
	ok := 0
	reasons := map[string][]string{}
	for _, name := range names {
		s, err := ix.Load([]string{name})
		if err == nil && len(s.Tasks) == 1 && len(s.Groups) == 0 {
			_ = eval.ConfigJSON(s.Tasks[0])
		}
		if err == nil {
			ok++
			continue
		}
		msg := err.Error()
		if verbose {
			fmt.Printf("  %s: %s\n", name, firstLine(msg))
		}
		reasons[reason(msg)] = append(reasons[reason(msg)], name)
	}
	return ok, reasons
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// reason is the message without file names and numbers, to count alike
// failures together.
func reason(msg string) string {
	if i := strings.Index(msg, ": "); i >= 0 && strings.Contains(msg[:i], ".yaml") {
		msg = msg[i+2:]
	}
	if i := strings.Index(msg, "(registered"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, "(known:"); i >= 0 {
		msg = msg[:i]
	}
	msg = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(msg, `"…"`)
	return digits.ReplaceAllString(firstLine(msg), "N")
}

func printReasons(reasons map[string][]string) {
	keys := sortedKeys(reasons)
	sort.SliceStable(keys, func(i, j int) bool { return len(reasons[keys[i]]) > len(reasons[keys[j]]) })
	for _, k := range keys {
		ex := reasons[k]
		fmt.Printf("  %4d  %s  (e.g. %s)\n", len(ex), k, strings.Join(ex[:min(3, len(ex))], ", "))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
