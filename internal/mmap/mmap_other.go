//go:build !unix

package mmap

import (
	"io"
	"os"
)

// File reads size bytes of f into memory where mmap is not available.
func File(f *os.File, size int64) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}

// Maps reports whether File maps files (true) or reads them into memory.
const Maps = false

// Evict does nothing where files are not mapped.
func Evict([]byte) {}
