package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/fmkit/fmkit/internal/mmap"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the alignment of tensor data when the file does not
// set general.alignment.
const DefaultAlignment = 32

// ErrFormat marks every error caused by malformed file contents, so that
// callers can tell a corrupt file from an I/O failure with errors.Is.
var ErrFormat = errors.New("gguf: malformed file")

// FormatError says what is wrong with a file and where.
type FormatError struct {
	// Offset is the byte offset in the file at which the problem was found.
	Offset int64
	// Problem says what was found and what was expected.
	Problem string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("gguf: at byte %d: %s", e.Offset, e.Problem)
}

// Is reports ErrFormat as the error's kind.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// TensorInfo is one tensor record of a file.
type TensorInfo struct {
	Name string
	// Dims is the shape, fastest-varying dimension first (ggml's ne).
	Dims []uint64
	Type TensorType
	// Offset is where the data start, relative to the data section.
	Offset uint64
}

// Elements is the number of elements.
func (t TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Bytes is the size of the tensor's data.
func (t TensorInfo) Bytes() uint64 {
	info := tensorTypes[t.Type]
	if info.block == 0 {
		return 0
	}
	return t.Elements() / uint64(info.block) * uint64(info.len)
}

// Tensor is a tensor record with its data, a view into the file.
type Tensor struct {
	TensorInfo
	Data []byte
}

// File is a parsed GGUF file. Tensor data are views into the bytes it was
// parsed from (the mapping, for Open) and valid until Close.
type File struct {
	// Version is the format version (2 or 3).
	Version   int
	KV        []KV
	Tensors   []TensorInfo
	Alignment int

	path   string
	data   []byte // the data section
	kv     map[string]int
	tensor map[string]int
	unmap  func() error
}

// Open maps the file at path and parses it. Errors name the path; malformed
// contents give an error matching ErrFormat.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	mapping, unmap, err := mmap.File(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: map into memory: %w", path, err)
	}
	g, err := Parse(mapping)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g.path, g.unmap = path, unmap
	return g, nil
}

// Close releases the mapping of a File from Open; tensor data must not be
// used afterwards. It does nothing for a File from Parse.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// Path is the path the file was opened from ("" for Parse).
func (f *File) Path() string { return f.path }

// Get returns the value of a metadata key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.kv[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// Tensor returns the named tensor with its data.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.tensor[name]
	if !ok {
		return Tensor{}, false
	}
	info := f.Tensors[i]
	return Tensor{TensorInfo: info, Data: f.data[info.Offset : info.Offset+info.Bytes() : info.Offset+info.Bytes()]}, true
}

// Parse parses a whole GGUF file held in b. Tensor data are views into b.
func Parse(b []byte) (*File, error) {
	r := &reader{b: b}
	if len(b) < 4 || string(b[:4]) != Magic {
		return nil, r.fail("expected the magic %q", Magic)
	}
	r.off = 4
	version := r.u32()
	if r.err == nil && version != 2 && version != 3 {
		return nil, r.failAt(4, "version %d; supported: 2, 3", version)
	}
	nTensors, nKV := r.u64(), r.u64()
	// Every key/value pair takes at least 13 bytes and every tensor record
	// 24, which bounds the counts by the file's size before any allocation.
	if r.err == nil && (nKV > uint64(len(b))/13 || nTensors > uint64(len(b))/24) {
		return nil, r.fail("%d tensors and %d key/value pairs cannot fit in %d bytes", nTensors, nKV, len(b))
	}
	f := &File{Version: int(version), Alignment: DefaultAlignment, kv: map[string]int{}, tensor: map[string]int{}}
	for i := uint64(0); i < nKV && r.err == nil; i++ {
		at := r.off
		key := r.str()
		v := r.value(r.valueType(), 0)
		if r.err != nil {
			break
		}
		if _, dup := f.kv[key]; dup {
			return nil, r.failAt(at, "duplicate key %q", key)
		}
		f.kv[key] = len(f.KV)
		f.KV = append(f.KV, KV{Key: key, Value: v})
	}
	if r.err != nil {
		return nil, r.err
	}
	if v, ok := f.Get("general.alignment"); ok {
		a, isInt := v.Int()
		if !isInt || v.Type != Uint32 || a == 0 || a&(a-1) != 0 {
			return nil, r.fail("general.alignment is %s %s; expected a uint32 power of two", v.Type, v)
		}
		f.Alignment = int(a)
	}
	for i := uint64(0); i < nTensors && r.err == nil; i++ {
		at := r.off
		t := r.tensorInfo()
		if r.err != nil {
			break
		}
		if _, dup := f.tensor[t.Name]; dup {
			return nil, r.failAt(at, "duplicate tensor %q", t.Name)
		}
		f.tensor[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	if r.err != nil {
		return nil, r.err
	}
	start := (r.off + f.Alignment - 1) / f.Alignment * f.Alignment
	if start > len(b) {
		start = len(b)
	}
	f.data = b[start:]
	for _, t := range f.Tensors {
		if err := f.checkTensor(t, int64(start)); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *File) checkTensor(t TensorInfo, start int64) error {
	info, known := tensorTypes[t.Type]
	fail := func(format string, args ...any) error {
		return &FormatError{Offset: start, Problem: fmt.Sprintf("tensor %q: ", t.Name) + fmt.Sprintf(format, args...)}
	}
	switch {
	case !known:
		return fail("unknown ggml type %d", uint32(t.Type))
	case t.Dims[0]%uint64(info.block) != 0:
		return fail("first dimension %d is not a multiple of %s's block size %d", t.Dims[0], t.Type, info.block)
	case t.Offset%uint64(f.Alignment) != 0:
		return fail("data offset %d is not a multiple of the alignment %d", t.Offset, f.Alignment)
	}
	n := uint64(1)
	for _, d := range t.Dims {
		if d != 0 && n > math.MaxInt64/d {
			return fail("shape %v overflows", t.Dims)
		}
		n *= d
	}
	size := n / uint64(info.block) * uint64(info.len)
	if size > uint64(len(f.data)) || t.Offset > uint64(len(f.data))-size {
		return fail("%d bytes at data offset %d run past the end of the file (%d bytes of data): file truncated?", size, t.Offset, len(f.data))
	}
	return nil
}

// reader decodes little-endian fields, remembering the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) error { return r.failAt(r.off, format, args...) }

func (r *reader) failAt(off int, format string, args ...any) error {
	if r.err == nil {
		r.err = &FormatError{Offset: int64(off), Problem: fmt.Sprintf(format, args...)}
	}
	return r.err
}

// take returns the next n bytes, or nil after an error.
func (r *reader) take(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.off) {
		r.fail("%s needs %d bytes, %d are left: file truncated?", what, n, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

func (r *reader) u32() uint32 {
	if s := r.take(4, "a uint32"); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if s := r.take(8, "a uint64"); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

func (r *reader) str() string {
	n := r.u64()
	return string(r.take(n, "a string"))
}

func (r *reader) valueType() ValueType {
	at := r.off
	t := ValueType(r.u32())
	if r.err == nil && t > Float64 {
		r.failAt(at, "unknown value type %d", uint32(t))
	}
	return t
}

// maxDepth bounds arrays of arrays, so that a crafted file cannot recurse
// without end.
const maxDepth = 8

func (r *reader) value(t ValueType, depth int) Value {
	if r.err != nil {
		return Value{}
	}
	switch t {
	case String:
		return Value{Type: String, str: r.str()}
	case Array:
		return r.array(depth)
	}
	s := r.take(uint64(t.size()), "a "+t.String())
	if s == nil {
		return Value{}
	}
	return Value{Type: t, bits: scalarBits(s)}
}

func scalarBits(s []byte) uint64 {
	var buf [8]byte
	copy(buf[:], s)
	return binary.LittleEndian.Uint64(buf[:])
}

func (r *reader) array(depth int) Value {
	if depth >= maxDepth {
		r.fail("arrays nested deeper than %d", maxDepth)
		return Value{}
	}
	elem := r.valueType()
	n := r.u64()
	if r.err != nil {
		return Value{}
	}
	v := Value{Type: Array, Elem: elem}
	minSize := uint64(max(1, elem.size()))
	if elem == String {
		minSize = 8
	}
	if n > uint64(len(r.b)-r.off)/minSize {
		r.fail("array of %d %s values cannot fit in the %d bytes left", n, elem, len(r.b)-r.off)
		return Value{}
	}
	switch elem {
	case String:
		v.strs = make([]string, n)
		for i := range v.strs {
			v.strs[i] = r.str()
		}
	case Array:
		v.arr = make([]Value, n)
		for i := range v.arr {
			v.arr[i] = r.array(depth + 1)
		}
	default:
		size := elem.size()
		raw := r.take(n*uint64(size), "an array")
		if raw == nil {
			return Value{}
		}
		v.nums = make([]uint64, n)
		for i := range v.nums {
			v.nums[i] = scalarBits(raw[i*size : (i+1)*size])
		}
	}
	return v
}

// maxDims is ggml's GGML_MAX_DIMS.
const maxDims = 4

func (r *reader) tensorInfo() TensorInfo {
	var t TensorInfo
	t.Name = r.str()
	at := r.off
	n := r.u32()
	if r.err == nil && (n == 0 || n > maxDims) {
		r.failAt(at, "tensor %q has %d dimensions; expected 1 to %d", t.Name, n, maxDims)
	}
	if r.err != nil {
		return t
	}
	t.Dims = make([]uint64, n)
	for i := range t.Dims {
		t.Dims[i] = r.u64()
	}
	t.Type = TensorType(r.u32())
	t.Offset = r.u64()
	return t
}
