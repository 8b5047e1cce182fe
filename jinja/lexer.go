// Package jinja renders Jinja2 templates with the semantics of Python's
// Jinja2 as lm-evaluation-harness configures it: StrictUndefined,
// keep_trailing_newline, no autoescaping, the regex_replace filter, and
// Python's rules for values (str() and repr() of None, floats and lists,
// integer and string arithmetic, str methods such as strip, split, index).
//
// It implements the subset of Jinja2 that task templates use: output
// expressions with the full expression grammar (conditional expressions,
// filters, tests, slicing, method calls, list/tuple/dict literals),
// if/elif/else, for (with loop variables, else and inline if), set,
// raw blocks, comments and whitespace control. Other statements are
// rejected at parse time with an error naming them.
package jinja

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fmkit/fmkit/internal/py"
)

type tokKind int

const (
	tkEOF tokKind = iota
	tkName
	tkString
	tkInt
	tkFloat
	tkOp
	tkBlockEnd    // %}
	tkVariableEnd // }}
)

type token struct {
	kind tokKind
	val  string
	ival int64
	fval float64
	line int
}

func (t token) String() string {
	switch t.kind {
	case tkEOF:
		return "end of template"
	case tkBlockEnd:
		return "'%}'"
	case tkVariableEnd:
		return "'}}'"
	case tkString:
		return py.ReprString(t.val)
	}
	return "'" + t.val + "'"
}

// segment is a piece of the template: text, an output tag or a statement
// tag with its expression tokens.
type segKind int

const (
	segText segKind = iota
	segOutput
	segStmt
)

type segment struct {
	kind segKind
	text string  // for segText
	toks []token // for tags, ending with tkVariableEnd or tkBlockEnd
	line int
}

// SyntaxError is a template that does not parse; Line counts from 1.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("template syntax error at line %d: %s", e.Line, e.Msg)
}

// lex splits the source into text and tags, applying whitespace control and
// raw blocks, and tokenizes the tags.
func lex(src string) ([]segment, error) {
	src = normalizeNewlines(src)
	var segs []segment
	line := 1
	pos := 0
	stripNext := false // the previous tag ended with '-'
	for pos < len(src) {
		i := indexTagStart(src, pos)
		text := src[pos:]
		if i >= 0 {
			text = src[pos:i]
		}
		if stripNext {
			text = strings.TrimLeftFunc(text, py.IsSpace)
			stripNext = false
		}
		if i < 0 {
			if text != "" {
				segs = append(segs, segment{kind: segText, text: text, line: line})
			}
			break
		}
		opener := src[i : i+2]
		j := i + 2
		if j < len(src) && src[j] == '-' {
			text = strings.TrimRightFunc(text, py.IsSpace)
			j++
		} else if j < len(src) && src[j] == '+' {
			j++
		}
		if text != "" {
			segs = append(segs, segment{kind: segText, text: text, line: line})
		}
		line += strings.Count(src[pos:i], "\n")
		tagLine := line
		switch opener {
		case "{#":
			end := strings.Index(src[j:], "#}")
			if end < 0 {
				return nil, &SyntaxError{tagLine, "unclosed comment"}
			}
			end += j
			if end > j && src[end-1] == '-' {
				stripNext = true
			}
			line += strings.Count(src[i:end+2], "\n")
			pos = end + 2
			continue
		case "{{", "{%":
			closer := "}}"
			endKind := tkVariableEnd
			if opener == "{%" {
				closer, endKind = "%}", tkBlockEnd
			}
			toks, next, strip, err := lexTag(src, j, closer, endKind, &line)
			if err != nil {
				return nil, err
			}
			stripNext = strip
			pos = next
			if opener == "{%" && len(toks) >= 2 && toks[0].kind == tkName && toks[0].val == "raw" && toks[1].kind == tkBlockEnd {
				body, after, strip2, err := lexRaw(src, pos, &line)
				if err != nil {
					return nil, &SyntaxError{tagLine, err.Error()}
				}
				if stripNext {
					body = strings.TrimLeftFunc(body, py.IsSpace)
				}
				stripNext = strip2
				if body != "" {
					segs = append(segs, segment{kind: segText, text: body, line: tagLine})
				}
				pos = after
				continue
			}
			kind := segOutput
			if opener == "{%" {
				kind = segStmt
			}
			segs = append(segs, segment{kind: kind, toks: toks, line: tagLine})
		}
	}
	return segs, nil
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func indexTagStart(s string, from int) int {
	for i := from; i+1 < len(s); i++ {
		if s[i] == '{' && (s[i+1] == '{' || s[i+1] == '%' || s[i+1] == '#') {
			return i
		}
	}
	return -1
}

// lexRaw finds the matching {% endraw %} and returns the raw body.
func lexRaw(src string, pos int, line *int) (body string, next int, strip bool, err error) {
	for k := pos; k < len(src); {
		i := strings.Index(src[k:], "{%")
		if i < 0 {
			break
		}
		i += k
		j := i + 2
		lstrip := false
		if j < len(src) && (src[j] == '-' || src[j] == '+') {
			lstrip = src[j] == '-'
			j++
		}
		rest := strings.TrimLeft(src[j:], " \t\n")
		if strings.HasPrefix(rest, "endraw") {
			after := strings.TrimLeft(rest[len("endraw"):], " \t\n")
			if strings.HasPrefix(after, "-%}") || strings.HasPrefix(after, "%}") {
				body = src[pos:i]
				if lstrip {
					body = strings.TrimRightFunc(body, py.IsSpace)
				}
				strip = strings.HasPrefix(after, "-%}")
				end := len(src) - len(after) + 2
				if strip {
					end++
				}
				*line += strings.Count(src[pos:end], "\n")
				return body, end, strip, nil
			}
		}
		k = i + 2
	}
	return "", 0, false, fmt.Errorf("missing endraw")
}

// lexTag tokenizes the inside of a tag starting at pos up to closer.
func lexTag(src string, pos int, closer string, endKind tokKind, line *int) ([]token, int, bool, error) {
	var toks []token
	i := pos
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n') {
			if src[i] == '\n' {
				*line++
			}
			i++
		}
		if i >= len(src) {
			return nil, 0, false, &SyntaxError{*line, "unexpected end of template, expected '" + closer + "'"}
		}
		if strings.HasPrefix(src[i:], "-"+closer) {
			toks = append(toks, token{kind: endKind, val: closer, line: *line})
			return toks, i + 1 + len(closer), true, nil
		}
		if strings.HasPrefix(src[i:], closer) {
			toks = append(toks, token{kind: endKind, val: closer, line: *line})
			return toks, i + len(closer), false, nil
		}
		c := src[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(src) {
				r, n := utf8.DecodeRuneInString(src[j:])
				if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (r >= 0x80 && isIdentRune(r)) {
					j += n
					continue
				}
				break
			}
			if j == i {
				return nil, 0, false, &SyntaxError{*line, fmt.Sprintf("unexpected character %q", src[i:i+1])}
			}
			toks = append(toks, token{kind: tkName, val: src[i:j], line: *line})
			i = j
		case c >= '0' && c <= '9':
			tok, j, err := lexNumber(src, i, *line)
			if err != nil {
				return nil, 0, false, err
			}
			toks = append(toks, tok)
			i = j
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, 0, false, &SyntaxError{*line, "unterminated string"}
			}
			body := normalizeNewlines(src[i+1 : j])
			val, err := py.DecodeEscapes(body)
			if err != nil {
				return nil, 0, false, &SyntaxError{*line, err.Error()}
			}
			toks = append(toks, token{kind: tkString, val: val, line: *line})
			*line += strings.Count(src[i:j], "\n")
			i = j + 1
		default:
			op := ""
			for _, cand := range []string{"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"} {
				if strings.HasPrefix(src[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" {
				return nil, 0, false, &SyntaxError{*line, fmt.Sprintf("unexpected character %q", src[i:i+1])}
			}
			toks = append(toks, token{kind: tkOp, val: op, line: *line})
			i += len(op)
		}
	}
}

func isIdentRune(r rune) bool {
	return r > 0x7f && (r == '_' || isLetterOrDigit(r))
}

func lexNumber(src string, i, line int) (token, int, error) {
	j := i
	isFloat := false
	for j < len(src) {
		c := src[j]
		if c >= '0' && c <= '9' || c == '_' {
			j++
			continue
		}
		if c == '.' && !isFloat && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9' {
			isFloat = true
			j++
			continue
		}
		if (c == 'e' || c == 'E') && j+1 < len(src) {
			k := j + 1
			if src[k] == '+' || src[k] == '-' {
				k++
			}
			if k < len(src) && src[k] >= '0' && src[k] <= '9' {
				isFloat = true
				j = k
				continue
			}
		}
		break
	}
	text := strings.ReplaceAll(src[i:j], "_", "")
	v, err := py.LiteralEval(text)
	if err != nil {
		return token{}, 0, &SyntaxError{line, fmt.Sprintf("bad number %q", src[i:j])}
	}
	if isFloat {
		f, _ := v.(float64)
		return token{kind: tkFloat, val: text, fval: f, line: line}, j, nil
	}
	n, _ := v.(int64)
	return token{kind: tkInt, val: text, ival: n, line: line}, j, nil
}
