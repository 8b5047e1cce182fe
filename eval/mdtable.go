package eval

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// markdownTable renders a Markdown table as lm-eval prints its results:
// make_table hands string cells to pytablewriter's MarkdownTableWriter,
// which pads every column to its widest cell, centres the headers, and
// reads each cell's type as DataProperty does. A column whose cells are
// all integers or numbers is right-aligned (a colon in the rule) and its
// numbers share the column's most decimal places, counted as Python's
// str(float) writes them, so "0.2900" alone prints as 0.29; a cell with an
// integral value ("1.0", "0.0000") is an integer. Other columns are
// left-aligned, each number in them right-aligned in its own form, unless
// most cells above it are text (readTopDown). Blank cells count for
// nothing. Checked against pytablewriter on the cell forms
// the tables here use (eval/testdata/mdtables.json).
func markdownTable(headers []string, rows [][]string) string {
	cols := make([]mdColumn, len(headers))
	for j := range cols {
		cells := make([]mdCell, len(rows))
		for i, row := range rows {
			if j < len(row) {
				cells[i] = parseMDCell(row[j])
			} else {
				cells[i] = parseMDCell("")
			}
		}
		cols[j] = newMDColumn(headers[j], cells)
	}
	var b strings.Builder
	b.WriteByte('|')
	for _, c := range cols {
		pad := c.width - textWidth(c.header)
		b.WriteString(strings.Repeat(" ", pad/2) + escapeMD(c.header) + strings.Repeat(" ", pad-pad/2) + "|")
	}
	b.WriteString("\n|")
	for _, c := range cols {
		if c.right {
			b.WriteString(strings.Repeat("-", c.width-1) + ":|")
		} else {
			b.WriteString(strings.Repeat("-", c.width) + "|")
		}
	}
	b.WriteByte('\n')
	for i := range rows {
		b.WriteByte('|')
		for _, c := range cols {
			text, right := c.texts[i], c.cellRight[i]
			pad := strings.Repeat(" ", c.width-textWidth(text))
			if right {
				b.WriteString(pad + escapeMD(text) + "|")
			} else {
				b.WriteString(escapeMD(text) + pad + "|")
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// mdKind is a cell's type as DataProperty reads it.
type mdKind int

const (
	mdNull    mdKind = iota // empty or blank
	mdInteger               // an integral number, "3" or "1.0"
	mdReal                  // any other finite number
	mdString                // anything else
)

type mdCell struct {
	raw      string
	kind     mdKind
	value    float64
	decimals int // decimal places of a number as Python's str(float) shows it
}

// number matches the decimal numbers the tables hold; a leading sign, an
// exponent and surrounding blanks are allowed, as DataProperty allows.
var number = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

func parseMDCell(s string) mdCell {
	t := strings.TrimSpace(s)
	c := mdCell{raw: s}
	switch {
	case t == "":
		c.kind = mdNull
	case number.MatchString(t):
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsInf(v, 0) {
			c.kind = mdString
			break
		}
		c.value = v
		if v == math.Trunc(v) {
			c.kind = mdInteger
		} else {
			c.kind, c.decimals = mdReal, pyDecimals(v)
		}
	default:
		c.kind = mdString
	}
	return c
}

// pyDecimals counts the decimal places of str(abs(v)) in Python: the
// digits after the point of the shortest repr, or the exponent of a small
// number written as 1e-05.
func pyDecimals(v float64) int {
	v = math.Abs(v)
	if v != 0 && v < 1e-4 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+2:])
		return exp
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// format writes a cell as DataProperty does, numbers with the given
// decimal places (-1: the cell's own).
func (c mdCell) format(decimals int) string {
	switch c.kind {
	case mdInteger:
		if decimals > 0 {
			return strconv.FormatFloat(c.value, 'f', decimals, 64)
		}
		return strconv.FormatFloat(c.value, 'f', 0, 64)
	case mdReal:
		if decimals < 0 {
			decimals = c.decimals
		}
		return strconv.FormatFloat(c.value, 'f', decimals, 64)
	}
	return c.raw
}

type mdColumn struct {
	header    string
	width     int
	right     bool
	texts     []string
	cellRight []bool
}

func newMDColumn(header string, cells []mdCell) mdColumn {
	readTopDown(cells)
	kind, decimals := mdNull, 0
	for _, c := range cells {
		if c.kind == mdNull {
			continue
		}
		switch {
		case kind == mdString || c.kind == mdString:
			kind = mdString
		case kind == mdReal || c.kind == mdReal:
			kind = mdReal
		default:
			kind = mdInteger
		}
		decimals = max(decimals, c.decimals)
	}
	col := mdColumn{header: header, width: max(3, textWidth(header)), right: kind == mdInteger || kind == mdReal}
	for _, c := range cells {
		d := -1
		switch kind {
		case mdInteger:
			d = 0
		case mdReal:
			d = decimals
		}
		text := c.format(d)
		if c.kind == mdNull {
			text = ""
		}
		col.texts = append(col.texts, text)
		col.cellRight = append(col.cellRight, c.kind == mdInteger || c.kind == mdReal)
		col.width = max(col.width, textWidth(text))
	}
	return col
}

// readTopDown applies DataProperty's reading of a column top to bottom:
// a cell is first tried as the type most cells above it have (the earliest
// seen among equals), strictly, so that under a column of text a number is
// text too (printed as given, left-aligned), and then read on its own.
func readTopDown(cells []mdCell) {
	var (
		counts [mdString + 1]int
		order  []mdKind
	)
	for i, c := range cells {
		if len(order) > 0 {
			common := order[0]
			for _, k := range order[1:] {
				if counts[k] > counts[common] {
					common = k
				}
			}
			// Strictly, text takes any cell that is not blank; numbers
			// take no text (they are never the type of a string here).
			if common == mdString && c.kind != mdNull {
				c = mdCell{raw: c.raw, kind: mdString}
			}
		}
		if counts[c.kind] == 0 {
			order = append(order, c.kind)
		}
		counts[c.kind]++
		cells[i] = c
	}
}

// textWidth is a string's width in terminal columns: wide and full-width
// characters (CJK) take two, ambiguous ones (±, ↑) one.
func textWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// escapeMD escapes the column separator inside a cell.
func escapeMD(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
