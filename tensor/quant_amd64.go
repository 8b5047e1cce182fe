//go:build !noasm && !gccgo

package tensor

import "golang.org/x/sys/cpu"

// asmQuantKernels returns the assembly dot products for the quantized
// formats that go with an amd64 kernel family: AVX2 (VPMADDUBSW and
// VPMADDWD, as llama.cpp's AVX2 path) for every family but "generic", with
// the Q8_0 and Q4_0 products on AVX-512 VNNI (VPDPBUSD on 256-bit
// registers) in the "avx512" family where the CPU has it.
func asmQuantKernels(family string) *quantKernels {
	switch {
	case family == "generic" || !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C:
		return nil
	case family == "avx512" && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL:
		return vnniQuantKernels
	}
	return avx2QuantKernels
}

var (
	avx2QuantKernels = &quantKernels{dotQ8_0: dotQ8_0AVX2, dotQ4_0: dotQ4_0AVX2, dotQ4K: dotQ4KAVX2, dotQ5K: dotQ5KAVX2, dotQ6K: dotQ6KAVX2,
		dotQ4_0x4: dotQ4_0x4AVX2, dotQ4KRows: dotQ4KRowsAVX2, quantizeQ8_0: quantizeQ8_0AVX2, quantizeQ8K: quantizeQ8KAVX2}
	vnniQuantKernels = &quantKernels{dotQ8_0: dotQ8_0VNNI, dotQ4_0: dotQ4_0VNNI, dotQ4K: dotQ4KAVX2, dotQ5K: dotQ5KAVX2, dotQ6K: dotQ6KAVX2,
		dotQ4_0x4: dotQ4_0x4VNNI, dotQ4KRows: dotQ4KRowsAVX2, quantizeQ8_0: quantizeQ8_0AVX2, quantizeQ8K: quantizeQ8KAVX2, int8Tile: gemmQ8TileVNNI,
		panel8: [numQTypes]func(dst, src *byte, rb, nb int){Q8_0: packPanelQ8_0x8AVX2, Q4_0: packPanelQ4_0x8AVX2, Q4_K: packPanelQ4Kx8AVX2}}
)

// dotQ8_0AVX2 is dotQ8_0Generic: len(xd) blocks of Q8_0 weights in w times
// the Q8_0 activations x (32 per block) scaled by xd, the 32 products of a
// block summed exactly in integers (|w|·sign(w)·x with VPMADDUBSW), then
// scaled and accumulated in float32 lanes.
//
//go:noescape
func dotQ8_0AVX2(w []byte, x []int8, xd []float32) float32

// dotQ8_0VNNI is dotQ8_0AVX2 with VPDPBUSD summing the products.
//
//go:noescape
func dotQ8_0VNNI(w []byte, x []int8, xd []float32) float32

// dotQ4_0AVX2 is dotQ4_0Generic: the nibbles are widened to bytes q−8 and
// multiplied as Q8_0 weights are.
//
//go:noescape
func dotQ4_0AVX2(w []byte, x []int8, xd []float32) float32

// dotQ4_0VNNI is dotQ4_0AVX2 with VPDPBUSD summing the products.
//
//go:noescape
func dotQ4_0VNNI(w []byte, x []int8, xd []float32) float32

// quantizeQ8_0AVX2 quantizes x to the Q8_0 activations q and scales d,
// len(d) blocks of 32, with the same results as quantizeActsQ8_0.
//
//go:noescape
func quantizeQ8_0AVX2(q []int8, d []float32, x []float32)

// gemmQ8TileVNNI multiplies a weight panel w by an activation tile a over
// nb blocks of 32 columns and writes the 6×32 results to out (see
// quant_gemm.go and quant_gemm_amd64.s).
//
//go:noescape
func gemmQ8TileVNNI(w, a *byte, nb int, out *[dotTileTokens * dotTileRows]float32)

// quantizeQ8KAVX2 quantizes x to the Q8_K activations q and scales d,
// len(d) blocks of 256, with the same results as quantizeActsQ8K (which
// also fills the block sums).
//
//go:noescape
func quantizeQ8KAVX2(q []int8, d []float32, x []float32)

// packPanelQ8_0x8AVX2, packPanelQ4_0x8AVX2 and packPanelQ4Kx8AVX2 lay out
// eight weight rows (rb bytes apart from src) of nb blocks (Q4_K: nb
// super-blocks, without their scales) into the integer prefill kernel's
// panel at dst, as packInt8Panel does (see quant_gemm_pack_amd64.s).
//
//go:noescape
func packPanelQ8_0x8AVX2(dst, src *byte, rb, nb int)

//go:noescape
func packPanelQ4_0x8AVX2(dst, src *byte, rb, nb int)

//go:noescape
func packPanelQ4Kx8AVX2(dst, src *byte, rb, nb int)

// dotQ4_0x4AVX2 computes the Q4_0 dot products of four rows, stride bytes
// apart from w, with the activations x, each as dotQ4_0AVX2 but with the
// nibbles taken unsigned and 8·Σx subtracted per block, so that one
// activation block serves the four rows (see quant_x4_amd64.s).
//
//go:noescape
func dotQ4_0x4AVX2(w []byte, stride int, x []int8, xd []float32, out *[4]float32)

// dotQ4_0x4VNNI is dotQ4_0x4AVX2 with VPDPBUSD summing the products.
//
//go:noescape
func dotQ4_0x4VNNI(w []byte, stride int, x []int8, xd []float32, out *[4]float32)

// dotQ4KRowsAVX2 is dotQ4KAVX2 for len(y) consecutive rows of w, rb bytes
// apart, row i's product written to y[i]: one call per block of rows.
//
//go:noescape
func dotQ4KRowsAVX2(w []byte, rb int, x []int8, xd []float32, xs []int16, y []float32)

// dotQ4KAVX2 is dotQ4KGeneric: per super-block of 256, the nibbles times x
// (VPMADDUBSW), times the sub-blocks' 6-bit scales (VPMADDWD), summed in
// int32 lanes and scaled by d·xd; the mins' term is Σ min·xs, scaled by
// dmin·xd.
//
//go:noescape
func dotQ4KAVX2(w []byte, x []int8, xd []float32, xs []int16) float32

// hasVNNI reports whether the CPU has the instructions of the integer
// prefill kernel.
func hasVNNI() bool {
	return cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512VL
}
