package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// TensorData is a tensor to write: its record and its encoded data.
type TensorData struct {
	Name string
	// Dims is the shape, fastest-varying dimension first.
	Dims []uint64
	Type TensorType
	// Data holds the encoded data, or is nil when Source gives it.
	Data []byte
	// Source, when Data is nil, returns the data when Write reaches the
	// tensor, so that a large model is converted one tensor at a time.
	Source func() ([]byte, error)
}

// Write writes a version 3 GGUF file: the metadata in the order given, then
// the tensor records and the data, each tensor padded to the alignment
// (general.alignment if meta sets it, else DefaultAlignment). It checks
// that each tensor's data size matches its type and shape.
func Write(w io.Writer, meta []KV, tensors []TensorData) error {
	align := uint64(DefaultAlignment)
	seen := map[string]bool{}
	for _, kv := range meta {
		if seen[kv.Key] {
			return fmt.Errorf("gguf: duplicate key %q", kv.Key)
		}
		seen[kv.Key] = true
		if kv.Key == "general.alignment" {
			a, ok := kv.Value.Int()
			if kv.Value.Type != Uint32 || !ok || a <= 0 || a&(a-1) != 0 {
				return fmt.Errorf("gguf: general.alignment is %s %s; expected a uint32 power of two", kv.Value.Type, kv.Value)
			}
			align = uint64(a)
		}
	}
	for _, t := range tensors {
		info := TensorInfo{Name: t.Name, Dims: t.Dims, Type: t.Type}
		switch {
		case len(t.Dims) == 0 || len(t.Dims) > maxDims:
			return fmt.Errorf("gguf: tensor %q has %d dimensions; expected 1 to %d", t.Name, len(t.Dims), maxDims)
		case t.Type.BlockSize() == 0:
			return fmt.Errorf("gguf: tensor %q: unknown type %s", t.Name, t.Type)
		case t.Dims[0]%uint64(t.Type.BlockSize()) != 0:
			return fmt.Errorf("gguf: tensor %q: first dimension %d is not a multiple of %s's block size %d", t.Name, t.Dims[0], t.Type, t.Type.BlockSize())
		case t.Data == nil && t.Source != nil:
		case uint64(len(t.Data)) != info.Bytes():
			return fmt.Errorf("gguf: tensor %q: %d bytes of data, its %s shape %v needs %d", t.Name, len(t.Data), t.Type, t.Dims, info.Bytes())
		}
	}
	bw := &writer{w: bufio.NewWriterSize(w, 1<<20)}
	bw.bytes([]byte(Magic))
	bw.u32(3)
	bw.u64(uint64(len(tensors)))
	bw.u64(uint64(len(meta)))
	for _, kv := range meta {
		bw.str(kv.Key)
		bw.u32(uint32(kv.Value.Type))
		bw.value(kv.Value)
	}
	var off uint64
	for _, t := range tensors {
		bw.str(t.Name)
		bw.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			bw.u64(d)
		}
		bw.u32(uint32(t.Type))
		bw.u64(off)
		off += pad(TensorInfo{Dims: t.Dims, Type: t.Type}.Bytes(), align)
	}
	bw.zeros(pad(bw.n, align) - bw.n)
	for _, t := range tensors {
		data := t.Data
		if data == nil && t.Source != nil && bw.err == nil {
			var err error
			if data, err = t.Source(); err != nil {
				return fmt.Errorf("gguf: tensor %q: %w", t.Name, err)
			}
			if want := (TensorInfo{Dims: t.Dims, Type: t.Type}).Bytes(); uint64(len(data)) != want {
				return fmt.Errorf("gguf: tensor %q: %d bytes of data, its %s shape %v needs %d", t.Name, len(data), t.Type, t.Dims, want)
			}
		}
		bw.bytes(data)
		bw.zeros(pad(uint64(len(data)), align) - uint64(len(data)))
	}
	if bw.err != nil {
		return bw.err
	}
	return bw.w.Flush()
}

func pad(n, align uint64) uint64 { return (n + align - 1) / align * align }

// writer encodes little-endian fields, counting bytes and keeping the
// first error.
type writer struct {
	w   *bufio.Writer
	n   uint64
	err error
	buf [8]byte
}

func (w *writer) bytes(b []byte) {
	if w.err != nil {
		return
	}
	_, w.err = w.w.Write(b)
	w.n += uint64(len(b))
}

func (w *writer) zeros(n uint64) {
	var z [64]byte
	for n > 0 {
		k := min(n, 64)
		w.bytes(z[:k])
		n -= k
	}
}

func (w *writer) u32(v uint32) {
	binary.LittleEndian.PutUint32(w.buf[:4], v)
	w.bytes(w.buf[:4])
}

func (w *writer) u64(v uint64) {
	binary.LittleEndian.PutUint64(w.buf[:], v)
	w.bytes(w.buf[:])
}

func (w *writer) str(s string) {
	w.u64(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
		w.n += uint64(len(s))
	}
}

func (w *writer) scalar(t ValueType, bits uint64) {
	binary.LittleEndian.PutUint64(w.buf[:], bits)
	w.bytes(w.buf[:t.size()])
}

func (w *writer) value(v Value) {
	switch v.Type {
	case String:
		w.str(v.str)
	case Array:
		w.u32(uint32(v.Elem))
		w.u64(uint64(v.Len()))
		switch v.Elem {
		case String:
			for _, s := range v.strs {
				w.str(s)
			}
		case Array:
			for _, a := range v.arr {
				w.value(a)
			}
		default:
			for _, b := range v.nums {
				w.scalar(v.Elem, b)
			}
		}
	default:
		w.scalar(v.Type, v.bits)
	}
}

// Float64Value returns a float64 Value.
func Float64Value(f float64) Value { return Value{Type: Float64, bits: math.Float64bits(f)} }
