// Package group implements the symmetric group S_n: permutations,
// conjugacy classes, subgroups and cosets, the subgroup lattice, the
// irreducible representations in Young's orthogonal form, characters, and
// the group Fourier transform with its power spectrum.
//
// # Conventions
//
// A permutation of {0, …, n−1} is written in one-line notation: p[i] is
// the image of i. The product applies the left factor first:
//
//	(p·q)[i] = q[p[i]],
//
// the convention of the paper's code (sn-grok), under which every irrep is
// a homomorphism ρ(p·q) = ρ(p)ρ(q). The cycle (a b c) sends a to b, b to c
// and c to a. Left cosets are σH = {σ·h}, right cosets Hσ = {h·σ}.
//
// Elements are numbered by the lexicographic order of their one-line
// notation (Rank, Elements), and functions on S_n are slices of n! values
// in that order. TokenOrder gives sn-grok's token order instead (even
// permutations first, each part lexicographic).
//
// Partitions are listed in reverse lexicographic order, (n) first and
// (1ⁿ) last; they name both the conjugacy classes (as cycle types) and the
// irreps. (n) is the trivial representation, (1ⁿ) the sign and (n−1, 1)
// the standard one.
//
// # Representations and the Fourier transform
//
// An Irrep acts on the standard Young tableaux of its shape, ordered by
// their row reading words. The adjacent transposition (k k+1) has the
// diagonal entry 1/d with d = c(k+1) − c(k) the axial distance, and the
// off-diagonal entry √(1 − 1/d²) towards the tableau with k and k+1
// swapped; the matrices are orthogonal, so ρ(g⁻¹) = ρ(g)ᵀ.
//
// Fourier builds every irrep's matrices once (Σ d² = n! rows of n! values)
// and transforms with f̂(ρ) = Σ_g f(g)ρ(g). The power spectrum, the
// fraction d_ρ‖f̂(ρ)‖²_F/(n!·‖f‖²) of a function's squared norm in each
// irrep, does not depend on the basis chosen inside each irrep, so it
// agrees with any other orthogonal form. PowerSpectra computes it for many
// functions at once with one float32 GEMM (package tensor) against the
// orthogonal matrix of the transform.
//
// # Limits
//
// Enumeration and subgroups work up to n = 8 (MaxN), irreps and characters
// up to 8 (MaxIrrepN), the Fourier transform up to 7 (MaxFourierN: its
// tables hold (n!)² numbers), and the full subgroup lattice up to 5
// (MaxLatticeN: S_5 has 156 subgroups in 19 conjugacy classes). Functions
// given a degree outside their range return ErrDegree; invalid
// permutations give ErrNotPermutation. Methods panic only on programmer
// errors such as permutations of different lengths or a function of the
// wrong length.
package group
