package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/erase"
	"github.com/fmkit/fmkit/npy"
)

func runErase(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// writeConceptData writes n float32 rows of dimension d whose class means
// differ, with int64 labels in [0, 3).
func writeConceptData(t *testing.T, dir string, n, d int) (string, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	x := make([]float32, n*d)
	y := make([]int64, n)
	for i := 0; i < n; i++ {
		y[i] = int64(rng.IntN(3))
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(rng.NormFloat64() + 1.5*float64(y[i])*float64(j%3) + 4)
		}
	}
	xp, zp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "z.npy")
	if err := npy.WriteFile(xp, []int{n, d}, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(zp, []int{n}, y); err != nil {
		t.Fatal(err)
	}
	return xp, zp
}

func TestEraseFitApplyCheck(t *testing.T) {
	dir := t.TempDir()
	xp, zp := writeConceptData(t, dir, 800, 6)
	ep := filepath.Join(dir, "e.safetensors")
	out, errs, code := runErase(t, "erase", "fit", "--x", xp, "--z", zp, "--out", ep, "--json")
	if code != 0 {
		t.Fatalf("fit: code %d, %s", code, errs)
	}
	var res eraseFitResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 800 || res.XDim != 6 || res.ZDim != 3 || res.Rank != 2 || res.Whitening != "cholesky" {
		t.Errorf("fit result %+v", res)
	}

	op := filepath.Join(dir, "erased.npy")
	if _, errs, code := runErase(t, "erase", "apply", "--eraser", ep, "--x", xp, "--out", op); code != 0 {
		t.Fatalf("apply: %s", errs)
	}
	a, err := npy.ReadFile(op)
	if err != nil || a.DType != "<f4" || a.Shape[0] != 800 || a.Shape[1] != 6 {
		t.Fatalf("erased file: %+v %v", a, err)
	}

	// The check of the erased data against the saved eraser, as JSON.
	out, errs, code = runErase(t, "erase", "check", "--x", xp, "--z", zp, "--eraser", ep, "--json")
	if code != 0 {
		t.Fatalf("check: %s", errs)
	}
	var g erase.Guardedness
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	if g.Before.Logistic < 0.9 || g.After.Logistic > g.Majority+0.1 || g.MaxCovAfter > 1e-6*g.MaxCovBefore {
		t.Errorf("check report %+v", g)
	}
	out, _, code = runErase(t, "erase", "check", "--x", xp, "--z", zp)
	if code != 0 || !strings.Contains(out, "logistic regression") || !strings.Contains(out, "linearly guarded") {
		t.Errorf("check table:\n%s", out)
	}
}

func TestEraseBadInput(t *testing.T) {
	dir := t.TempDir()
	xp, zp := writeConceptData(t, dir, 50, 4)
	short := filepath.Join(dir, "short.npy")
	if err := npy.WriteFile(short, []int{10}, make([]int64, 10)); err != nil {
		t.Fatal(err)
	}
	vec := filepath.Join(dir, "vec.npy")
	if err := npy.WriteFile(vec, []int{4}, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	ep := filepath.Join(dir, "e.safetensors")
	if _, errs, code := runErase(t, "erase", "fit", "--x", xp, "--z", zp, "--out", ep); code != 0 {
		t.Fatal(errs)
	}
	wide := filepath.Join(dir, "wide.npy")
	if err := npy.WriteFile(wide, []int{3, 5}, make([]float64, 15)); err != nil {
		t.Fatal(err)
	}
	// Issue 24: one NaN in a real-valued Z gave a rank-0 eraser and exit 0.
	nanZ := filepath.Join(dir, "nanz.npy")
	zv := make([]float64, 50)
	for i := range zv {
		zv[i] = float64(i % 3)
	}
	zv[7] = math.NaN()
	if err := npy.WriteFile(nanZ, []int{50, 1}, zv); err != nil {
		t.Fatal(err)
	}
	nanOut := filepath.Join(dir, "nan.safetensors")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing flags", []string{"erase", "fit", "--x", xp}, "--x, --z and --out are required"},
		{"absent file", []string{"erase", "fit", "--x", filepath.Join(dir, "nope.npy"), "--z", zp, "--out", ep}, "nope.npy"},
		{"wrong extension", []string{"erase", "fit", "--x", filepath.Join(dir, "x.csv"), "--z", zp, "--out", ep}, "expected a .npy or .safetensors file"},
		{"label count", []string{"erase", "fit", "--x", xp, "--z", short, "--out", ep}, "expected [50] labels"},
		{"x is a vector", []string{"erase", "fit", "--x", vec, "--z", zp, "--out", ep}, "expected [n, d]"},
		{"labels as x", []string{"erase", "fit", "--x", short, "--z", zp, "--out", ep}, "expected [n, d]"},
		{"bad method", []string{"erase", "fit", "--x", xp, "--z", zp, "--out", ep, "--method", "pca"}, `unknown method "pca"`},
		{"bad svd tol", []string{"erase", "fit", "--x", xp, "--z", zp, "--out", ep, "--svd-tol", "-1"}, "SVDTol"},
		{"dimension mismatch", []string{"erase", "apply", "--eraser", ep, "--x", wide, "--out", filepath.Join(dir, "o.npy")}, "dimension 5, but the eraser"},
		{"not an eraser", []string{"erase", "apply", "--eraser", xp, "--x", xp, "--out", filepath.Join(dir, "o.npy")}, "--eraser"},
		{"check needs labels", []string{"erase", "check", "--x", xp, "--z", xp}, "check needs integer class labels"},
		{"NaN in Z", []string{"erase", "fit", "--x", xp, "--z", nanZ, "--out", nanOut}, "Z row 7, column 0 is NaN"},
	}
	for _, tc := range tests {
		_, errs, code := runErase(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: code %d, stderr %q, want one line containing %q", tc.name, code, errs, tc.want)
		}
	}
	// A failed apply leaves no output file behind, nor a failed fit.
	if _, err := npy.ReadFile(filepath.Join(dir, "o.npy")); err == nil {
		t.Error("failed apply wrote its output")
	}
	if _, err := os.Stat(nanOut); err == nil {
		t.Error("the fit with NaN in Z wrote an eraser")
	}
}

func TestEraseScrub(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "erasers")
	data := filepath.Join("..", "..", "erase", "testdata", "scrub_neox_parallel", "docs.jsonl")
	modelDir := filepath.Join("..", "..", "model", "testdata", "neox_parallel")
	stdout, errs, code := runErase(t, "erase", "scrub", "--model", modelDir, "--data", data, "--labels", "pos", "--out", out, "--json", "--max-tokens", "300")
	if code != 0 {
		t.Fatalf("scrub: %s", errs)
	}
	var rep scrubReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tokens != 300 || rep.Classes != 3 || len(rep.Sites) != 4 || rep.Random == nil || rep.Clean.BitsPerByte <= 0 {
		t.Errorf("report %+v", rep)
	}
	for _, site := range rep.Sites {
		e, err := erase.LoadEraser(filepath.Join(out, site+".safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if e.Metadata["site"] != site || e.R > 2 {
			t.Errorf("%s: eraser metadata %v rank %d", site, e.Metadata, e.R)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
		t.Error(err)
	}
	words := filepath.Join(dir, "words.jsonl")
	if err := os.WriteFile(words, []byte(`{"tokens": ["The", "fox"], "pos": [0, 1]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gpt2Tok := filepath.Join("..", "..", "tokenizer", "testdata", "gpt2", "tokenizer.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"erase", "scrub", "--model", modelDir, "--out", out}, "--data and --out are required"},
		{[]string{"erase", "scrub", "--model", modelDir, "--data", data, "--labels", "nope", "--out", out}, `missing field "nope"`},
		{[]string{"erase", "scrub", "--model", modelDir, "--data", data, "--labels", "pos", "--classes", "2", "--out", out}, "label 2, but --classes is 2"},
		{[]string{"erase", "scrub", "--model", filepath.Join(dir, "none"), "--data", data, "--labels", "pos", "--out", out}, "none"},
		// GPT-2's word pieces are outside the tiny test model's 96-token vocabulary.
		{[]string{"erase", "scrub", "--model", modelDir, "--data", words, "--labels", "pos", "--out", out, "--tokenizer", gpt2Tok}, "outside the vocabulary"},
		{[]string{"erase", "scrub", "--model", modelDir, "--data", words, "--labels", "pos", "--out", out}, "need a tokenizer"},
	} {
		_, errs, code := runErase(t, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: code %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestEraseDefaultsMatchLeaceFitter: erase fit's defaults are
// concept-erasure's LeaceFitter's (shrinkage and the trace constraint on),
// the same as erase scrub's; --no-shrinkage --no-trace-constraint and the
// old --shrinkage=false give the plain fit.
func TestEraseDefaultsMatchLeaceFitter(t *testing.T) {
	dir := t.TempDir()
	n, d := 60, 12 // few rows for the dimension: shrinkage matters
	xp, zp := writeConceptData(t, dir, n, d)
	fitWith := func(opts *erase.Options) []float64 {
		xa, _, _, err := readX(xp, "")
		if err != nil {
			t.Fatal(err)
		}
		z, k, err := readConcept(zp, "", n, 0)
		if err != nil {
			t.Fatal(err)
		}
		f, err := erase.NewFitter(d, k, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.UpdateFloat32(xa.F32, z); err != nil {
			t.Fatal(err)
		}
		e, err := f.Eraser()
		if err != nil {
			t.Fatal(err)
		}
		return applyEraser(e, xa.F32)
	}
	fromCLI := func(args ...string) []float64 {
		out := filepath.Join(dir, "e.safetensors")
		if _, stderr, code := runErase(t, append([]string{"erase", "fit", "--x", xp, "--z", zp, "--out", out}, args...)...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
		e, err := erase.LoadEraser(out)
		if err != nil {
			t.Fatal(err)
		}
		xa, _, _, _ := readX(xp, "")
		return applyEraser(e, xa.F32)
	}
	leace := fitWith(&erase.Options{Shrinkage: true, ConstrainTrace: true})
	plain := fitWith(&erase.Options{})
	if maxDiff(leace, plain) < 1e-6 {
		t.Fatal("the data do not tell the two fits apart")
	}
	for _, c := range []struct {
		args []string
		want []float64
	}{
		{nil, leace},
		{[]string{"--shrinkage", "--constrain-trace"}, leace},
		{[]string{"--no-shrinkage", "--no-trace-constraint"}, plain},
		{[]string{"--shrinkage=false", "--constrain-trace=false"}, plain},
	} {
		if diff := maxDiff(fromCLI(c.args...), c.want); diff > 1e-9 {
			t.Errorf("erase fit %v: differs from the expected fit by %g", c.args, diff)
		}
	}
	for _, sub := range []string{"fit", "scrub", "check"} {
		cmd, _, _ := newRootCmd().Find([]string{"erase", sub})
		for _, name := range []string{"no-shrinkage", "no-trace-constraint"} {
			if f := cmd.Flags().Lookup(name); f == nil || f.DefValue != "false" {
				t.Errorf("erase %s --%s: %v", sub, name, f)
			}
		}
	}
}

func applyEraser(e *erase.Eraser, x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	e.Apply(out, out)
	return out
}

func maxDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
