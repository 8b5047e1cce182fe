package model

import (
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/tensor"
)

// TestFloat32StepsMatchReference decodes each fixture's first reference
// sequence one token per step, single-sequence, with float32 weights (the
// 16-bit fixtures converted at load), so that every product is a one-row
// product over packed weights (tensor.GemvBatch), and compares every
// step's logits with the transformers logits, under each kernel family
// (packing, and so the GEMV kernel, follows the family active at load).
func TestFloat32StepsMatchReference(t *testing.T) {
	for _, fam := range tensor.AvailableKernels() {
		t.Run(fam, func(t *testing.T) {
			prev, err := tensor.SetKernels(fam)
			if err != nil {
				t.Fatal(err)
			}
			defer tensor.SetKernels(prev)
			for _, name := range fixtures {
				t.Run(name, func(t *testing.T) {
					m, err := Load(filepath.Join("testdata", name), &Options{DType: Float32})
					if err != nil {
						t.Fatal(err)
					}
					defer m.Close()
					if m.Config.RopeScaling.Type == "dynamic" {
						t.Skip("dynamic rope scaling depends on the call's length by design")
					}
					_, ref := loadFixture(t, name)
					ids := ref.Sequences[0]
					seq := newSeq(t, m, len(ids))
					var got []float32
					for i := range ids {
						got = append(got, forwardAll(t, m, []Input{{Seq: seq, Tokens: ids[i : i+1], Logits: 1}})[0]...)
					}
					want, _ := readNpy(t, filepath.Join("testdata", name, "logits_0.npy"))
					checkClose(t, "one-token steps", got, want, relTol)
				})
			}
		})
	}
}
