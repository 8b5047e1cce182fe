// Command uax29gen writes search/analysis/uax29_tables.go: the character
// properties that Lucene 4.10's StandardTokenizer grammar (UAX #29 word
// boundaries, Unicode 6.3) looks at, packed as a two-stage lookup table.
//
// It reads the Unicode Character Database text files of Debian's
// unicode-data package (Unicode 15.0) and keeps only code points assigned by
// Unicode 6.3 (DerivedAge.txt), mapping the word-break values introduced
// later back to their 6.3 meaning. The few 6.3 property values that later
// versions changed are listed in overrides63 below; the exhaustive
// code-point test against Lucene (lucene_codepoints.txt.gz) finds any other.
//
// Usage: go run ./testdata/gen/search/uax29gen [-ucd /usr/share/unicode] -o search/analysis/uax29_tables.go
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Feature bits; keep in step with search/analysis/uax29.go.
const (
	bALetter = 1 << iota
	bHebrew
	bNumeric
	bKatakana
	bMidLetter
	bMidNum
	bMidNumLet
	bSingleQuote
	bDoubleQuote
	bExtendNumLet
	bExtend // Extend or Format
	bRegional
	bHan
	bHiragana
	bHangul // Script=Hangul and ALetter or Hebrew_Letter
	bComplex
)

const maxRune = 0x110000

// overrides63 holds word-break values of Unicode 6.3 that later versions
// changed, as [first, last, value] (value "" means Other).
var overrides63 = []struct {
	first, last rune
	wb          string
}{
	// Emoji modifiers were Other (So) in 6.3; Unicode 11 made them Extend.
	{0x1F3FB, 0x1F3FF, ""},
	// Modifier symbols, Armenian marks, Latin modifier letters and squared
	// Latin letters became ALetter (or MidLetter, ExtendNumLet) after 6.3.
	{0x02C2, 0x02C5, ""},
	{0x02D2, 0x02D6, ""},
	{0x02D7, 0x02D7, "MidLetter"},
	{0x02DE, 0x02DF, ""},
	{0x02E5, 0x02EB, ""},
	{0x02ED, 0x02ED, ""},
	{0x02EF, 0x02FF, ""},
	{0x055A, 0x055C, ""},
	{0x055E, 0x055F, ""},
	{0x058A, 0x058A, ""},
	{0xA708, 0xA716, ""},
	{0xA720, 0xA721, ""},
	{0xA789, 0xA78A, ""},
	{0x1F130, 0x1F149, ""},
	{0x1F150, 0x1F169, ""},
	{0x1F170, 0x1F189, ""},
	{0x202F, 0x202F, ""},
	// Mongolian letters U+1885-1886 became Extend (Mn) in Unicode 9.
	{0x1885, 0x1886, "ALetter"},
	// Vedic signs U+1CF2-1CF3 and the New Tai Lue vowel signs were spacing
	// marks (Extend) in 6.3 and letters later.
	{0x1CF2, 0x1CF3, "Extend"},
	{0x19B0, 0x19C0, "Extend"},
	{0x19C8, 0x19C9, "Extend"},
}

func main() {
	ucd := flag.String("ucd", "/usr/share/unicode", "Unicode Character Database directory")
	out := flag.String("o", "uax29_tables.go", "output Go file")
	flag.Parse()

	assigned := make([]bool, maxRune)
	parse(filepath.Join(*ucd, "DerivedAge.txt"), func(lo, hi rune, v string) {
		if versionAtMost(v, 6, 3) {
			for r := lo; r <= hi; r++ {
				assigned[r] = true
			}
		}
	})
	feat := make([]uint16, maxRune)
	wb := make([]string, maxRune)
	parse(filepath.Join(*ucd, "auxiliary", "WordBreakProperty.txt"), func(lo, hi rune, v string) {
		for r := lo; r <= hi; r++ {
			wb[r] = v
		}
	})
	for _, o := range overrides63 {
		for r := o.first; r <= o.last; r++ {
			wb[r] = o.wb
		}
	}
	for r := range wb {
		feat[r] |= wbBit(wb[r])
	}
	parse(filepath.Join(*ucd, "Scripts.txt"), func(lo, hi rune, v string) {
		var b uint16
		switch v {
		case "Han":
			b = bHan
		case "Hiragana":
			b = bHiragana
		case "Hangul":
			b = bHangul
		}
		for r := lo; r <= hi; r++ {
			feat[r] |= b
		}
	})
	parse(filepath.Join(*ucd, "LineBreak.txt"), func(lo, hi rune, v string) {
		if v == "SA" {
			for r := lo; r <= hi; r++ {
				feat[r] |= bComplex
			}
		}
	})
	// Fullwidth digits count as Numeric in Lucene's grammar
	// ([\p{Blk:HalfAndFullForms}&&\p{Nd}]).
	for r := rune(0xFF10); r <= 0xFF19; r++ {
		feat[r] |= bNumeric
	}
	for r := range feat {
		if !assigned[r] {
			feat[r] = 0
			continue
		}
		if feat[r]&bHangul != 0 && feat[r]&(bALetter|bHebrew) == 0 {
			feat[r] &^= bHangul
		}
	}
	write(*out, feat)
}

func wbBit(v string) uint16 {
	switch v {
	case "ALetter":
		return bALetter
	case "Hebrew_Letter":
		return bHebrew
	case "Numeric":
		return bNumeric
	case "Katakana":
		return bKatakana
	case "MidLetter":
		return bMidLetter
	case "MidNum":
		return bMidNum
	case "MidNumLet":
		return bMidNumLet
	case "Single_Quote":
		return bSingleQuote
	case "Double_Quote":
		return bDoubleQuote
	case "ExtendNumLet":
		return bExtendNumLet
	case "Extend", "Format", "ZWJ": // ZWJ (Unicode 9) was Extend in 6.3
		return bExtend
	case "Regional_Indicator":
		return bRegional
	}
	return 0 // Other, CR, LF, Newline, WSegSpace (Unicode 11; Other in 6.3)
}

func versionAtMost(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 2)
	ma, _ := strconv.Atoi(parts[0])
	mi := 0
	if len(parts) > 1 {
		mi, _ = strconv.Atoi(parts[1])
	}
	return ma < major || ma == major && mi <= minor
}

// parse calls fn for each "lo..hi ; value" line of a UCD file.
func parse(path string, fn func(lo, hi rune, v string)) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.SplitN(line, ";", 2)
		if len(fields) != 2 {
			continue
		}
		rng := strings.TrimSpace(fields[0])
		v := strings.TrimSpace(fields[1])
		lo, hi := rng, rng
		if i := strings.Index(rng, ".."); i >= 0 {
			lo, hi = rng[:i], rng[i+2:]
		}
		l, err1 := strconv.ParseUint(lo, 16, 32)
		h, err2 := strconv.ParseUint(hi, 16, 32)
		if err1 != nil || err2 != nil {
			log.Fatalf("%s: bad range %q", path, rng)
		}
		fn(rune(l), rune(h), v)
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
}

// write packs feat into classes (distinct feature sets) and a two-stage
// table: stage1[r>>8] picks a 256-entry block of class ids in stage2.
func write(path string, feat []uint16) {
	classOf := map[uint16]uint8{0: 0}
	classes := []uint16{0}
	ids := make([]uint8, maxRune)
	for r, f := range feat {
		c, ok := classOf[f]
		if !ok {
			c = uint8(len(classes))
			classOf[f] = c
			classes = append(classes, f)
		}
		ids[r] = c
	}
	blockOf := map[string]int{}
	var stage2 []byte
	stage1 := make([]int, maxRune>>8)
	for b := range stage1 {
		blk := string(ids[b<<8 : (b+1)<<8])
		i, ok := blockOf[blk]
		if !ok {
			i = len(stage2) >> 8
			blockOf[blk] = i
			stage2 = append(stage2, blk...)
		}
		stage1[b] = i
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "// Code generated by testdata/gen/search/uax29gen from the Unicode Character Database; DO NOT EDIT.\n\n")
	fmt.Fprintf(&buf, "package analysis\n\n")
	fmt.Fprintf(&buf, "// classFeatures maps a character class to its feature bits.\nvar classFeatures = [...]uint16{")
	for i, f := range classes {
		if i%8 == 0 {
			buf.WriteString("\n")
		}
		fmt.Fprintf(&buf, "0x%04x, ", f)
	}
	fmt.Fprintf(&buf, "\n}\n\n// classStage1 maps r>>8 to a block of classStage2.\nvar classStage1 = [...]uint8{")
	for i, v := range stage1 {
		if i%16 == 0 {
			buf.WriteString("\n")
		}
		if v > 255 {
			log.Fatalf("too many blocks: %d", v)
		}
		fmt.Fprintf(&buf, "%d, ", v)
	}
	fmt.Fprintf(&buf, "\n}\n\n// classStage2 holds 256-entry blocks of class ids.\nconst classStage2 = %q\n", string(stage2))
	src, err := format.Source(buf.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d classes, %d blocks", len(classes), len(stage2)>>8)
}
