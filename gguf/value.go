package gguf

import (
	"fmt"
	"math"
)

// Value is one metadata value: a scalar, a string, or an array of one
// element type. The zero Value is invalid; make Values with the
// constructors (StringValue, Uint32Value, ArrayOf, ...) or read them.
type Value struct {
	// Type is the value's type; Elem is the element type of an Array.
	Type, Elem ValueType

	bits uint64  // integers (two's complement), bools, float bits
	str  string  // String
	arr  []Value // Array of arrays
	// Arrays of scalars and strings are kept unboxed: a tokenizer's
	// vocabulary is an array of 100,000 strings.
	strs []string
	nums []uint64 // raw bits of each scalar element
}

// KV is one metadata key/value pair.
type KV struct {
	Key   string
	Value Value
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{Type: String, str: s} }

// BoolValue returns a bool Value.
func BoolValue(b bool) Value {
	v := Value{Type: Bool}
	if b {
		v.bits = 1
	}
	return v
}

// Uint32Value returns a uint32 Value.
func Uint32Value(u uint32) Value { return Value{Type: Uint32, bits: uint64(u)} }

// Int32Value returns an int32 Value.
func Int32Value(i int32) Value { return Value{Type: Int32, bits: uint64(uint32(i))} }

// Uint64Value returns a uint64 Value.
func Uint64Value(u uint64) Value { return Value{Type: Uint64, bits: u} }

// Float32Value returns a float32 Value.
func Float32Value(f float32) Value { return Value{Type: Float32, bits: uint64(math.Float32bits(f))} }

// StringsValue returns an array of strings.
func StringsValue(s []string) Value { return Value{Type: Array, Elem: String, strs: s} }

// Int32sValue returns an array of int32.
func Int32sValue(xs []int32) Value {
	v := Value{Type: Array, Elem: Int32, nums: make([]uint64, len(xs))}
	for i, x := range xs {
		v.nums[i] = uint64(uint32(x))
	}
	return v
}

// Float32sValue returns an array of float32.
func Float32sValue(xs []float32) Value {
	v := Value{Type: Array, Elem: Float32, nums: make([]uint64, len(xs))}
	for i, x := range xs {
		v.nums[i] = uint64(math.Float32bits(x))
	}
	return v
}

// Len is the number of elements of an Array (0 for other types).
func (v Value) Len() int {
	switch {
	case v.Type != Array:
		return 0
	case v.Elem == String:
		return len(v.strs)
	case v.Elem == Array:
		return len(v.arr)
	}
	return len(v.nums)
}

// Str returns a String value.
func (v Value) Str() (string, bool) { return v.str, v.Type == String }

// Bool returns a Bool value.
func (v Value) Bool() (bool, bool) { return v.bits != 0, v.Type == Bool }

// Int returns an integer value of any width and signedness as an int64
// (a uint64 above the int64 range is not an int: ok is false).
func (v Value) Int() (int64, bool) { return scalarInt(v.Type, v.bits) }

// Float returns a float32 or float64 value.
func (v Value) Float() (float64, bool) { return scalarFloat(v.Type, v.bits) }

// Strings returns an array of strings.
func (v Value) Strings() ([]string, bool) {
	return v.strs, v.Type == Array && v.Elem == String
}

// Ints returns an array of integers as int64s.
func (v Value) Ints() ([]int64, bool) {
	if v.Type != Array {
		return nil, false
	}
	out := make([]int64, len(v.nums))
	for i, b := range v.nums {
		x, ok := scalarInt(v.Elem, b)
		if !ok {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

// Floats returns an array of float32 or float64 values as float32s.
func (v Value) Floats() ([]float32, bool) {
	if v.Type != Array || v.Elem != Float32 && v.Elem != Float64 {
		return nil, false
	}
	out := make([]float32, len(v.nums))
	for i, b := range v.nums {
		f, _ := scalarFloat(v.Elem, b)
		out[i] = float32(f)
	}
	return out, true
}

func scalarInt(t ValueType, b uint64) (int64, bool) {
	switch t {
	case Uint8, Uint16, Uint32:
		return int64(b), true
	case Uint64:
		return int64(b), b <= math.MaxInt64
	case Int8:
		return int64(int8(b)), true
	case Int16:
		return int64(int16(b)), true
	case Int32:
		return int64(int32(b)), true
	case Int64:
		return int64(b), true
	}
	return 0, false
}

func scalarFloat(t ValueType, b uint64) (float64, bool) {
	switch t {
	case Float32:
		return float64(math.Float32frombits(uint32(b))), true
	case Float64:
		return math.Float64frombits(b), true
	}
	return 0, false
}

// String renders the value for people: arrays are shortened.
func (v Value) String() string {
	switch v.Type {
	case String:
		return fmt.Sprintf("%q", v.str)
	case Bool:
		return fmt.Sprint(v.bits != 0)
	case Float32, Float64:
		f, _ := v.Float()
		return fmt.Sprint(f)
	case Array:
		return fmt.Sprintf("[%d × %s]", v.Len(), v.Elem)
	}
	if i, ok := v.Int(); ok {
		return fmt.Sprint(i)
	}
	return fmt.Sprint(v.bits)
}
