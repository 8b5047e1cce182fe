package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strconv"
)

// DType is a tensor element type as the safetensors header spells it.
type DType string

// The element types of the format. Sizes are in bytes.
const (
	Bool DType = "BOOL"
	U8   DType = "U8"
	I8   DType = "I8"
	F8E5 DType = "F8_E5M2"
	F8E4 DType = "F8_E4M3"
	I16  DType = "I16"
	U16  DType = "U16"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I32  DType = "I32"
	U32  DType = "U32"
	F32  DType = "F32"
	F64  DType = "F64"
	I64  DType = "I64"
	U64  DType = "U64"
)

var dtypeSizes = map[DType]int{
	Bool: 1, U8: 1, I8: 1, F8E5: 1, F8E4: 1,
	I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4,
	F64: 8, I64: 8, U64: 8,
}

// Size returns the size of one element in bytes, or 0 for an unknown dtype.
func (d DType) Size() int { return dtypeSizes[d] }

// MaxHeaderSize is the largest JSON header accepted, the limit of the
// reference implementation; it keeps a corrupt length field from making us
// allocate gigabytes.
const MaxHeaderSize = 100_000_000

// ErrFormat marks every error caused by malformed file contents, so callers
// can tell a corrupt checkpoint from an I/O failure with errors.Is.
var ErrFormat = errors.New("safetensors: malformed file")

// FormatError describes what is wrong with a file's header or layout.
type FormatError struct {
	// Tensor names the tensor concerned, or is empty for the file as a whole.
	Tensor string
	// Problem says what was found and what was expected.
	Problem string
}

func (e *FormatError) Error() string {
	if e.Tensor == "" {
		return "safetensors: " + e.Problem
	}
	return fmt.Sprintf("safetensors: tensor %q: %s", e.Tensor, e.Problem)
}

// Is reports ErrFormat as the error's kind.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func formatErr(tensor, format string, args ...any) error {
	return &FormatError{Tensor: tensor, Problem: fmt.Sprintf(format, args...)}
}

// TensorInfo is one header entry. Begin and End are byte offsets into the
// data section (after the header).
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	Begin int64
	End   int64
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// Header is a parsed and validated safetensors header.
type Header struct {
	// Metadata holds the free-form "__metadata__" string map, or nil.
	Metadata map[string]string
	// Tensors lists the entries in the order of their data offsets.
	Tensors []TensorInfo
}

// ParseHeader parses the JSON header json and validates it against a data
// section of dataLen bytes: known dtypes, non-negative dimensions, byte sizes
// that match shape and dtype, ranges inside the data that tile it exactly
// (no overlap, no hole, nothing after the last tensor). It never panics.
func ParseHeader(header []byte, dataLen int64) (*Header, error) {
	trimmed := bytes.TrimRight(header, " ")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, formatErr("", "header does not start with '{'")
	}
	raw, err := headerEntries(trimmed)
	if err != nil {
		return nil, err
	}
	h := &Header{}
	for _, e := range raw {
		name, value := e.name, e.value
		if name == "__metadata__" {
			if err := json.Unmarshal(value, &h.Metadata); err != nil {
				return nil, formatErr("", "__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		info, err := parseEntry(name, value)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, info)
	}
	sort.Slice(h.Tensors, func(i, j int) bool {
		a, b := h.Tensors[i], h.Tensors[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Name < b.Name
	})
	if err := checkTiling(h.Tensors, dataLen); err != nil {
		return nil, err
	}
	return h, nil
}

// headerEntry is one key of the header object with its raw value.
type headerEntry struct {
	name  string
	value json.RawMessage
}

// headerEntries reads the header object's keys in order. A key given twice
// is an error of its own: decoding into a map would keep the last entry
// silently, and the first one's bytes would then show up as a hole in the
// data.
func headerEntries(header []byte) ([]headerEntry, error) {
	if !json.Valid(header) {
		var v any
		err := json.Unmarshal(header, &v)
		return nil, formatErr("", "header is not a JSON object: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, formatErr("", "header is not a JSON object")
	}
	var out []headerEntry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, formatErr("", "header is not a JSON object: %v", err)
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, formatErr(name, "header is not a JSON object: %v", err)
		}
		if seen[name] {
			return nil, formatErr(name, "the name appears twice in the header")
		}
		seen[name] = true
		out = append(out, headerEntry{name, value})
	}
	return out, nil
}

type rawEntry struct {
	DType       *string       `json:"dtype"`
	Shape       []json.Number `json:"shape"`
	DataOffsets []json.Number `json:"data_offsets"`
}

func parseEntry(name string, value json.RawMessage) (TensorInfo, error) {
	var e rawEntry
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return TensorInfo{}, formatErr(name, "entry is not an object with dtype, shape and data_offsets: %v", err)
	}
	if e.DType == nil {
		return TensorInfo{}, formatErr(name, "missing dtype")
	}
	dt := DType(*e.DType)
	size := dt.Size()
	if size == 0 {
		return TensorInfo{}, formatErr(name, "unknown dtype %q", *e.DType)
	}
	if e.Shape == nil {
		return TensorInfo{}, formatErr(name, "missing shape")
	}
	info := TensorInfo{Name: name, DType: dt, Shape: make([]int, len(e.Shape))}
	numel := uint64(1)
	for i, s := range e.Shape {
		d, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || d < 0 {
			return TensorInfo{}, formatErr(name, "shape %v: dimension %d is not a non-negative integer", e.Shape, i)
		}
		info.Shape[i] = int(d)
		hi, lo := bits.Mul64(numel, uint64(d))
		if hi != 0 || lo > math.MaxInt64/8 {
			return TensorInfo{}, formatErr(name, "shape %v has too many elements", e.Shape)
		}
		numel = lo
	}
	if len(e.DataOffsets) != 2 {
		return TensorInfo{}, formatErr(name, "data_offsets must be [begin, end], have %d values", len(e.DataOffsets))
	}
	var off [2]int64
	for i, s := range e.DataOffsets {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || v < 0 {
			return TensorInfo{}, formatErr(name, "data_offsets %v: not non-negative integers", e.DataOffsets)
		}
		off[i] = v
	}
	info.Begin, info.End = off[0], off[1]
	if info.End < info.Begin {
		return TensorInfo{}, formatErr(name, "data_offsets [%d, %d] end before they begin", info.Begin, info.End)
	}
	if want := int64(numel) * int64(size); info.End-info.Begin != want {
		return TensorInfo{}, formatErr(name, "%s shape %v needs %d bytes, data_offsets [%d, %d] hold %d",
			dt, info.Shape, want, info.Begin, info.End, info.End-info.Begin)
	}
	return info, nil
}

// checkTiling requires sorted ranges that cover [0, dataLen) exactly.
func checkTiling(ts []TensorInfo, dataLen int64) error {
	var pos int64
	prev := ""
	for _, t := range ts {
		switch {
		case t.Begin < pos:
			return formatErr(t.Name, "data_offsets [%d, %d] overlap tensor %q, which ends at %d", t.Begin, t.End, prev, pos)
		case t.Begin > pos:
			return formatErr(t.Name, "data_offsets [%d, %d] leave a hole after byte %d", t.Begin, t.End, pos)
		case t.End > dataLen:
			return formatErr(t.Name, "data_offsets [%d, %d] run past the end of the data (%d bytes): file truncated?", t.Begin, t.End, dataLen)
		}
		pos, prev = t.End, t.Name
	}
	if pos != dataLen {
		return formatErr("", "data section has %d bytes, tensors cover %d", dataLen, pos)
	}
	return nil
}
