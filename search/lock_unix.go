//go:build linux || darwin || freebsd || netbsd || openbsd

package search

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes the index directory's write lock, so that two indexing
// runs never write the same index. The lock is released when the process
// ends, even by a crash.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, "write.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("search: index %s is being written by another process", dir)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
