package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "out.txt")
	if err := WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "two" {
		t.Fatalf("read %q, %v; want \"two\"", got, err)
	}
	assertNoLeftovers(t, filepath.Dir(path))
}

func TestWriteFailureKeepsOld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Fatalf("after a failed write the file holds %q, want \"old\"", got)
	}
	assertNoLeftovers(t, filepath.Dir(path))
}

// TestKilledWriter kills a process in the middle of writing and checks that
// the target holds either all of the old contents or all of the new.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("ATOMICFILE_CHILD") != "" {
		childWriter(os.Getenv("ATOMICFILE_CHILD"))
		return
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	path := filepath.Join(t.TempDir(), "target")
	old := bytes.Repeat([]byte("o"), 1<<20)
	if err := WriteFile(path, old); err != nil {
		t.Fatal(err)
	}
	for _, delay := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 60 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, old) && !isNew(got) {
			t.Fatalf("after a kill at %v the file is torn: %d bytes, starts %q", delay, len(got), got[:min(len(got), 16)])
		}
		if isNew(got) {
			old = got
		}
	}
}

// childWriter writes 8 MiB of 'n' slowly, in 64 KiB pieces.
func childWriter(path string) {
	Write(path, func(w io.Writer) error {
		piece := bytes.Repeat([]byte("n"), 1<<16)
		for range 128 {
			if _, err := w.Write(piece); err != nil {
				return err
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	os.Exit(0)
}

func isNew(b []byte) bool {
	return len(b) == 8<<20 && bytes.Count(b, []byte("n")) == len(b)
}

func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
