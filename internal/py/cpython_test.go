package py

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"unicode"
)

// cpython is testdata/cpython.json, written by CPython 3 with
// testdata/gen/py/gen_cpython.py: the inputs and what CPython answers.
type cpython struct {
	Python   string `json:"python"`
	Literals []struct {
		Src         string `json:"src"`
		Error       bool   `json:"error"`
		Unsupported bool   `json:"unsupported"`
		Repr        string `json:"repr"`
		Str         string `json:"str"`
		Truth       bool   `json:"truth"`
		JSON        string `json:"json"`
		JSONIndent  string `json:"json_indent"`
	} `json:"literals"`
	Escapes []struct {
		Body        string `json:"body"`
		Want        string `json:"want"`
		Error       bool   `json:"error"`
		Unsupported bool   `json:"unsupported"`
	} `json:"escapes"`
	Floats []struct {
		Bits string `json:"bits"`
		Repr string `json:"repr"`
		JSON string `json:"json"`
	} `json:"floats"`
	Strings []struct {
		Text   string   `json:"text"`
		Repr   string   `json:"repr"`
		JSON   string   `json:"json"`
		Strip  string   `json:"strip"`
		Split  []string `json:"split"`
		Split1 []string `json:"split1"`
	} `json:"strings"`
	Whitespace []struct {
		Text        string   `json:"text"`
		Strip       string   `json:"strip"`
		LStrip      string   `json:"lstrip"`
		RStrip      string   `json:"rstrip"`
		Split       []string `json:"split"`
		Split0      []string `json:"split0"`
		Split2      []string `json:"split2"`
		StripChars  string   `json:"strip_chars"`
		LStripChars string   `json:"lstrip_chars"`
		RStripChars string   `json:"rstrip_chars"`
	} `json:"whitespace"`
	Unicode struct {
		Version    string     `json:"unidata_version"`
		Printable  [][2]int32 `json:"printable"`
		Space      [][2]int32 `json:"space"`
		Unassigned [][2]int32 `json:"unassigned"`
	} `json:"unicode"`
	Random []struct {
		Seed        string       `json:"seed"`
		Uint32      []uint32     `json:"uint32"`
		Float64     []string     `json:"float64"`
		GetRandBits [][2]any     `json:"getrandbits"`
		RandBelow   [][2]float64 `json:"randbelow"`
		Sample      []struct {
			N, K int
			Want []int
		} `json:"sample"`
		Choices []struct {
			N, K int
			Want []int
		} `json:"choices"`
	} `json:"random"`
	Regex []struct {
		Pattern string `json:"pattern"`
		Text    string `json:"text"`
		Repl    string `json:"repl"`
		Count   int    `json:"count"`
		FindAll []any  `json:"findall"`
		Sub     string `json:"sub"`
	} `json:"regex"`
}

func loadCPython(t *testing.T) *cpython {
	t.Helper()
	b, err := os.ReadFile("testdata/cpython.json")
	if err != nil {
		t.Fatal(err)
	}
	var c cpython
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestLiteralEvalCPython(t *testing.T) {
	for _, c := range loadCPython(t).Literals {
		v, err := LiteralEval(c.Src)
		switch {
		case c.Error || c.Unsupported:
			if err == nil {
				t.Errorf("LiteralEval(%q) = %s; CPython %s", c.Src, Repr(v), map[bool]string{true: "accepts it but py must reject it", false: "rejects it"}[c.Unsupported])
			}
			continue
		case err != nil:
			t.Errorf("LiteralEval(%q): %v; CPython gives %s", c.Src, err, c.Repr)
			continue
		}
		for _, f := range []struct{ what, got, want string }{
			{"repr", Repr(v), c.Repr},
			{"str", Str(v), c.Str},
			{"json.dumps", JSON(v, 0), c.JSON},
			{"json.dumps indent=2", JSON(v, 2), c.JSONIndent},
		} {
			if f.got != f.want {
				t.Errorf("%s(literal_eval(%q)) = %q, CPython %q", f.what, c.Src, f.got, f.want)
			}
		}
		if Truth(v) != c.Truth {
			t.Errorf("bool(literal_eval(%q)) = %v, CPython %v", c.Src, Truth(v), c.Truth)
		}
	}
}

func TestDecodeEscapesCPython(t *testing.T) {
	for _, c := range loadCPython(t).Escapes {
		got, err := DecodeEscapes(c.Body)
		switch {
		case c.Error || c.Unsupported:
			if err == nil {
				t.Errorf("DecodeEscapes(%q) = %q; CPython %s", c.Body, got, map[bool]string{true: "accepts it but py must reject it", false: "rejects it"}[c.Unsupported])
			}
		case err != nil:
			t.Errorf("DecodeEscapes(%q): %v; CPython gives %q", c.Body, err, c.Want)
		case got != c.Want:
			t.Errorf("DecodeEscapes(%q) = %q, CPython %q", c.Body, got, c.Want)
		}
	}
}

func TestFormatFloatCPython(t *testing.T) {
	for _, c := range loadCPython(t).Floats {
		bits, err := strconv.ParseUint(c.Bits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float64frombits(bits)
		if got := FormatFloat(f); got != c.Repr {
			t.Errorf("repr(%s) = %q, CPython %q", c.Bits, got, c.Repr)
		}
		if got := JSON(f, 0); got != c.JSON {
			t.Errorf("json.dumps(%s) = %q, CPython %q", c.Bits, got, c.JSON)
		}
	}
}

func TestStringsCPython(t *testing.T) {
	c := loadCPython(t)
	for _, s := range c.Strings {
		if got := ReprString(s.Text); got != s.Repr {
			t.Errorf("repr(%q) = %s, CPython %s", s.Text, got, s.Repr)
		}
		if got := JSON(s.Text, 0); got != s.JSON {
			t.Errorf("json.dumps(%q) = %s, CPython %s", s.Text, got, s.JSON)
		}
		if got := Strip(s.Text, nil); got != s.Strip {
			t.Errorf("%q.strip() = %q, CPython %q", s.Text, got, s.Strip)
		}
		checkSplit(t, s.Text, -1, s.Split)
		checkSplit(t, s.Text, 1, s.Split1)
	}
	for _, w := range c.Whitespace {
		for _, f := range []struct{ what, got, want string }{
			{"strip()", Strip(w.Text, nil), w.Strip},
			{"lstrip()", LStrip(w.Text, nil), w.LStrip},
			{"rstrip()", RStrip(w.Text, nil), w.RStrip},
			{`strip(" a")`, Strip(w.Text, ptr(" a")), w.StripChars},
			{`lstrip("a ")`, LStrip(w.Text, ptr("a ")), w.LStripChars},
			{`rstrip("b ")`, RStrip(w.Text, ptr("b ")), w.RStripChars},
		} {
			if f.got != f.want {
				t.Errorf("%q.%s = %q, CPython %q", w.Text, f.what, f.got, f.want)
			}
		}
		checkSplit(t, w.Text, -1, w.Split)
		checkSplit(t, w.Text, 0, w.Split0)
		checkSplit(t, w.Text, 2, w.Split2)
	}
}

func ptr(s string) *string { return &s }

func checkSplit(t *testing.T, s string, maxsplit int, want []string) {
	t.Helper()
	got := SplitWhitespace(s, maxsplit)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%q.split(None, %d) = %q, CPython %q", s, maxsplit, got, want)
	}
}

// TestUnicodeClassesCPython compares IsPrintable and IsSpace with
// str.isprintable and str.isspace on every code point. Code points that
// CPython's Unicode version leaves unassigned are compared only for
// IsSpace: Go's newer tables may have assigned them since.
func TestUnicodeClassesCPython(t *testing.T) {
	u := loadCPython(t).Unicode
	in := func(ranges [][2]int32, r rune) bool {
		_, found := slices.BinarySearchFunc(ranges, r, func(rg [2]int32, r rune) int {
			switch {
			case r < rg[0]:
				return 1
			case r >= rg[1]:
				return -1
			}
			return 0
		})
		return found
	}
	var printable, space int
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if IsSpace(r) != in(u.Space, r) {
			space++
			if space <= 5 {
				t.Errorf("IsSpace(%U) = %v, CPython %v", r, IsSpace(r), !IsSpace(r))
			}
		}
		if r >= 0xd800 && r <= 0xdfff || in(u.Unassigned, r) {
			continue
		}
		if IsPrintable(r) != in(u.Printable, r) {
			printable++
			if printable <= 5 {
				t.Errorf("IsPrintable(%U) = %v, CPython %v (Unicode %s)", r, IsPrintable(r), !IsPrintable(r), u.Version)
			}
		}
	}
	if printable+space > 0 {
		t.Errorf("%d printable and %d space mismatches in all", printable, space)
	}
}

func TestRandomCPython(t *testing.T) {
	for _, c := range loadCPython(t).Random {
		seed, err := strconv.ParseInt(c.Seed, 10, 64)
		if err != nil {
			t.Fatalf("seed %s: %v", c.Seed, err)
		}
		r := NewRandom(seed)
		name := "random.Random(" + c.Seed + ")"
		for i, want := range c.Uint32 {
			if got := r.Uint32(); got != want {
				t.Fatalf("%s getrandbits(32) #%d = %d, CPython %d", name, i, got, want)
			}
		}
		for i, want := range c.Float64 {
			if got := FormatFloat(r.Float64()); got != want {
				t.Fatalf("%s random() #%d = %s, CPython %s", name, i, got, want)
			}
		}
		for _, kv := range c.GetRandBits {
			k, want := int(kv[0].(float64)), kv[1].(string)
			if got := strconv.FormatUint(r.GetRandBits(k), 10); got != want {
				t.Fatalf("%s getrandbits(%d) = %s, CPython %s", name, k, got, want)
			}
		}
		for _, nv := range c.RandBelow {
			n, want := int(nv[0]), int(nv[1])
			if got := r.RandBelow(n); got != want {
				t.Fatalf("%s _randbelow(%d) = %d, CPython %d", name, n, got, want)
			}
		}
		for _, s := range c.Sample {
			if got := r.SampleIndices(s.N, s.K); !slices.Equal(got, s.Want) && !(len(got) == 0 && len(s.Want) == 0) {
				t.Fatalf("%s sample(range(%d), %d) = %v, CPython %v", name, s.N, s.K, got, s.Want)
			}
		}
		for _, s := range c.Choices {
			if got := r.ChoicesIndices(s.N, s.K, nil); !slices.Equal(got, s.Want) {
				t.Fatalf("%s choices(range(%d), k=%d) = %v, CPython %v", name, s.N, s.K, got, s.Want)
			}
		}
	}
}

func TestRegexCPython(t *testing.T) {
	for _, c := range loadCPython(t).Regex {
		re, err := Compile(c.Pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.Pattern, err)
			continue
		}
		found, err := re.FindAll(c.Text)
		if err != nil {
			t.Errorf("re.findall(%q, %q): %v", c.Pattern, c.Text, err)
		} else if got, want := JSON(found, 0), JSON(c.FindAll, 0); got != want {
			t.Errorf("re.findall(%q, %q) = %s, CPython %s", c.Pattern, c.Text, got, want)
		}
		sub, err := re.Sub(c.Repl, c.Text, c.Count)
		if err != nil {
			t.Errorf("re.sub(%q, %q, %q, count=%d): %v", c.Pattern, c.Repl, c.Text, c.Count, err)
		} else if sub != c.Sub {
			t.Errorf("re.sub(%q, %q, %q, count=%d) = %q, CPython %q", c.Pattern, c.Repl, c.Text, c.Count, sub, c.Sub)
		}
	}
}
