package eval

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// ErrCodeExecution is wrapped by the error for a task that executes
// model-written code (unsafe_code: true) in a run that does not allow it.
var ErrCodeExecution = errors.New("eval: code execution is not allowed")

// CodeSandbox runs model-written programs for the code-execution tasks
// (humaneval, mbpp) as the code_eval metric does: each candidate followed
// by its tests, passed when it exits without an exception. Every program
// runs in its own python3 process, in a scratch directory removed
// afterwards, with a time limit, with resource limits, and on Linux in a
// new network namespace (no network) where the kernel allows one.
type CodeSandbox struct {
	// Python is the interpreter; FindPython's rules.
	Python string
	// Timeout limits each program. The default is 3 s, code_eval's.
	Timeout time.Duration
}

// CodeResult is one program's outcome.
type CodeResult struct {
	Passed bool
	// Result is "passed", "timed out" or "failed: ..." as code_eval
	// reports it.
	Result string
	// Isolated says the program ran without network.
	Isolated bool
}

// guardPrelude limits what a candidate can do to the machine before its
// code runs (memory, CPU time, files, processes), as code_eval's
// reliability_guard does.
const guardPrelude = `import builtins, faulthandler, os, resource, shutil, subprocess, sys
limit = 4 << 30
for r in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
    try:
        resource.setrlimit(r, (limit, limit))
    except (ValueError, OSError):
        pass
faulthandler.disable()
for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
             "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
             "chroot", "lchown", "getcwd", "chdir"):
    if hasattr(os, name):
        setattr(os, name, None)
shutil.rmtree = shutil.move = shutil.chown = None
subprocess.Popen = None
builtins.help = None
for mod in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
    sys.modules[mod] = None
program = sys.stdin.read()
exec(compile(program, "<candidate>", "exec"), {"__name__": "__main__"})
`

// Run executes program and reports whether it passed.
func (s *CodeSandbox) Run(ctx context.Context, program string) (CodeResult, error) {
	python, err := FindPython(s.Python)
	if err != nil {
		return CodeResult{}, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	scratch, err := os.MkdirTemp("", "fmkit-code-")
	if err != nil {
		return CodeResult{}, fmt.Errorf("eval: code sandbox: %w", err)
	}
	defer os.RemoveAll(scratch)
	for _, isolate := range []bool{true, false} {
		if isolate && !canIsolate() {
			continue
		}
		res, err := s.run(ctx, python, scratch, program, timeout, isolate)
		if err != nil && isolate && isStartError(err) {
			continue // no network namespace here; run without
		}
		return res, err
	}
	return CodeResult{}, errors.New("eval: code sandbox: unreachable")
}

type startError struct{ error }

func isStartError(err error) bool {
	var se startError
	return errors.As(err, &se)
}

func (s *CodeSandbox) run(ctx context.Context, python, scratch, program string, timeout time.Duration, isolate bool) (CodeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command(python, "-I", "-c", guardPrelude)
	cmd.Dir = scratch
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + scratch, "TMPDIR=" + scratch, "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0", "LANG=C.UTF-8"}
	cmd.Stdin = strings.NewReader(program)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = sandboxAttr(isolate)
	if err := cmd.Start(); err != nil {
		return CodeResult{}, startError{fmt.Errorf("eval: code sandbox: %w", err)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		killGroup(cmd)
		<-done
		if ctx.Err() == context.DeadlineExceeded {
			return CodeResult{Result: "timed out", Isolated: isolate}, nil
		}
		return CodeResult{}, ctx.Err()
	}
	if err == nil {
		return CodeResult{Passed: true, Result: "passed", Isolated: isolate}, nil
	}
	return CodeResult{Result: "failed: " + lastLine(stderr.String()), Isolated: isolate}, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// passAtK is code_eval's estimate_pass_at_k for one problem: n samples, c
// correct, 1 - C(n-c, k)/C(n, k) computed as numpy does.
func passAtK(n, c, k int) float64 {
	if n-c < k {
		return 1
	}
	prod := 1.0
	for i := n - c + 1; i <= n; i++ {
		prod *= 1 - float64(k)/float64(i)
	}
	return 1 - prod
}

// codeEval is code_eval's compute for one problem: each candidate with the
// test, pass@k for each k of ks (as "pass@K", k above the number of
// candidates left out, as code_eval does).
func codeEval(ctx context.Context, sb *CodeSandbox, test string, candidates []string, ks []int) (data.Doc, error) {
	if sb == nil {
		return data.Doc{}, ErrCodeExecution
	}
	correct := 0
	for _, c := range candidates {
		r, err := sb.Run(ctx, c+"\n"+test)
		if err != nil {
			return data.Doc{}, err
		}
		if r.Passed {
			correct++
		}
	}
	var out data.Doc
	for _, k := range ks {
		if len(candidates) >= k {
			out.Columns = append(out.Columns, fmt.Sprintf("pass@%d", k))
			out.Values = append(out.Values, passAtK(len(candidates), correct, k))
		}
	}
	return out, nil
}

func stringsOf(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("candidate %d is %s, expected code", i, describe(e))
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("candidates are %s, expected code", describe(v))
}

func intsOf(v any) ([]int, error) {
	switch x := v.(type) {
	case nil:
		return nil, errors.New("k is not set")
	case int64:
		return []int{int(x)}, nil
	case []any:
		out := make([]int, len(x))
		for i, e := range x {
			n, ok := e.(int64)
			if !ok {
				return nil, fmt.Errorf("k[%d] is %s, expected an integer", i, describe(e))
			}
			out[i] = int(n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("k is %s, expected an integer or a list", describe(v))
}

// humanevalPassAtK is humaneval's pass_at_k metric.
func humanevalPassAtK(env *MetricEnv, ref, pred any, kwargs map[string]any) (any, error) {
	ks, err := intsOf(kwargs["k"])
	if err != nil {
		return nil, fmt.Errorf("pass_at_k: %w", err)
	}
	cands, err := stringsOf(pred)
	if err != nil {
		return nil, err
	}
	return codeEval(env.ctx(), env.Code, py.Str(ref), cands, ks)
}

// mbppPassAt1 is mbpp's pass_at_1 metric.
func mbppPassAt1(env *MetricEnv, ref, pred any, _ map[string]any) (any, error) {
	cands, err := stringsOf(pred)
	if err != nil {
		return nil, err
	}
	res, err := codeEval(env.ctx(), env.Code, py.Str(ref), cands[:min(1, len(cands))], []int{1})
	if err != nil {
		return nil, err
	}
	v, _ := res.Get("pass@1")
	return v, nil
}

// buildPredictions is humaneval's build_predictions (instruct: cut at a
// ``` fence): the prompt followed by each response.
func buildPredictions(instruct bool) FilterBuilder {
	return func(map[string]any) (FilterFunc, error) {
		return func(resps []any, docs []data.Doc) ([]any, error) {
			out := make([]any, len(resps))
			for i, r := range resps {
				list, err := asList(r, "build_predictions")
				if err != nil {
					return nil, err
				}
				prompt, err := docString(docs[i], "prompt")
				if err != nil {
					return nil, err
				}
				preds := make([]any, len(list))
				for j, x := range list {
					s := py.Str(x)
					if instruct {
						if at := strings.Index(s, "```"); at >= 0 {
							s = s[:at]
						}
					}
					preds[j] = prompt + s
				}
				out[i] = preds
			}
			return out, nil
		}, nil
	}
}

var codeBlock = mustCompile("(?s)```(?:\\w+)?\\n?(.*?)\\n?```")

// extractCodeBlock is mbpp's extract_code_blocks: the first fenced block,
// the response taken as opened by a fence (the generation prefix).
func extractCodeBlock(text string) string {
	for _, t := range []string{"```" + text, strings.ReplaceAll(text, "```python", "```")} {
		if m, err := codeBlock.FindAll(t); err == nil && len(m) > 0 {
			return py.Str(m[0])
		}
	}
	return ""
}

func mbppBuildPredictions(map[string]any) (FilterFunc, error) {
	return func(resps []any, _ []data.Doc) ([]any, error) {
		out := make([]any, len(resps))
		for i, r := range resps {
			list, err := asList(r, "build_predictions")
			if err != nil {
				return nil, err
			}
			preds := make([]any, len(list))
			for j, x := range list {
				preds[j] = extractCodeBlock(py.Str(x))
			}
			out[i] = preds
		}
		return out, nil
	}, nil
}

//go:embed testdata/code/mbpp_fewshot.json
var mbppFewshotJSON []byte

func mbppFewshot() ([]data.Doc, error) {
	v, err := data.DecodeJSON(mbppFewshotJSON)
	if err != nil {
		return nil, err
	}
	return docList(v, &Function{Name: "utils.list_fewshot_samples"})
}

func init() {
	RegisterMetricFunction("humaneval/utils.pass_at_k", humanevalPassAtK)
	RegisterFilterFunction("humaneval/utils.build_predictions", buildPredictions(false))
	RegisterFilterFunction("humaneval/utils.build_predictions_instruct", buildPredictions(true))
	RegisterMetricFunction("mbpp/utils.pass_at_1", mbppPassAt1)
	RegisterFilterFunction("mbpp/utils.build_predictions", mbppBuildPredictions)
	RegisterSamplesFunction("mbpp/utils.list_fewshot_samples", mbppFewshot)
}
