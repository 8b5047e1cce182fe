package tokenizer

// Hand-written matchers for the pre-tokenizer regular expressions that almost
// every byte-level BPE tokenizer uses. Go's regexp has no lookahead, and a
// backtracking engine spends most of the encode time on these patterns, so
// the well-known ones are recognised by their exact source text and scanned
// directly. Each scanner returns exactly the match that a backtracking
// engine (Oniguruma in the reference, regexp2 here) finds at a position;
// scanner_test.go and FuzzScannerEquivalence check that against regexp2.

// Pattern texts as they appear in tokenizer.json files.
const (
	// gpt2Pattern is GPT-2's pattern, built into the ByteLevel pre-tokenizer.
	gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// llama3Pattern is the cl100k-style pattern of Llama 3.
	llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// qwenPattern is Qwen 2/2.5/3's pattern: Llama 3's with single digits.
	qwenPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// wordScanner matches one of the patterns above; the fields say which
// variant of each alternative the pattern has.
type wordScanner struct {
	caseInsensitive bool // (?i:'s|...) rather than 's|...
	anyLetterPrefix bool // [^\r\n\p{L}\p{N}]?\p{L}+ rather than ` ?\p{L}+`
	maxDigits       int  // \p{N}{1,maxDigits}; 0 means ` ?\p{N}+`
	punctNewlines   bool // ` ?[^\s\p{L}\p{N}]+[\r\n]*` rather than without [\r\n]*
	newlineRun      bool // the alternative \s*[\r\n]+
}

// scannerFor returns the hand-written scanner for a pattern source, or nil.
func scannerFor(pattern string) *wordScanner {
	switch pattern {
	case gpt2Pattern:
		return &wordScanner{}
	case llama3Pattern:
		return &wordScanner{caseInsensitive: true, anyLetterPrefix: true, maxDigits: 3, punctNewlines: true, newlineRun: true}
	case qwenPattern:
		return &wordScanner{caseInsensitive: true, anyLetterPrefix: true, maxDigits: 1, punctNewlines: true, newlineRun: true}
	}
	return nil
}

// next returns the end of the match that starts at s[i]. These patterns
// match at every position of every non-empty string, so there are no gaps.
func (w *wordScanner) next(s []byte, i int) int {
	if s[i] == '\'' {
		if n := w.contraction(s, i+1); n > 0 {
			return i + 1 + n
		}
	}
	c, n := classOf(s, i)

	// letters, with an optional one-character prefix
	if c&classLetter != 0 {
		return w.run(s, i+n, classLetter, 0)
	}
	if i+n < len(s) {
		prefixOK := s[i] == ' '
		if w.anyLetterPrefix {
			prefixOK = c&(classNumber) == 0 && s[i] != '\r' && s[i] != '\n'
		}
		if prefixOK {
			if c2, n2 := classOf(s, i+n); c2&classLetter != 0 {
				return w.run(s, i+n+n2, classLetter, 0)
			}
		}
	}

	// numbers
	if c&classNumber != 0 {
		switch w.maxDigits {
		case 0:
			return w.run(s, i+n, classNumber, 0)
		case 1:
			return i + n
		}
		return w.run(s, i+n, classNumber, w.maxDigits-1)
	}
	if w.maxDigits == 0 && s[i] == ' ' && i+1 < len(s) {
		if c2, n2 := classOf(s, i+1); c2&classNumber != 0 {
			return w.run(s, i+1+n2, classNumber, 0)
		}
	}

	// punctuation and symbols: ` ?[^\s\p{L}\p{N}]+`
	start := -1
	if c&(classLetter|classNumber|classSpace) == 0 {
		start = i + n
	} else if s[i] == ' ' && i+1 < len(s) {
		if c2, n2 := classOf(s, i+1); c2&(classLetter|classNumber|classSpace) == 0 {
			start = i + 1 + n2
		}
	}
	if start >= 0 {
		j := start
		for j < len(s) {
			c2, n2 := classOf(s, j)
			if c2&(classLetter|classNumber|classSpace) != 0 {
				break
			}
			j += n2
		}
		if w.punctNewlines {
			for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
				j++
			}
		}
		return j
	}

	// whitespace: here s[i] is whitespace
	end, lastStart := i, i
	lastNewline := -1
	for end < len(s) {
		c2, n2 := classOf(s, end)
		if c2&classSpace == 0 {
			break
		}
		if s[end] == '\r' || s[end] == '\n' {
			lastNewline = end
		}
		lastStart = end
		end += n2
	}
	if w.newlineRun && lastNewline >= 0 {
		return lastNewline + 1 // \s*[\r\n]+
	}
	if end == len(s) || lastStart == i {
		return end // \s+(?!\S) at the end of the text, or \s+
	}
	return lastStart // \s+(?!\S): leave the last space for the next word
}

// run extends a match over characters of class cls starting at s[j]; it
// stops after max more characters when max > 0.
func (w *wordScanner) run(s []byte, j int, cls uint8, max int) int {
	count := 0
	for j < len(s) && (max == 0 || count < max) {
		c, n := classOf(s, j)
		if c&cls == 0 {
			break
		}
		j += n
		count++
	}
	return j
}

// contraction returns the length of the contraction suffix (s, t, re, ve, m,
// ll, d) at s[i], or 0.
func (w *wordScanner) contraction(s []byte, i int) int {
	if i >= len(s) {
		return 0
	}
	lower := func(b byte) byte {
		if w.caseInsensitive && 'A' <= b && b <= 'Z' {
			return b + 'a' - 'A'
		}
		return b
	}
	switch lower(s[i]) {
	case 's', 't', 'm', 'd':
		return 1
	case 'r', 'v':
		if i+1 < len(s) && lower(s[i+1]) == 'e' {
			return 2
		}
	case 'l':
		if i+1 < len(s) && lower(s[i+1]) == 'l' {
			return 2
		}
	}
	return 0
}
