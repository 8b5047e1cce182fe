package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Occur says how a clause of a boolean query takes part.
type Occur int

// Clause kinds.
const (
	Should  Occur = iota // may match; adds to the score
	Must                 // must match; adds to the score
	MustNot              // must not match
)

// Query is a parsed query: one of *TermQuery, *PhraseQuery, *FieldQuery
// and *BoolQuery.
type Query interface {
	String() string
}

// TermQuery is a bare word; the analyzer turns it into zero or more terms.
type TermQuery struct{ Text string }

// PhraseQuery is quoted text: its terms in this order and adjacent (words
// the analyzer removes, such as stop words, keep their places).
type PhraseQuery struct{ Text string }

// FieldQuery matches documents whose field has exactly Value. Field is
// "meta.KEY" or "id". It filters and does not add to the score.
type FieldQuery struct{ Field, Value string }

// BoolQuery combines clauses. Documents must match every Must clause, no
// MustNot clause and, when there is no Must clause, at least one Should
// clause. The score is the sum of the matching Must and Should clauses.
type BoolQuery struct{ Clauses []Clause }

// Clause is one part of a BoolQuery.
type Clause struct {
	Occur Occur
	Query Query
}

func (q *TermQuery) String() string   { return q.Text }
func (q *PhraseQuery) String() string { return fmt.Sprintf("%q", q.Text) }
func (q *FieldQuery) String() string  { return q.Field + ":" + q.Value }

func (q *BoolQuery) String() string {
	parts := make([]string, len(q.Clauses))
	for i, c := range q.Clauses {
		prefix := ""
		switch c.Occur {
		case Must:
			prefix = "+"
		case MustNot:
			prefix = "-"
		}
		s := c.Query.String()
		if _, ok := c.Query.(*BoolQuery); ok {
			s = "(" + s + ")"
		}
		parts[i] = prefix + s
	}
	return strings.Join(parts, " ")
}

// SyntaxError is a query that cannot be parsed.
type SyntaxError struct {
	Query  string
	Column int // 1-based, in characters
	Msg    string
	// Err is the sentinel the error matches with errors.Is (ErrEmptyQuery),
	// or nil.
	Err error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("query: %s at column %d", e.Msg, e.Column)
}

// Unwrap returns Err, so that errors.Is(err, ErrEmptyQuery) holds for a
// query with nothing to search for.
func (e *SyntaxError) Unwrap() error { return e.Err }

// ErrEmptyQuery is wrapped by the SyntaxError of a query (or a
// parenthesised group) with nothing in it.
var ErrEmptyQuery = errors.New("search: missing query")

// ErrQueryLimit is wrapped by the error of a query with more clauses than
// allowed (see SearchOptions.MaxClauses) or nested deeper than
// MaxQueryDepth.
var ErrQueryLimit = errors.New("search: query too large")

// DefaultMaxClauses is the default of SearchOptions.MaxClauses: Lucene's
// maxClauseCount.
const DefaultMaxClauses = 1024

// MaxQueryDepth bounds the nesting of parentheses and NOT, -, + prefixes,
// which the parser follows by recursion.
const MaxQueryDepth = 100

// ParseQuery parses the query language:
//
//	word            a term (analysed like the documents)
//	"some words"    a phrase
//	+word -word     required, excluded
//	a AND b, a && b both required
//	a OR b, a || b  either (also just "a b")
//	NOT a, !a       excluded
//	( ... )         grouping
//	meta.KEY:VALUE  exact match on a meta field (VALUE may be quoted)
//	id:VALUE        exact match on the document id
//	\x              a literal x (for example \" or \()
//
// AND binds tighter than OR. The operator words must be upper case.
//
// A query may hold at most DefaultMaxClauses terms, phrases and field
// matches (ParseQueryLimited takes another bound), checked while it is
// read, before any is searched; an error then wraps ErrQueryLimit.
func ParseQuery(s string) (Query, error) {
	return ParseQueryLimited(s, DefaultMaxClauses)
}

// ParseQueryLimited is ParseQuery with at most maxClauses terms, phrases
// and field matches (0 means DefaultMaxClauses).
func ParseQueryLimited(s string, maxClauses int) (Query, error) {
	if maxClauses <= 0 {
		maxClauses = DefaultMaxClauses
	}
	p := &parser{src: s, maxClauses: maxClauses}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, &SyntaxError{Query: s, Column: 1, Msg: "empty query"}
	}
	q, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.kind == tokRParen {
			return nil, &SyntaxError{Query: s, Column: t.col, Msg: "unbalanced parenthesis: ')' without '('"}
		}
		return nil, &SyntaxError{Query: s, Column: t.col, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	return q, nil
}

type tokKind int

const (
	tokWord tokKind = iota
	tokPhrase
	tokField // text is the field name, value the value
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokPlus
	tokMinus
)

type token struct {
	kind  tokKind
	text  string
	value string
	col   int
}

type parser struct {
	src        string
	toks       []token
	i          int
	maxClauses int
	clauses    int // terms, phrases and fields lexed
	depth      int // recursion depth of unary and primary
}

// addClause counts a term, phrase or field against maxClauses.
func (p *parser) addClause(col int) error {
	p.clauses++
	if p.clauses > p.maxClauses {
		return &SyntaxError{Query: p.src, Column: col, Err: ErrQueryLimit,
			Msg: fmt.Sprintf("more than %d clauses (terms, phrases and fields; SearchOptions.MaxClauses)", p.maxClauses)}
	}
	return nil
}

// enter counts one level of recursion against MaxQueryDepth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxQueryDepth {
		return p.tooDeep(1)
	}
	return nil
}

func (p *parser) tooDeep(col int) error {
	return &SyntaxError{Query: p.src, Column: col, Err: ErrQueryLimit,
		Msg: fmt.Sprintf("nested more than %d levels deep (parentheses and NOT, -, + prefixes)", MaxQueryDepth)}
}

func (p *parser) errAt(byteOff int, msg string) *SyntaxError {
	return &SyntaxError{Query: p.src, Column: utf8.RuneCountInString(p.src[:byteOff]) + 1, Msg: msg}
}

func isSpecial(r rune) bool { return r == '(' || r == ')' || r == '"' }

// lex splits the query into tokens.
func (p *parser) lex() error {
	s := p.src
	if !utf8.ValidString(s) {
		return &SyntaxError{Query: s, Column: 1, Msg: "query is not valid UTF-8"}
	}
	i := 0
	// The column is counted on from the previous token: counting from the
	// start each time made long queries quadratic.
	at, col := 0, 1
	open := 0 // parentheses open here, bounded as they are read
	for i < len(s) {
		// Operators come at most a few per clause and per level of
		// nesting; a longer run of them (NOT NOT NOT ...) is refused here
		// rather than parsed by recursion.
		if len(p.toks) > 4*(p.maxClauses+MaxQueryDepth) {
			return p.tooDeep(col)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		col += utf8.RuneCountInString(s[at:i])
		at = i
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == '(':
			open++
			if open > MaxQueryDepth {
				return p.tooDeep(col)
			}
			p.toks = append(p.toks, token{kind: tokLParen, text: "(", col: col})
			i++
		case r == ')':
			open--
			p.toks = append(p.toks, token{kind: tokRParen, text: ")", col: col})
			i++
		case r == '"':
			text, n, err := p.quoted(i)
			if err != nil {
				return err
			}
			if err := p.addClause(col); err != nil {
				return err
			}
			p.toks = append(p.toks, token{kind: tokPhrase, text: text, col: col})
			i = n
		case (r == '+' || r == '-' || r == '!') && i+1 < len(s) && !unicode.IsSpace(rune(s[i+1])) && s[i+1] != ')':
			kind := map[rune]tokKind{'+': tokPlus, '-': tokMinus, '!': tokNot}[r]
			p.toks = append(p.toks, token{kind: kind, text: string(r), col: col})
			i++
		default:
			word, n := p.word(i)
			i = n
			switch word {
			case "AND", "&&":
				p.toks = append(p.toks, token{kind: tokAnd, text: word, col: col})
				continue
			case "OR", "||":
				p.toks = append(p.toks, token{kind: tokOr, text: word, col: col})
				continue
			case "NOT":
				p.toks = append(p.toks, token{kind: tokNot, text: word, col: col})
				continue
			}
			if field, value, ok := splitField(word); ok {
				if value == "" && i < len(s) && s[i] == '"' {
					v, n, err := p.quoted(i)
					if err != nil {
						return err
					}
					value, i = v, n
				}
				if value == "" {
					return p.errAt(i, fmt.Sprintf("field %s: missing value", field))
				}
				if err := p.addClause(col); err != nil {
					return err
				}
				p.toks = append(p.toks, token{kind: tokField, text: field, value: value, col: col})
				continue
			}
			if err := p.addClause(col); err != nil {
				return err
			}
			p.toks = append(p.toks, token{kind: tokWord, text: word, col: col})
		}
	}
	return nil
}

// quoted reads a quoted string starting at s[i] == '"'.
func (p *parser) quoted(i int) (string, int, error) {
	s := p.src
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) {
				j++
				b.WriteByte(s[j])
			}
		case '"':
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, p.errAt(i, "unbalanced quote: '\"' without a closing '\"'")
}

// word reads a bare word starting at s[i], honouring backslash escapes.
func (p *parser) word(i int) (string, int) {
	s := p.src
	var b strings.Builder
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || isSpecial(r) {
			break
		}
		if r == '\\' && i+1 < len(s) {
			r2, size2 := utf8.DecodeRuneInString(s[i+1:])
			b.WriteRune(r2)
			i += 1 + size2
			continue
		}
		b.WriteRune(r)
		i += size
	}
	return b.String(), i
}

// splitField recognises FIELD:VALUE where FIELD is id, contents or meta.KEY.
func splitField(word string) (field, value string, ok bool) {
	f, v, found := strings.Cut(word, ":")
	if !found {
		return "", "", false
	}
	if f == "id" || f == "contents" || (strings.HasPrefix(f, metaPrefix) && len(f) > len(metaPrefix)) {
		return f, v, true
	}
	return "", "", false
}

func (p *parser) peek() *token {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

// orExpr := andExpr ( [OR] andExpr )*
func (p *parser) orExpr() (Query, error) {
	var clauses []Clause
	for {
		t := p.peek()
		if t == nil || t.kind == tokRParen {
			break
		}
		if t.kind == tokOr {
			if len(clauses) == 0 {
				return nil, p.errAt(p.byteOff(t), "OR without a left operand")
			}
			p.i++
			if n := p.peek(); n == nil || n.kind == tokRParen || n.kind == tokOr || n.kind == tokAnd {
				return nil, p.errAt(p.byteOff(t), "OR without a right operand")
			}
			continue
		}
		c, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	if len(clauses) == 0 {
		err := p.errAt(len(p.src), "missing query")
		err.Err = ErrEmptyQuery
		return nil, err
	}
	if len(clauses) == 1 && clauses[0].Occur == Should {
		return clauses[0].Query, nil
	}
	return &BoolQuery{Clauses: clauses}, nil
}

func (p *parser) byteOff(t *token) int {
	// Columns count runes; convert back for errAt.
	n := 0
	for i := range p.src {
		if n == t.col-1 {
			return i
		}
		n++
	}
	return len(p.src)
}

// andExpr := unary ( AND unary )*
func (p *parser) andExpr() (Clause, error) {
	first, err := p.unary()
	if err != nil {
		return Clause{}, err
	}
	t := p.peek()
	if t == nil || t.kind != tokAnd {
		return first, nil
	}
	clauses := []Clause{asRequired(first)}
	for {
		t := p.peek()
		if t == nil || t.kind != tokAnd {
			break
		}
		p.i++
		if n := p.peek(); n == nil || n.kind == tokRParen || n.kind == tokOr || n.kind == tokAnd {
			return Clause{}, p.errAt(p.byteOff(t), "AND without a right operand")
		}
		c, err := p.unary()
		if err != nil {
			return Clause{}, err
		}
		clauses = append(clauses, asRequired(c))
	}
	return Clause{Occur: Should, Query: &BoolQuery{Clauses: clauses}}, nil
}

func asRequired(c Clause) Clause {
	if c.Occur == Should {
		c.Occur = Must
	}
	return c
}

// unary := (NOT | '!' | '-') unary | '+' unary | primary
func (p *parser) unary() (Clause, error) {
	if err := p.enter(); err != nil {
		return Clause{}, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t == nil {
		return Clause{}, p.errAt(len(p.src), "missing operand")
	}
	switch t.kind {
	case tokNot, tokMinus:
		p.i++
		c, err := p.unary()
		if err != nil {
			return Clause{}, err
		}
		return Clause{Occur: MustNot, Query: c.Query}, nil
	case tokPlus:
		p.i++
		c, err := p.unary()
		if err != nil {
			return Clause{}, err
		}
		if c.Occur == MustNot {
			return c, nil
		}
		return Clause{Occur: Must, Query: c.Query}, nil
	}
	q, err := p.primary()
	return Clause{Occur: Should, Query: q}, err
}

// primary := '(' orExpr ')' | phrase | field | word
func (p *parser) primary() (Query, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t == nil {
		return nil, p.errAt(len(p.src), "missing operand")
	}
	p.i++
	switch t.kind {
	case tokLParen:
		q, err := p.orExpr()
		if err != nil {
			if n := p.peek(); n == nil && errors.Is(err, ErrEmptyQuery) {
				return nil, p.errAt(p.byteOff(t), "unbalanced parenthesis: '(' without ')'")
			}
			return nil, err
		}
		if n := p.peek(); n == nil || n.kind != tokRParen {
			return nil, p.errAt(p.byteOff(t), "unbalanced parenthesis: '(' without ')'")
		}
		p.i++
		return q, nil
	case tokPhrase:
		return &PhraseQuery{Text: t.text}, nil
	case tokField:
		if t.text == "contents" {
			return &TermQuery{Text: t.value}, nil
		}
		return &FieldQuery{Field: t.text, Value: t.value}, nil
	case tokWord:
		return &TermQuery{Text: t.text}, nil
	case tokRParen:
		return nil, p.errAt(p.byteOff(t), "unbalanced parenthesis: ')' without '('")
	}
	return nil, p.errAt(p.byteOff(t), fmt.Sprintf("unexpected %q", t.text))
}
