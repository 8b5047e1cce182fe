package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/lm"
)

func TestPassAtK(t *testing.T) {
	b, err := os.ReadFile("testdata/code/passk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		N, C, K int
		Pass    float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := passAtK(c.N, c.C, c.K); math.Abs(got-c.Pass) > 1e-15 {
			t.Errorf("pass@%d n=%d c=%d: %v, numpy %v", c.K, c.N, c.C, got, c.Pass)
		}
	}
}

func sandbox(t *testing.T) *CodeSandbox {
	t.Helper()
	if _, err := FindPython(""); err != nil {
		t.Skip("no python3")
	}
	// Generous: python3 starts slowly on a loaded machine.
	return &CodeSandbox{Timeout: 20 * time.Second}
}

// TestCodeSandbox runs a passing, a failing and a looping program, one
// that writes a file (which must not outlive the run) and one that tries
// the network.
func TestCodeSandbox(t *testing.T) {
	sb := sandbox(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		name, program string
		passed        bool
		result        string
	}{
		{"pass", "def add(a, b):\n    return a + b\nassert add(2, 3) == 5", true, "passed"},
		{"fail", "def add(a, b):\n    return a * b\nassert add(2, 3) == 5", false, "failed: AssertionError"},
		{"loop", "while True:\n    pass", false, "timed out"},
		{"guard", "import os\nos.system('true')", false, "failed: TypeError: 'NoneType' object is not callable"},
		{"scratch", "open('left_behind.txt', 'w').write('x')\nimport pathlib\nassert pathlib.Path('left_behind.txt').exists()", true, "passed"},
	} {
		start := time.Now()
		run := sb
		if tc.name == "loop" {
			run = &CodeSandbox{Timeout: time.Second}
		}
		r, err := run.Run(ctx, tc.program)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.Passed != tc.passed || r.Result != tc.result {
			t.Errorf("%s: %+v, want passed=%v %q", tc.name, r, tc.passed, tc.result)
		}
		if tc.name == "loop" && time.Since(start) > 10*time.Second {
			t.Errorf("the time limit did not stop the loop: %s", time.Since(start))
		}
	}
	if _, err := os.Stat("left_behind.txt"); err == nil {
		t.Error("the program wrote into the test's folder")
	}
	r, err := sb.Run(ctx, fmt.Sprintf("import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=1)", port))
	if err != nil {
		t.Fatal(err)
	}
	if r.Isolated && r.Passed {
		t.Errorf("an isolated program reached the network: %+v", r)
	}
	if !r.Isolated {
		t.Logf("no network namespace on this machine; network isolation not tested")
	}
}

// TestHumanevalEndToEnd runs humaneval's YAML on two problems with
// scripted completions (one right, one wrong): pass@1 is 0.5, and the
// task refuses to run without a sandbox.
func TestHumanevalEndToEnd(t *testing.T) {
	sb := sandbox(t)
	ix, err := NewIndex(TaskSource{Name: "code", FS: os.DirFS("testdata/code")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ix.Load([]string{"humaneval_local"})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := data.ReadJSON(strings.NewReader(`{"task_id": "HumanEval/0", "prompt": "def add(a, b):\n", "entry_point": "add", "test": "def check(f):\n    assert f(2, 3) == 5\n"}
{"task_id": "HumanEval/1", "prompt": "def neg(a):\n", "entry_point": "neg", "test": "def check(f):\n    assert f(2) == -2\n"}`), "he.jsonl")
	s.Tasks[0].SetDocs(docs, nil)
	m := &scriptModel{script: map[string][]string{"add": {"    return a + b\n"}, "neg": {"    return a\n"}}, calls: map[string]int{}}
	_, err = Evaluate(context.Background(), m, s, nil, Options{})
	if !errors.Is(err, ErrCodeExecution) || !strings.Contains(err.Error(), "--allow-code-execution") {
		t.Fatalf("without a sandbox: %v", err)
	}
	run, err := Evaluate(context.Background(), m, s, nil, Options{Code: sb, LogSamples: true})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := run.Results[0].Metric("pass@1", "create_test")
	if !ok || got.Value != 0.5 {
		t.Errorf("pass@1 %+v, want 0.5 (metrics %+v)", got, run.Results[0].Metrics)
	}
}

// The scripted model answers by the prompt's function name.
var _ lm.Model = (*scriptModel)(nil)
