// Package gguf reads and writes GGUF files, the single-file model format
// of llama.cpp (and of Ollama and LM Studio, which run it).
//
// # Format
//
// A GGUF file (version 3; versions 2 and 3 are read) is a header, the
// "GGUF" magic and version followed by the tensor and key/value counts,
// then the metadata as typed key/value pairs (integers, floats, booleans,
// strings and arrays of them), then one record per tensor (name, shape,
// ggml type, offset), then the tensor data, each tensor starting at a
// multiple of the alignment (general.alignment, 32 by default). Shapes are
// listed as ggml lists them: the fastest-varying dimension first, so a
// PyTorch weight of shape [out, in] is stored with Dims [in, out].
// Everything is little-endian.
//
// # Reading
//
// Open maps a file into memory and checks its header: counts, lengths and
// offsets are checked against the file's size before anything is
// allocated, so a truncated or corrupt file gives an error matching
// ErrFormat and never a huge allocation or a panic. Tensor data are views
// into the mapping; Parse does the same for bytes in memory.
//
// # Writing
//
// Write writes metadata and tensors in the layout llama.cpp's gguf-py
// writes (the same bytes for the same content).
package gguf
