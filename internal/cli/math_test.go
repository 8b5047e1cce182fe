package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs fmkit through Main with stdin fed from a pipe.
func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.WriteString(stdin)
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = saved; r.Close() }()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestMathCheckCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"math", "check", "--gold", `\frac{1}{2}`, "--pred", "0.5"}, "equivalent: yes\nreason: equal exact values (1/2)\n"},
		{[]string{"math", "check", "--gold", `[2,5)`, "--pred", "(2,5)"}, "equivalent: no\nreason: different brackets: […) vs (…)\n"},
		{[]string{"math", "check", "--gold", `\frac{1}{2}`, "--pred", "0.5", "--json"}, `{"equivalent":true,"reason":"equal exact values (1/2)"}` + "\n"},
		// The published normalization turns \left( into \le(, which does
		// not parse; without the string shortcut identical answers fail.
		{[]string{"math", "check", "--normalize", "--minerva-compat", "--gold", `\left( 1, 2 \right)`, "--pred", `\left( 1, 2 \right)`, "--json"},
			`{"equivalent":false,"reason":"gold does not parse: cannot parse: unknown command \\le at 0"}` + "\n"},
		{[]string{"math", "check", "--normalize", "--gold", `\left( 1, 2 \right)`, "--pred", `(1,2)`, "--json"}, `{"equivalent":true,"reason":"identical after rewriting layout"}` + "\n"},
	} {
		out, errOut, code := runMain(t, "", tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestMathCheckPairs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs.jsonl")
	lines := `{"gold": "\\frac{1}{2}", "pred": "0.5"}` + "\n" + `{"gold": "x+1", "pred": "x+2"}` + "\n" + `{"gold": "3", "pred": "3"}` + "\n"
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct{ arg, stdin string }{{path, ""}, {"-", lines}} {
		out, errOut, code := runMain(t, src.stdin, "math", "check", "--pairs", src.arg)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got []mathVerdict
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var v mathVerdict
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			got = append(got, v)
		}
		if len(got) != 3 || !got[0].Equivalent || got[1].Equivalent || !got[2].Equivalent || !strings.Contains(got[1].Reason, "different values at x=") {
			t.Errorf("--pairs %s: %+v", src.arg, got)
		}
	}
	// A bad line stops the run with its number; the lines before it are out.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"gold": "1", "pred": "1"}`+"\n"+`{"gold": 1}`+"\n"), 0o644)
	out, errOut, code := runMain(t, "", "math", "check", "--pairs", bad)
	if code != 1 || !strings.Contains(errOut, "bad.jsonl:2: expected a JSON object with string fields") || strings.Count(out, "\n") != 1 {
		t.Errorf("bad line: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestMathNormalizeCommand(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		stdin, want string
	}{
		{[]string{"math", "normalize"}, `"\\left( 3, \\frac{\\pi}{2} \\right)"` + "\n" + `"x = 5 \\text{ cm}"` + "\n",
			`"\\left(3,\\frac{\\pi}{2}\\right)"` + "\n" + `"5"` + "\n"},
		{[]string{"math", "normalize", "--minerva-compat"}, `"\\left( 3, \\frac{\\pi}{2} \\right)"` + "\n",
			`"\\le(3,\\frac{\\pi}{2}\\right)"` + "\n"},
		{[]string{"math", "normalize", "--from", "solution"}, `"So $\\fbox{12}$."` + "\n" + `"no box"` + "\n",
			`"12"` + "\nnull\n"},
		{[]string{"math", "normalize", "--from", "solution", "--minerva-compat"}, `"So $\\fbox{12}$."` + "\n" + `"So $\\boxed{1,000}$."` + "\n",
			"null\n" + `"1000"` + "\n"},
		{[]string{"math", "normalize", "--from", "generation"}, `"Final Answer: The final answer is $\\frac12$. I hope it is correct."` + "\n" + `"The answer is 3."` + "\n",
			`"\\frac{1}{2}"` + "\nnull\n"},
		{[]string{"math", "normalize"}, "", ""},
	} {
		out, errOut, code := runMain(t, tc.stdin, tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("%v <- %q: exit %d, stdout %q, stderr %q; want %q", tc.args, tc.stdin, code, out, errOut, tc.want)
		}
	}
}

func TestMathCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"math", "check", "--gold", "1"}, "--gold and --pred are required"},
		{"", []string{"math", "check", "--gold", "1", "--pred", "1", "--pairs", "x.jsonl"}, "not both"},
		{"", []string{"math", "check", "--pairs", "/nonexistent/pairs.jsonl"}, "--pairs"},
		{"", []string{"math", "check", "--gold", "1", "--pred", "1", "--timeout", "-1s"}, "--timeout -1s: must not be negative"},
		{"", []string{"math", "check", "--gold", "1", "--pred", "1", "--timeout", "soon"}, `invalid argument "soon"`},
		{"", []string{"math", "normalize", "--from", "prompt"}, `--from "prompt": expected answer, solution or generation`},
		{`"ok"` + "\nnot json\n", []string{"math", "normalize"}, "stdin line 2: expected a JSON string"},
		{"42\n", []string{"math", "normalize"}, "stdin line 1: expected a JSON string"},
	} {
		out, errOut, code := runMain(t, tc.stdin, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line containing %q", tc.args, code, out, errOut, tc.want)
		}
	}
	// The line before a bad one is already out.
	out, _, _ := runMain(t, `"\\frac12"`+"\nnot json\n", "math", "normalize")
	if out != `"\\frac{1}{2}"`+"\n" {
		t.Errorf("finished lines lost: %q", out)
	}
}

// TestEvalMathEndToEnd runs a minerva_math task on local documents with a
// native checkpoint through fmkit eval: a task folder named minerva_math
// under --include-path finds the Go versions of lm-eval's utils.py, and the
// results carry both metric names.
func TestEvalMathEndToEnd(t *testing.T) {
	dir := t.TempDir()
	modelDir := filepath.Join(dir, "model")
	os.Mkdir(modelDir, 0o755)
	writeTinyNeoX(t, modelDir)
	docs, _ := filepath.Abs("../../eval/testdata/docs/math")
	tasks := filepath.Join(dir, "tasks", "minerva_math")
	os.MkdirAll(tasks, 0o755)
	writeFile(t, filepath.Join(tasks, "math_local.yaml"), `task: math_local
dataset_path: json
dataset_kwargs:
  data_files:
    test: `+docs+`/hendrycks_math_test.jsonl
output_type: generate_until
test_split: test
process_docs: !function utils.process_docs
doc_to_text: !function utils.doc_to_text
doc_to_target: "{{answer if few_shot is undefined else solution}}"
process_results: !function utils.process_results
num_fewshot: 1
fewshot_config:
  sampler: first_n
  samples: !function utils.list_fewshot_samples
generation_kwargs:
  until: ["Problem:"]
  do_sample: false
  max_gen_toks: 4
metric_list:
  - metric: exact_match
  - metric: math_verify
`)
	out, errOut, code := runMain(t, "", "eval", "--model", modelDir, "--tasks", "math_local", "--include-path", filepath.Join(dir, "tasks"), "--limit", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Results map[string]map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := res.Results["math_local"]
	for _, k := range []string{"exact_match,none", "math_verify,none"} {
		// A random model gets no answer right.
		if v, ok := r[k]; !ok || v != 0.0 {
			t.Errorf("%s = %v (%v), want 0", k, v, ok)
		}
	}
	if r["sample_len"] != 2.0 {
		t.Errorf("sample_len %v", r["sample_len"])
	}
}
