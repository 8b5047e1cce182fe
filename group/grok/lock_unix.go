//go:build linux || darwin || freebsd || netbsd || openbsd

package grok

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockRun takes the run directory's training lock (LockFile), so that two
// trainers never write one run. The lock is released by unlock, or when the
// process ends, even by a crash.
func lockRun(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("grok: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrRunBusy, dir)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
