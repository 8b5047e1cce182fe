// Command enginebench measures the native engine the way
// testdata/gen/engine/bench_torch.py measures PyTorch, for
// bench/engine_vs_torch.sh: scoring throughput (log-probs at every position
// of 32×512 tokens) or batch-1 greedy decoding of 256 tokens, and the
// process's peak RSS. It prints one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

func main() {
	dir := flag.String("model", "", "model directory")
	mode := flag.String("mode", "score", "score or decode")
	dtype := flag.String("dtype", "", "weight dtype override")
	seqs := flag.Int("seqs", 32, "scored sequences")
	length := flag.Int("len", 512, "tokens per scored sequence")
	perStep := flag.Int("batch", 8, "sequences per forward step when scoring")
	newTokens := flag.Int("new", 256, "tokens to decode")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*dir, *mode, *dtype, *seqs, *length, *perStep, *newTokens); err != nil {
		fmt.Fprintln(os.Stderr, "enginebench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dir, mode, dtype string, seqs, length, perStep, newTokens int) error {
	m, err := model.Load(dir, &model.Options{DType: model.DType(dtype)})
	if err != nil {
		return err
	}
	defer m.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	V := m.Config.Vocab
	res := map[string]any{"peer": "fmkit", "mode": mode, "dtype": string(m.DType()), "threads": runtime.GOMAXPROCS(0),
		"kernels": tensor.Kernels(), "weight_mb": float64(m.WeightBytes()) / (1 << 20)}
	switch mode {
	case "score":
		ids := make([][]int, seqs)
		for i := range ids {
			ids[i] = make([]int, length)
			for j := range ids[i] {
				ids[i][j] = rng.IntN(V)
			}
		}
		// Sequences are allocated once and reused across steps, as a
		// scoring loop would; the KV cache is perStep sequences.
		pool := make([]*model.Sequence, perStep)
		for i := range pool {
			if pool[i], err = m.NewSequence(length); err != nil {
				return err
			}
		}
		res["kv_mb"] = float64(m.CacheBytes(length)*int64(perStep)) / (1 << 20)
		start := time.Now()
		var total float64
		for b := 0; b < seqs; b += perStep {
			batch := []model.Input{}
			for i := b; i < min(seqs, b+perStep); i++ {
				s := pool[i-b]
				s.Reset()
				batch = append(batch, model.Input{Seq: s, Tokens: ids[i], Logits: model.AllLogits})
			}
			err := m.Forward(ctx, batch, &model.ForwardOptions{LogProbs: true, Logits: func(r model.Row, logp []float32) error {
				if next := r.Pos + 1; next < length {
					total += float64(logp[ids[b+r.Input][next]])
				}
				return nil
			}})
			if err != nil {
				return err
			}
		}
		dt := time.Since(start).Seconds()
		res["tokens_per_s"] = float64(seqs*length) / dt
		res["seconds"] = dt
		res["logprob_sum"] = total
	case "decode":
		prompt := make([]int, 16)
		for i := range prompt {
			prompt[i] = rng.IntN(V)
		}
		res["kv_mb"] = float64(m.CacheBytes(len(prompt)+newTokens)) / (1 << 20)
		start := time.Now()
		out, err := m.Generate(ctx, [][]int{prompt}, &model.GenerateOptions{MaxNewTokens: newTokens})
		if err != nil {
			return err
		}
		dt := time.Since(start).Seconds()
		res["tokens_per_s"] = float64(len(out[0])) / dt
		res["seconds"] = dt
		res["tokens"] = out[0][:min(8, len(out[0]))]
	default:
		return fmt.Errorf("-mode %q: expected score or decode", mode)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		// CPU seconds used by the whole process (load time included), to
		// read the result on a machine shared with other work.
		res["cpu_seconds"] = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	res["peak_rss_mb"] = peakRSS()
	if math.IsNaN(peakRSS()) {
		delete(res, "peak_rss_mb")
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// peakRSS reads VmHWM from /proc/self/status, in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}
