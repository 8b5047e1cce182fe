// Command bridgebench measures what the Python bridge adds to a run: it
// evaluates lm-eval's race task (a process that calls doc_to_text,
// doc_to_target and doc_to_choice per document) twice on the same
// documents and model, once with the Go ports and once with lm-eval's own
// preprocess_race.py through the python3 worker (race copied to a folder
// the ports do not match), and prints both wall times and the ratio.
//
//	go run ./bench/bridgebench -tree /tmp/lmeval/lm_eval/tasks -model DIR [-docs 200]
//	go run ./bench/bridgebench -tree /tmp/lmeval/lm_eval/tasks -random 256,4   # a random GPT-NeoX checkpoint
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/safetensors"
)

func main() {
	tree := flag.String("tree", "", "lm_eval/tasks folder of lm-evaluation-harness")
	dir := flag.String("model", "", "model: a directory (config.json, safetensors, tokenizer.json), a GGUF file, builtin:NAME or hf:ORG/NAME")
	random := flag.String("random", "", "instead of -model: a random GPT-NeoX checkpoint of HIDDEN,LAYERS")
	docs := flag.Int("docs", 200, "race documents (synthetic, race's schema)")
	python := flag.String("python", "", "python3 for the bridge (default: python3 on the PATH)")
	flag.Parse()
	if err := run(*tree, *dir, *random, *python, *docs); err != nil {
		fmt.Fprintln(os.Stderr, "bridgebench:", err)
		os.Exit(1)
	}
}

func run(tree, dir, random, python string, n int) error {
	tmp, err := os.MkdirTemp("", "bridgebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if random != "" {
		dir = filepath.Join(tmp, "model")
		if err := randomNeoX(dir, random); err != nil {
			return err
		}
	}
	backend, err := native.Open(context.Background(), dir, nil)
	if err != nil {
		return err
	}
	defer backend.Close()
	// race as lm-eval has it, and a copy under race_py whose functions no
	// Go port matches, so the worker runs lm-eval's preprocess_race.py.
	tasksDir := filepath.Join(tmp, "tasks")
	for _, sub := range []string{"race", "race_py"} {
		os.MkdirAll(filepath.Join(tasksDir, sub), 0o755)
		y, err := os.ReadFile(filepath.Join(tree, "race", "race.yaml"))
		if err != nil {
			return err
		}
		os.WriteFile(filepath.Join(tasksDir, sub, "race.yaml"), []byte(strings.Replace(string(y), "task: race", "task: "+sub, 1)), 0o644)
		py, err := os.ReadFile(filepath.Join(tree, "race", "preprocess_race.py"))
		if err != nil {
			return err
		}
		os.WriteFile(filepath.Join(tasksDir, sub, "preprocess_race.py"), py, 0o644)
	}
	ix, err := eval.NewIndex(eval.TaskSource{Name: "bench", FS: os.DirFS(tasksDir), Dir: tasksDir})
	if err != nil {
		return err
	}
	p, err := eval.StartPython(python)
	if err != nil {
		return err
	}
	defer p.Close()
	ix.UsePython(p)
	docs := raceDocs(n)
	// Alternate the two runs; keep each one's fastest wall time and its
	// fastest time outside the model (the harness's own work), which the
	// noise of a shared machine disturbs less.
	wall := map[string]time.Duration{}
	harness := map[string]time.Duration{}
	for i := 0; i < 3; i++ {
		for _, name := range []string{"race", "race_py"} {
			s, err := ix.Load([]string{name})
			if err != nil {
				return err
			}
			s.Tasks[0].SetDocs(docs, nil)
			start := time.Now()
			run, err := eval.Evaluate(context.Background(), backend, s, nil, eval.Options{BootstrapIters: new(int)})
			if err != nil {
				return err
			}
			w := time.Since(start)
			if old, ok := wall[name]; !ok || w < old {
				wall[name] = w
			}
			if old, ok := harness[name]; !ok || w-run.ModelTime < old {
				harness[name] = w - run.ModelTime
			}
		}
	}
	d := ix.Diagnose("race_py")
	added := harness["race_py"] - harness["race"]
	fmt.Printf("race, %d documents, %d functions through python: wall (best of 3) Go ports %.3f s, bridge %.3f s (ratio %.4f); outside the model Go ports %.4f s, bridge %.4f s: the bridge adds %.4f s = %.2f%% of the ported run's wall time\n",
		n, len(d.Names(eval.ServedByPython)), wall["race"].Seconds(), wall["race_py"].Seconds(), wall["race_py"].Seconds()/wall["race"].Seconds(),
		harness["race"].Seconds(), harness["race_py"].Seconds(), added.Seconds(), 100*added.Seconds()/wall["race"].Seconds())
	return nil
}

// raceDocs makes n documents in race's schema: an article and a list of
// problems (the last is the question asked).
func raceDocs(n int) []data.Doc {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the a student teacher school went market bought read wrote book story river city morning evening quickly slowly happy sad because after before")
	sentence := func(k int) string {
		var w []string
		for i := 0; i < k; i++ {
			w = append(w, words[r.IntN(len(words))])
		}
		return strings.Join(w, " ")
	}
	out := make([]data.Doc, n)
	for i := range out {
		var probs []string
		for j := 0; j < 1+r.IntN(3); j++ {
			q := sentence(6) + "?"
			if r.IntN(3) == 0 {
				q = sentence(5) + "  _  ."
			}
			probs = append(probs, fmt.Sprintf("{'answer': '%c', 'options': ['%s', '%s', '%s', '%s'], 'question': '%s'}",
				'A'+r.IntN(4), sentence(2), sentence(2), sentence(3), sentence(2), q))
		}
		out[i] = data.Doc{Columns: []string{"article", "problems"}, Values: []any{sentence(120) + ".", "[" + strings.Join(probs, ", ") + "]"}}
	}
	return out
}

// randomNeoX writes a random GPT-NeoX checkpoint with a byte-level
// tokenizer (256 byte tokens) of the given HIDDEN,LAYERS.
func randomNeoX(dir, spec string) error {
	h, l, ok := strings.Cut(spec, ",")
	H, err1 := strconv.Atoi(h)
	L, err2 := strconv.Atoi(l)
	if !ok || err1 != nil || err2 != nil || H < 8 || H%4 != 0 || L < 1 {
		return fmt.Errorf("-random %s: expected HIDDEN,LAYERS with HIDDEN a multiple of 4", spec)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const V = 257
	F := 4 * H
	rng := rand.New(rand.NewPCG(7, 7))
	randn := func(n int, scale float32) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64()) * scale
		}
		return x
	}
	ones := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		return x
	}
	s := float32(1 / float64(H))
	ts := []safetensors.Tensor{
		safetensors.FromFloat32("gpt_neox.embed_in.weight", []int{V, H}, randn(V*H, 1)),
		safetensors.FromFloat32("gpt_neox.final_layer_norm.weight", []int{H}, ones(H)),
		safetensors.FromFloat32("gpt_neox.final_layer_norm.bias", []int{H}, randn(H, 0.1)),
		safetensors.FromFloat32("embed_out.weight", []int{V, H}, randn(V*H, 0.5)),
	}
	for i := 0; i < L; i++ {
		p := fmt.Sprintf("gpt_neox.layers.%d.", i)
		ts = append(ts,
			safetensors.FromFloat32(p+"input_layernorm.weight", []int{H}, ones(H)),
			safetensors.FromFloat32(p+"input_layernorm.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"post_attention_layernorm.weight", []int{H}, ones(H)),
			safetensors.FromFloat32(p+"post_attention_layernorm.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"attention.query_key_value.weight", []int{3 * H, H}, randn(3*H*H, s)),
			safetensors.FromFloat32(p+"attention.query_key_value.bias", []int{3 * H}, randn(3*H, 0.1)),
			safetensors.FromFloat32(p+"attention.dense.weight", []int{H, H}, randn(H*H, s)),
			safetensors.FromFloat32(p+"attention.dense.bias", []int{H}, randn(H, 0.1)),
			safetensors.FromFloat32(p+"mlp.dense_h_to_4h.weight", []int{F, H}, randn(F*H, s)),
			safetensors.FromFloat32(p+"mlp.dense_h_to_4h.bias", []int{F}, randn(F, 0.1)),
			safetensors.FromFloat32(p+"mlp.dense_4h_to_h.weight", []int{H, F}, randn(H*F, s)),
			safetensors.FromFloat32(p+"mlp.dense_4h_to_h.bias", []int{H}, randn(H, 0.1)),
		)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		return err
	}
	config := fmt.Sprintf(`{"model_type": "gpt_neox", "hidden_size": %d, "num_attention_heads": %d,
	  "num_hidden_layers": %d, "intermediate_size": %d, "vocab_size": %d, "max_position_embeddings": 4096,
	  "layer_norm_eps": 1e-5, "rotary_emb_base": 10000, "rotary_pct": 0.25, "use_parallel_residual": true,
	  "hidden_act": "gelu", "bos_token_id": 256, "eos_token_id": 256, "tie_word_embeddings": false}`, H, H/32+1, L, F, V)
	if H%(H/32+1) != 0 {
		config = strings.Replace(config, fmt.Sprintf(`"num_attention_heads": %d`, H/32+1), `"num_attention_heads": 4`, 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		return err
	}
	vocab := map[string]int{"<|endoftext|>": 256}
	next := rune(256)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
			r = next
			next++
		}
		vocab[string(r)] = b
	}
	tok := map[string]any{
		"version":        "1.0",
		"added_tokens":   []any{map[string]any{"id": 256, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}},
		"normalizer":     nil,
		"pre_tokenizer":  map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
		"post_processor": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model":          map[string]any{"type": "BPE", "vocab": vocab, "merges": []string{}},
	}
	b, _ := json.Marshal(tok)
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}`), 0o644)
}
