// Command ggufbench measures the native engine the way bench/llamacpp's C
// driver measures llama.cpp, for bench/engine_vs_llamacpp.sh: prefill of N
// random token ids (logits for the last), or greedy decoding of N tokens
// after a prompt of P random ids, from the same splitmix64 stream, or the
// perplexity of N random ids or of the ids in a file (mode ppl, -ids), or
// the logits after a prompt of P random ids (mode logits, written to -out
// as little-endian float32). It prints one JSON line with the speed, the
// first 16 greedy tokens and the perplexity.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tensor"
)

func main() {
	path := flag.String("model", "", "model directory or GGUF file")
	mode := flag.String("mode", "decode", "prefill, decode, ppl or logits")
	n := flag.Int("n", 256, "tokens to prefill or to decode")
	p := flag.Int("prompt", 16, "prompt tokens before decoding")
	seed := flag.Uint64("seed", 1, "seed of the random ids")
	dtype := flag.String("dtype", "", "weight dtype override")
	kernels := flag.String("kernels", "", "kernel family (tensor.SetKernels)")
	idsFile := flag.String("ids", "", "mode ppl: a file of whitespace-separated token ids (instead of N random ids)")
	out := flag.String("out", "", "mode logits: the file to write the logits to")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	bf16Act := flag.Bool("bf16-activations", false, "round activations to bf16 in prefill (model.Options.BF16Activations)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ggufbench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*path, *mode, *n, *p, *seed, *dtype, *kernels, *idsFile, *out, *bf16Act); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "ggufbench:", err)
		os.Exit(1)
	}
}

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// readIDs reads whitespace-separated token ids below vocab from a file.
func readIDs(path string, vocab int) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []int
	for _, f := range strings.Fields(string(b)) {
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 || id >= vocab {
			return nil, fmt.Errorf("%s: %q is not a token id below %d", path, f, vocab)
		}
		ids = append(ids, id)
	}
	if len(ids) < 2 {
		return nil, fmt.Errorf("%s: %d token ids, perplexity needs at least 2", path, len(ids))
	}
	return ids, nil
}

func run(path, mode string, n, p int, seed uint64, dtype, kernels, idsFile, out string, bf16Act bool) error {
	if kernels != "" {
		if _, err := tensor.SetKernels(kernels); err != nil {
			return err
		}
	}
	d, err := model.ParseDType(dtype)
	if err != nil {
		return err
	}
	m, err := model.Load(path, &model.Options{DType: d, BF16Activations: bf16Act})
	if err != nil {
		return err
	}
	defer m.Close()
	total := n
	if mode == "decode" || mode == "logits" {
		total = p
	}
	ids := make([]int, total)
	for i := range ids {
		ids[i] = int(splitmix64(&seed) % uint64(m.Config.Vocab))
	}
	if idsFile != "" {
		if mode != "ppl" {
			return fmt.Errorf("-ids is for -mode ppl")
		}
		if ids, err = readIDs(idsFile, m.Config.Vocab); err != nil {
			return err
		}
		n = len(ids)
	}
	ctx := context.Background()
	var last []float32
	opts := &model.ForwardOptions{Logits: func(_ model.Row, l []float32) error {
		last = append(last[:0], l...)
		return nil
	}}
	step := func(seq *model.Sequence, tokens []int) error {
		return m.Forward(ctx, []model.Input{{Seq: seq, Tokens: tokens, Logits: 1}}, opts)
	}
	var elapsed time.Duration
	var cpu, ppl float64
	var greedy []int
	switch mode {
	case "ppl":
		seq, err := m.NewSequence(n)
		if err != nil {
			return err
		}
		var nll float64
		t0, c0 := time.Now(), cpuSeconds()
		err = m.Forward(ctx, []model.Input{{Seq: seq, Tokens: ids, Logits: model.AllLogits}}, &model.ForwardOptions{LogProbs: true,
			Logits: func(r model.Row, lp []float32) error {
				if r.Pos+1 < n {
					nll -= float64(lp[ids[r.Pos+1]])
				}
				return nil
			}})
		if err != nil {
			return err
		}
		elapsed, cpu = time.Since(t0), cpuSeconds()-c0
		ppl = math.Exp(nll / float64(n-1))
	case "logits":
		seq, err := m.NewSequence(p)
		if err != nil {
			return err
		}
		t0, c0 := time.Now(), cpuSeconds()
		if err := step(seq, ids); err != nil {
			return err
		}
		elapsed, cpu, n = time.Since(t0), cpuSeconds()-c0, p
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if err := binary.Write(f, binary.LittleEndian, last); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	case "prefill":
		for range 2 { // a warm-up pass, as the C driver makes, then the timed one
			seq, err := m.NewSequence(n)
			if err != nil {
				return err
			}
			t0, c0 := time.Now(), cpuSeconds()
			if err := step(seq, ids); err != nil {
				return err
			}
			elapsed, cpu = time.Since(t0), cpuSeconds()-c0
			seq.Release()
		}
	case "decode":
		seq, err := m.NewSequence(p + n + 1)
		if err != nil {
			return err
		}
		if err := step(seq, ids); err != nil {
			return err
		}
		tok := argmax(last)
		t0, c0 := time.Now(), cpuSeconds()
		for range n {
			if len(greedy) < 16 {
				greedy = append(greedy, tok)
			}
			if err := step(seq, []int{tok}); err != nil {
				return err
			}
			tok = argmax(last)
		}
		elapsed, cpu = time.Since(t0), cpuSeconds()-c0
	default:
		return fmt.Errorf("-mode %q: expected prefill, decode, ppl or logits", mode)
	}
	if greedy == nil {
		greedy = []int{}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"peer": "fmkit", "mode": mode, "tokens": n, "seconds": elapsed.Seconds(),
		"tokens_per_s": float64(n) / elapsed.Seconds(), "cpu_seconds": cpu, "greedy": greedy, "ppl": ppl,
		"dtype": string(m.DType()), "kernels": tensor.Kernels(),
	})
}
