// Command cfgbench measures the cost of classifier-free guidance against
// unguided runs of the same model in the same process, for
// bench/cfg_vs_unguided.sh: scoring (lm/native vs lm/guided
// LoglikelihoodTokens) and decoding (model.Generate vs lm/guided
// GenerateTokens, greedy), alternating the two REPEAT times. Decoding is
// timed per token: a run of 1 new token (the prefill) is subtracted from a
// run of NEW tokens. It prints one JSON line per run and a summary line per
// workload with the ratio of the best times.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

type workload struct {
	name string
	// tokens is the number of scored or generated tokens per run.
	tokens int
	// unguided and guided run the workload; decoding runs generate n
	// tokens per prompt (scoring ignores n).
	unguided func(ctx context.Context, n int) error
	guided   func(ctx context.Context, n int) error
	// perToken subtracts a 1-token run (decoding).
	perToken bool
}

func main() {
	dir := flag.String("model", "", "model: a directory, a GGUF file, builtin:NAME or hf:ORG/NAME")
	dtype := flag.String("dtype", "", "weight dtype override (f32, bf16, f16)")
	mode := flag.String("mode", "score", "score or decode")
	scale := flag.Float64("scale", 1.5, "guidance scale")
	uncond := flag.String("uncond", "last-token", "unconditional branch: last-token, empty or negative")
	negLen := flag.Int("negative-len", 16, "tokens of the negative prompt (with -uncond negative)")
	questions := flag.Int("questions", 16, "scoring: questions (contexts)")
	choices := flag.Int("choices", 4, "scoring: continuations per context")
	ctxLen := flag.Int("ctx", 128, "scoring: context tokens")
	contLen := flag.Int("cont", 8, "scoring: tokens per continuation")
	prompts := flag.Int("prompts", 1, "decoding: prompts decoded together")
	newTokens := flag.Int("new", 64, "decoding: tokens per prompt")
	repeat := flag.Int("repeat", 3, "runs of each side")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*dir, *dtype, *mode, *scale, *uncond, *negLen, *questions, *choices, *ctxLen, *contLen, *prompts, *newTokens, *repeat); err != nil {
		fmt.Fprintln(os.Stderr, "cfgbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dir, dtype, mode string, scale float64, uncond string, negLen, questions, choices, ctxLen, contLen, prompts, newTokens, repeat int) error {
	// Token-level requests on random ids: the model's tokenizer is not read.
	base, err := native.Open(context.Background(), dir, &native.OpenOptions{DType: model.DType(dtype), TokenLevel: true})
	if err != nil {
		return err
	}
	defer base.Close()
	m := base.Engine()
	rng := rand.New(rand.NewPCG(1, 2))
	V := m.Config.Vocab
	random := func(n int) []int {
		ids := make([]int, n)
		for i := range ids {
			ids[i] = rng.IntN(V)
		}
		return ids
	}
	b, err := native.New(m, nil, nil)
	if err != nil {
		return err
	}
	opts := &guided.Options{Uncond: guided.Uncond(uncond)}
	if opts.Uncond == guided.Negative {
		opts.NegativeTokens = random(negLen)
	}
	g, err := guided.New(b, scale, opts)
	if err != nil {
		return err
	}
	var w workload
	switch mode {
	case "score":
		var nreqs []native.TokenRequest
		var greqs []guided.TokenRequest
		for range questions {
			c := random(ctxLen)
			for range choices {
				k := random(contLen)
				nreqs = append(nreqs, native.TokenRequest{Context: c, Continuation: k})
				greqs = append(greqs, guided.TokenRequest{Context: c, Continuation: k})
			}
		}
		w = workload{name: fmt.Sprintf("score %dx(%d ctx + %dx%d cont)", questions, ctxLen, choices, contLen),
			tokens: questions * choices * contLen,
			unguided: func(ctx context.Context, _ int) error {
				_, err := base.LoglikelihoodTokens(ctx, nreqs, nil)
				return err
			},
			guided: func(ctx context.Context, _ int) error {
				_, err := g.LoglikelihoodTokens(ctx, greqs, nil)
				return err
			}}
	case "decode":
		ps := make([][]int, prompts)
		for i := range ps {
			ps[i] = random(16)
		}
		// Random weights may produce an end-of-sequence token early; no
		// stop tokens, so both sides decode exactly newTokens per prompt.
		if newTokens < 2 {
			return fmt.Errorf("-new %d: expected at least 2 tokens", newTokens)
		}
		w = workload{name: fmt.Sprintf("decode %d prompt(s), per token of %d", prompts, newTokens),
			tokens: prompts * (newTokens - 1), perToken: true,
			unguided: func(ctx context.Context, n int) error {
				_, err := m.Generate(ctx, ps, &model.GenerateOptions{MaxNewTokens: n})
				return err
			},
			guided: func(ctx context.Context, n int) error {
				_, err := g.GenerateTokens(ctx, ps, &guided.TokenOptions{MaxNewTokens: n})
				return err
			}}
	default:
		return fmt.Errorf("-mode %q: expected score or decode", mode)
	}
	ctx := context.Background()
	best := map[string]float64{}
	bestCPU := map[string]float64{}
	enc := json.NewEncoder(os.Stdout)
	for r := range repeat {
		for _, side := range []string{"unguided", "guided"} {
			fn := w.unguided
			if side == "guided" {
				fn = w.guided
			}
			wall, cpu, err := timed(ctx, fn, newTokens)
			if err != nil {
				return err
			}
			if w.perToken {
				wall1, cpu1, err := timed(ctx, fn, 1)
				if err != nil {
					return err
				}
				wall, cpu = wall-wall1, cpu-cpu1
			}
			if best[side] == 0 || wall < best[side] {
				best[side] = wall
			}
			if bestCPU[side] == 0 || cpu < bestCPU[side] {
				bestCPU[side] = cpu
			}
			enc.Encode(map[string]any{"workload": w.name, "side": side, "run": r, "scale": scale, "uncond": uncond,
				"seconds": wall, "cpu_seconds": cpu, "tokens_per_s": float64(w.tokens) / wall, "threads": runtime.GOMAXPROCS(0)})
		}
	}
	return enc.Encode(map[string]any{"workload": w.name, "summary": true, "scale": scale, "uncond": uncond,
		"unguided_seconds": best["unguided"], "guided_seconds": best["guided"],
		"ratio_wall": best["guided"] / best["unguided"], "ratio_cpu": bestCPU["guided"] / bestCPU["unguided"]})
}

// timed runs fn and returns its wall-clock and CPU seconds.
func timed(ctx context.Context, fn func(context.Context, int) error, n int) (wall, cpu float64, err error) {
	cpu0 := cpuSeconds()
	start := time.Now()
	err = fn(ctx, n)
	return time.Since(start).Seconds(), cpuSeconds() - cpu0, err
}

// cpuSeconds is the process's user+system CPU time, to read results on a
// machine shared with other work.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
