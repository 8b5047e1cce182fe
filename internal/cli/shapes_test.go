package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func runFmkit(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

type cookbookFixture struct {
	Argv   []string       `json:"argv"`
	Result map[string]any `json:"result"`
}

func loadFixture(t *testing.T, name string) []cookbookFixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "shapes", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var cases []cookbookFixture
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestShapesCalculatorsMatchCookbookCLI feeds each fixture's command line,
// exactly as it was given to the cookbook script, to fmkit and compares
// fmkit's JSON with the script's numbers: this checks that the flags have
// the script's names and defaults, not only the arithmetic.
func TestShapesCalculatorsMatchCookbookCLI(t *testing.T) {
	suites := []struct {
		cmd, fixture string
		// fields maps fmkit's result keys to the script's variables.
		fields map[string]string
		// optional are script variables that exist only in some cases.
		optional map[string]bool
	}{
		{"flops", "cookbook_flops.json", map[string]string{
			"qkv": "qkv_flops", "attention_matrix": "attention_matrix_flops", "attention_over_values": "attention_over_values_flops",
			"linear_projection": "linear_projection_flops", "ffn": "ffn_flops", "embedding": "embedding_flops",
			"gating": "gating_flops", "total": "total_flops", "iter_factor": "iter_factor",
		}, map[string]bool{"gating_flops": true}},
		{"params", "cookbook_params.json", map[string]string{
			"embedding": "embedding_params", "position": "position_embedding_params", "attention": "attention_params",
			"layernorm": "layernorm_params", "ffn": "ffn_params", "gating": "gating_params", "total": "total_params",
		}, map[string]bool{"gating_params": true}},
		{"memory", "cookbook_mem.json", map[string]string{
			"params": "total_params", "moe_params": "total_moe_params", "model": "model_mem", "gradient": "gradient_mem",
			"optimizer": "optimizer_mem", "activation": "activation_mem", "per_gpu_model": "per_gpu_model_mem",
			"per_gpu_gradient": "per_gpu_gradient_mem", "per_gpu_optimizer": "per_gpu_optimizer_mem",
			"per_gpu_communication": "per_gpu_communication_mem", "per_gpu_activation": "per_gpu_activation_mem",
			"cookbook_kv_cache": "kv_cache_mem", "cookbook_per_gpu_kv_cache": "per_gpu_kv_cache_mem",
		}, map[string]bool{"total_moe_params": true, "kv_cache_mem": true, "per_gpu_kv_cache_mem": true}},
	}
	for _, suite := range suites {
		cases := loadFixture(t, suite.fixture)
		if len(cases) < 50 {
			t.Fatalf("%s: %d cases", suite.fixture, len(cases))
		}
		for _, c := range cases {
			args := append([]string{"shapes", suite.cmd}, c.Argv...)
			out, errOut, code := runFmkit(t, append(args, "--json")...)
			if code != 0 {
				t.Fatalf("fmkit %s: exit %d: %s", strings.Join(args, " "), code, errOut)
			}
			var got struct {
				Result map[string]float64 `json:"result"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("fmkit %s: %v", strings.Join(args, " "), err)
			}
			for ours, theirs := range suite.fields {
				w, ok := c.Result[theirs].(float64)
				if !ok {
					if !suite.optional[theirs] {
						t.Fatalf("%s: fixture lacks %s", suite.fixture, theirs)
					}
					continue
				}
				g := got.Result[ours]
				if math.Abs(g-w) > 1e-15*math.Abs(w) {
					t.Errorf("fmkit %s: %s = %v, cookbook %s = %v", strings.Join(args, " "), ours, g, theirs, w)
				}
			}
		}
	}
}

func TestShapesAnalyzeCLI(t *testing.T) {
	out, errOut, code := runFmkit(t, "shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "32",
		"--vocab", "50257", "--micro-batch", "4", "--gpu", "a100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"h=2560 a=32 (h/a=80)", "a100-80gb: 108 SMs, 312 TFLOPS fp16",
		"attn_over_v  2048     80   2048    128", "0.625", "N ×0.90",
		"FAIL  vocabulary divisible by 64", "FAIL  h/a divisible by a high power of two",
		"heads 32→20 (h/a 80→128)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze output lacks %q:\n%s", want, out)
		}
	}

	// --config with an explicit override, as JSON.
	cfg := filepath.Join("..", "..", "shapes", "testdata", "hf", "llama-2-7b.json")
	out, errOut, code = runFmkit(t, "shapes", "analyze", "--config", cfg, "--seq", "2048", "--micro-batch", "2",
		"--gpu", "h100-sxm", "--dtype", "bf16", "--json", "--alternatives", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var a struct {
		Shape struct {
			Hidden, Heads, Layers, Vocab, Seq, FFN int
			MicroBatch                             int  `json:"micro_batch"`
			SwiGLU                                 bool `json:"swiglu"`
		} `json:"shape"`
		GPU          string `json:"gpu"`
		Alternatives []any  `json:"alternatives"`
		Prediction   struct {
			Rows []struct{ Name string } `json:"gemms"`
		} `json:"prediction"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if a.Shape.Hidden != 4096 || a.Shape.FFN != 11008 || !a.Shape.SwiGLU || a.Shape.Seq != 2048 || a.Shape.MicroBatch != 2 ||
		a.GPU != "h100-sxm" || len(a.Prediction.Rows) != 8 || a.Alternatives != nil {
		t.Errorf("analyze --config: %+v", a)
	}
}

func TestShapesCLIErrors(t *testing.T) {
	dir := t.TempDir()
	badGPU := filepath.Join(dir, "gpus.yaml")
	os.WriteFile(badGPU, []byte("gpus:\n  - name: x\n    sms: -1\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"shapes", "analyze", "--hidden", "2560"}, "--num-attention-heads, --num-layers: required unless --config is given"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--gpu", "b300"}, `--gpu: shapes: unknown gpu "b300"`},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--dtype", "fp4"}, `--dtype "fp4": expected`},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--gpu", "v100", "--dtype", "bf16"}, "gpu v100 has no bf16 peak"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "30", "--layers", "2"}, "hidden (2560) is not divisible by heads (30)"},
		{[]string{"shapes", "analyze", "--config", filepath.Join(dir, "missing.json")}, "--config: open"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--gpu-file", badGPU}, "--gpu-file " + badGPU + ": shapes: gpu table: gpu x: sms is -1"},
		{[]string{"shapes", "sweep", "--heads", "32", "--layers", "2", "--vary", "width=1:2"}, `--vary: shapes: sweep range "width=1:2": unknown dimension`},
		{[]string{"shapes", "sweep", "--heads", "32", "--layers", "2", "--vary", "hidden=33:63"}, "no value in the range makes a valid shape (31 skipped)"},
		{[]string{"shapes", "sweep", "--heads", "32", "--layers", "2"}, `required flag(s) "vary" not set`},
		{[]string{"shapes", "flops", "--topk", "200"}, "topk (200) is larger than num-experts (128)"},
		{[]string{"shapes", "flops", "--tokens", "lots"}, `invalid argument "lots" for "--tokens"`},
		{[]string{"shapes", "memory", "--zero-stage", "5"}, "zero-stage is 5, expected 0, 1, 2 or 3"},
		{[]string{"shapes", "params", "--num-layers", "0"}, "num-layers is 0"},
		{[]string{"shapes", "bench", "--cpu-tile", "64"}, `--cpu-tile "64": expected MxN`},
		{[]string{"shapes", "bench", "--hidden", "8192", "--heads", "64", "--seq", "8192"}, "more than the 1.00 GiB limit"},
		// Issue 24: the 24 GB shape, the overflowing one, and zeros read as 1.
		{[]string{"shapes", "analyze", "--hidden", "1000000000", "--heads", "1", "--layers", "1000000000", "--vocab", "1000000000"}, "dimensions too large"},
		{[]string{"shapes", "analyze", "--hidden", "1000000000", "--heads", "1", "--layers", "1000000000", "--vocab", "1000000000", "--alternatives", "0"}, "dimensions too large"},
		{[]string{"shapes", "analyze", "--hidden", "9223372036854775807", "--heads", "1", "--layers", "1"}, "default ffn width 7.38e+19"},
		{[]string{"shapes", "analyze", "--hidden", "100000000", "--heads", "1", "--layers", "1", "--seq", "8"}, "more than MaxCandidates (100000); lower the tolerance or skip the search"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--tp", "0"}, "--tensor-parallel-size 0: expected a positive number"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--micro-batch", "0"}, "--micro-batch 0: expected a positive number"},
		{[]string{"shapes", "sweep", "--heads", "32", "--layers", "2", "--vary", "hidden=2048:4096:64", "--tp", "-1"}, "--tensor-parallel-size -1: expected a positive number"},
		{[]string{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "2", "--tolerance", "NaN"}, `"NaN" is not a finite number`},
	}
	for _, tt := range tests {
		_, errOut, code := runFmkit(t, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("fmkit %s: exit %d, stderr %q; want one line containing %q", strings.Join(tt.args, " "), code, errOut, tt.want)
		}
	}
}

// TestShapesOneVocabulary: the shapes commands name the same things the
// same way (the cookbook's names, which flops, params and memory had), the
// old names of analyze, sweep and bench still work out of --help, and -b
// is the global batch size wherever it is not deprecated.
func TestShapesOneVocabulary(t *testing.T) {
	root := newRootCmd()
	same := map[string][]string{
		"hidden-size":          {"analyze", "sweep", "bench", "flops", "params", "memory"},
		"num-layers":           {"analyze", "sweep", "bench", "flops", "params", "memory"},
		"vocab-size":           {"analyze", "sweep", "bench", "flops", "params", "memory"},
		"sequence-length":      {"analyze", "sweep", "bench", "flops", "params", "memory"},
		"num-attention-heads":  {"analyze", "sweep", "bench", "memory"},
		"micro-batch":          {"analyze", "sweep", "bench", "memory"},
		"tensor-parallel-size": {"analyze", "sweep", "bench", "memory"},
		"ffn-hidden-size":      {"analyze", "sweep", "bench", "flops", "params"},
		"tied-embeddings":      {"analyze", "sweep", "bench", "params"},
	}
	for name, subs := range same {
		for _, sub := range subs {
			cmd, _, err := root.Find([]string{"shapes", sub})
			if err != nil {
				t.Fatal(err)
			}
			if cmd.Flags().Lookup(name) == nil {
				t.Errorf("fmkit shapes %s has no --%s", sub, name)
			}
		}
	}
	for _, sub := range []string{"analyze", "sweep", "bench", "flops", "params", "memory"} {
		cmd, _, _ := root.Find([]string{"shapes", sub})
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if _, old := shapesOldFlags[f.Name]; old {
				t.Errorf("fmkit shapes %s still has --%s", sub, f.Name)
			}
			if f.Shorthand == "b" && f.Name != "batch-size" && !f.Hidden {
				t.Errorf("fmkit shapes %s: -b is --%s", sub, f.Name)
			}
		})
	}
	// The old spellings give the same answer as the new ones.
	for _, c := range [][2][]string{
		{{"shapes", "analyze", "--hidden", "2560", "--heads", "32", "--layers", "32", "--vocab", "50257", "--seq", "1024", "--tp", "2", "--ffn", "8192", "--json"},
			{"shapes", "analyze", "--hidden-size", "2560", "--num-attention-heads", "32", "--num-layers", "32", "--vocab-size", "50257", "--sequence-length", "1024", "--tensor-parallel-size", "2", "--ffn-hidden-size", "8192", "--json"}},
		{{"shapes", "memory", "--num-layers", "32", "--hidden-size", "4096", "--num-attention-heads", "32", "--batch-size-per-gpu", "8", "--json"},
			{"shapes", "memory", "--num-layers", "32", "--hidden-size", "4096", "--num-attention-heads", "32", "--micro-batch", "8", "--json"}},
		{{"shapes", "memory", "--num-layers", "32", "--hidden-size", "4096", "--num-attention-heads", "32", "-b", "8", "--json"},
			{"shapes", "memory", "--num-layers", "32", "--hidden-size", "4096", "--num-attention-heads", "32", "--micro-batch", "8", "--json"}},
		{{"shapes", "flops", "--hidden", "2560", "--layers", "32", "--json"}, {"shapes", "flops", "--hidden-size", "2560", "--num-layers", "32", "--json"}},
	} {
		oldOut, oldErr, oldCode := runFmkit(t, c[0]...)
		newOut, newErr, newCode := runFmkit(t, c[1]...)
		if oldCode != 0 || newCode != 0 || oldOut != newOut {
			t.Errorf("%v (exit %d, %s) and %v (exit %d, %s) differ", c[0], oldCode, oldErr, c[1], newCode, newErr)
		}
	}
	if _, errOut, _ := runFmkit(t, "shapes", "memory", "-b", "8"); !strings.Contains(errOut, "is now --micro-batch") {
		t.Errorf("memory -b: no deprecation note in %q", errOut)
	}
}

func TestShapesSweepCLI(t *testing.T) {
	dir := t.TempDir()
	plot := filepath.Join(dir, "sweep.png")
	out, errOut, code := runFmkit(t, "shapes", "sweep", "--heads", "32", "--layers", "2", "--vary", "hidden=2048:4096:32",
		"--plot", plot)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "hidden  model TFLOPS") || !strings.Contains(out, "plot written to "+plot) {
		t.Errorf("sweep output:\n%s", out)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("plot is not a PNG: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left beside the plot: %v", entries)
	}

	out, _, code = runFmkit(t, "shapes", "sweep", "--hidden", "4096", "--layers", "2", "--vary", "heads=8:64:8", "--json")
	var res struct {
		Points  []struct{ Value int } `json:"points"`
		Skipped []int                 `json:"skipped"`
	}
	// Of 8, 16, ..., 64 heads, 24, 40, 48 and 56 do not divide 4096.
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Points) != 4 || len(res.Skipped) != 4 {
		t.Errorf("sweep --json: exit %d, %d points, %d skipped", code, len(res.Points), len(res.Skipped))
	}
}

func TestShapesGPUFileCLI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gpus.yaml")
	os.WriteFile(file, []byte(`gpus:
  - name: b200
    sms: 148
    align_bytes: 128
    tflops: {bf16: 2250}
`), 0o644)
	out, errOut, code := runFmkit(t, "shapes", "analyze", "--hidden", "4096", "--heads", "32", "--layers", "2",
		"--gpu-file", file, "--gpu", "b200", "--dtype", "bf16")
	if code != 0 || !strings.Contains(out, "b200: 148 SMs, 2250 TFLOPS bf16") {
		t.Errorf("exit %d %s:\n%s", code, errOut, out)
	}
}

func TestShapesMemoryCLI(t *testing.T) {
	cfg := filepath.Join("..", "..", "shapes", "testdata", "hf", "llama-2-7b.json")
	out, errOut, code := runFmkit(t, "shapes", "memory", "--config", cfg, "--infer", "--sequence-length", "4095")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Llama-2-7B, 4096 tokens, fp16: fmkit's KV cache is 2 GiB, the
	// cookbook's 1 GiB. (The parameter count includes the learned position
	// table the cookbook's memory script always counts.)
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"KV cache 2.00 GiB 2.00 GiB", "(cookbook's KV cache) 1.00 GiB 1.00 GiB", "parameters 6.76 B"} {
		if !strings.Contains(flat, want) {
			t.Errorf("memory output lacks %q:\n%s", want, out)
		}
	}
	// --config fills the parameter count from the SwiGLU config.
	out, _, _ = runFmkit(t, "shapes", "params", "--config", cfg, "--json")
	var p struct {
		Result struct{ Total float64 } `json:"result"`
	}
	if json.Unmarshal([]byte(out), &p) != nil || p.Result.Total != 6739206144 {
		t.Errorf("params --config: %s", out)
	}
}

func TestShapesBenchCLI(t *testing.T) {
	out, errOut, code := runFmkit(t, "shapes", "bench", "--hidden", "64", "--heads", "2", "--seq", "32", "--vocab", "128",
		"--min-time", "1ms", "--calibration-size", "64", "--cpu-tile", "32x32", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Rows []struct {
			Name            string  `json:"name"`
			MeasuredGFLOPS  float64 `json:"measured_gflops"`
			PredictedGFLOPS float64 `json:"predicted_gflops"`
		} `json:"gemms"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Rows) != 7 {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	for _, r := range rep.Rows {
		if r.MeasuredGFLOPS <= 0 || r.PredictedGFLOPS <= 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
}
