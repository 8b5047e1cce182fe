package analysis

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// rawTokenizer is the bare StandardTokenizer, for comparing with Lucene's.
type rawTokenizer struct{}

func (rawTokenizer) Name() string { return "tokenizer" }

func (rawTokenizer) Analyze(dst *Tokens, text string) {
	dst.Reset()
	d := standardDFA()
	pos := -1
	for p := 0; ; {
		start, end, typ, ok := nextStandardToken(d, text, p)
		if !ok {
			return
		}
		p = end
		pos++
		dst.Add([]byte(text[start:end]), pos, start, end, typ)
	}
}

func openFixture(t *testing.T, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if !strings.HasSuffix(path, ".gz") {
		return f
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// describe renders tokens as Lucene's fixtures list them: term, type and
// position increment.
func describe(ts *Tokens) [][3]string {
	out := [][3]string{}
	prev := int32(-1)
	for i := 0; i < ts.Len(); i++ {
		out = append(out, [3]string{string(ts.Term(i)), ts.Type[i].String(), strconv.Itoa(int(ts.Pos[i] - prev))})
		prev = ts.Pos[i]
	}
	return out
}

func TestAnalyzersMatchLucene(t *testing.T) {
	cases := []struct {
		fixture  string
		analyzer Analyzer
	}{
		{"testdata/lucene_tokenizer.jsonl", rawTokenizer{}},
		{"testdata/lucene_english.jsonl.gz", NewEnglish()},
		{"testdata/lucene_standard.jsonl.gz", &Standard{}},
		{"testdata/lucene_cjk.jsonl", &CJK{}},
	}
	for _, c := range cases {
		t.Run(c.analyzer.Name(), func(t *testing.T) {
			sc := bufio.NewScanner(openFixture(t, c.fixture))
			sc.Buffer(nil, 1<<20)
			var ts Tokens
			lines, bad := 0, 0
			for sc.Scan() {
				var rec struct {
					Text   string
					Tokens [][]any
				}
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatal(err)
				}
				want := [][3]string{}
				for _, tok := range rec.Tokens {
					want = append(want, [3]string{tok[0].(string), tok[1].(string), fmt.Sprint(tok[2])})
				}
				c.analyzer.Analyze(&ts, rec.Text)
				got := describe(&ts)
				lines++
				if fmt.Sprint(got) != fmt.Sprint(want) {
					bad++
					if bad <= 10 {
						t.Errorf("%q:\n got %v\nwant %v", rec.Text, got, want)
					}
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if lines < 40 {
				t.Fatalf("only %d fixture lines", lines)
			}
			if bad > 0 {
				t.Errorf("%d of %d lines differ from Lucene", bad, lines)
			}
		})
	}
}

// probeContexts must equal LuceneRef.java's CONTEXTS.
var probeContexts = []string{
	"X", "XX", "aXa", "aX", "Xa", "1X1", "1X", "X1", "\u05D0X\u05D0", "\u05D0X",
	"\u30A2X", "X\u30A2", "\u30A2X\u30A2", "_X", "X_", "\u0E01X", "X\u0E01", "\uAC00X", "X\uAC00",
	"\u4E00X", "\u3042X", "\U0001F1E6X", "X\U0001F1E6",
}

func probeSignature(cp rune) string {
	if cp >= 0xD800 && cp <= 0xDFFF {
		return "surrogate"
	}
	x := string(cp)
	var sb strings.Builder
	var ts Tokens
	for _, ctx := range probeContexts {
		rawTokenizer{}.Analyze(&ts, strings.ReplaceAll(ctx, "X", x))
		for i := 0; i < ts.Len(); i++ {
			typ := strings.Trim(ts.Type[i].String(), "<>")
			sb.WriteString(strings.ReplaceAll(string(ts.Term(i)), x, "X") + "/" + typ + " ")
		}
		sb.WriteByte('|')
	}
	s := strings.ReplaceAll(sb.String(), "\n", "\\n")
	return strings.ReplaceAll(s, "\r", "\\r")
}

// TestTokenizerEveryCodePoint compares the StandardTokenizer with Lucene's
// on every code point, each in 23 short contexts.
func TestTokenizerEveryCodePoint(t *testing.T) {
	sc := bufio.NewScanner(openFixture(t, "testdata/lucene_codepoints.txt.gz"))
	sc.Buffer(nil, 1<<20)
	bad := 0
	covered := rune(0)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		lo, _ := strconv.ParseInt(f[0], 16, 32)
		hi, _ := strconv.ParseInt(f[1], 16, 32)
		want := f[2]
		for cp := rune(lo); cp <= rune(hi); cp++ {
			if got := probeSignature(cp); got != want {
				bad++
				if bad <= 10 {
					t.Errorf("U+%04X:\n got %s\nwant %s", cp, got, want)
				}
			}
		}
		covered = rune(hi) + 1
	}
	if covered != 0x110000 {
		t.Fatalf("fixture covers code points up to %X only", covered)
	}
	if bad > 0 {
		t.Errorf("%d code points differ from Lucene", bad)
	}
}

func TestWhitespaceAndNew(t *testing.T) {
	var ts Tokens
	Whitespace{}.Analyze(&ts, " Hello,\tWORLD\u00a0x "+strings.Repeat("y", 300))
	got := describe(&ts)
	want := [][3]string{{"Hello,", "word", "1"}, {"WORLD", "word", "1"}, {"x", "word", "1"}, {strings.Repeat("y", 255), "word", "1"}, {strings.Repeat("y", 45), "word", "1"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("whitespace: %v", got)
	}
	for _, name := range []string{"english", "standard", "whitespace", "cjk"} {
		a, err := New(name)
		if err != nil || a.Name() != name {
			t.Errorf("New(%q) = %v, %v", name, a, err)
		}
	}
	for _, name := range []string{"klingon", "tokenizer:/nope.json", "tokenizer:"} {
		if _, err := New(name); err == nil {
			t.Errorf("New(%q) succeeded", name)
		}
	}
}

func BenchmarkEnglish(b *testing.B) {
	text := strings.Repeat("The quick brown fox's jumps over the lazy dogs; running, generalization and 3.14 apples. ", 100)
	var ts Tokens
	a := NewEnglish()
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		a.Analyze(&ts, text)
	}
}

func TestTokenizerAnalyzer(t *testing.T) {
	a, err := New("tokenizer:../../tokenizer/testdata/gpt2/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var ts Tokens
	text := "Hello world, hello!"
	a.Analyze(&ts, text)
	// GPT-2's vocabulary: Hello=15496, Ġworld=995, ,=11, Ġhello=23748, !=0.
	want := []string{"Hello", "Ġworld", ",", "Ġhello", "!"}
	var got []string
	for i := 0; i < ts.Len(); i++ {
		got = append(got, string(ts.Term(i)))
		if int(ts.Pos[i]) != i {
			t.Errorf("token %d at position %d", i, ts.Pos[i])
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tokens %q, want %q", got, want)
	}
	if s := text[ts.Start[1]:ts.End[1]]; s != " world" {
		t.Errorf("offsets of Ġworld cover %q", s)
	}
	if _, err := New("tokenizer:/no/such/tokenizer.json"); err == nil || !strings.Contains(err.Error(), "tokenizer:/no/such") {
		t.Errorf("missing tokenizer: %v", err)
	}
}

// TestNames checks that the names New accepts, the names ValidName accepts
// and the analyzers' own Name agree.
func TestNames(t *testing.T) {
	names := Names()
	if want := "english, standard, whitespace, cjk or tokenizer:PATH"; NamesText() != want {
		t.Errorf("NamesText() = %q, want %q", NamesText(), want)
	}
	for _, name := range names[:len(names)-1] {
		a, err := New(name)
		if err != nil {
			t.Errorf("New(%q): %v", name, err)
			continue
		}
		if a.Name() != name || !ValidName(name) {
			t.Errorf("New(%q).Name() = %q, ValidName %v", name, a.Name(), ValidName(name))
		}
	}
	for _, name := range []string{"", "English", "tokenizer:", "lucene", "cjk "} {
		if ValidName(name) {
			t.Errorf("ValidName(%q) = true", name)
		}
		if _, err := New(name); err == nil {
			t.Errorf("New(%q) accepted an unknown name", name)
		}
	}
	if !ValidName("tokenizer:/some/tokenizer.json") {
		t.Error("ValidName rejects a tokenizer:PATH name")
	}
}
