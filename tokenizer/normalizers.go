package tokenizer

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites text before pre-tokenization, keeping the alignment
// to the original input.
type normalizer interface {
	normalize(n normalized) normalized
}

type sequenceNormalizer []normalizer

func (s sequenceNormalizer) normalize(n normalized) normalized {
	for _, x := range s {
		n = x.normalize(n)
	}
	return n
}

// unicodeNormalizer is NFC, NFD, NFKC or NFKD.
type unicodeNormalizer struct {
	form norm.Form
}

// normChar is a character on its way through normalization, with the
// number of input characters it stands for (0 for a character that a
// decomposition added).
type normChar struct {
	r        rune
	consumed int
	ccc      uint8
}

func (u unicodeNormalizer) normalize(n normalized) normalized {
	if u.form.IsNormal(n.s) {
		return n
	}
	// Segments (a starter and what combines with it) that are already
	// normal are copied; the others are decomposed, reordered and (for
	// NFC/NFKC) recomposed while counting how many input characters each
	// output character stands for. The transformer then assigns alignments
	// positionally, which is what the reference
	// (unicode-normalization-alignments) does.
	t := newTransformer(n, len(n.s)+len(n.s)/4)
	var it norm.Iter
	it.Init(u.form, n.s)
	var seq []normChar
	for !it.Done() {
		before := it.Pos()
		out := it.Next()
		in := n.s[before:it.Pos()]
		if string(out) == string(in) {
			for t.pos < before+len(in) {
				t.emitRaw()
			}
			continue
		}
		seq = u.segment(seq[:0], in)
		for _, c := range seq {
			if c.r < 0 {
				t.emitRaw()
				continue
			}
			change := 1
			if c.consumed > 0 {
				change = 1 - c.consumed
			}
			t.emit(c.r, change)
		}
	}
	return t.out
}

// segment normalizes one segment of input characters.
func (u unicodeNormalizer) segment(seq []normChar, in []byte) []normChar {
	decomp := norm.NFD
	if u.form == norm.NFKC || u.form == norm.NFKD {
		decomp = norm.NFKD
	}
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(in); {
		r, size := runeAt(in, i)
		i += size
		if r == utf8.RuneError && size == 1 {
			seq = append(seq, normChar{r: -1, consumed: 1})
			continue
		}
		k := 1
		for _, d := range decomp.String(string(buf[:utf8.EncodeRune(buf[:], r)])) {
			seq = append(seq, normChar{r: d, consumed: k, ccc: cccOf(d)})
			k = 0
		}
	}
	// canonical ordering: stable sort of each run of non-starters by ccc
	for i := 0; i < len(seq); {
		if seq[i].ccc == 0 {
			i++
			continue
		}
		j := i
		for j < len(seq) && seq[j].ccc != 0 {
			j++
		}
		run := seq[i:j]
		for a := 1; a < len(run); a++ {
			for b := a; b > 0 && run[b-1].ccc > run[b].ccc; b-- {
				run[b-1], run[b] = run[b], run[b-1]
			}
		}
		i = j
	}
	if u.form == norm.NFC || u.form == norm.NFKC {
		seq = recompose(seq)
	}
	return seq
}

func cccOf(r rune) uint8 {
	var buf [utf8.UTFMax]byte
	return norm.NFD.Properties(buf[:utf8.EncodeRune(buf[:], r)]).CCC()
}

// recompose is the canonical composition algorithm of UAX #15.
func recompose(seq []normChar) []normChar {
	out := seq[:0:0]
	starter := -1
	var lastCCC uint8
	for _, c := range seq {
		if starter >= 0 && c.r >= 0 {
			adjacent := len(out)-1 == starter
			if adjacent || (lastCCC != 0 && lastCCC < c.ccc) {
				if comp, ok := composePair(out[starter].r, c.r); ok {
					out[starter].r = comp
					out[starter].consumed += c.consumed
					continue
				}
			}
		}
		out = append(out, c)
		if c.ccc == 0 {
			starter, lastCCC = len(out)-1, 0
			if c.r < 0 {
				starter = -1
			}
		} else {
			lastCCC = c.ccc
		}
	}
	return out
}

// composePair returns the primary composite of a and b, if there is one.
func composePair(a, b rune) (rune, bool) {
	var buf [2 * utf8.UTFMax]byte
	k := utf8.EncodeRune(buf[:], a)
	k += utf8.EncodeRune(buf[k:], b)
	s := norm.NFC.Bytes(buf[:k])
	r, size := utf8.DecodeRune(s)
	if size == len(s) && r != utf8.RuneError {
		return r, true
	}
	return 0, false
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(n normalized) normalized {
	t := newTransformer(n, len(n.s))
	for t.pos < len(n.s) {
		r, size := runeAt(n.s, t.pos)
		if size == 1 && (r < 'A' || r > 'Z') || (r == 0xFFFD && size == 1) {
			t.emitRaw()
			continue
		}
		if r == 0x130 { // İ lowercases to two characters (Rust's char::to_lowercase)
			t.emit('i', 0)
			t.emit(0x307, 1)
			continue
		}
		t.emit(unicode.ToLower(r), 0)
	}
	return t.out
}

type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(n normalized) normalized {
	a, b := 0, len(n.s)
	if s.left {
		a = rightmostSpaceAtStart(n.s)
	}
	if s.right && b > a {
		b = a + leftmostSpaceAtEnd(n.s[a:])
	}
	return n.slice(a, b)
}

type replaceNormalizer struct {
	pat     pattern
	content string
}

func (r replaceNormalizer) normalize(n normalized) normalized {
	return n.replaceRanges(findAll(r.pat, n.s, nil), r.content)
}

type prependNormalizer struct{ prefix string }

func (p prependNormalizer) normalize(n normalized) normalized {
	return n.prepend(p.prefix)
}
