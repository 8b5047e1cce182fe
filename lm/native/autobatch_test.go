package native

import (
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/model"
)

func TestBatchTokensFor(t *testing.T) {
	m, err := model.Load(filepath.Join("..", "..", "model", "testdata", "llama_gqa"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := m.Config
	// By hand from the config: K and V of every layer, then the float32
	// activation rows.
	want := int64(2*4*c.Layers*c.KVHeads*c.HeadDim) + 4*int64(4*c.Hidden+c.Heads*c.HeadDim+(c.Heads+2*c.KVHeads)*c.HeadDim)
	per := TokenBytes(m)
	if per != want {
		t.Fatalf("TokenBytes %d, want %d", per, want)
	}
	for _, tc := range []struct {
		free int64
		want int
	}{
		{0, 256},                    // never below the floor
		{2 * per * 1000, 512},       // 1000 tokens of room: the power of two below
		{2 * per * 1024, 1024},      // exactly 1024
		{2 * per * 4095, 2048},      // just short of 4096
		{1 << 62, 1 << 16},          // never above the ceiling
		{2 * per * 300, 256},        // between floor and 512
		{2*per*8192 + per, 8192},    // a little over
		{2 * per * 131072, 1 << 16}, // capped
	} {
		if got := BatchTokensFor(m, tc.free); got != tc.want {
			t.Errorf("BatchTokensFor(%d bytes = %d tokens of budget) = %d, want %d", tc.free, tc.free/2/per, got, tc.want)
		}
	}
}
