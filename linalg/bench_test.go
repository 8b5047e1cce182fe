package linalg

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randomSPD(n int) *mat.SymDense {
	rng := rand.New(rand.NewPCG(1, 2))
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var gg mat.Dense
	gg.Mul(g, g.T())
	s := Symmetrize(&gg)
	for i := 0; i < n; i++ {
		s.SetSym(i, i, s.At(i, i)+1)
	}
	return s
}

func BenchmarkEigenSym(b *testing.B) {
	for _, n := range []int{256, 768} {
		a := randomSPD(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := EigenSym(a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCholesky(b *testing.B) {
	for _, n := range []int{768, 2048} {
		a := randomSPD(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, _, ok := Cholesky(a); !ok {
					b.Fatal("not positive definite")
				}
			}
		})
	}
}
