// Command evalbench measures the evaluation harness around the native
// engine, for bench/eval_overhead.sh (issue 5): a KMMLU task
// (kmmlu_accounting, four choices) on synthetic KMMLU-format documents,
// run through eval.Evaluate with a native model and its tokenizer.
//
// It prints a line for people and one JSON line with
//   - overhead: the share of the run's wall time spent outside model calls
//     (prompt rendering, request building, scoring, aggregation, writing the
//     results and samples), from the results' fmkit.model_time_seconds;
//   - reuse_ratio: the model time of the four-choice task over the time of
//     running each document's context alone (tokenised and forwarded once,
//     batched the same way): what scoring four continuations from one
//     cached context costs relative to the context itself. Without prefix
//     reuse (one full pass per choice, as lm-evaluation-harness runs it) it
//     would be about 4.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

func main() {
	dir := flag.String("model", "", "model: a directory (config.json, safetensors, tokenizer.json), a GGUF file, builtin:NAME or hf:ORG/NAME")
	docs := flag.Int("docs", 32, "test documents")
	shots := flag.Int("fewshot", 0, "few-shot examples per prompt")
	out := flag.String("out", "", "directory for the results and samples (default: a temporary one)")
	flag.Parse()
	if err := run(*dir, *docs, *shots, *out); err != nil {
		fmt.Fprintln(os.Stderr, "evalbench:", err)
		os.Exit(1)
	}
}

func run(dir string, nDocs, shots int, out string) error {
	backend, err := native.Open(context.Background(), dir, nil)
	if err != nil {
		return err
	}
	defer backend.Close()
	if out == "" {
		if out, err = os.MkdirTemp("", "evalbench"); err != nil {
			return err
		}
		defer os.RemoveAll(out)
	}
	ix, err := eval.NewIndex(eval.TaskSource{Name: "builtin", FS: tasks.FS()})
	if err != nil {
		return err
	}
	suite, err := ix.Load([]string{"kmmlu_accounting"})
	if err != nil {
		return err
	}
	task := suite.Tasks[0]
	task.SetDocs(syntheticDocs(nDocs, 0), syntheticDocs(5, 1000))
	opts := eval.Options{NumFewshot: &shots, LogSamples: true}
	ctx := context.Background()

	start := time.Now()
	res, err := eval.Evaluate(ctx, backend, suite, nil, opts)
	if err != nil {
		return err
	}
	path, err := res.WriteFiles(out, eval.RunInfo{Model: "native:" + filepath.Base(dir)})
	if err != nil {
		return err
	}
	wall := time.Since(start).Seconds()
	var written struct {
		Fmkit struct {
			ModelTime float64 `json:"model_time_seconds"`
		} `json:"fmkit"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &written); err != nil {
		return err
	}

	ctxTime, ctxTokens, err := contextsAlone(ctx, backend, task, opts)
	if err != nil {
		return err
	}
	modelTime := written.Fmkit.ModelTime
	fmt.Printf("%d-shot, %d docs, %d context tokens: wall %.2f s, model %.2f s, harness overhead %.3f%%; contexts alone %.2f s, 4-choice task / contexts = %.3f\n",
		shots, nDocs, ctxTokens, wall, modelTime, 100*(wall-modelTime)/wall, ctxTime, modelTime/ctxTime)
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"docs": nDocs, "fewshot": shots, "threads": runtime.GOMAXPROCS(0),
		"wall_seconds": wall, "model_seconds": modelTime, "overhead": (wall - modelTime) / wall,
		"context_seconds": ctxTime, "context_tokens": ctxTokens, "reuse_ratio": modelTime / ctxTime,
		"cpu_seconds": cpuSeconds(),
	})
}

// contextsAlone tokenises every document's context and runs it through the
// model once, without logits, in steps of at most 4096 tokens (the native
// backend's default), and returns the time taken and the tokens run.
func contextsAlone(ctx context.Context, backend *native.Model, task *eval.Task, opts eval.Options) (float64, int, error) {
	m := backend.Engine()
	reqs, err := task.BuildRequests(opts)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	var batch []model.Input
	tokens, total := 0, 0
	flush := func() error {
		err := m.Forward(ctx, batch, nil)
		for _, in := range batch {
			in.Seq.Release()
		}
		batch, tokens = batch[:0], 0
		return err
	}
	for _, d := range reqs {
		ids, err := backend.Encode(d.Insts[0].Args[0].(string))
		if err != nil {
			return 0, 0, err
		}
		if lim := m.Config.PositionLimit(); len(ids) > lim {
			ids = ids[len(ids)-lim:] // as the backend truncates, from the left
		}
		if tokens+len(ids) > 4096 && len(batch) > 0 {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
		seq, err := m.NewSequence(len(ids))
		if err != nil {
			return 0, 0, err
		}
		batch = append(batch, model.Input{Seq: seq, Tokens: ids})
		tokens += len(ids)
		total += len(ids)
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return time.Since(start).Seconds(), total, nil
}

// syntheticDocs returns KMMLU-format documents (the dataset's columns) with
// questions of typical length, about 300 bytes of Korean.
func syntheticDocs(n, first int) []data.Doc {
	cols := []string{"question", "answer", "A", "B", "C", "D", "Category", "Human Accuracy"}
	q := strings.Repeat("다음 중 재무상태표와 현금흐름표에 관한 설명으로 옳은 것은? ", 4)
	out := make([]data.Doc, n)
	for i := range out {
		j := first + i
		out[i] = data.Doc{Columns: cols, Values: []any{
			fmt.Sprintf("%s (문제 %d)", q, j), int64(j%4 + 1),
			fmt.Sprintf("자산은 %d원 증가한다", 1000*j), "부채는 변하지 않는다", "자본이 감소한다", "현금이 증가한다",
			"HUMSS", 0.4,
		}}
	}
	return out
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
