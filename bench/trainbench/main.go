// Command trainbench times training steps of fmkit's nn on the shapes of
// bench/train_vs_torch.sh and prints one JSON line per run: each step's
// wall time, the process CPU seconds and the peak resident set size.
//
//	trainbench -model llama   # 6 layers, hidden 256, 4 heads, seq 256, batch 16
//	trainbench -model mlp     # the S5 grokking MLP, full batch of 5,760 pairs
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/nn/transformer"
)

func main() {
	kind := flag.String("model", "llama", "llama or mlp")
	steps := flag.Int("steps", 5, "timed steps")
	warmup := flag.Int("warmup", 1, "untimed steps first")
	vocab := flag.Int("vocab", 8192, "vocabulary of the llama model")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	flag.Parse()
	var step func() error
	switch *kind {
	case "llama":
		step = llamaStep(*vocab)
	case "mlp":
		step = mlpStep()
	default:
		fmt.Fprintln(os.Stderr, "trainbench: -model must be llama or mlp")
		os.Exit(2)
	}
	for range *warmup {
		must(step())
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	var ms []float64
	for range *steps {
		t0 := time.Now()
		must(step())
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	out, _ := json.Marshal(map[string]any{"peer": "fmkit", "model": *kind, "step_ms": ms, "cpu_seconds": cpu, "peak_rss_mb": peakRSS()})
	fmt.Println(string(out))
	pprof.StopCPUProfile()
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "trainbench:", err)
		os.Exit(1)
	}
}

// llamaStep returns one AdamW step of the 6-layer Llama-style decoder on a
// batch of 16 random sequences of 256 tokens.
func llamaStep(vocab int) func() error {
	const batch, seq = 16, 256
	cfg, err := model.ParseConfig([]byte(fmt.Sprintf(`{"model_type": "llama", "hidden_size": 256, "num_attention_heads": 4,
		"num_key_value_heads": 4, "num_hidden_layers": 6, "intermediate_size": 688, "vocab_size": %d,
		"max_position_embeddings": 256, "rms_norm_eps": 1e-6, "tie_word_embeddings": false}`, vocab)))
	must(err)
	m, err := transformer.New[float32](cfg, 0.02, 1)
	must(err)
	opt := nn.NewAdamW(m.Params(), nn.AdamOptions{WeightDecay: 0.1})
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int, batch*seq)
	labels := make([]int, batch*seq)
	g := nn.NewTape[float32]()
	return func() error {
		for i := range ids {
			ids[i] = rng.IntN(vocab)
		}
		for i := range labels {
			labels[i] = nn.IgnoreIndex
			if i%seq != seq-1 {
				labels[i] = ids[i+1]
			}
		}
		nn.ZeroGrad(m.Params())
		logits, err := m.Logits(g, ids, batch, seq, transformer.RunOptions{Train: true})
		if err != nil {
			return err
		}
		loss := g.CrossEntropy(logits, labels, nn.CrossEntropyOptions{})
		g.Backward(loss)
		g.Reset()
		nn.ClipGradNorm(m.Params(), 1)
		opt.Step(1e-3)
		return nil
	}
}

// mlpStep returns one full-batch AdamW step of the S5 grokking MLP:
// left and right embeddings (120×256 each), concatenated, Linear(512→128,
// no bias), ReLU, Linear(128→120) with bias, on 40% of the 14,400 pairs.
func mlpStep() func() error {
	const n, e, h = 120, 256, 128
	rng := rand.New(rand.NewPCG(3, 4))
	left := nn.NewEmbedding[float32]("left", n, e, rng)
	right := nn.NewEmbedding[float32]("right", n, e, rng)
	l1 := nn.NewLinear[float32]("linear", 2*e, h, false, rng)
	l2 := nn.NewLinear[float32]("unembed", h, n, true, rng)
	params := append(append(append(left.Params(), right.Params()...), l1.Params()...), l2.Params()...)
	opt := nn.NewAdamW(params, nn.AdamOptions{Beta2: 0.98, WeightDecay: 1})
	var a, b, y []int
	for i := range n * n {
		if rng.Float64() < 0.4 {
			a, b = append(a, i/n), append(b, i%n)
			y = append(y, (i/n*7+i%n)%n) // any fixed target: the speed does not depend on it
		}
	}
	g := nn.NewTape[float32]()
	return func() error {
		nn.ZeroGrad(params)
		x := g.Concat(1, left.Forward(g, a), right.Forward(g, b))
		logits := l2.Forward(g, g.ReLU(l1.Forward(g, x)))
		loss := g.CrossEntropy(logits, y, nn.CrossEntropyOptions{})
		g.Backward(loss)
		g.Reset()
		opt.Step(1e-3)
		return nil
	}
}

// peakRSS reads the process's high-water resident set in MB.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
