package jinja

import (
	"fmt"
	"unicode"
)

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Expression nodes.
type (
	expr interface{ pos() int }

	constExpr struct {
		line int
		val  any
	}
	nameExpr struct {
		line int
		name string
	}
	listExpr struct {
		line  int
		items []expr
		tuple bool
	}
	dictExpr struct {
		line int
		keys []expr
		vals []expr
	}
	getattrExpr struct {
		line int
		obj  expr
		attr string
	}
	getitemExpr struct {
		line int
		obj  expr
		key  expr
	}
	sliceExpr struct {
		line              int
		obj               expr
		start, stop, step expr // nil when omitted
	}
	callExpr struct {
		line   int
		fn     expr
		args   []expr
		kwargs map[string]expr
	}
	filterExpr struct {
		line   int
		obj    expr
		name   string
		args   []expr
		kwargs map[string]expr
	}
	testExpr struct {
		line   int
		obj    expr
		name   string
		negate bool
		args   []expr
	}
	unaryExpr struct {
		line int
		op   string // "-", "+", "not"
		x    expr
	}
	binExpr struct {
		line int
		op   string
		l, r expr
	}
	compareExpr struct {
		line  int
		first expr
		ops   []string
		rest  []expr
	}
	condExpr struct {
		line    int
		test    expr
		yes, no expr // no may be nil
	}
)

func (e *constExpr) pos() int   { return e.line }
func (e *nameExpr) pos() int    { return e.line }
func (e *listExpr) pos() int    { return e.line }
func (e *dictExpr) pos() int    { return e.line }
func (e *getattrExpr) pos() int { return e.line }
func (e *getitemExpr) pos() int { return e.line }
func (e *sliceExpr) pos() int   { return e.line }
func (e *callExpr) pos() int    { return e.line }
func (e *filterExpr) pos() int  { return e.line }
func (e *testExpr) pos() int    { return e.line }
func (e *unaryExpr) pos() int   { return e.line }
func (e *binExpr) pos() int     { return e.line }
func (e *compareExpr) pos() int { return e.line }
func (e *condExpr) pos() int    { return e.line }

// Statement nodes.
type (
	node interface{}

	textNode   struct{ text string }
	outputNode struct{ x expr }
	ifNode     struct {
		conds  []expr
		bodies [][]node // len(bodies) == len(conds) or +1 for else
	}
	forNode struct {
		line    int
		targets []string
		iter    expr
		filter  expr
		body    []node
		orElse  []node
	}
	setNode struct {
		line    int
		targets []string
		attr    string // set ns.attr
		x       expr
		body    []node // block set
		filters []*filterExpr
	}
)

type parser struct {
	segs []segment
	si   int
	toks []token
	ti   int
}

// parse builds the statement tree.
func parse(segs []segment) ([]node, error) {
	p := &parser{segs: segs}
	body, end, err := p.parseBody(nil)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, &SyntaxError{p.line(), fmt.Sprintf("unexpected '%s'", end)}
	}
	return body, nil
}

func (p *parser) line() int {
	if p.toks != nil && p.ti < len(p.toks) {
		return p.toks[p.ti].line
	}
	if p.si > 0 && p.si <= len(p.segs) {
		return p.segs[p.si-1].line
	}
	return 1
}

// parseBody parses nodes until a statement whose keyword is in ends; it
// returns that keyword (with its tokens current) or "" at the end.
func (p *parser) parseBody(ends []string) ([]node, string, error) {
	var out []node
	for p.si < len(p.segs) {
		seg := p.segs[p.si]
		p.si++
		switch seg.kind {
		case segText:
			out = append(out, &textNode{seg.text})
		case segOutput:
			p.toks, p.ti = seg.toks, 0
			x, err := p.parseTuple(true)
			if err != nil {
				return nil, "", err
			}
			if err := p.expect(tkVariableEnd, ""); err != nil {
				return nil, "", err
			}
			out = append(out, &outputNode{x})
		case segStmt:
			p.toks, p.ti = seg.toks, 0
			kw := p.cur()
			if kw.kind != tkName {
				return nil, "", &SyntaxError{kw.line, "expected a statement name, got " + kw.String()}
			}
			for _, e := range ends {
				if kw.val == e {
					p.ti++
					return out, e, nil
				}
			}
			p.ti++
			n, err := p.parseStatement(kw)
			if err != nil {
				return nil, "", err
			}
			out = append(out, n)
		}
	}
	if ends != nil {
		return nil, "", &SyntaxError{p.line(), fmt.Sprintf("unexpected end of template, expected one of %v", ends)}
	}
	return out, "", nil
}

func (p *parser) parseStatement(kw token) (node, error) {
	switch kw.val {
	case "if":
		return p.parseIf()
	case "for":
		return p.parseFor(kw.line)
	case "set":
		return p.parseSet(kw.line)
	case "endif", "endfor", "else", "elif", "endset":
		return nil, &SyntaxError{kw.line, fmt.Sprintf("unexpected '%s'", kw.val)}
	}
	return nil, &SyntaxError{kw.line, fmt.Sprintf("statement '%s' is not supported (supported: if, for, set, raw)", kw.val)}
}

func (p *parser) parseIf() (node, error) {
	n := &ifNode{}
	for {
		cond, err := p.parseTuple(true)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tkBlockEnd, ""); err != nil {
			return nil, err
		}
		body, end, err := p.parseBody([]string{"elif", "else", "endif"})
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if err := p.expect(tkBlockEnd, ""); err != nil {
				return nil, err
			}
			body, _, err := p.parseBody([]string{"endif"})
			if err != nil {
				return nil, err
			}
			n.bodies = append(n.bodies, body)
		}
		return n, p.expect(tkBlockEnd, "")
	}
}

func (p *parser) parseFor(line int) (node, error) {
	n := &forNode{line: line}
	for {
		t := p.cur()
		if t.kind != tkName {
			return nil, &SyntaxError{t.line, "expected a loop variable name, got " + t.String()}
		}
		n.targets = append(n.targets, t.val)
		p.ti++
		if !p.skipOp(",") {
			break
		}
	}
	if !p.skipName("in") {
		return nil, &SyntaxError{p.cur().line, "expected 'in' in for loop"}
	}
	iter, err := p.parseTupleNoCond()
	if err != nil {
		return nil, err
	}
	n.iter = iter
	if p.skipName("if") {
		if n.filter, err = p.parseTuple(true); err != nil {
			return nil, err
		}
	}
	if p.cur().kind == tkName && p.cur().val == "recursive" {
		return nil, &SyntaxError{p.cur().line, "recursive loops are not supported"}
	}
	if err := p.expect(tkBlockEnd, ""); err != nil {
		return nil, err
	}
	body, end, err := p.parseBody([]string{"else", "endfor"})
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if err := p.expect(tkBlockEnd, ""); err != nil {
			return nil, err
		}
		if n.orElse, _, err = p.parseBody([]string{"endfor"}); err != nil {
			return nil, err
		}
	}
	return n, p.expect(tkBlockEnd, "")
}

func (p *parser) parseSet(line int) (node, error) {
	n := &setNode{line: line}
	for {
		t := p.cur()
		if t.kind != tkName {
			return nil, &SyntaxError{t.line, "expected a variable name after set, got " + t.String()}
		}
		p.ti++
		if p.skipOp(".") {
			a := p.cur()
			if a.kind != tkName {
				return nil, &SyntaxError{a.line, "expected an attribute name"}
			}
			p.ti++
			n.targets = []string{t.val}
			n.attr = a.val
			break
		}
		n.targets = append(n.targets, t.val)
		if !p.skipOp(",") {
			break
		}
	}
	if p.skipOp("=") {
		x, err := p.parseTuple(true)
		if err != nil {
			return nil, err
		}
		n.x = x
		return n, p.expect(tkBlockEnd, "")
	}
	for p.skipOp("|") {
		f, err := p.parseFilterCall(&constExpr{})
		if err != nil {
			return nil, err
		}
		n.filters = append(n.filters, f)
	}
	if err := p.expect(tkBlockEnd, ""); err != nil {
		return nil, err
	}
	body, _, err := p.parseBody([]string{"endset"})
	if err != nil {
		return nil, err
	}
	n.body = body
	return n, p.expect(tkBlockEnd, "")
}

func (p *parser) cur() token {
	if p.ti < len(p.toks) {
		return p.toks[p.ti]
	}
	return token{kind: tkEOF, line: p.line()}
}

func (p *parser) expect(kind tokKind, val string) error {
	t := p.cur()
	if t.kind != kind || (val != "" && t.val != val) {
		want := val
		switch kind {
		case tkBlockEnd:
			want = "%}"
		case tkVariableEnd:
			want = "}}"
		}
		return &SyntaxError{t.line, fmt.Sprintf("expected '%s', got %s", want, t)}
	}
	p.ti++
	return nil
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	return t.kind == tkOp && t.val == op
}

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.ti++
		return true
	}
	return false
}

func (p *parser) isName(n string) bool {
	t := p.cur()
	return t.kind == tkName && t.val == n
}

func (p *parser) skipName(n string) bool {
	if p.isName(n) {
		p.ti++
		return true
	}
	return false
}

// parseTuple parses an expression list; a bare comma makes a tuple, as in
// Jinja2's parse_tuple.
func (p *parser) parseTuple(withCond bool) (expr, error) {
	line := p.cur().line
	var items []expr
	comma := false
	for {
		if len(items) > 0 && p.atTupleEnd() {
			break
		}
		var x expr
		var err error
		if withCond {
			x, err = p.parseExpression()
		} else {
			x, err = p.parseOr()
		}
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		if !p.skipOp(",") {
			break
		}
		comma = true
	}
	if !comma {
		return items[0], nil
	}
	return &listExpr{line: line, items: items, tuple: true}, nil
}

func (p *parser) parseTupleNoCond() (expr, error) { return p.parseTuple(false) }

func (p *parser) atTupleEnd() bool {
	t := p.cur()
	switch t.kind {
	case tkVariableEnd, tkBlockEnd, tkEOF:
		return true
	case tkOp:
		return t.val == ")" || t.val == "]" || t.val == "}"
	case tkName:
		return t.val == "if" || t.val == "in" || t.val == "recursive"
	}
	return false
}

func (p *parser) parseExpression() (expr, error) {
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		line := p.cur().line
		p.ti++
		test, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var no expr
		if p.skipName("else") {
			if no, err = p.parseExpression(); err != nil {
				return nil, err
			}
		}
		x = &condExpr{line: line, test: test, yes: x, no: no}
	}
	return x, nil
}

func (p *parser) parseOr() (expr, error) {
	x, err := p.parseAnd()
	for err == nil && p.isName("or") {
		line := p.cur().line
		p.ti++
		var r expr
		if r, err = p.parseAnd(); err == nil {
			x = &binExpr{line: line, op: "or", l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parseAnd() (expr, error) {
	x, err := p.parseNot()
	for err == nil && p.isName("and") {
		line := p.cur().line
		p.ti++
		var r expr
		if r, err = p.parseNot(); err == nil {
			x = &binExpr{line: line, op: "and", l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		line := p.cur().line
		p.ti++
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{line: line, op: "not", x: x}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (expr, error) {
	line := p.cur().line
	x, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	c := &compareExpr{line: line, first: x}
	for {
		t := p.cur()
		var op string
		switch {
		case t.kind == tkOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.ti++
		case p.isName("in"):
			op = "in"
			p.ti++
		case p.isName("not") && p.ti+1 < len(p.toks) && p.toks[p.ti+1].kind == tkName && p.toks[p.ti+1].val == "in":
			op = "notin"
			p.ti += 2
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
	if len(c.ops) == 0 {
		return x, nil
	}
	return c, nil
}

func (p *parser) parseMath1() (expr, error) {
	x, err := p.parseConcat()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		t := p.cur()
		p.ti++
		var r expr
		if r, err = p.parseConcat(); err == nil {
			x = &binExpr{line: t.line, op: t.val, l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parseConcat() (expr, error) {
	x, err := p.parseMath2()
	for err == nil && p.isOp("~") {
		t := p.cur()
		p.ti++
		var r expr
		if r, err = p.parseMath2(); err == nil {
			x = &binExpr{line: t.line, op: "~", l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parseMath2() (expr, error) {
	x, err := p.parsePow()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%")) {
		t := p.cur()
		p.ti++
		var r expr
		if r, err = p.parsePow(); err == nil {
			x = &binExpr{line: t.line, op: t.val, l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parsePow() (expr, error) {
	x, err := p.parseUnary(true)
	for err == nil && p.isOp("**") {
		t := p.cur()
		p.ti++
		var r expr
		if r, err = p.parseUnary(true); err == nil {
			x = &binExpr{line: t.line, op: "**", l: x, r: r}
		}
	}
	return x, err
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	t := p.cur()
	var x expr
	var err error
	switch {
	case p.isOp("-") || p.isOp("+"):
		p.ti++
		inner, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		x = &unaryExpr{line: t.line, op: t.val, x: inner}
	default:
		if x, err = p.parsePrimary(); err != nil {
			return nil, err
		}
	}
	if x, err = p.parsePostfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterTests(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.cur()
	switch t.kind {
	case tkName:
		p.ti++
		switch t.val {
		case "true", "True":
			return &constExpr{t.line, true}, nil
		case "false", "False":
			return &constExpr{t.line, false}, nil
		case "none", "None":
			return &constExpr{t.line, nil}, nil
		}
		return &nameExpr{t.line, t.val}, nil
	case tkString:
		s := t.val
		p.ti++
		for p.cur().kind == tkString { // implicit concatenation
			s += p.cur().val
			p.ti++
		}
		return &constExpr{t.line, s}, nil
	case tkInt:
		p.ti++
		return &constExpr{t.line, t.ival}, nil
	case tkFloat:
		p.ti++
		return &constExpr{t.line, t.fval}, nil
	case tkOp:
		switch t.val {
		case "(":
			p.ti++
			if p.skipOp(")") {
				return &listExpr{line: t.line, tuple: true}, nil
			}
			x, err := p.parseTuple(true)
			if err != nil {
				return nil, err
			}
			return x, p.expect(tkOp, ")")
		case "[":
			p.ti++
			items, err := p.parseItems("]")
			if err != nil {
				return nil, err
			}
			return &listExpr{line: t.line, items: items}, nil
		case "{":
			p.ti++
			d := &dictExpr{line: t.line}
			for !p.skipOp("}") {
				if len(d.keys) > 0 {
					if err := p.expect(tkOp, ","); err != nil {
						return nil, err
					}
					if p.skipOp("}") {
						break
					}
				}
				k, err := p.parseExpression()
				if err != nil {
					return nil, err
				}
				if err := p.expect(tkOp, ":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpression()
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
			}
			return d, nil
		}
	}
	return nil, &SyntaxError{t.line, "unexpected " + t.String()}
}

func (p *parser) parseItems(end string) ([]expr, error) {
	var items []expr
	for !p.skipOp(end) {
		if len(items) > 0 {
			if err := p.expect(tkOp, ","); err != nil {
				return nil, err
			}
			if p.skipOp(end) {
				break
			}
		}
		x, err := p.parseExpression()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	return items, nil
}

func (p *parser) parsePostfix(x expr) (expr, error) {
	for {
		t := p.cur()
		switch {
		case p.isOp("."):
			p.ti++
			a := p.cur()
			switch a.kind {
			case tkName:
				p.ti++
				x = &getattrExpr{line: a.line, obj: x, attr: a.val}
			case tkInt:
				p.ti++
				x = &getitemExpr{line: a.line, obj: x, key: &constExpr{a.line, a.ival}}
			default:
				return nil, &SyntaxError{a.line, "expected an attribute name after '.'"}
			}
		case p.isOp("["):
			p.ti++
			var err error
			if x, err = p.parseSubscript(x, t.line); err != nil {
				return nil, err
			}
		case p.isOp("("):
			p.ti++
			args, kwargs, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{line: t.line, fn: x, args: args, kwargs: kwargs}
		default:
			return x, nil
		}
	}
}

func (p *parser) parseSubscript(obj expr, line int) (expr, error) {
	var parts [3]expr
	n := 0
	isSlice := false
	for {
		if p.isOp(":") {
			isSlice = true
			p.ti++
			n++
			if n > 2 {
				return nil, &SyntaxError{line, "too many ':' in slice"}
			}
			continue
		}
		if p.skipOp("]") {
			break
		}
		x, err := p.parseExpression()
		if err != nil {
			return nil, err
		}
		parts[n] = x
		if !p.isOp(":") {
			if err := p.expect(tkOp, "]"); err != nil {
				return nil, err
			}
			break
		}
	}
	if !isSlice {
		if parts[0] == nil {
			return nil, &SyntaxError{line, "empty subscript"}
		}
		return &getitemExpr{line: line, obj: obj, key: parts[0]}, nil
	}
	return &sliceExpr{line: line, obj: obj, start: parts[0], stop: parts[1], step: parts[2]}, nil
}

func (p *parser) parseArgs() ([]expr, map[string]expr, error) {
	var args []expr
	var kwargs map[string]expr
	for !p.skipOp(")") {
		if len(args)+len(kwargs) > 0 {
			if err := p.expect(tkOp, ","); err != nil {
				return nil, nil, err
			}
			if p.skipOp(")") {
				break
			}
		}
		t := p.cur()
		if t.kind == tkName && p.ti+1 < len(p.toks) && p.toks[p.ti+1].kind == tkOp && p.toks[p.ti+1].val == "=" {
			p.ti += 2
			v, err := p.parseExpression()
			if err != nil {
				return nil, nil, err
			}
			if kwargs == nil {
				kwargs = map[string]expr{}
			}
			kwargs[t.val] = v
			continue
		}
		if kwargs != nil {
			return nil, nil, &SyntaxError{t.line, "positional argument after keyword argument"}
		}
		v, err := p.parseExpression()
		if err != nil {
			return nil, nil, err
		}
		args = append(args, v)
	}
	return args, kwargs, nil
}

func (p *parser) parseFilterTests(x expr) (expr, error) {
	for {
		switch {
		case p.isOp("|"):
			p.ti++
			f, err := p.parseFilterCall(x)
			if err != nil {
				return nil, err
			}
			x = f
		case p.isName("is"):
			line := p.cur().line
			p.ti++
			te := &testExpr{line: line, obj: x}
			if p.skipName("not") {
				te.negate = true
			}
			name := p.cur()
			if name.kind != tkName {
				return nil, &SyntaxError{name.line, "expected a test name after 'is'"}
			}
			p.ti++
			te.name = name.val
			for p.skipOp(".") {
				te.name += "." + p.cur().val
				p.ti++
			}
			if p.skipOp("(") {
				args, _, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				te.args = args
			} else if p.startsPrimary() {
				arg, err := p.parsePrimary()
				if err != nil {
					return nil, err
				}
				if arg, err = p.parsePostfix(arg); err != nil {
					return nil, err
				}
				te.args = []expr{arg}
			}
			x = te
		case p.isOp("("):
			p.ti++
			args, kwargs, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{line: p.cur().line, fn: x, args: args, kwargs: kwargs}
		default:
			return x, nil
		}
	}
}

// startsPrimary reports whether a test's single bare argument follows, as
// in "x is divisibleby 3"; keywords that continue the expression do not.
func (p *parser) startsPrimary() bool {
	t := p.cur()
	switch t.kind {
	case tkString, tkInt, tkFloat:
		return true
	case tkName:
		switch t.val {
		case "else", "or", "and", "is", "in", "if", "not":
			return false
		}
		return true
	case tkOp:
		return t.val == "[" || t.val == "{"
	}
	return false
}

func (p *parser) parseFilterCall(obj expr) (*filterExpr, error) {
	name := p.cur()
	if name.kind != tkName {
		return nil, &SyntaxError{name.line, "expected a filter name after '|'"}
	}
	p.ti++
	f := &filterExpr{line: name.line, obj: obj, name: name.val}
	for p.skipOp(".") {
		f.name += "." + p.cur().val
		p.ti++
	}
	if p.skipOp("(") {
		args, kwargs, err := p.parseArgs()
		if err != nil {
			return nil, err
		}
		f.args, f.kwargs = args, kwargs
	}
	return f, nil
}
