//go:build linux || darwin || freebsd || netbsd || openbsd

package search

import (
	"os"
	"syscall"
)

// mapFile maps f read-only into memory. The returned function unmaps it.
func mapFile(f *os.File, size int) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
