package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the fmkit program itself when the test binary is started
// by one of the tests below with FMKIT_RUN_MAIN=1, so that real signals
// reach the real main without building a second binary.
func TestMain(m *testing.M) {
	if os.Getenv("FMKIT_RUN_MAIN") == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// startFmkit starts fmkit with args in a child process.
func startFmkit(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FMKIT_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr
}

// waitFor polls until ok holds or the deadline passes.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(time.Minute):
		t.Fatal("fmkit did not stop within a minute of the signal")
	}
	return -1
}

// TestTrainStopsOnSignal sends SIGTERM and SIGINT to a training run in
// progress: it must stop with 143 or 130 and leave a checkpoint of the
// steps it finished, which --resume can start from.
func TestTrainStopsOnSignal(t *testing.T) {
	const fixture = "../../nn/testdata/train/llama"
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		word string
	}{{syscall.SIGTERM, 143, "SIGTERM"}, {syscall.SIGINT, 130, "SIGINT"}} {
		t.Run(c.word, func(t *testing.T) {
			out := t.TempDir()
			log := filepath.Join(out, "log.jsonl")
			cmd, stderr := startFmkit(t, "train", "lm", "--init", filepath.Join(fixture, "init"), "--data", filepath.Join(fixture, "data.jsonl"),
				"--seq-len", "8", "--batch-size", "2", "--steps", "1000000", "--out", out, "--log", log, "--quiet")
			waitFor(t, "the first training step", func() bool {
				b, _ := os.ReadFile(log)
				return bytes.Count(b, []byte("\n")) >= 2
			})
			cmd.Process.Signal(c.sig)
			if code := exitStatus(t, cmd); code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, stderr)
			}
			if !strings.Contains(stderr.String(), c.word) || !strings.Contains(stderr.String(), "checkpoint in") {
				t.Errorf("stderr does not name the signal and the checkpoint: %s", stderr)
			}
			ckpts, _ := filepath.Glob(filepath.Join(out, "checkpoint-*"))
			if len(ckpts) == 0 {
				t.Fatalf("no checkpoint in %s after the signal", out)
			}
			if _, err := os.Stat(filepath.Join(ckpts[len(ckpts)-1], "optimizer.safetensors")); err != nil {
				t.Errorf("checkpoint incomplete: %v", err)
			}
		})
	}
}

// TestSignalWhileWaitingOnStdin checks a command blocked reading stdin
// (tokenize on a terminal or an idle pipe): Ctrl-C must end it at once.
func TestSignalWhileWaitingOnStdin(t *testing.T) {
	cmd := exec.Command(os.Args[0], "tokenize", "--tokenizer", "../../tokenizer/testdata/gpt2")
	cmd.Env = append(os.Environ(), "FMKIT_RUN_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	stdin.Write([]byte("some text, and then nothing more"))
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitStatus(t, cmd); code != 130 || !strings.Contains(stderr.String(), "fmkit: interrupted (SIGINT)") {
		t.Errorf("exit %d, stderr %q; want 130 and the signal named", code, stderr.String())
	}
}
