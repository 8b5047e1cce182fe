package tokenizer

import (
	"unicode"

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
type unicodeNormalizer struct{ form norm.Form }

func (u unicodeNormalizer) normalize(n normalized) normalized {
	if u.form.IsNormal(n.s) {
		return n
	}
	// Transform segment by segment (a starter and its combining marks).
	// Within a changed segment the first output characters replace input
	// characters one for one, extra output characters are insertions and a
	// shorter output absorbs the remaining input characters into its last
	// character, which is how the reference assigns alignments.
	t := newTransformer(n, len(n.s)+len(n.s)/4)
	var it norm.Iter
	it.Init(u.form, n.s)
	var out []rune
	for !it.Done() {
		before := it.Pos()
		seg := it.Next()
		in := n.s[before:it.Pos()]
		if string(seg) == string(in) {
			for t.pos < before+len(in) {
				t.emitRaw()
			}
			continue
		}
		out = out[:0]
		for _, r := range string(seg) {
			out = append(out, r)
		}
		k := 0
		for i := 0; i < len(in); {
			_, size := runeAt(in, i)
			i += size
			k++
		}
		for j, r := range out {
			switch {
			case j >= k:
				t.emit(r, 1)
			case j == len(out)-1 && len(out) < k:
				t.emit(r, -(k - len(out)))
			default:
				t.emit(r, 0)
			}
		}
	}
	return t.out
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
