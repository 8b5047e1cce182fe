package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/tensor"
)

// FromFloat32 returns an F32 tensor holding a little-endian copy of data.
// It panics if len(data) does not match the shape.
func FromFloat32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return newTensor(name, F32, shape, b)
}

// FromFloat64 returns an F64 tensor holding a little-endian copy of data.
// It panics if len(data) does not match the shape.
func FromFloat64(name string, shape []int, data []float64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return newTensor(name, F64, shape, b)
}

// FromBF16 returns a BF16 tensor holding a copy of data.
func FromBF16(name string, shape []int, data []tensor.BF16) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return newTensor(name, BF16, shape, b)
}

// FromF16 returns an F16 tensor holding a copy of data.
func FromF16(name string, shape []int, data []tensor.F16) Tensor {
	b := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return newTensor(name, F16, shape, b)
}

func newTensor(name string, dt DType, shape []int, b []byte) Tensor {
	t := Tensor{TensorInfo: TensorInfo{Name: name, DType: dt, Shape: append([]int(nil), shape...)}, Data: b}
	if want := t.NumElements() * int64(dt.Size()); want != int64(len(b)) {
		panic(fmt.Sprintf("safetensors: %s: shape %v needs %d bytes, have %d", name, shape, want, len(b)))
	}
	t.End = int64(len(b))
	return t
}

// Write writes tensors, in the order given, and the optional metadata in the
// safetensors format. The header is padded with spaces so that the data
// section starts at a multiple of 8 bytes. Begin and End of the tensors are
// ignored; each tensor's Data must match its shape and dtype.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := bw.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := bw.Write(header); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := bw.Write(t.Data); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var sb strings.Builder
	sb.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			sb.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata)
		if err != nil {
			return nil, err
		}
		comma()
		sb.WriteString(`"__metadata__":`)
		sb.Write(m)
	}
	seen := make(map[string]bool, len(tensors))
	var off int64
	for _, t := range tensors {
		if t.Name == "__metadata__" || seen[t.Name] {
			return nil, fmt.Errorf("safetensors: write: duplicate or reserved tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if t.DType.Size() == 0 {
			return nil, fmt.Errorf("safetensors: write %q: unknown dtype %q", t.Name, t.DType)
		}
		if want := t.NumElements() * int64(t.DType.Size()); want != int64(len(t.Data)) {
			return nil, fmt.Errorf("safetensors: write %q: %s shape %v needs %d bytes, have %d", t.Name, t.DType, t.Shape, want, len(t.Data))
		}
		name, _ := json.Marshal(t.Name)
		comma()
		sb.Write(name)
		sb.WriteString(`:{"dtype":"`)
		sb.WriteString(string(t.DType))
		sb.WriteString(`","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Itoa(d))
		}
		end := off + int64(len(t.Data))
		fmt.Fprintf(&sb, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	sb.WriteByte('}')
	for (8+sb.Len())%8 != 0 {
		sb.WriteByte(' ')
	}
	return []byte(sb.String()), nil
}

// WriteFile writes the tensors to path atomically and durably
// (internal/atomicfile): a crash leaves the old file or the new one.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := Write(w, tensors, metadata); err != nil {
			return fmt.Errorf("safetensors: write %s: %w", path, err)
		}
		return nil
	})
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
