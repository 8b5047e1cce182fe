package analysis

// porterStem stems the lowercase word in w in place and returns the length
// of the stem. It is Martin Porter's 1980 algorithm exactly as Lucene's
// PorterStemmer implements it, including its departures: words of at most
// two characters are left alone, and step 3 maps -logi to -log.
//
// w holds bytes of an ASCII word or UTF-16 code units of any other; characters
// other than a, e, i, o, u (and y after a consonant) count as consonants.
func porterStem[C byte | uint16](w []C) int {
	s := stemmer[C]{b: w, k: len(w) - 1}
	if s.k <= 1 {
		return len(w)
	}
	s.step1()
	s.step2()
	s.step3()
	s.step4()
	s.step5()
	s.step6()
	return s.k + 1
}

// stemmer holds the word b[0..k] and j, the end of the stem before a
// matched suffix.
type stemmer[C byte | uint16] struct {
	b    []C
	j, k int
}

// cons reports whether b[i] is a consonant.
func (s *stemmer[C]) cons(i int) bool {
	switch s.b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !s.cons(i-1)
	}
	return true
}

// m counts the vowel-consonant sequences in b[0..j]: [C](VC){m}[V].
func (s *stemmer[C]) m() int {
	n, i := 0, 0
	for {
		if i > s.j {
			return n
		}
		if !s.cons(i) {
			break
		}
		i++
	}
	i++
	for {
		for {
			if i > s.j {
				return n
			}
			if s.cons(i) {
				break
			}
			i++
		}
		i++
		n++
		for {
			if i > s.j {
				return n
			}
			if !s.cons(i) {
				break
			}
			i++
		}
		i++
	}
}

func (s *stemmer[C]) vowelInStem() bool {
	for i := 0; i <= s.j; i++ {
		if !s.cons(i) {
			return true
		}
	}
	return false
}

// doubleC reports whether b[j-1], b[j] are the same consonant.
func (s *stemmer[C]) doubleC(j int) bool {
	return j >= 1 && s.b[j] == s.b[j-1] && s.cons(j)
}

// cvc reports whether b[i-2..i] is consonant-vowel-consonant with the last
// consonant not w, x or y (cav(e), lov(e), hop(e), but snow, box, tray).
func (s *stemmer[C]) cvc(i int) bool {
	if i < 2 || !s.cons(i) || s.cons(i-1) || !s.cons(i-2) {
		return false
	}
	c := s.b[i]
	return c != 'w' && c != 'x' && c != 'y'
}

// ends reports whether b[0..k] ends with suffix, setting j before it.
func (s *stemmer[C]) ends(suffix string) bool {
	o := s.k - len(suffix) + 1
	if o < 0 {
		return false
	}
	for i := 0; i < len(suffix); i++ {
		if s.b[o+i] != C(suffix[i]) {
			return false
		}
	}
	s.j = s.k - len(suffix)
	return true
}

// setTo replaces b[j+1..k] with r.
func (s *stemmer[C]) setTo(r string) {
	for i := 0; i < len(r); i++ {
		s.b[s.j+1+i] = C(r[i])
	}
	s.k = s.j + len(r)
}

func (s *stemmer[C]) r(rep string) {
	if s.m() > 0 {
		s.setTo(rep)
	}
}

// step1 removes plurals and -ed or -ing.
func (s *stemmer[C]) step1() {
	if s.b[s.k] == 's' {
		switch {
		case s.ends("sses"):
			s.k -= 2
		case s.ends("ies"):
			s.setTo("i")
		case s.b[s.k-1] != 's':
			s.k--
		}
	}
	if s.ends("eed") {
		if s.m() > 0 {
			s.k--
		}
	} else if (s.ends("ed") || s.ends("ing")) && s.vowelInStem() {
		s.k = s.j
		switch {
		case s.ends("at"):
			s.setTo("ate")
		case s.ends("bl"):
			s.setTo("ble")
		case s.ends("iz"):
			s.setTo("ize")
		case s.doubleC(s.k):
			c := s.b[s.k]
			if c != 'l' && c != 's' && c != 'z' {
				s.k--
			}
		case s.m() == 1 && s.cvc(s.k):
			s.setTo("e")
		}
	}
}

// step2 turns a terminal y into i when the stem has another vowel.
func (s *stemmer[C]) step2() {
	if s.ends("y") && s.vowelInStem() {
		s.b[s.k] = 'i'
	}
}

// suffixRule replaces suffix by rep when the stem before it has m() > 0.
type suffixRule struct{ suffix, rep string }

// step3Rules are keyed by the penultimate letter, tried in order; the
// first suffix that matches ends the step whether or not m() > 0.
var step3Rules = [128][]suffixRule{
	'a': {{"ational", "ate"}, {"tional", "tion"}},
	'c': {{"enci", "ence"}, {"anci", "ance"}},
	'e': {{"izer", "ize"}},
	'l': {{"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}},
	'o': {{"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}},
	's': {{"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}},
	't': {{"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"}},
	'g': {{"logi", "log"}},
}

// step4Rules are keyed by the last letter.
var step4Rules = [128][]suffixRule{
	'e': {{"icate", "ic"}, {"ative", ""}, {"alize", "al"}},
	'i': {{"iciti", "ic"}},
	'l': {{"ical", "ic"}, {"ful", ""}},
	's': {{"ness", ""}},
}

func (s *stemmer[C]) applyRules(rules *[128][]suffixRule, at int) {
	c := s.b[at]
	if c >= 0x80 {
		return
	}
	for _, rule := range rules[byte(c)] {
		if s.ends(rule.suffix) {
			s.r(rule.rep)
			return
		}
	}
}

// step3 maps double suffixes to single ones (-ization to -ize, ...).
func (s *stemmer[C]) step3() {
	if s.k == 0 {
		return
	}
	s.applyRules(&step3Rules, s.k-1)
}

// step4 deals with -ic-, -full, -ness and the like.
func (s *stemmer[C]) step4() {
	s.applyRules(&step4Rules, s.k)
}

// step5Suffixes are keyed by the penultimate letter.
var step5Suffixes = [128][]string{
	'a': {"al"},
	'c': {"ance", "ence"},
	'e': {"er"},
	'i': {"ic"},
	'l': {"able", "ible"},
	'n': {"ant", "ement", "ment", "ent"},
	'o': {"ion", "ou"},
	's': {"ism"},
	't': {"ate", "iti"},
	'u': {"ous"},
	'v': {"ive"},
	'z': {"ize"},
}

// step5 takes off -ant, -ence and the like in context <c>vcvc<v>.
func (s *stemmer[C]) step5() {
	if s.k == 0 {
		return
	}
	c := s.b[s.k-1]
	if c >= 0x80 {
		return
	}
	matched := false
	for _, suf := range step5Suffixes[byte(c)] {
		if !s.ends(suf) {
			continue
		}
		if suf == "ion" && !(s.j >= 0 && (s.b[s.j] == 's' || s.b[s.j] == 't')) {
			continue
		}
		matched = true
		break
	}
	if matched && s.m() > 1 {
		s.k = s.j
	}
}

// step6 removes a final -e if m() > 1 and turns -ll into -l.
func (s *stemmer[C]) step6() {
	s.j = s.k
	if s.b[s.k] == 'e' {
		a := s.m()
		if a > 1 || a == 1 && !s.cvc(s.k-1) {
			s.k--
		}
	}
	if s.b[s.k] == 'l' && s.doubleC(s.k) && s.m() > 1 {
		s.k--
	}
}
