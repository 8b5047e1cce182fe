package recursion

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("recursion: syntax error")

// SyntaxError is a parse error at a byte offset of the input.
type SyntaxError struct {
	Input  string
	Offset int // byte offset of the offending token
	Msg    string
}

func (e *SyntaxError) Error() string {
	in := e.Input
	if len(in) > 80 {
		in = in[:77] + "..."
	}
	return fmt.Sprintf("recursion: syntax error at column %d of %q: %s", e.Offset+1, in, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// maxNesting bounds parentheses, funs and matches inside each other, so
// that hostile input cannot exhaust the stack; a positive number of 60,000
// bits still parses.
const maxNesting = 1 << 16

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tNum
	tLParen
	tRParen
	tComma
	tBar
	tArrow // =>
	tUnder // _
	tFun
	tMatch
	tWith
	tEnd
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func describeTok(t token) string {
	if t.kind == tEOF {
		return "the end of the input"
	}
	return strconv.Quote(t.text)
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '|':
			toks = append(toks, token{tBar, "|", i})
			i++
		case c == '=' && i+1 < len(s) && s[i+1] == '>':
			toks = append(toks, token{tArrow, "=>", i})
			i += 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j-i > 9 {
				return nil, &SyntaxError{s, i, "number too large (at most 9 digits)"}
			}
			toks = append(toks, token{tNum, s[i:j], i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			word := s[i:j]
			k := tIdent
			switch word {
			case "_":
				k = tUnder
			case "fun":
				k = tFun
			case "match":
				k = tMatch
			case "with":
				k = tWith
			case "end":
				k = tEnd
			}
			toks = append(toks, token{k, word, i})
			i = j
		default:
			return nil, &SyntaxError{s, i, fmt.Sprintf("unexpected character %q", rune(c))}
		}
	}
	return append(toks, token{tEOF, "", len(s)}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '\''
}

// Parse reads a term in Coq's notation, as Term.String prints it. A name
// is a constructor if it is one of the datatypes' constructors, a call of
// a function when it has arguments, and a variable otherwise; "_" is a
// Hole. Parse checks syntax only; Env.Check and TypeOf check names and
// types.
func Parse(s string) (*Term, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks}
	t, err := p.term()
	if err != nil {
		return nil, err
	}
	if tok := p.peek(); tok.kind != tEOF {
		return nil, p.fail(tok, "expected the end of the term, got %s", describeTok(tok))
	}
	return t, nil
}

// MustParse is Parse that panics on error, for terms written in programs.
func MustParse(s string) *Term {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) error {
	return &SyntaxError{p.src, t.pos, fmt.Sprintf(format, args...)}
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.fail(t, "expected %s, got %s", what, describeTok(t))
	}
	return t, nil
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > maxNesting {
		return p.fail(t, "nested more than %d levels deep", maxNesting)
	}
	return nil
}

// term := fun x.. => term | match ... end | application
func (p *parser) term() (*Term, error) {
	tok := p.peek()
	if err := p.enter(tok); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch tok.kind {
	case tFun:
		return p.fun()
	case tMatch:
		return p.match()
	}
	return p.application()
}

func (p *parser) fun() (*Term, error) {
	p.next()
	var params []string
	for p.peek().kind == tIdent {
		t := p.next()
		if _, isCtor := constructor(t.text); isCtor {
			return nil, p.fail(t, "%s is a constructor, not a parameter name", t.text)
		}
		params = append(params, t.text)
	}
	if len(params) == 0 {
		return nil, p.fail(p.peek(), "expected a parameter name after fun, got %s", describeTok(p.peek()))
	}
	if _, err := p.expect(tArrow, `"=>"`); err != nil {
		return nil, err
	}
	body, err := p.term()
	if err != nil {
		return nil, err
	}
	return &Term{Kind: Lam, Params: params, Body: body}, nil
}

func (p *parser) match() (*Term, error) {
	p.next()
	m := &Term{Kind: Match}
	for {
		s, err := p.application()
		if err != nil {
			return nil, err
		}
		m.Args = append(m.Args, s)
		if p.peek().kind != tComma {
			break
		}
		p.next()
	}
	if _, err := p.expect(tWith, `"with"`); err != nil {
		return nil, err
	}
	for p.peek().kind == tBar {
		p.next()
		var c Case
		for {
			pat, err := p.pattern()
			if err != nil {
				return nil, err
			}
			c.Patterns = append(c.Patterns, pat)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
		if len(c.Patterns) != len(m.Args) {
			return nil, p.fail(p.peek(), "case has %d patterns for %d scrutinees", len(c.Patterns), len(m.Args))
		}
		if _, err := p.expect(tArrow, `"=>"`); err != nil {
			return nil, err
		}
		body, err := p.term()
		if err != nil {
			return nil, err
		}
		c.Body = body
		m.Cases = append(m.Cases, c)
	}
	if _, err := p.expect(tEnd, `"|" or "end"`); err != nil {
		return nil, err
	}
	return m, nil
}

func (p *parser) pattern() (Pattern, error) {
	t := p.next()
	switch t.kind {
	case tUnder:
		return Pattern{}, nil
	case tIdent:
		if _, ok := constructor(t.text); !ok {
			return Pattern{}, p.fail(t, "%s is not a constructor (patterns are a constructor and variables, or _)", t.text)
		}
		pat := Pattern{Ctor: t.text, Vars: []string{}}
		for {
			v := p.peek()
			if v.kind != tIdent && v.kind != tUnder {
				break
			}
			if _, isCtor := constructor(v.text); isCtor {
				return Pattern{}, p.fail(v, "nested constructor %s in a pattern: match on it in the case body instead", v.text)
			}
			p.next()
			pat.Vars = append(pat.Vars, v.text)
		}
		if len(pat.Vars) == 0 {
			pat.Vars = nil
		}
		return pat, nil
	}
	return Pattern{}, p.fail(t, "expected a pattern, got %s", describeTok(t))
}

// application := atom atom*
func (p *parser) application() (*Term, error) {
	start := p.peek()
	head, err := p.atom()
	if err != nil {
		return nil, err
	}
	var args []*Term
	for startsAtom(p.peek().kind) {
		a, err := p.atom()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if len(args) == 0 {
		return head, nil
	}
	switch {
	case head.Kind == Var && start.kind == tIdent:
		return F(head.Name, args...), nil
	case head.Kind == Ctor && len(head.Args) == 0 && start.kind == tIdent:
		return C(head.Name, args...), nil
	case head.Kind == Lam:
		return &Term{Kind: App, Body: head, Args: args}, nil
	}
	return nil, p.fail(start, "%s cannot be applied to arguments", head)
}

func startsAtom(k tokKind) bool {
	return k == tIdent || k == tNum || k == tLParen || k == tUnder
}

// atom := name | number | _ | ( term )
func (p *parser) atom() (*Term, error) {
	t := p.next()
	switch t.kind {
	case tIdent:
		if _, ok := constructor(t.text); ok {
			return C(t.text), nil
		}
		return V(t.text), nil
	case tNum:
		n, _ := strconv.Atoi(t.text)
		return N(n), nil
	case tUnder:
		return &Term{Kind: Hole}, nil
	case tLParen:
		inner, err := p.term()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		return inner, nil
	}
	return nil, p.fail(t, "expected a term, got %s", describeTok(t))
}
