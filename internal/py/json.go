package py

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON is json.dumps(v, ensure_ascii=False) with indent (0 for Python's
// compact ", " / ": " separators). Floats print as repr() does, NaN and
// infinities as Python writes them; anything else prints as str().
func JSON(v any, indent int) string {
	var b strings.Builder
	writeJSON(&b, v, indent, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, indent, depth int) {
	newline := func(d int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(FormatFloat(x))
		}
	case string:
		writeJSONString(b, x)
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		writeJSON(b, items, indent, depth)
	case []any, Tuple:
		var items []any
		if t, ok := x.(Tuple); ok {
			items = t
		} else {
			items = x.([]any)
		}
		if len(items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range items {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(depth + 1)
			writeJSON(b, e, indent, depth+1)
		}
		newline(depth)
		b.WriteByte(']')
	case Mapping:
		keys := x.Keys()
		if len(keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(sep)
			}
			newline(depth + 1)
			writeJSONString(b, k)
			b.WriteString(": ")
			e, _ := x.Get(k)
			writeJSON(b, e, indent, depth+1)
		}
		newline(depth)
		b.WriteByte('}')
	default:
		writeJSONString(b, Str(v))
	}
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
