package mathcheck

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// ErrParse is wrapped by every error of the LaTeX parser.
var ErrParse = errors.New("mathcheck: cannot parse")

// maxDepth bounds the parser's recursion ("((((…" and "{{{{…").
const maxDepth = 200

type tokKind int

const (
	tEOF     tokKind = iota
	tNum             // digits with an optional decimal point
	tLetter          // one letter (implicit products: xy is x·y)
	tCmd             // \name or \c (one non-letter)
	tSym             // one character: + - * / ^ _ ( ) [ ] { } | , ; = < > ! & ' %
	tUnicode         // a rune outside ASCII with a meaning (π, ∞, √, ·, ×, −, °, ≤, ≥)
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// lex splits s into tokens, dropping white space and TeX spacing.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '~' || c == '$':
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			j = scientific(s, j)
			toks = append(toks, token{tNum, s[i:j], i})
			i = j
		case isASCIILetter(c):
			toks = append(toks, token{tLetter, s[i : i+1], i})
			i++
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("%w: lone backslash at the end", ErrParse)
			}
			j := i + 1
			if isASCIILetter(s[j]) {
				for j < len(s) && isASCIILetter(s[j]) {
					j++
				}
			} else {
				_, n := utf8.DecodeRuneInString(s[j:])
				j += n
			}
			name := s[i+1 : j]
			i = j
			if spacing[name] {
				if (name == "left" || name == "right") && i < len(s) && s[i] == '.' {
					i++ // \left. and \right. are invisible delimiters
				}
				continue
			}
			toks = append(toks, token{tCmd, name, i - len(name) - 1})
		case c < utf8.RuneSelf:
			if !strings.ContainsRune("+-*/^_()[]{}|,;=<>!&'%:", rune(c)) {
				return nil, fmt.Errorf("%w: unexpected %q at %d", ErrParse, c, i)
			}
			toks = append(toks, token{tSym, s[i : i+1], i})
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if _, ok := unicodeMeaning[r]; !ok {
				return nil, fmt.Errorf("%w: unexpected %q at %d", ErrParse, r, i)
			}
			toks = append(toks, token{tUnicode, s[i : i+n], i})
			i += n
		}
	}
	return toks, nil
}

// scientific extends a number ending at j over an exponent such as e-3
// when one follows directly ("1.5e-3"; "2e" alone stays 2·e).
func scientific(s string, j int) int {
	if j >= len(s) || s[j] != 'e' && s[j] != 'E' {
		return j
	}
	k := j + 1
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k >= len(s) || s[k] < '0' || s[k] > '9' {
		return j
	}
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k < len(s) && isASCIILetter(s[k]) {
		return j
	}
	return k
}

// spacing are TeX commands that only affect layout (and \$, a currency
// sign: \$18.90 is 18.90).
var spacing = map[string]bool{
	",": true, "!": true, ";": true, ":": true, " ": true, "quad": true, "qquad": true,
	"displaystyle": true, "textstyle": true, "left": true, "right": true, "big": true,
	"Big": true, "bigg": true, "Bigg": true, "bigl": true, "bigr": true, "Bigl": true,
	"Bigr": true, "biggl": true, "biggr": true, "limits": true, "nolimits": true,
	"middle": true, "$": true, "hfill": true, "enspace": true, "thinspace": true, "negthinspace": true,
}

// unicodeMeaning maps the non-ASCII characters that answers use to the
// TeX they stand for.
var unicodeMeaning = map[rune]string{
	'π': `\pi`, '∞': `\infty`, '√': `\sqrt`, '·': `\cdot`, '×': `\times`, '÷': `\div`,
	'−': "-", '–': "-", '°': `\circ`, '≤': `\le`, '≥': `\ge`, '≠': `\ne`, '±': `\pm`,
	'∪': `\cup`, 'θ': `\theta`, 'α': `\alpha`, 'β': `\beta`, '∅': `\emptyset`,
}

// nodeKind is the kind of a parsed expression.
type nodeKind int

const (
	nNum     nodeKind = iota // num
	nVar                     // name: x, x_1, \alpha
	nPi                      // π
	nInf                     // ∞
	nAdd                     // args summed
	nMul                     // args multiplied
	nNeg                     // -args[0]
	nDiv                     // args[0] / args[1]
	nPow                     // args[0] ^ args[1]
	nRoot                    // args[0] = index, args[1] = radicand
	nFunc                    // name(args[0]); log has a base in args[1]
	nFact                    // args[0]!
	nAbs                     // |args[0]|
	nFloor                   // ⌊args[0]⌋
	nCeil                    // ⌈args[0]⌉
	nBinom                   // binom(args[0], args[1])
	nPercent                 // args[0] %
	nDegree                  // args[0] °
	nPM                      // args[0] ± args[1] (args[0] nil for unary ±)
	nSeq                     // bracketed list: open, close, args
	nList                    // bare comma list
	nSet                     // \{ args \}
	nUnion                   // args joined by ∪
	nMatrix                  // rows of cells: args are rows (nList each)
	nRel                     // args[0] op args[1]
	nText                    // text: name
	nEmpty                   // the empty set
)

type node struct {
	kind        nodeKind
	num         *big.Rat
	name        string
	args        []*node
	open, close string
}

func (n *node) isList() bool {
	switch n.kind {
	case nSeq, nList, nSet, nUnion, nMatrix, nEmpty:
		return true
	}
	return false
}

type parser struct {
	toks  []token
	i     int
	depth int
	abs   int // open |…| groups, so a "|" closes instead of multiplying
	src   string
}

// parseLatex parses an answer into an expression tree.
func parseLatex(s string) (*node, error) { return parseDepth(s, 0) }

// parseDepth parses s as nested depth levels deep (for \text{…} content).
func parseDepth(s string, depth int) (*node, error) {
	s = stripMathDelimiters(strings.TrimSpace(s))
	s = strings.TrimRight(s, " .")
	if s == "" {
		return nil, fmt.Errorf("%w: empty answer", ErrParse)
	}
	if v, ok := thousands(s); ok {
		return &node{kind: nNum, num: v}, nil
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	toks = rewriteUnicode(toks)
	p := &parser{toks: toks, src: s, depth: depth}
	n, err := p.list(tEOF, "")
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.errorf("unexpected %q", p.peek().text)
	}
	return n, nil
}

func rewriteUnicode(toks []token) []token {
	for i, t := range toks {
		if t.kind != tUnicode {
			continue
		}
		m := unicodeMeaning[[]rune(t.text)[0]]
		if m[0] == '\\' {
			toks[i] = token{tCmd, m[1:], t.pos}
		} else {
			toks[i] = token{tSym, m, t.pos}
		}
	}
	return toks
}

// stripMathDelimiters removes $…$, $$…$$, \[…\] and \(…\) around s.
func stripMathDelimiters(s string) string {
	for _, d := range [][2]string{{"$$", "$$"}, {"$", "$"}, {`\[`, `\]`}, {`\(`, `\)`}} {
		if len(s) >= len(d[0])+len(d[1]) && strings.HasPrefix(s, d[0]) && strings.HasSuffix(s, d[1]) {
			return strings.TrimSpace(s[len(d[0]) : len(s)-len(d[1])])
		}
	}
	return s
}

// thousands reads "1,234,567.5" (groups of three digits) as one number.
func thousands(s string) (*big.Rat, bool) {
	t := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(t, ".")
	groups := strings.Split(intPart, ",")
	if len(groups) < 2 || len(groups[0]) == 0 || len(groups[0]) > 3 || groups[0][0] == '0' {
		return nil, false
	}
	for i, g := range groups {
		if i > 0 && len(g) != 3 || !allDigits(g) {
			return nil, false
		}
	}
	if strings.Contains(t, ".") && !allDigits(frac) {
		return nil, false
	}
	v, ok := new(big.Rat).SetString(strings.ReplaceAll(s, ",", ""))
	return v, ok
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{kind: tEOF, pos: len(p.src)}
}

func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *parser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

func (p *parser) accept(kind tokKind, text string) bool {
	if p.is(kind, text) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(kind tokKind, text string) error {
	if !p.accept(kind, text) {
		return p.errorf("expected %q, found %q", text, p.peek().text)
	}
	return nil
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("%w: %s at %d", ErrParse, fmt.Sprintf(format, a...), p.peek().pos)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("nested deeper than %d", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// atClose reports whether the next token ends the current list.
func (p *parser) atClose(endKind tokKind, end string) bool {
	t := p.peek()
	if t.kind == tEOF {
		return true
	}
	if endKind == tEOF {
		return false
	}
	if t.kind == endKind && t.text == end {
		return true
	}
	// Intervals close with the other bracket: [2,5) and (1,4].
	if end == ")" || end == "]" {
		return t.kind == tSym && (t.text == ")" || t.text == "]")
	}
	return false
}

// list parses comma-separated items up to the closing token (not
// consumed); one item is returned as it is.
func (p *parser) list(endKind tokKind, end string) (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var items []*node
	for {
		if p.atClose(endKind, end) && len(items) > 0 {
			// A trailing comma: "1, 2,".
			break
		}
		if p.peek().kind == tCmd && ellipsis[p.peek().text] {
			p.next()
			items = append(items, &node{kind: nText, name: "..."})
		} else {
			n, err := p.relation()
			if err != nil {
				return nil, err
			}
			items = append(items, n)
		}
		if p.atTextWord() {
			p.next()
			p.rawGroup()
			p.accept(tSym, ",")
			continue
		}
		if !p.accept(tSym, ",") && !p.accept(tSym, ";") {
			break
		}
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &node{kind: nList, args: items}, nil
}

var ellipsis = map[string]bool{"ldots": true, "dots": true, "cdots": true, "dotsc": true, "dotsb": true}

var relations = map[string]string{
	"=": "=", "<": "<", ">": ">", "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=",
	"geq": ">=", "geqslant": ">=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">", "in": "in",
	"approx": "=", "equiv": "=", "to": "->", "rightarrow": "->", "Rightarrow": "=>",
}

func (p *parser) relOp() (string, bool) {
	t := p.peek()
	if t.kind == tSym || t.kind == tCmd {
		if op, ok := relations[t.text]; ok && (t.kind == tCmd) == (len(t.text) > 1) {
			p.next()
			if t.kind == tSym && (t.text == "<" || t.text == ">") && p.accept(tSym, "=") {
				op += "="
			}
			return op, true
		}
	}
	return "", false
}

// relation parses a chain such as a < b <= c as nested relations.
func (p *parser) relation() (*node, error) {
	left, err := p.union()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.relOp()
		if !ok {
			return left, nil
		}
		right, err := p.union()
		if err != nil {
			return nil, err
		}
		left = &node{kind: nRel, name: op, args: []*node{left, right}}
	}
}

func (p *parser) union() (*node, error) {
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	parts := []*node{first}
	for p.accept(tCmd, "cup") {
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		parts = append(parts, n)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return &node{kind: nUnion, args: parts}, nil
}

// expr parses sums: terms joined by +, - and ±.
func (p *parser) expr() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var terms, pm []*node
	for {
		sign, plusMinus := 1, false
		switch {
		case p.accept(tSym, "+"):
		case p.accept(tSym, "-"):
			sign = -1
		case p.accept(tCmd, "pm"), p.accept(tCmd, "mp"):
			plusMinus = true
		default:
			if len(terms)+len(pm) > 0 {
				return p.sum(terms, pm)
			}
		}
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		switch {
		case plusMinus:
			pm = append(pm, t)
		case sign < 0:
			terms = append(terms, &node{kind: nNeg, args: []*node{t}})
		default:
			terms = append(terms, t)
		}
	}
}

// sum joins the terms of expr; each ± term makes a ± node around the rest.
func (p *parser) sum(terms, pm []*node) (*node, error) {
	var s *node
	switch len(terms) {
	case 0:
	case 1:
		s = terms[0]
	default:
		s = &node{kind: nAdd, args: terms}
	}
	for _, t := range pm {
		s = &node{kind: nPM, args: []*node{s, t}}
	}
	return s, nil
}

// term parses products: factors joined by *, \cdot, \times, /, \div or
// written side by side.
func (p *parser) term() (*node, error) {
	f, err := p.unary()
	if err != nil {
		return nil, err
	}
	factors := []*node{f}
	for {
		switch {
		case p.accept(tSym, "*"), p.accept(tCmd, "cdot"), p.accept(tCmd, "times"), p.accept(tCmd, "ast"):
			g, err := p.unary()
			if err != nil {
				return nil, err
			}
			factors = append(factors, g)
		case p.accept(tSym, "/"), p.accept(tCmd, "div"), p.accept(tSym, ":"):
			g, err := p.unary()
			if err != nil {
				return nil, err
			}
			factors = []*node{{kind: nDiv, args: []*node{product(factors), g}}}
		case p.accept(tCmd, "%"), p.accept(tSym, "%"):
			// A percent sign applies to the quantity before it: 33\frac{1}{3}\%.
			factors = []*node{{kind: nPercent, args: []*node{product(factors)}}}
		case p.startsFactor():
			g, err := p.power()
			if err != nil {
				return nil, err
			}
			if mixed := mixedNumber(factors, g); mixed != nil {
				factors = []*node{mixed}
				continue
			}
			if isUnit(g) {
				continue
			}
			factors = append(factors, g)
		default:
			return product(factors), nil
		}
	}
}

func product(fs []*node) *node {
	if len(fs) == 1 {
		return fs[0]
	}
	return &node{kind: nMul, args: fs}
}

// mixedNumber reads 3\frac{1}{2} as 3½, the way MATH writes mixed numbers.
func mixedNumber(factors []*node, next *node) *node {
	if len(factors) != 1 || factors[0].kind != nNum || !factors[0].num.IsInt() || next.kind != nDiv || next.name != "frac" {
		return nil
	}
	a, b := next.args[0], next.args[1]
	if a.kind != nNum || b.kind != nNum || !a.num.IsInt() || !b.num.IsInt() {
		return nil
	}
	return &node{kind: nAdd, args: []*node{factors[0], next}}
}

// startsFactor reports whether the next token begins a factor written
// right after another (implicit multiplication).
func (p *parser) startsFactor() bool {
	t := p.peek()
	switch t.kind {
	case tNum, tLetter:
		return true
	case tSym:
		switch t.text {
		case "(", "[", "{":
			return true
		case "|":
			return p.abs == 0
		}
	case tCmd:
		if p.atTextWord() {
			return false
		}
		return startsCommand(t.text, p.abs)
	}
	return false
}

// startsCommand reports whether command name begins a primary.
func startsCommand(name string, abs int) bool {
	if greek[name] || functions[name] || textCommands[name] || namedObjects[name] {
		return true
	}
	switch name {
	case "pi", "infty", "infinity", "emptyset", "varnothing", "frac", "dfrac", "tfrac", "cfrac",
		"binom", "dbinom", "tbinom", "sqrt", "operatorname", "{", "lfloor", "lceil", "lvert",
		"langle", "boxed", "fbox", "begin":
		return true
	case "vert", "|":
		return abs == 0
	}
	return false
}

// namedObjects are commands whose argument names an object: \mathbf{v},
// \overline{AB}, \mathbb{R}.
var namedObjects = map[string]bool{
	"mathbf": true, "vec": true, "mathit": true, "bm": true, "boldsymbol": true, "hat": true,
	"bar": true, "tilde": true, "overline": true, "mathcal": true, "mathbb": true,
}

// atTextWord reports whether the next tokens are \text{and} or \text{or},
// which separate the items of a list.
func (p *parser) atTextWord() bool {
	t := p.peek()
	if t.kind != tCmd || !textCommands[t.text] {
		return false
	}
	save := p.i
	defer func() { p.i = save }()
	p.next()
	s, err := p.rawGroup()
	if err != nil {
		return false
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ","))
	return s == "and" || s == "or"
}

// unary parses a factor with leading signs.
func (p *parser) unary() (*node, error) {
	if p.accept(tSym, "-") {
		f, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nNeg, args: []*node{f}}, nil
	}
	if p.accept(tSym, "+") {
		return p.unary()
	}
	if p.accept(tCmd, "pm") || p.accept(tCmd, "mp") {
		f, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nPM, args: []*node{nil, f}}, nil
	}
	return p.power()
}

// power parses a primary with postfix operators and exponents.
func (p *parser) power() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept(tSym, "^"):
			if p.accept(tCmd, "circ") || p.is(tSym, "{") && p.isDegreeGroup() {
				base = &node{kind: nDegree, args: []*node{base}}
				continue
			}
			e, err := p.arg()
			if err != nil {
				return nil, err
			}
			base = &node{kind: nPow, args: []*node{base, e}}
		case p.accept(tSym, "!"):
			base = &node{kind: nFact, args: []*node{base}}
		case p.accept(tCmd, "degree"), p.accept(tCmd, "circ"):
			base = &node{kind: nDegree, args: []*node{base}}
		case p.is(tSym, "'"):
			return nil, p.errorf("primes are not supported")
		default:
			return base, nil
		}
	}
}

// isDegreeGroup reports whether the tokens are {\circ}.
func (p *parser) isDegreeGroup() bool {
	if p.i+2 < len(p.toks) && p.toks[p.i+1].kind == tCmd && p.toks[p.i+1].text == "circ" && p.toks[p.i+2].kind == tSym && p.toks[p.i+2].text == "}" {
		p.i += 3
		return true
	}
	return false
}

// arg parses a TeX argument: a braced group or a single token (one digit
// of a number: x^23 is x²·3).
func (p *parser) arg() (*node, error) {
	t := p.peek()
	switch {
	case t.kind == tSym && t.text == "{":
		p.next()
		n, err := p.list(tSym, "}")
		if err != nil {
			return nil, err
		}
		return n, p.expect(tSym, "}")
	case t.kind == tNum:
		if len(t.text) > 1 && t.text[0] != '.' {
			// Split off the first digit; the rest stays a token.
			p.toks[p.i] = token{tNum, t.text[1:], t.pos + 1}
			return numberNode(t.text[:1])
		}
		p.next()
		return numberNode(t.text)
	case t.kind == tLetter:
		p.next()
		return &node{kind: nVar, name: t.text}, nil
	case t.kind == tSym && t.text == "-":
		// x^-1, common in answers though not TeX.
		p.next()
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		return &node{kind: nNeg, args: []*node{a}}, nil
	case t.kind == tCmd, t.kind == tSym && t.text == "(":
		return p.primary()
	}
	return nil, p.errorf("expected an argument, found %q", t.text)
}

func numberNode(text string) (*node, error) {
	text = strings.TrimSuffix(text, ".")
	v, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, fmt.Errorf("%w: bad number %q", ErrParse, text)
	}
	return &node{kind: nNum, num: v}, nil
}

// primary parses a number, a variable, a constant, a bracketed group or a
// command.
func (p *parser) primary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.next()
	switch t.kind {
	case tNum:
		n, err := numberNode(t.text)
		if err != nil {
			return nil, err
		}
		return p.repeating(n, t.text)
	case tLetter:
		return p.variable(t.text)
	case tSym:
		switch t.text {
		case "(", "[":
			return p.bracket(t.text)
		case "{":
			n, err := p.list(tSym, "}")
			if err != nil {
				return nil, err
			}
			return n, p.expect(tSym, "}")
		case "|":
			p.abs++
			n, err := p.expr()
			p.abs--
			if err != nil {
				return nil, err
			}
			return &node{kind: nAbs, args: []*node{n}}, p.expect(tSym, "|")
		}
	case tCmd:
		return p.command(t)
	case tEOF:
		return nil, p.errorf("unexpected end")
	}
	p.i--
	return nil, p.errorf("unexpected %q", t.text)
}

// repeating reads 0.\overline{3} as the repeating decimal 0.333….
func (p *parser) repeating(n *node, text string) (*node, error) {
	if !p.is(tCmd, "overline") || !strings.Contains(text, ".") {
		return n, nil
	}
	save := p.i
	p.next()
	if !p.accept(tSym, "{") || p.peek().kind != tNum || strings.Contains(p.peek().text, ".") {
		p.i = save
		return n, nil
	}
	digits := p.next().text
	if !p.accept(tSym, "}") {
		p.i = save
		return n, nil
	}
	// x.ab(cd) = x.ab + 0.00cd / (1 - 10^-len(cd))
	_, frac, _ := strings.Cut(text, ".")
	rep, _ := new(big.Rat).SetString(digits)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	period := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(digits))), nil)
	den := new(big.Int).Mul(scale, new(big.Int).Sub(period, big.NewInt(1)))
	rep.Quo(rep, new(big.Rat).SetInt(den))
	return &node{kind: nNum, num: new(big.Rat).Add(n.num, rep)}, nil
}

// variable reads a letter with an optional subscript: x, x_1, a_{n}.
func (p *parser) variable(name string) (*node, error) {
	if p.accept(tSym, "_") {
		sub, err := p.subscript()
		if err != nil {
			return nil, err
		}
		name += "_" + sub
	}
	return &node{kind: nVar, name: name}, nil
}

// subscript returns a subscript's text: one token or a braced group.
func (p *parser) subscript() (string, error) {
	if p.accept(tSym, "{") {
		var b strings.Builder
		for !p.is(tSym, "}") {
			t := p.next()
			if t.kind == tEOF {
				return "", p.errorf("unclosed subscript")
			}
			b.WriteString(t.text)
		}
		p.next()
		return b.String(), nil
	}
	t := p.next()
	if t.kind == tEOF {
		return "", p.errorf("missing subscript")
	}
	if t.kind == tNum {
		// x_12 is x_1 · 2 in TeX.
		if len(t.text) > 1 {
			p.i--
			p.toks[p.i] = token{tNum, t.text[1:], t.pos + 1}
			return t.text[:1], nil
		}
	}
	return t.text, nil
}

// bracket parses (…) or […]: a group, a tuple or an interval.
func (p *parser) bracket(open string) (*node, error) {
	n, err := p.list(tSym, map[string]string{"(": ")", "[": "]"}[open])
	if err != nil {
		return nil, err
	}
	closeTok := p.next()
	if closeTok.kind != tSym || closeTok.text != ")" && closeTok.text != "]" {
		return nil, p.errorf("unclosed %q", open)
	}
	if n.kind != nList && open == "(" && closeTok.text == ")" {
		return n, nil
	}
	if n.kind != nList && open == "[" && closeTok.text == "]" {
		return n, nil
	}
	items := []*node{n}
	if n.kind == nList {
		items = n.args
	}
	return &node{kind: nSeq, open: open, close: closeTok.text, args: items}, nil
}

// greek letters and other names that are variables.
var greek = map[string]bool{
	"alpha": true, "beta": true, "gamma": true, "delta": true, "epsilon": true, "varepsilon": true,
	"zeta": true, "eta": true, "theta": true, "vartheta": true, "iota": true, "kappa": true,
	"lambda": true, "mu": true, "nu": true, "xi": true, "rho": true, "varrho": true, "sigma": true,
	"varsigma": true, "tau": true, "upsilon": true, "phi": true, "varphi": true, "chi": true,
	"psi": true, "omega": true, "Gamma": true, "Delta": true, "Theta": true, "Lambda": true,
	"Xi": true, "Pi": true, "Sigma": true, "Upsilon": true, "Phi": true, "Psi": true, "Omega": true,
	"ell": true, "imath": true, "jmath": true,
}

// functions are the named functions the evaluator knows.
var functions = map[string]bool{
	"sin": true, "cos": true, "tan": true, "cot": true, "sec": true, "csc": true,
	"arcsin": true, "arccos": true, "arctan": true, "arccot": true, "arcsec": true, "arccsc": true,
	"sinh": true, "cosh": true, "tanh": true, "coth": true, "ln": true, "log": true, "exp": true,
	"lg": true,
}

// textCommands hold text; their content is a unit after a number and a
// text answer on its own.
var textCommands = map[string]bool{"text": true, "textrm": true, "textit": true, "mbox": true, "mathrm": true, "textnormal": true, "textsf": true, "texttt": true, "textbf": true}

func (p *parser) command(t token) (*node, error) {
	name := t.text
	switch {
	case name == "pi":
		return &node{kind: nPi}, nil
	case name == "infty" || name == "infinity":
		return &node{kind: nInf}, nil
	case name == "emptyset" || name == "varnothing":
		return &node{kind: nEmpty}, nil
	case greek[name]:
		return p.variable(`\` + name)
	case name == "frac" || name == "dfrac" || name == "tfrac" || name == "cfrac":
		return p.twoArgs(&node{kind: nDiv, name: "frac"})
	case name == "binom" || name == "dbinom" || name == "tbinom":
		return p.twoArgs(&node{kind: nBinom})
	case name == "sqrt":
		return p.sqrt()
	case functions[name]:
		return p.function(name)
	case name == "operatorname":
		fn, err := p.rawGroup()
		if err != nil {
			return nil, err
		}
		if !functions[fn] {
			return nil, p.errorf("unknown function %q", fn)
		}
		return p.function(fn)
	case name == "{":
		return p.items(&node{kind: nSet}, tCmd, "}")
	case name == "langle":
		return p.items(&node{kind: nSeq, open: "(", close: ")"}, tCmd, "rangle")
	case name == "lfloor":
		return p.enclosed(nFloor, "rfloor")
	case name == "lceil":
		return p.enclosed(nCeil, "rceil")
	case name == "lvert" || name == "vert" || name == "|":
		return p.absolute()
	case textCommands[name]:
		return p.text()
	case namedObjects[name]:
		// A named object: \mathbf{v}, \overline{AB}, \mathbb{R}.
		s, err := p.rawGroup()
		if err != nil {
			return nil, err
		}
		return &node{kind: nVar, name: `\` + name + "{" + s + "}"}, nil
	case name == "boxed" || name == "fbox" || name == "mathbin" || name == "mathrel" || name == "mathord":
		return p.arg()
	case name == "begin":
		return p.environment()
	}
	p.i--
	return nil, p.errorf(`unknown command \%s`, name)
}

// twoArgs fills n with two TeX arguments (\frac, \binom).
func (p *parser) twoArgs(n *node) (*node, error) {
	for range 2 {
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, a)
	}
	return n, nil
}

// sqrt parses \sqrt[index]{radicand}; the index defaults to 2.
func (p *parser) sqrt() (*node, error) {
	index := &node{kind: nNum, num: big.NewRat(2, 1)}
	if p.accept(tSym, "[") {
		n, err := p.list(tSym, "]")
		if err != nil {
			return nil, err
		}
		if err := p.expect(tSym, "]"); err != nil {
			return nil, err
		}
		index = n
	}
	a, err := p.arg()
	if err != nil {
		return nil, err
	}
	return &node{kind: nRoot, args: []*node{index, a}}, nil
}

// items fills n with the comma-separated items up to the closing token.
func (p *parser) items(n *node, endKind tokKind, end string) (*node, error) {
	l, err := p.list(endKind, end)
	if err != nil {
		return nil, err
	}
	n.args = []*node{l}
	if l.kind == nList {
		n.args = l.args
	}
	return n, p.expect(endKind, end)
}

// enclosed parses an expression up to a closing command (\rfloor).
func (p *parser) enclosed(kind nodeKind, closer string) (*node, error) {
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &node{kind: kind, args: []*node{n}}, p.expect(tCmd, closer)
}

// absolute parses \lvert x \rvert (and \vert, \|).
func (p *parser) absolute() (*node, error) {
	p.abs++
	n, err := p.expr()
	p.abs--
	if err != nil {
		return nil, err
	}
	if !p.accept(tCmd, "rvert") && !p.accept(tCmd, "vert") && !p.accept(tCmd, "|") {
		return nil, p.errorf(`expected \rvert`)
	}
	return &node{kind: nAbs, args: []*node{n}}, nil
}

// function parses \sin x, \sin^2 x, \log_2 8, \ln(x).
func (p *parser) function(name string) (*node, error) {
	var base, power *node
	var err error
	for {
		switch {
		case p.accept(tSym, "_"):
			if base, err = p.arg(); err != nil {
				return nil, err
			}
			continue
		case p.accept(tSym, "^"):
			if power, err = p.arg(); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	var arg *node
	if p.is(tSym, "(") || p.is(tSym, "{") {
		arg, err = p.primary()
	} else {
		arg, err = p.functionArg()
	}
	if err != nil {
		return nil, err
	}
	f := &node{kind: nFunc, name: name, args: []*node{arg}}
	if base != nil {
		if name != "log" {
			return nil, p.errorf(`\%s takes no subscript`, name)
		}
		f.args = append(f.args, base)
	}
	if power != nil {
		if name != "log" && name != "ln" && power.kind == nNeg {
			// \sin^{-1} x is arcsin x.
			if one := power.args[0]; one.kind == nNum && one.num.Cmp(big.NewRat(1, 1)) == 0 && functions["arc"+name] {
				f.name = "arc" + name
				return f, nil
			}
		}
		return &node{kind: nPow, args: []*node{f, power}}, nil
	}
	return f, nil
}

// functionArg parses an argument without parentheses: the factors up to
// the next +, - or explicit operator (\sin 2x is sin(2x)).
func (p *parser) functionArg() (*node, error) {
	f, err := p.power()
	if err != nil {
		return nil, err
	}
	factors := []*node{f}
	for p.startsFactor() && !functionsAhead(p) {
		g, err := p.power()
		if err != nil {
			return nil, err
		}
		factors = append(factors, g)
	}
	return product(factors), nil
}

// functionsAhead stops an argument before another function: \sin x \cos x
// is sin(x)·cos(x).
func functionsAhead(p *parser) bool {
	t := p.peek()
	return t.kind == tCmd && functions[t.text]
}

// rawGroup returns the text of a braced group (or one token) unparsed.
func (p *parser) rawGroup() (string, error) {
	if !p.is(tSym, "{") {
		t := p.next()
		if t.kind == tEOF {
			return "", p.errorf("missing argument")
		}
		return t.text, nil
	}
	start := p.peek().pos + 1
	p.next()
	depth := 1
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return "", p.errorf("unclosed group")
		case t.kind == tSym && t.text == "{":
			depth++
		case t.kind == tSym && t.text == "}":
			depth--
			if depth == 0 {
				return strings.TrimSpace(p.src[start:t.pos]), nil
			}
		}
	}
}

// text parses \text{…}: content that reads as an expression ("\text{(C)}"
// is not one, "\text{5}" is) becomes that expression, anything else a text
// node. A unit after a quantity is dropped by the caller (isUnit).
func (p *parser) text() (*node, error) {
	s, err := p.rawGroup()
	if err != nil {
		return nil, err
	}
	if s == "" {
		return &node{kind: nText, name: ""}, nil
	}
	if !allLetters(s) {
		if n, err := parseDepth(s, p.depth); err == nil {
			return n, nil
		}
	}
	return &node{kind: nText, name: s}, nil
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(s[i]) && s[i] != ' ' && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isUnit reports whether a factor written after a quantity is a unit in
// text (5\text{ cm}, 3\mbox{ hours}) or empty text: it is then dropped.
func isUnit(n *node) bool {
	return n.kind == nText && allLetters(n.name)
}

// environment parses \begin{pmatrix} … \end{pmatrix} and its relatives.
func (p *parser) environment() (*node, error) {
	env, err := p.rawGroup()
	if err != nil {
		return nil, err
	}
	switch env {
	case "pmatrix", "bmatrix", "matrix", "Bmatrix", "smallmatrix", "array":
	default:
		return nil, p.errorf("environment %q is not supported", env)
	}
	if env == "array" && p.is(tSym, "{") {
		if _, err := p.rawGroup(); err != nil { // column spec
			return nil, err
		}
	}
	var rows []*node
	var row []*node
	for {
		if p.is(tCmd, "end") {
			p.next()
			end, err := p.rawGroup()
			if err != nil {
				return nil, err
			}
			if end != env {
				return nil, p.errorf(`\begin{%s} ended by \end{%s}`, env, end)
			}
			break
		}
		cell, err := p.relation()
		if err != nil {
			return nil, err
		}
		row = append(row, cell)
		switch {
		case p.accept(tSym, "&"):
		case p.accept(tCmd, `\`):
			rows = append(rows, &node{kind: nList, args: row})
			row = nil
			if p.is(tCmd, "end") {
				continue
			}
		case p.is(tCmd, "end"):
		default:
			return nil, p.errorf("expected & or \\\\ in %s", env)
		}
	}
	if row != nil {
		rows = append(rows, &node{kind: nList, args: row})
	}
	if len(rows) == 0 {
		return nil, p.errorf("empty %s", env)
	}
	for _, r := range rows[1:] {
		if len(r.args) != len(rows[0].args) {
			return nil, p.errorf("%s rows of different lengths", env)
		}
	}
	return &node{kind: nMatrix, args: rows}, nil
}
