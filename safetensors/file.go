package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"
	"unsafe"

	"github.com/fmkit/fmkit/internal/mmap"
	"github.com/fmkit/fmkit/tensor"
)

// File is an open safetensors file whose data is mapped into memory. Tensor
// views returned from it are valid until Close.
type File struct {
	path   string
	header *Header
	data   []byte // the data section, a sub-slice of the mapping
	unmap  func() error
	byName map[string]int
	// size and modTime are the file's when it was mapped (see Changed).
	size    int64
	modTime time.Time
}

// ErrChanged is returned by Changed when a mapped file was truncated,
// rewritten or removed after Open: reading the mapping then either sees
// other data or, past a truncated end, faults (SIGBUS).
var ErrChanged = errors.New("safetensors: file changed on disk since it was opened")

// Changed reports, with an error wrapping ErrChanged, whether the file on
// disk no longer has the size and modification time it had when it was
// mapped. It costs one stat call; callers check it before reading mapped
// weights.
func (f *File) Changed() error {
	st, err := os.Stat(f.path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w: %v", f.path, ErrChanged, err)
	case st.Size() != f.size:
		return fmt.Errorf("%s: %w: its size went from %d to %d bytes", f.path, ErrChanged, f.size, st.Size())
	case !st.ModTime().Equal(f.modTime):
		return fmt.Errorf("%s: %w: modified at %s", f.path, ErrChanged, st.ModTime().Format(time.RFC3339Nano))
	}
	return nil
}

// Open maps the file at path and validates its header. Errors name the path;
// malformed contents give an error matching ErrFormat.
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
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("%s: %w", path, formatErr("", "file has %d bytes, too short for the 8-byte header length", size))
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("%s: %w", path, formatErr("", "header length %d exceeds the limit of %d bytes", n, MaxHeaderSize))
	}
	if int64(n) > size-8 {
		return nil, fmt.Errorf("%s: %w", path, formatErr("", "header length %d exceeds the %d bytes after the length field: file truncated?", n, size-8))
	}
	header := make([]byte, n)
	if _, err := io.ReadFull(f, header); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dataStart := 8 + int64(n)
	h, err := ParseHeader(header, size-dataStart)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	mapping, unmap, err := mmap.File(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: map into memory: %w", path, err)
	}
	sf := &File{path: path, header: h, unmap: unmap, byName: make(map[string]int, len(h.Tensors)), size: size, modTime: st.ModTime()}
	if mapping != nil {
		sf.data = mapping[dataStart:]
	}
	for i, t := range h.Tensors {
		sf.byName[t.Name] = i
	}
	return sf, nil
}

// Close releases the mapping. Slices obtained from the file's tensors must
// not be used afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.data = nil, nil
	return err
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Metadata returns the header's "__metadata__" map (nil if absent).
func (f *File) Metadata() map[string]string { return f.header.Metadata }

// Tensors lists the header entries in data order.
func (f *File) Tensors() []TensorInfo { return f.header.Tensors }

// DataSize returns the size in bytes of the data section.
func (f *File) DataSize() int64 { return int64(len(f.data)) }

// Tensor returns the named tensor with its data as a view into the mapping.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Tensor{}, false
	}
	info := f.header.Tensors[i]
	return Tensor{TensorInfo: info, Data: f.data[info.Begin:info.End:info.End], mapped: mmap.Maps}, true
}

// Tensor is a named tensor with its raw little-endian bytes.
type Tensor struct {
	TensorInfo
	Data []byte

	mapped bool // Data lies in a file mapping (not on the heap)
}

// Evict tells the operating system that the tensor's mapped pages are not
// needed for now, so that they stop counting toward the process's resident
// memory (they stay in the page cache). A later read of Data faults them in
// again, so the data stays valid. A caller that has copied a tensor into
// another layout (packed weights, say) calls it to hold the tensor once.
// Only whole pages inside the tensor are released; tensors that are not
// memory-mapped are left alone.
func (t Tensor) Evict() {
	if t.mapped {
		mmap.Evict(t.Data)
	}
}

var littleEndianHost = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// errDType reports a typed accessor used on a tensor of another dtype.
func (t Tensor) errDType(want DType) error {
	return fmt.Errorf("safetensors: tensor %q has dtype %s, not %s", t.Name, t.DType, want)
}

// view reinterprets the bytes as elements of size bytes without copying when
// the host is little-endian and the data aligned; otherwise it returns nil
// and the caller decodes a copy.
func view[T any](data []byte, size int) []T {
	if len(data) == 0 {
		return []T{}
	}
	if !littleEndianHost || uintptr(unsafe.Pointer(&data[0]))%uintptr(size) != 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&data[0])), len(data)/size)
}

// Float32 returns an F32 tensor's elements. The slice aliases the file's
// mapping (no copy) when the data is 4-byte aligned, as files written with
// padded headers are; it must be treated as read-only.
func (t Tensor) Float32() ([]float32, error) {
	if t.DType != F32 {
		return nil, t.errDType(F32)
	}
	if v := view[float32](t.Data, 4); v != nil {
		return v, nil
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// BF16 returns a BF16 tensor's elements, aliasing the mapping when aligned.
func (t Tensor) BF16() ([]tensor.BF16, error) {
	if t.DType != BF16 {
		return nil, t.errDType(BF16)
	}
	return halfView[tensor.BF16](t.Data), nil
}

// F16 returns an F16 tensor's elements, aliasing the mapping when aligned.
func (t Tensor) F16() ([]tensor.F16, error) {
	if t.DType != F16 {
		return nil, t.errDType(F16)
	}
	return halfView[tensor.F16](t.Data), nil
}

func halfView[T ~uint16](data []byte) []T {
	if v := view[T](data, 2); v != nil {
		return v
	}
	out := make([]T, len(data)/2)
	for i := range out {
		out[i] = T(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return out
}

// ErrUnsupportedDType is returned (wrapped) when a tensor's dtype cannot be
// converted to the type asked for.
var ErrUnsupportedDType = errors.New("safetensors: unsupported dtype")

// Float64 returns an F64 tensor's elements, aliasing the mapping when
// aligned (read-only then), else a decoded copy.
func (t Tensor) Float64() ([]float64, error) {
	if t.DType != F64 {
		return nil, t.errDType(F64)
	}
	if v := view[float64](t.Data, 8); v != nil {
		return v, nil
	}
	return convert[float64](t)
}

// ToFloat32 returns a new float32 slice holding the tensor's elements
// converted from F32, F16, BF16, F64, or any integer or bool dtype.
func (t Tensor) ToFloat32() ([]float32, error) { return convert[float32](t) }

// ToFloat64 returns a new float64 slice holding the tensor's elements
// converted from any float, integer or bool dtype (integers beyond 2^53
// round to the nearest float64).
func (t Tensor) ToFloat64() ([]float64, error) { return convert[float64](t) }

// convert decodes the tensor's little-endian elements into a new slice.
func convert[T float32 | float64](t Tensor) ([]T, error) {
	n := len(t.Data) / max(t.DType.Size(), 1)
	out := make([]T, n)
	d := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = T(math.Float32frombits(le.Uint32(d[4*i:])))
		}
	case F16:
		for i := range out {
			out[i] = T(tensor.F16(le.Uint16(d[2*i:])).Float32())
		}
	case BF16:
		for i := range out {
			out[i] = T(tensor.BF16(le.Uint16(d[2*i:])).Float32())
		}
	case F64:
		for i := range out {
			out[i] = T(math.Float64frombits(le.Uint64(d[8*i:])))
		}
	case U64:
		for i := range out {
			out[i] = T(le.Uint64(d[8*i:]))
		}
	default:
		ints, err := t.ToInt64()
		if err != nil {
			return nil, fmt.Errorf("tensor %q: dtype %s to float: %w", t.Name, t.DType, ErrUnsupportedDType)
		}
		for i, v := range ints {
			out[i] = T(v)
		}
	}
	return out, nil
}

// ToInt64 returns a new int64 slice holding the elements of an integer or
// bool tensor. Float dtypes, and U64 values above the int64 range, are an
// error.
func (t Tensor) ToInt64() ([]int64, error) {
	n := len(t.Data) / max(t.DType.Size(), 1)
	out := make([]int64, n)
	d := t.Data
	le := binary.LittleEndian
	switch t.DType {
	case U8, Bool:
		for i := range out {
			out[i] = int64(d[i])
		}
	case I8:
		for i := range out {
			out[i] = int64(int8(d[i]))
		}
	case I16:
		for i := range out {
			out[i] = int64(int16(le.Uint16(d[2*i:])))
		}
	case U16:
		for i := range out {
			out[i] = int64(le.Uint16(d[2*i:]))
		}
	case I32:
		for i := range out {
			out[i] = int64(int32(le.Uint32(d[4*i:])))
		}
	case U32:
		for i := range out {
			out[i] = int64(le.Uint32(d[4*i:]))
		}
	case I64:
		for i := range out {
			out[i] = int64(le.Uint64(d[8*i:]))
		}
	case U64:
		for i := range out {
			v := le.Uint64(d[8*i:])
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("tensor %q: U64 element %d (%d) exceeds int64", t.Name, i, v)
			}
			out[i] = int64(v)
		}
	default:
		return nil, fmt.Errorf("tensor %q: dtype %s to int64: %w", t.Name, t.DType, ErrUnsupportedDType)
	}
	return out, nil
}

// IsInteger reports whether the dtype holds integers or booleans.
func (d DType) IsInteger() bool {
	switch d {
	case Bool, U8, I8, I16, U16, I32, U32, I64, U64:
		return true
	}
	return false
}
