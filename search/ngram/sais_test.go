package ngram

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveSA sorts the suffixes of s by comparing them directly.
func naiveSA(s []int32) []int32 {
	sa := make([]int32, len(s))
	for i := range sa {
		sa[i] = int32(i)
	}
	slices.SortFunc(sa, func(a, b int32) int { return slices.Compare(s[a:], s[b:]) })
	return sa
}

func checkSAIS(t *testing.T, s []int32, k int32) {
	t.Helper()
	got := make([]int32, len(s))
	sais(s, got, k)
	if want := naiveSA(s); !slices.Equal(got, want) {
		t.Fatalf("text %v (k=%d):\n got %v\nwant %v", s, k, got, want)
	}
}

func TestSAIS(t *testing.T) {
	cases := [][]int32{
		{1, 0},
		{1, 1, 0},
		{2, 1, 0},
		{1, 2, 0},
		{1, 1, 1, 1, 1, 1, 1, 0},
		{2, 1, 2, 1, 2, 1, 2, 1, 0},
		{3, 1, 2, 3, 1, 2, 3, 1, 2, 0}, // repeats force recursion
		{2, 1, 3, 2, 1, 3, 1, 2, 1, 3, 0},
	}
	for _, s := range cases {
		k := slices.Max(s)
		checkSAIS(t, s, k)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 2000; trial++ {
		n := 2 + rng.IntN(200)
		k := int32(1 + rng.IntN(6))
		if trial%5 == 0 {
			k = int32(1 + rng.IntN(1000))
		}
		s := make([]int32, n)
		for i := range n - 1 {
			s[i] = 1 + rng.Int32N(k)
		}
		// Periodic texts recurse deeply.
		if trial%7 == 0 {
			p := 1 + rng.IntN(5)
			for i := p; i < n-1; i++ {
				s[i] = s[i%p]
			}
		}
		checkSAIS(t, s, k)
	}
}

func FuzzSAIS(f *testing.F) {
	f.Add([]byte{1, 2, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 300 {
			return
		}
		s := make([]int32, len(b)+1)
		k := int32(1)
		for i, c := range b {
			s[i] = int32(c%8) + 1
			k = max(k, s[i])
		}
		checkSAIS(t, s, k)
	})
}
