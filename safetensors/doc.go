// Package safetensors reads and writes the safetensors checkpoint format of
// Hugging Face: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the raw little-endian data.
//
// # Reading
//
// Open maps a file into memory (mmap on Unix) and validates the whole header
// before returning: every tensor's byte range must lie inside the data
// section, match its shape and dtype exactly, and the ranges must tile the
// data section without overlaps or holes, as the format's specification
// requires. Tensor data is then a view into the mapping: Float32, BF16 and
// F16 return slices that alias the file without copying whenever the data is
// suitably aligned, so a checkpoint costs page cache, not heap.
//
// OpenCheckpoint opens a Hugging Face model directory, either a single
// model.safetensors or the shards listed in model.safetensors.index.json.
//
// # Writing
//
// Write and WriteFile produce files that the reference implementation reads:
// tensors in the order given, the header padded with spaces to a multiple of
// 8 bytes so that data stays aligned.
//
// # Errors
//
// Malformed files give an error naming the file, the tensor and what was
// expected; nothing in this package panics on file contents.
package safetensors
