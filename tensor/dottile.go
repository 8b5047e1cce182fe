package tensor

// The integer prefill (quant_gemm.go) and the bfloat16 dot product
// (gemm_bf16dp.go) run register tiles of one shape: dotTileRows weight
// rows (two 512-bit registers of float32 lanes) by dotTileTokens rows of
// x. A tile's results go to the goroutine's scratch.tileOut, row of x by
// row of x, and storeDotTile copies them into C.
const (
	dotTileRows   = 32
	dotTileTokens = 6
)

// storeDotTile copies a tile's results for rows [t0, t0+dotTileTokens) of
// x below m and weight rows [r0, r0+dotTileRows) below n into c (row
// stride ldc).
func storeDotTile(c []float32, ldc, m, t0, n, r0 int, out *[dotTileTokens * dotTileRows]float32) {
	cols := min(dotTileRows, n-r0)
	for i := range min(dotTileTokens, m-t0) {
		copy(c[(t0+i)*ldc+r0:(t0+i)*ldc+r0+cols], out[i*dotTileRows:i*dotTileRows+cols])
	}
}
