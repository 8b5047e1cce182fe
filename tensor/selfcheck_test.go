package tensor

import (
	"strings"
	"testing"
)

// TestCheckTile runs the start-up check on every family this machine can
// run (it must pass) and on broken copies of them (it must fail).
func TestCheckTile(t *testing.T) {
	for _, ks := range kernelSets {
		if ks.gemmF32 != nil {
			continue // openblas: its tile is the default family's
		}
		if err := checkTile(ks); err != nil {
			t.Errorf("%s: %v", ks.name, err)
		}
		broken := []struct {
			name, want string
			tile       func(k int, a, b, c []float32, ldc int, alpha, beta float32)
		}{
			{"last element off", "element [", func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
				ks.tile(k, a, b, c, ldc, alpha, beta)
				c[(ks.mr-1)*ldc+ks.nr-1] *= 1.001
			}},
			{"depth one short", "element [", func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
				ks.tile(max(0, k-1), a, b, c, ldc, alpha, beta)
			}},
			{"writes past the tile", "wrote past", func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
				ks.tile(k, a, b, c, ldc, alpha, beta)
				c[ks.nr] = 0
			}},
			{"reads C when beta is 0", "element [", func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
				ks.tile(k, a, b, c, ldc, alpha, 1)
			}},
		}
		for _, br := range broken {
			bad := *ks
			bad.tile = br.tile
			err := checkTile(&bad)
			if err == nil || !strings.Contains(err.Error(), br.want) || !strings.Contains(err.Error(), ks.name) {
				t.Errorf("%s, %s: check returned %v, want an error naming the family and %q", ks.name, br.name, err, br.want)
			}
		}
	}
}
