package eval

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

//go:embed python_worker.py
var workerScript []byte

// ErrNoPython is returned by FindPython when no interpreter is found.
var ErrNoPython = errors.New("eval: python3 not found on the PATH")

// ErrWorkerDied is wrapped by the error of a call during which the Python
// worker died twice (it is restarted once per Python).
var ErrWorkerDied = errors.New("eval: the Python worker died")

// FindPython returns the interpreter to use: path when given (which must
// exist), else python3 on the PATH.
func FindPython(path string) (string, error) {
	if path == "" {
		p, err := exec.LookPath("python3")
		if err != nil {
			return "", ErrNoPython
		}
		return p, nil
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("eval: python %s: %w", path, err)
	}
	return p, nil
}

// Python runs the task functions that have no Go port (the long tail of
// lm-evaluation-harness's `!function` references) in a python3 worker
// process: it imports the task's module from the YAML's folder as lm-eval
// does, with a stand-in for datasets.Dataset where the machine has no
// `datasets`, and exchanges JSON with fmkit. The worker starts at the
// first call and serves every later one; a worker that dies is restarted
// once. A Python is safe for concurrent use (calls are serialised).
type Python struct {
	path string
	dir  string // holds the worker script

	mu       sync.Mutex
	w        *worker
	restarts int
	closed   bool
}

type worker struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *tailWriter
}

// StartPython prepares a worker for the interpreter at path (FindPython's
// rules); the process itself starts at the first call. Close releases it.
func StartPython(path string) (*Python, error) {
	p, err := FindPython(path)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fmkit-python-")
	if err != nil {
		return nil, fmt.Errorf("eval: python worker: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "worker.py"), workerScript, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("eval: python worker: %w", err)
	}
	return &Python{path: p, dir: dir}, nil
}

// Path is the interpreter.
func (p *Python) Path() string { return p.path }

// Close stops the worker and removes its script.
func (p *Python) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.stop()
	return os.RemoveAll(p.dir)
}

func (p *Python) stop() {
	if p.w == nil {
		return
	}
	p.w.in.Close()
	if p.w.cmd.Process != nil {
		p.w.cmd.Process.Kill()
	}
	p.w.cmd.Wait()
	p.w = nil
}

func (p *Python) start() error {
	cmd := exec.Command(p.path, "-u", filepath.Join(p.dir, "worker.py"))
	// Task modules print and log; the protocol uses stdout only.
	stderr := &tailWriter{max: 4096}
	cmd.Stderr = stderr
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", "TOKENIZERS_PARALLELISM=false")
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("eval: start python worker %s: %w", p.path, err)
	}
	p.w = &worker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16), stderr: stderr}
	return nil
}

// PythonError is a Python function that failed: it could not be imported
// (Missing names the import the machine lacks), is not in its module, or
// raised.
type PythonError struct {
	Function string // module.name as the YAML writes it
	File     string // the YAML
	Line     int
	Kind     string // "import", "missing" or "call"
	Missing  string
	Msg      string
}

func (e *PythonError) Error() string {
	return fmt.Sprintf("eval: %s:%d: !function %s (python): %s", e.File, e.Line, e.Function, e.Msg)
}

// call runs op on fn's Python function with the request's other fields.
func (p *Python) call(op string, fn *Function, fields ...any) (any, error) {
	req := py.NewDict()
	req.Set("op", op)
	req.Set("file", fn.osPath())
	req.Set("name", fn.Name)
	for i := 0; i+1 < len(fields); i += 2 {
		req.Set(fields[i].(string), fields[i+1])
	}
	line := py.JSON(req, 0) + "\n"
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("eval: python worker is closed")
	}
	for {
		resp, err := p.roundTrip(line)
		if err == nil {
			return decodeAnswer(resp, fn)
		}
		tail := ""
		if p.w != nil {
			tail = strings.TrimSpace(p.w.stderr.String())
		}
		p.stop()
		if p.restarts >= 1 {
			if tail != "" {
				tail = "; its last words: " + tail
			}
			return nil, fmt.Errorf("%w during !function %s (%s:%d): %v%s", ErrWorkerDied, fn.Name, fn.File, fn.Line, err, tail)
		}
		p.restarts++
	}
}

// roundTrip sends one request line and reads the answer line, starting
// the worker if needed.
func (p *Python) roundTrip(line string) ([]byte, error) {
	if p.w == nil {
		if err := p.start(); err != nil {
			return nil, err
		}
	}
	if _, err := io.WriteString(p.w.in, line); err != nil {
		return nil, err
	}
	resp, err := p.w.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("no answer: %w", err)
	}
	return resp, nil
}

func decodeAnswer(resp []byte, fn *Function) (any, error) {
	v, err := data.DecodeJSON(resp)
	if err != nil {
		return nil, fmt.Errorf("eval: python worker answer: %w", err)
	}
	d, ok := v.(data.Doc)
	if !ok {
		return nil, fmt.Errorf("eval: python worker answer: not an object")
	}
	if msg, isErr := d.Get("error"); isErr {
		kind, _ := d.Get("kind")
		missing, _ := d.Get("missing")
		e := &PythonError{Function: fn.Name, File: fn.File, Line: fn.Line, Msg: py.Str(msg)}
		e.Kind, _ = kind.(string)
		e.Missing, _ = missing.(string)
		return nil, e
	}
	ok2, _ := d.Get("ok")
	return fromWorker(ok2), nil
}

// fromWorker turns the worker's non-finite float markers back into
// floats.
func fromWorker(v any) any {
	switch x := v.(type) {
	case data.Doc:
		if len(x.Columns) == 1 && x.Columns[0] == "$float" {
			switch x.Values[0] {
			case "nan":
				return math.NaN()
			case "inf":
				return math.Inf(1)
			case "-inf":
				return math.Inf(-1)
			}
		}
		for i, e := range x.Values {
			x.Values[i] = fromWorker(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = fromWorker(e)
		}
	}
	return v
}

// tailWriter keeps the last max bytes written (the worker's stderr).
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(b), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
