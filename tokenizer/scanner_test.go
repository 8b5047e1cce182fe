package tokenizer

import (
	"strings"
	"testing"
)

// scannerPatterns are the regexes that have hand-written scanners.
var scannerPatterns = []string{gpt2Pattern, llama3Pattern, qwenPattern}

// checkScannerEquivalence compares a hand-written scanner with regexp2 (the
// general engine) on s and reports the first difference.
func checkScannerEquivalence(t *testing.T, pat string, s string) {
	t.Helper()
	w := scannerFor(pat)
	re, err := compileRegex(pat)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(s)
	want := findAll(re, b, nil)
	got := findAll(scannerPattern{w}, b, nil)
	for i := 0; i < len(want) || i < len(got); i++ {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			var g, w [2]int
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			t.Fatalf("pattern %.30q on %q: match %d: scanner %v %q, regexp2 %v %q", pat, s, i,
				g, s[g[0]:g[1]], w, s[w[0]:w[1]])
		}
	}
}

// TestScannersMatchRegexp2 runs every scanner against regexp2 on the whole
// fixture corpus and on hand-picked edge cases.
func TestScannersMatchRegexp2(t *testing.T) {
	edge := []string{
		"", " ", "  ", "   a", "a   ", "a  \n  b", "\n\n\n", "\r\n \r\n", " \t\n x", "x \u00a0y", "\u3000\u3000a",
		"I'm", "I'M", "'ll've", "''s", "' s", "'", "'re'", "1234567", " 1234", "a1b2", "١٢٣٤", "Ⅻ", "½",
		"hello!!!\n\n", " !!!\r\n", "...\n", " \u0301a", "\u0301\u0301", "e\u0301", "😀😀 😀", "a\u200db", "\x00\x01 \x7f",
		"  \n", " \n ", "\t\t\tx", "x\t\t\t", "$100", "--flag=1", "ſ 'ſ 'K", "\U0001F1F0\U0001F1F7",
	}
	for _, pat := range scannerPatterns {
		for _, s := range edge {
			checkScannerEquivalence(t, pat, s)
		}
		for _, s := range loadCorpus(t) {
			checkScannerEquivalence(t, pat, s)
		}
	}
}

func TestScannerRecognition(t *testing.T) {
	for _, pat := range scannerPatterns {
		if scannerFor(pat) == nil {
			t.Errorf("no scanner for %.40q", pat)
		}
	}
	if scannerFor(strings.Replace(llama3Pattern, "{1,3}", "{1,4}", 1)) != nil {
		t.Error("a different pattern got a hand-written scanner")
	}
}

// FuzzScannerEquivalence checks that the hand-written scanners split any
// input exactly as regexp2 does.
func FuzzScannerEquivalence(f *testing.F) {
	for _, s := range []string{"Hello world", "I'm  fine\r\n\n", "１２３４５ 가나다：", "x  \t y", "😀'S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// regexp2 reads text as runes, so compare on valid UTF-8; Encode's
		// handling of invalid bytes is fuzzed by FuzzEncode
		s = strings.ToValidUTF8(s, "\uFFFD")
		for _, pat := range scannerPatterns {
			checkScannerEquivalence(t, pat, s)
		}
	})
}
