package analysis

import (
	"sync"
	"unicode/utf8"
)

//go:generate go run ../../testdata/gen/search/uax29gen -o uax29_tables.go

// Feature bits of a character class; uax29gen writes them into
// classFeatures.
const (
	fALetter = 1 << iota
	fHebrew
	fNumeric
	fKatakana
	fMidLetter
	fMidNum
	fMidNumLet
	fSingleQuote
	fDoubleQuote
	fExtendNumLet
	fExtend // Extend or Format: absorbed by the character before (WB4)
	fRegional
	fHan
	fHiragana
	fHangul // Script=Hangul and (ALetter or Hebrew_Letter)
	fComplex
)

// maxTokenUnits is Lucene's default maxTokenLength, counted in UTF-16 code
// units. Lucene 4.10's scanner sees at most this many units from the start
// of a match, so longer runs are cut into pieces of at most this length.
const maxTokenUnits = 255

// classOf returns the character class of r.
func classOf(r rune) uint8 {
	if uint32(r) >= 0x110000 {
		return 0
	}
	return classStage2[int(classStage1[r>>8])<<8|int(r&0xFF)]
}

// The grammar is Lucene 4.10's StandardTokenizerImpl.jflex: longest match
// over these rules, the earlier rule winning a tie. Each rule is a regular
// expression over character classes; the rules are compiled once into a DFA.
const (
	ruleNum = iota
	ruleHangul
	ruleKatakana
	ruleWord
	ruleSEAsian
	ruleIdeographic
	ruleHiragana
	ruleIgnore
	numRules
)

var ruleTypes = [numRules]TokenType{
	ruleNum:         TypeNum,
	ruleHangul:      TypeHangul,
	ruleKatakana:    TypeKatakana,
	ruleWord:        TypeAlphanum,
	ruleSEAsian:     TypeSoutheastAsian,
	ruleIdeographic: TypeIdeographic,
	ruleHiragana:    TypeHiragana,
}

// re is a node of a regular expression over character classes.
type re struct {
	op   byte // 's' symbol, 'c' concatenation, 'a' alternation, '*' star, '+' plus, '.' any
	mask uint16
	subs []*re
}

func sym(mask uint16) *re { return &re{op: 's', mask: mask} }
func cat(xs ...*re) *re   { return &re{op: 'c', subs: xs} }
func alt(xs ...*re) *re   { return &re{op: 'a', subs: xs} }
func star(x *re) *re      { return &re{op: '*', subs: []*re{x}} }
func plus(x *re) *re      { return &re{op: '+', subs: []*re{x}} }
func ex(mask uint16) *re  { return cat(sym(mask), star(sym(fExtend))) }
func anyChar() *re        { return &re{op: '.'} }

// standardRules returns the rules in priority order.
func standardRules() [numRules]*re {
	extendNumLetEx := ex(fExtendNumLet)
	numericEx := ex(fNumeric)
	katakanaEx := ex(fKatakana)
	hebrewOrALetterEx := ex(fHebrew | fALetter)
	hebrewLetterEx := ex(fHebrew)
	midLetterEx := ex(fMidLetter | fMidNumLet | fSingleQuote)
	midNumericEx := ex(fMidNum | fMidNumLet | fSingleQuote)
	singleQuoteEx := ex(fSingleQuote)
	doubleQuoteEx := ex(fDoubleQuote)

	numberRun := cat(numericEx, star(cat(alt(star(extendNumLetEx), midNumericEx), numericEx)))
	letterRun := cat(hebrewOrALetterEx, star(cat(alt(star(extendNumLetEx), midLetterEx), hebrewOrALetterEx)))
	katakanaRun := cat(katakanaEx, star(cat(star(extendNumLetEx), katakanaEx)))
	hebrewQuoted := cat(hebrewLetterEx, alt(singleQuoteEx, cat(doubleQuoteEx, hebrewLetterEx)))
	group := alt(katakanaRun, plus(alt(hebrewQuoted, numberRun, letterRun)))

	var rules [numRules]*re
	rules[ruleNum] = cat(star(extendNumLetEx), numberRun, star(extendNumLetEx))
	rules[ruleHangul] = plus(ex(fHangul))
	rules[ruleKatakana] = plus(katakanaEx)
	rules[ruleWord] = cat(star(extendNumLetEx), group, star(cat(plus(extendNumLetEx), group)), star(extendNumLetEx))
	rules[ruleSEAsian] = plus(ex(fComplex))
	rules[ruleIdeographic] = ex(fHan)
	rules[ruleHiragana] = ex(fHiragana)
	rules[ruleIgnore] = alt(cat(ex(fRegional), plus(ex(fRegional))), anyChar())
	return rules
}

// nfa is a Thompson automaton: each state has at most one symbol edge and
// any number of empty edges.
type nfa struct {
	mask   []uint16 // symbol edge label; 0 means none
	any    []bool   // symbol edge matches every class
	next   []int
	eps    [][]int
	accept []int
}

func (n *nfa) add() int {
	n.mask = append(n.mask, 0)
	n.any = append(n.any, false)
	n.next = append(n.next, -1)
	n.eps = append(n.eps, nil)
	n.accept = append(n.accept, -1)
	return len(n.mask) - 1
}

// compile adds x to n and returns its entry and exit states.
func (n *nfa) compile(x *re) (int, int) {
	switch x.op {
	case 's', '.':
		s, e := n.add(), n.add()
		n.mask[s], n.any[s], n.next[s] = x.mask, x.op == '.', e
		return s, e
	case 'c':
		s := n.add()
		cur := s
		for _, sub := range x.subs {
			a, b := n.compile(sub)
			n.eps[cur] = append(n.eps[cur], a)
			cur = b
		}
		return s, cur
	case 'a':
		s, e := n.add(), n.add()
		for _, sub := range x.subs {
			a, b := n.compile(sub)
			n.eps[s] = append(n.eps[s], a)
			n.eps[b] = append(n.eps[b], e)
		}
		return s, e
	default: // '*' or '+'
		s, e := n.add(), n.add()
		a, b := n.compile(x.subs[0])
		n.eps[s] = append(n.eps[s], a)
		if x.op == '*' {
			n.eps[s] = append(n.eps[s], e)
		}
		n.eps[b] = append(n.eps[b], a, e)
		return s, e
	}
}

// dfa is the compiled grammar: trans[state*numClasses+class] is the next
// state or -1, accept[state] the rule matched on reaching state or -1.
type dfa struct {
	trans  []int32
	accept []int8
}

var standardDFA = sync.OnceValue(func() *dfa { return buildDFA(standardRules()) })

func buildDFA(rules [numRules]*re) *dfa {
	var n nfa
	start := n.add()
	for i, r := range rules {
		a, b := n.compile(r)
		n.eps[start] = append(n.eps[start], a)
		n.accept[b] = i
	}
	numClasses := len(classFeatures)
	closure := func(set []int) []int {
		seen := make(map[int]bool, len(set))
		stack := append([]int(nil), set...)
		var out []int
		for len(stack) > 0 {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, s)
			stack = append(stack, n.eps[s]...)
		}
		sortInts(out)
		return out
	}
	key := func(set []int) string {
		b := make([]byte, 0, 4*len(set))
		for _, s := range set {
			b = append(b, byte(s), byte(s>>8), byte(s>>16), byte(s>>24))
		}
		return string(b)
	}
	d := &dfa{}
	index := map[string]int{}
	var sets [][]int
	addState := func(set []int) int {
		k := key(set)
		if i, ok := index[k]; ok {
			return i
		}
		i := len(sets)
		index[k] = i
		sets = append(sets, set)
		acc := -1
		for _, s := range set {
			if a := n.accept[s]; a >= 0 && (acc < 0 || a < acc) {
				acc = a
			}
		}
		d.accept = append(d.accept, int8(acc))
		d.trans = append(d.trans, make([]int32, numClasses)...)
		return i
	}
	addState(closure([]int{start}))
	for i := 0; i < len(sets); i++ {
		for c := 0; c < numClasses; c++ {
			var moved []int
			for _, s := range sets[i] {
				if n.any[s] || n.mask[s]&classFeatures[c] != 0 {
					moved = append(moved, n.next[s])
				}
			}
			t := int32(-1)
			if len(moved) > 0 {
				t = int32(addState(closure(moved)))
			}
			d.trans[i*numClasses+c] = t
		}
	}
	return d
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// asciiClass caches classOf for ASCII.
var asciiClass = func() (t [128]uint8) {
	for r := range t {
		t[r] = classOf(rune(r))
	}
	return t
}()

// nextStandardToken finds the next token of text at or after byte offset
// pos, as Lucene 4.10's StandardTokenizer does. It returns the token's byte
// range and type, or ok == false at the end of text.
func nextStandardToken(d *dfa, text string, pos int) (start, end int, typ TokenType, ok bool) {
	numClasses := len(classFeatures)
	for pos < len(text) {
		state := int32(0)
		units := 0
		lastRule, lastEnd := -1, pos
		for j := pos; j < len(text); {
			var c uint8
			size, u := 1, 1
			if b := text[j]; b < utf8.RuneSelf {
				c = asciiClass[b]
			} else {
				var r rune
				r, size = utf8.DecodeRuneInString(text[j:])
				c = classOf(r)
				if r >= 0x10000 {
					u = 2
				}
			}
			if units+u > maxTokenUnits {
				break
			}
			state = d.trans[int(state)*numClasses+int(c)]
			if state < 0 {
				break
			}
			units += u
			j += size
			if a := d.accept[state]; a >= 0 {
				lastRule, lastEnd = int(a), j
			}
		}
		if lastRule < 0 { // cannot happen: the ignore rule matches any character
			_, size := utf8.DecodeRuneInString(text[pos:])
			lastEnd = pos + size
			lastRule = ruleIgnore
		}
		if lastRule != ruleIgnore {
			return pos, lastEnd, ruleTypes[lastRule], true
		}
		pos = lastEnd
	}
	return 0, 0, 0, false
}
