package tensor

import "unsafe"

func uintptrOf(b []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
