// Package mmap maps files read-only into memory, or reads them into memory
// where the system cannot map them; safetensors and search open their large
// files through it.
package mmap
