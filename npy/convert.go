package npy

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/fmkit/fmkit/tensor"
)

func (a *Array) order() binary.ByteOrder {
	if a.DType[0] == '>' {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Float64 returns the elements converted to float64. Every supported dtype
// converts; int64 values beyond 2^53 lose precision as in NumPy.
func (a *Array) Float64() ([]float64, error) {
	out := make([]float64, a.Len())
	if err := a.each(func(i int, f float64, _ int64, _ bool) { out[i] = f }); err != nil {
		return nil, err
	}
	return out, nil
}

// Float32 returns the elements converted to float32.
func (a *Array) Float32() ([]float32, error) {
	out := make([]float32, a.Len())
	if a.DType == "<f4" {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		}
		return out, nil
	}
	if err := a.each(func(i int, f float64, _ int64, _ bool) { out[i] = float32(f) }); err != nil {
		return nil, err
	}
	return out, nil
}

// Int64 returns the elements of an integer or bool array as int64. Float
// arrays are rejected rather than truncated, so labels stored as floats by
// mistake are noticed.
func (a *Array) Int64() ([]int64, error) {
	if a.DType[1] == 'f' {
		return nil, fmt.Errorf("npy: dtype %s is floating point, expected integers", a.DType)
	}
	out := make([]int64, a.Len())
	if err := a.each(func(i int, _ float64, v int64, _ bool) { out[i] = v }); err != nil {
		return nil, err
	}
	return out, nil
}

// each decodes element i as a float64 and, for integer kinds, as an int64.
func (a *Array) each(fn func(i int, f float64, v int64, isInt bool)) error {
	size, err := elemSize(a.DType)
	if err != nil {
		return err
	}
	bo, kind := a.order(), a.DType[1]
	for i := 0; i < a.Len(); i++ {
		b := a.Data[i*size : (i+1)*size]
		switch kind {
		case 'f':
			var f float64
			switch size {
			case 2:
				f = float64(tensor.F16(bo.Uint16(b)).Float32())
			case 4:
				f = float64(math.Float32frombits(bo.Uint32(b)))
			case 8:
				f = math.Float64frombits(bo.Uint64(b))
			}
			fn(i, f, int64(f), false)
		case 'i':
			var v int64
			switch size {
			case 1:
				v = int64(int8(b[0]))
			case 2:
				v = int64(int16(bo.Uint16(b)))
			case 4:
				v = int64(int32(bo.Uint32(b)))
			case 8:
				v = int64(bo.Uint64(b))
			}
			fn(i, float64(v), v, true)
		case 'u', 'b':
			var v uint64
			switch size {
			case 1:
				v = uint64(b[0])
			case 2:
				v = uint64(bo.Uint16(b))
			case 4:
				v = uint64(bo.Uint32(b))
			case 8:
				v = bo.Uint64(b)
			}
			fn(i, float64(v), int64(v), true)
		}
	}
	return nil
}
