package eval

import (
	"math"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// TER as sacreBLEU computes it by default (Tercom's algorithm: case
// folded, whitespace tokens, greedy shifts of up to 10 words within 50
// positions chosen by the edit distance they save, and a beam edit
// distance around the length-scaled diagonal).

const (
	terMaxShiftSize  = 10
	terMaxShiftDist  = 50
	terBeamWidth     = 25
	terMaxCandidates = 1000
	terInfinity      = int(1e16)
)

type terCell struct {
	cost int
	op   byte // ' ' no change, 's', 'i', 'd', 'x' undefined
}

// terEditDistance is the beam edit distance from hyp to ref and its trace
// of operations.
func terEditDistance(hyp, ref []string) (int, string) {
	nh, nr := len(hyp), len(ref)
	dist := make([][]terCell, nh+1)
	dist[0] = make([]terCell, nr+1)
	for j := range dist[0] {
		dist[0][j] = terCell{j, 'i'}
	}
	for i := 1; i <= nh; i++ {
		dist[i] = make([]terCell, nr+1)
		for j := range dist[i] {
			dist[i][j] = terCell{terInfinity, 'x'}
		}
	}
	ratio := 1.0
	if nh > 0 {
		ratio = float64(nr) / float64(nh)
	}
	beam := terBeamWidth
	if float64(terBeamWidth) < ratio/2 {
		beam = int(math.Ceil(ratio/2 + terBeamWidth))
	}
	for i := 1; i <= nh; i++ {
		diag := int(math.Floor(float64(i) * ratio))
		minJ, maxJ := max(0, diag-beam), min(nr+1, diag+beam)
		if i == nh {
			maxJ = nr + 1
		}
		for j := minJ; j < maxJ; j++ {
			if j == 0 {
				dist[i][j] = terCell{dist[i-1][j].cost + 1, 'd'}
				continue
			}
			sub, op := 1, byte('s')
			if hyp[i-1] == ref[j-1] {
				sub, op = 0, ' '
			}
			for _, c := range []terCell{{dist[i-1][j-1].cost + sub, op}, {dist[i-1][j].cost + 1, 'd'}, {dist[i][j-1].cost + 1, 'i'}} {
				if dist[i][j].cost > c.cost {
					dist[i][j] = c
				}
			}
		}
	}
	var trace []byte
	for i, j := nh, nr; i > 0 || j > 0; {
		op := dist[i][j].op
		trace = append(trace, op)
		switch op {
		case 's', ' ':
			i, j = i-1, j-1
		case 'i':
			j--
		default:
			i--
		}
	}
	for a, b := 0, len(trace)-1; a < b; a, b = a+1, b-1 {
		trace[a], trace[b] = trace[b], trace[a]
	}
	return dist[nh][nr].cost, string(trace)
}

// terAlignment is trace_to_alignment of the flipped trace (insertions and
// deletions swapped).
func terAlignment(trace string) (align map[int]int, refErr, hypErr []int) {
	align = map[int]int{}
	h, r := -1, -1
	for i := 0; i < len(trace); i++ {
		switch trace[i] {
		case ' ', 's':
			h++
			r++
			align[r] = h
			e := 0
			if trace[i] == 's' {
				e = 1
			}
			hypErr, refErr = append(hypErr, e), append(refErr, e)
		case 'd': // an insertion, flipped
			h++
			hypErr = append(hypErr, 1)
		case 'i': // a deletion, flipped
			r++
			align[r] = h
			refErr = append(refErr, 1)
		}
	}
	return align, refErr, hypErr
}

func sumRange(xs []int, from, n int) int {
	s := 0
	for i := from; i < from+n && i < len(xs); i++ {
		s += xs[i]
	}
	return s
}

// terPerformShift moves w[start:start+length] to target, with Python's
// clipping slices.
func terPerformShift(w []string, start, length, target int) []string {
	sl := func(a, b int) []string {
		a, b = max(0, min(a, len(w))), max(0, min(b, len(w)))
		if a >= b {
			return nil
		}
		return w[a:b]
	}
	var parts [][]string
	switch {
	case target < start:
		parts = [][]string{sl(0, target), sl(start, start+length), sl(target, start), sl(start+length, len(w))}
	case target > start+length:
		parts = [][]string{sl(0, start), sl(start+length, target), sl(start, start+length), sl(target, len(w))}
	default:
		parts = [][]string{sl(0, start), sl(start+length, length+target), sl(start, start+length), sl(length+target, len(w))}
	}
	out := make([]string, 0, len(w))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

type terCandidate struct {
	score, length, negStart, negIdx int
	words                           []string
}

// better is Python's tuple comparison of candidates.
func (c terCandidate) better(o terCandidate) bool {
	for _, p := range [][2]int{{c.score, o.score}, {c.length, o.length}, {c.negStart, o.negStart}, {c.negIdx, o.negIdx}} {
		if p[0] != p[1] {
			return p[0] > p[1]
		}
	}
	for i := 0; i < len(c.words) && i < len(o.words); i++ {
		if c.words[i] != o.words[i] {
			return c.words[i] > o.words[i]
		}
	}
	return len(c.words) > len(o.words)
}

// terShift finds the shift that saves the most edits.
func terShift(h, r []string, checked int) (int, []string, int) {
	pre, inv := terEditDistance(h, r)
	align, refErr, hypErr := terAlignment(inv)
	var best *terCandidate
pairs:
	for sh := 0; sh < len(h); sh++ {
		for sr := 0; sr < len(r); sr++ {
			if sr-sh > terMaxShiftDist || sh-sr > terMaxShiftDist {
				continue
			}
			for length := 1; length <= terMaxShiftSize && sh+length <= len(h) && sr+length <= len(r) && h[sh+length-1] == r[sr+length-1]; length++ {
				if sumRange(hypErr, sh, length) == 0 || sumRange(refErr, sr, length) == 0 {
					continue
				}
				if a := align[sr]; sh <= a && a < sh+length {
					continue
				}
				prev := -1
				for off := -1; off < length; off++ {
					idx := 0
					if sr+off != -1 {
						a, ok := align[sr+off]
						if !ok {
							break
						}
						idx = a + 1
					}
					if idx == prev {
						continue
					}
					prev = idx
					shifted := terPerformShift(h, sh, length, idx)
					d, _ := terEditDistance(shifted, r)
					c := terCandidate{pre - d, length, -sh, -idx, shifted}
					checked++
					if best == nil || c.better(*best) {
						best = &c
					}
				}
				// The candidate budget is checked after each shifted pair
				// that was tried.
				if checked >= terMaxCandidates {
					break pairs
				}
			}
		}
	}
	if best == nil {
		return 0, h, checked
	}
	return best.score, best.words, checked
}

// translationEditRate is the number of edits (shifts included) from hyp to
// ref and ref's length.
func translationEditRate(hyp, ref []string) (int, int) {
	if len(ref) == 0 {
		return len(hyp), 0
	}
	shifts, checked := 0, 0
	words := hyp
	for {
		delta, next, c := terShift(words, ref, checked)
		checked = c
		if checked >= terMaxCandidates || delta <= 0 {
			break
		}
		shifts++
		words = next
	}
	d, _ := terEditDistance(words, ref)
	return shifts + d, len(ref)
}

func terTokens(s string) []string {
	s = py.RStrip(s, nil)
	if s == "" {
		return nil
	}
	return py.SplitWhitespace(strings.ToLower(s), -1)
}

// sacreTER is corpus_ter(preds, refs).score.
func sacreTER(items []any) (float64, error) {
	preds, refs, err := sacreCorpus(items)
	if err != nil {
		return 0, err
	}
	edits, refLen := 0.0, 0.0
	for i, hyp := range preds {
		h := terTokens(hyp)
		best, lens := terInfinity, 0
		for _, r := range refs[i] {
			e, l := translationEditRate(h, terTokens(r))
			lens += l
			best = min(best, e)
		}
		edits += float64(best)
		refLen += float64(lens) / float64(len(refs[i]))
	}
	switch {
	case refLen > 0:
		return 100 * edits / refLen, nil
	case edits > 0:
		return 100, nil
	}
	return 0, nil
}
