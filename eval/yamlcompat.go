package eval

import (
	"bytes"
	"strings"
)

// Where PyYAML (which lm-eval parses task files with) and yaml.v3 differ
// on text that occurs in lm-eval's task tree:
//
//   - PyYAML accepts the JSON escape `\/` in double-quoted scalars (a
//     solidus); yaml.v3 rejects it as an unknown escape. withSolidusEscapes
//     rewrites the escape before a second parse.
//   - Explicit tags on quoted scalars (`!!null "null"`) give the tag's
//     value in PyYAML; yamlScalar honours !!null, !!bool, !!int, !!float
//     and !!str before looking at the quoting.
//   - YAML 1.1's implicit types (yes/no/on/off booleans, 0-prefixed octal
//     integers, sexagesimal-free floats) are applied by yamlScalar's
//     patterns.

// isUnknownEscape tells yaml.v3's error for an escape it does not know.
func isUnknownEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "found unknown escape character")
}

// withSolidusEscapes returns src with every `\/` inside a double-quoted
// scalar replaced by `/`, which is what PyYAML reads it as. It tracks
// comments, single-quoted scalars and block scalars so that the same two
// characters elsewhere are left alone.
func withSolidusEscapes(src []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(src))
	lines := bytes.SplitAfter(src, []byte("\n"))
	inDouble := false
	blockIndent := -1 // indentation of the line that opened a block scalar
	for _, line := range lines {
		indent := len(line) - len(bytes.TrimLeft(line, " "))
		if blockIndent >= 0 {
			if len(bytes.TrimSpace(line)) == 0 || indent > blockIndent {
				out.Write(line)
				continue
			}
			blockIndent = -1
		}
		inSingle := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case inDouble:
				if c == '\\' && i+1 < len(line) {
					if line[i+1] == '/' {
						out.WriteByte('/')
					} else {
						out.WriteByte(c)
						out.WriteByte(line[i+1])
					}
					i++
					continue
				}
				if c == '"' {
					inDouble = false
				}
			case inSingle:
				if c == '\'' {
					inSingle = false
				}
			case c == '"':
				inDouble = true
			case c == '\'' && (i == 0 || isYAMLValueStart(line[i-1])):
				inSingle = true
			case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
				out.Write(line[i:])
				i = len(line)
				continue
			case (c == '|' || c == '>') && (i == 0 || line[i-1] == ' ') && blockHeaderEnds(line[i+1:]):
				blockIndent = indent
			}
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// isYAMLValueStart tells whether a quote after c opens a quoted scalar.
func isYAMLValueStart(c byte) bool {
	return c == ' ' || c == '\t' || c == '[' || c == '{' || c == ',' || c == '-' || c == ':'
}

// blockHeaderEnds tells whether the rest of a line after | or > is a block
// scalar header (indentation and chomping indicators, a comment).
func blockHeaderEnds(rest []byte) bool {
	s := strings.TrimRight(string(rest), " \t\r\n")
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.Trim(s, "+-0123456789") == ""
}
