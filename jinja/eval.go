package jinja

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/fmkit/fmkit/internal/py"
)

// Template is a parsed template, safe for concurrent Render calls.
type Template struct {
	src    string
	body   []node
	limits Limits
}

// Limits bound the work of one render, so that a template (from a task
// file or a tokenizer's chat template, both outside input) cannot run for
// minutes or fill memory: a nested loop of 20,000 × 20,000 iterations, or
// a string doubled by ~ in a loop. The zero value means the defaults.
type Limits struct {
	// MaxOutputBytes bounds the rendered text, and every string a render
	// builds on the way (by ~, +, * or a {% set %} block); lists are
	// bounded to MaxOutputBytes/16 items. The default is 16 MiB, far above
	// any prompt (a 128k-token context is about 512 KiB of text).
	MaxOutputBytes int
	// MaxSteps bounds the template nodes run, loop iterations and
	// expressions evaluated in one render. The default is 1,000,000, well
	// under a second of work (AMD EPYC Zen 4) and a hundred times what a
	// chat template takes for a 100-message conversation.
	MaxSteps int
}

// Default render limits (see Limits).
const (
	DefaultMaxOutputBytes = 16 << 20
	DefaultMaxSteps       = 1_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	return l
}

// WithLimits returns a copy of t that renders within l.
func (t *Template) WithLimits(l Limits) *Template {
	c := *t
	c.limits = l
	return &c
}

// ErrLimit is wrapped by the EvalError of a render that exceeds its
// Limits.
var ErrLimit = errors.New("jinja: render limit exceeded")

// Parse parses a template.
func Parse(src string) (*Template, error) {
	segs, err := lex(src)
	if err != nil {
		return nil, err
	}
	body, err := parse(segs)
	if err != nil {
		return nil, err
	}
	return &Template{src: src, body: body}, nil
}

// Source returns the template text.
func (t *Template) Source() string { return t.src }

// UndefinedError is a template that used a name or attribute that does not
// exist (Jinja2's StrictUndefined).
type UndefinedError struct {
	Name string // the missing variable, or "" for a missing attribute
	Msg  string
	Line int
}

func (e *UndefinedError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// EvalError is any other failure while rendering, such as a type error.
type EvalError struct {
	Line int
	Msg  string
	// Err is the sentinel behind the failure, if any (ErrLimit).
	Err error
}

func (e *EvalError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Unwrap returns e.Err.
func (e *EvalError) Unwrap() error { return e.Err }

// undefined is Jinja2's StrictUndefined value.
type undefined struct {
	name string // variable name when the whole name is missing
	msg  string
}

func (u *undefined) fail(line int) error {
	return &UndefinedError{Name: u.name, Msg: u.msg, Line: line}
}

// Render renders the template with vars as the context.
func (t *Template) Render(vars py.Mapping) (string, error) {
	var b strings.Builder
	if err := t.RenderTo(&b, vars); err != nil {
		return "", err
	}
	return b.String(), nil
}

// RenderTo renders into b, within the template's Limits (counting what b
// already holds toward MaxOutputBytes).
func (t *Template) RenderTo(b *strings.Builder, vars py.Mapping) error {
	r := &renderer{out: b, vars: vars, limits: t.limits.withDefaults()}
	return r.exec(t.body)
}

type renderer struct {
	out    *strings.Builder
	vars   py.Mapping
	scopes []map[string]any
	limits Limits
	steps  int
}

// limitError is the error of a render over one of its limits.
func limitError(line int, format string, args ...any) error {
	return &EvalError{Line: line, Msg: fmt.Sprintf(format, args...), Err: ErrLimit}
}

// step counts one node or expression against MaxSteps.
func (r *renderer) step(line int) error {
	r.steps++
	if r.steps > r.limits.MaxSteps {
		return limitError(line, "the render takes more than %d steps (Limits.MaxSteps): a loop too long for a prompt?", r.limits.MaxSteps)
	}
	return nil
}

// write appends s to the output within MaxOutputBytes.
func (r *renderer) write(s string, line int) error {
	if r.out.Len()+len(s) > r.limits.MaxOutputBytes {
		return limitError(line, "the output exceeds %d bytes (Limits.MaxOutputBytes)", r.limits.MaxOutputBytes)
	}
	r.out.WriteString(s)
	return nil
}

// checkSize bounds a string or list the render is about to build: n bytes,
// or n items of a list.
func (r *renderer) checkSize(n int64, list bool, line int) error {
	limit := int64(r.limits.MaxOutputBytes)
	what := "a string of"
	unit := "bytes"
	if list {
		limit /= 16
		what, unit = "a list of", "items"
	}
	if n > limit {
		return limitError(line, "%s %d %s exceeds the limit of %d (Limits.MaxOutputBytes)", what, n, unit, limit)
	}
	return nil
}

// checkBinary bounds the result of ~, + and * before it is built.
func (r *renderer) checkBinary(op string, l, rv any, line int) error {
	size := func(v any) (int64, bool, bool) {
		switch x := v.(type) {
		case string:
			return int64(len(x)), false, true
		case []any:
			return int64(len(x)), true, true
		case py.Tuple:
			return int64(len(x)), true, true
		}
		return 0, false, false
	}
	switch op {
	case "+":
		a, la, ok1 := size(l)
		b, _, ok2 := size(rv)
		if ok1 && ok2 {
			return r.checkSize(a+b, la, line)
		}
	case "*":
		seq, n := l, rv
		if _, ok := asInt(l); ok {
			seq, n = rv, l
		}
		k, ok := asInt(n)
		a, list, isSeq := size(seq)
		if ok && isSeq && k > 0 {
			if a > 0 && k > math.MaxInt64/a {
				return r.checkSize(math.MaxInt64, list, line)
			}
			return r.checkSize(a*k, list, line)
		}
	}
	return nil
}

func (r *renderer) lookup(name string) any {
	for i := len(r.scopes) - 1; i >= 0; i-- {
		if v, ok := r.scopes[i][name]; ok {
			return v
		}
	}
	if r.vars != nil {
		if v, ok := r.vars.Get(name); ok {
			return normalize(v)
		}
	}
	if g, ok := globals[name]; ok {
		return g
	}
	return &undefined{name: name, msg: fmt.Sprintf("'%s' is undefined", name)}
}

func (r *renderer) assign(name string, v any) {
	if len(r.scopes) == 0 {
		r.scopes = append(r.scopes, map[string]any{})
	}
	r.scopes[len(r.scopes)-1][name] = v
}

func (r *renderer) exec(body []node) error {
	for _, n := range body {
		if err := r.execNode(n); err != nil {
			return err
		}
	}
	return nil
}

// nodeLine is a statement's line for errors (0 where it has none).
func nodeLine(n node) int {
	switch n := n.(type) {
	case *outputNode:
		return n.x.pos()
	case *forNode:
		return n.line
	case *setNode:
		return n.line
	case *ifNode:
		if len(n.conds) > 0 {
			return n.conds[0].pos()
		}
	}
	return 0
}

func (r *renderer) execNode(n node) error {
	if err := r.step(nodeLine(n)); err != nil {
		return err
	}
	switch n := n.(type) {
	case *textNode:
		return r.write(n.text, 0)
	case *outputNode:
		v, err := r.eval(n.x)
		if err != nil {
			return err
		}
		s, err := toStr(v, n.x.pos())
		if err != nil {
			return err
		}
		return r.write(s, n.x.pos())
	case *ifNode:
		for i, c := range n.conds {
			v, err := r.eval(c)
			if err != nil {
				return err
			}
			ok, err := truth(v, c.pos())
			if err != nil {
				return err
			}
			if ok {
				return r.exec(n.bodies[i])
			}
		}
		if len(n.bodies) > len(n.conds) {
			return r.exec(n.bodies[len(n.conds)])
		}
	case *forNode:
		return r.execFor(n)
	case *setNode:
		return r.execSet(n)
	}
	return nil
}

func (r *renderer) execSet(n *setNode) error {
	var v any
	if n.body != nil {
		var b strings.Builder
		saved := r.out
		r.out = &b
		err := r.exec(n.body)
		r.out = saved
		if err != nil {
			return err
		}
		v = b.String()
		for _, f := range n.filters {
			var err error
			if v, err = r.applyFilter(f, v); err != nil {
				return err
			}
		}
	} else {
		var err error
		if v, err = r.eval(n.x); err != nil {
			return err
		}
	}
	if n.attr != "" {
		ns, ok := r.lookup(n.targets[0]).(*namespace)
		if !ok {
			return &EvalError{Line: n.line, Msg: fmt.Sprintf("cannot assign attribute on non-namespace object '%s'", n.targets[0])}
		}
		ns.Set(n.attr, v)
		return nil
	}
	if len(n.targets) == 1 {
		r.assign(n.targets[0], v)
		return nil
	}
	items, err := iterate(v, n.line)
	if err != nil {
		return err
	}
	if len(items) != len(n.targets) {
		return &EvalError{Line: n.line, Msg: fmt.Sprintf("cannot unpack %d values into %d names", len(items), len(n.targets))}
	}
	for i, t := range n.targets {
		r.assign(t, items[i])
	}
	return nil
}

func (r *renderer) execFor(n *forNode) error {
	seq, err := r.eval(n.iter)
	if err != nil {
		return err
	}
	items, err := iterate(seq, n.line)
	if err != nil {
		return err
	}
	scope := map[string]any{}
	r.scopes = append(r.scopes, scope)
	defer func() { r.scopes = r.scopes[:len(r.scopes)-1] }()
	bind := func(item any) error {
		if len(n.targets) == 1 {
			r.assign(n.targets[0], item)
			return nil
		}
		parts, err := iterate(item, n.line)
		if err != nil {
			return err
		}
		if len(parts) != len(n.targets) {
			return &EvalError{Line: n.line, Msg: fmt.Sprintf("cannot unpack %d values into %d loop variables", len(parts), len(n.targets))}
		}
		for i, t := range n.targets {
			r.assign(t, parts[i])
		}
		return nil
	}
	if n.filter != nil {
		var kept []any
		for _, it := range items {
			if err := bind(it); err != nil {
				return err
			}
			v, err := r.eval(n.filter)
			if err != nil {
				return err
			}
			ok, err := truth(v, n.line)
			if err != nil {
				return err
			}
			if ok {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		return r.exec(n.orElse)
	}
	// One loop object for the whole loop, as Jinja2's LoopContext, and a
	// fresh scope per iteration in a reused map: loops are where renders
	// spend their allocations.
	loop := &loopInfo{items: items}
	for i, it := range items {
		// Each iteration is a step, so that a loop over an empty body
		// counts too.
		if err := r.step(n.line); err != nil {
			return err
		}
		clear(scope)
		loop.i = i
		scope["loop"] = loop
		if err := bind(it); err != nil {
			return err
		}
		if err := r.exec(n.body); err != nil {
			return err
		}
	}
	return nil
}

type loopInfo struct {
	i     int
	items []any
}

func (l *loopInfo) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return int64(l.i + 1), true
	case "index0":
		return int64(l.i), true
	case "revindex":
		return int64(n - l.i), true
	case "revindex0":
		return int64(n - l.i - 1), true
	case "first":
		return l.i == 0, true
	case "last":
		return l.i == n-1, true
	case "length":
		return int64(n), true
	case "previtem":
		if l.i == 0 {
			return &undefined{msg: "there is no previous item"}, true
		}
		return l.items[l.i-1], true
	case "nextitem":
		if l.i == n-1 {
			return &undefined{msg: "there is no next item"}, true
		}
		return l.items[l.i+1], true
	case "cycle":
		return builtinFunc(func(args []any, _ map[string]any, line int) (any, error) {
			if len(args) == 0 {
				return nil, &EvalError{Line: line, Msg: "no items for cycling given"}
			}
			return args[l.i%len(args)], nil
		}), true
	}
	return nil, false
}

// namespace is Jinja2's namespace() object, the one mutable value.
type namespace struct{ py.Dict }

// normalize maps Go values from callers onto the value types used here.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

func (r *renderer) eval(e expr) (any, error) {
	if err := r.step(e.pos()); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *constExpr:
		return e.val, nil
	case *nameExpr:
		return r.lookup(e.name), nil
	case *listExpr:
		items := make([]any, len(e.items))
		for i, x := range e.items {
			v, err := r.eval(x)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		if e.tuple {
			return py.Tuple(items), nil
		}
		return items, nil
	case *dictExpr:
		d := py.NewDict()
		for i := range e.keys {
			k, err := r.eval(e.keys[i])
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, &EvalError{Line: e.line, Msg: "only string keys are supported in dict literals"}
			}
			v, err := r.eval(e.vals[i])
			if err != nil {
				return nil, err
			}
			d.Set(ks, v)
		}
		return d, nil
	case *getattrExpr:
		obj, err := r.eval(e.obj)
		if err != nil {
			return nil, err
		}
		return getattr(obj, e.attr, e.line)
	case *getitemExpr:
		obj, err := r.eval(e.obj)
		if err != nil {
			return nil, err
		}
		key, err := r.eval(e.key)
		if err != nil {
			return nil, err
		}
		return getitem(obj, key, e.line)
	case *sliceExpr:
		return r.evalSlice(e)
	case *callExpr:
		return r.evalCall(e)
	case *filterExpr:
		obj, err := r.eval(e.obj)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(e, obj)
	case *testExpr:
		return r.evalTest(e)
	case *unaryExpr:
		v, err := r.eval(e.x)
		if err != nil {
			return nil, err
		}
		if e.op == "not" {
			t, err := truth(v, e.line)
			return !t, err
		}
		return unary(e.op, v, e.line)
	case *binExpr:
		return r.evalBin(e)
	case *compareExpr:
		l, err := r.eval(e.first)
		if err != nil {
			return nil, err
		}
		for i, op := range e.ops {
			rv, err := r.eval(e.rest[i])
			if err != nil {
				return nil, err
			}
			ok, err := compare(op, l, rv, e.line)
			if err != nil {
				return nil, err
			}
			if !ok {
				return false, nil
			}
			l = rv
		}
		return true, nil
	case *condExpr:
		t, err := r.eval(e.test)
		if err != nil {
			return nil, err
		}
		ok, err := truth(t, e.line)
		if err != nil {
			return nil, err
		}
		if ok {
			return r.eval(e.yes)
		}
		if e.no == nil {
			return &undefined{msg: "the inline if-expression evaluated to false and no else section was defined"}, nil
		}
		return r.eval(e.no)
	}
	return nil, fmt.Errorf("jinja: unknown expression %T", e)
}

func (r *renderer) evalBin(e *binExpr) (any, error) {
	l, err := r.eval(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "and", "or":
		t, err := truth(l, e.line)
		if err != nil {
			return nil, err
		}
		if (e.op == "and") != t {
			return l, nil
		}
		return r.eval(e.r)
	}
	rv, err := r.eval(e.r)
	if err != nil {
		return nil, err
	}
	if e.op == "~" {
		ls, err := toStr(l, e.line)
		if err != nil {
			return nil, err
		}
		rs, err := toStr(rv, e.line)
		if err != nil {
			return nil, err
		}
		if err := r.checkSize(int64(len(ls))+int64(len(rs)), false, e.line); err != nil {
			return nil, err
		}
		return ls + rs, nil
	}
	if err := r.checkBinary(e.op, l, rv, e.line); err != nil {
		return nil, err
	}
	return arith(e.op, l, rv, e.line)
}

func (r *renderer) evalSlice(e *sliceExpr) (any, error) {
	obj, err := r.eval(e.obj)
	if err != nil {
		return nil, err
	}
	var idx [3]*int64
	for i, x := range []expr{e.start, e.stop, e.step} {
		if x == nil {
			continue
		}
		v, err := r.eval(x)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok {
			return nil, &EvalError{Line: e.line, Msg: "slice indices must be integers or None"}
		}
		idx[i] = &n
	}
	return slice(obj, idx[0], idx[1], idx[2], e.line)
}

func (r *renderer) evalArgs(args []expr, kwargs map[string]expr) ([]any, map[string]any, error) {
	av := make([]any, len(args))
	for i, a := range args {
		v, err := r.eval(a)
		if err != nil {
			return nil, nil, err
		}
		if u, ok := v.(*undefined); ok {
			return nil, nil, u.fail(a.pos())
		}
		av[i] = v
	}
	var kv map[string]any
	if len(kwargs) > 0 {
		kv = make(map[string]any, len(kwargs))
		for k, a := range kwargs {
			v, err := r.eval(a)
			if err != nil {
				return nil, nil, err
			}
			kv[k] = v
		}
	}
	return av, kv, nil
}

func (r *renderer) evalCall(e *callExpr) (any, error) {
	fn, err := r.eval(e.fn)
	if err != nil {
		return nil, err
	}
	args, kwargs, err := r.evalArgs(e.args, e.kwargs)
	if err != nil {
		return nil, err
	}
	switch f := fn.(type) {
	case builtinFunc:
		return f(args, kwargs, e.line)
	case *undefined:
		return nil, f.fail(e.line)
	}
	return nil, &EvalError{Line: e.line, Msg: fmt.Sprintf("'%s' object is not callable", typeName(fn))}
}

// builtinFunc is a callable: a global function, a bound method or a loop
// helper.
type builtinFunc func(args []any, kwargs map[string]any, line int) (any, error)

// toStr is Python's str() as Jinja2 prints values; an undefined value fails.
func toStr(v any, line int) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case *undefined:
		return "", x.fail(line)
	case builtinFunc:
		return "<built-in method>", nil
	case *loopInfo:
		return "<LoopContext>", nil
	}
	return py.Str(v), nil
}

func truth(v any, line int) (bool, error) {
	if u, ok := v.(*undefined); ok {
		return false, u.fail(line)
	}
	return py.Truth(v), nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case py.Tuple:
		return "tuple"
	case py.Mapping:
		return "dict"
	case *undefined:
		return "Undefined"
	}
	return fmt.Sprintf("%T", v)
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, bool:
		return true
	}
	return false
}

func unary(op string, v any, line int) (any, error) {
	if u, ok := v.(*undefined); ok {
		return nil, u.fail(line)
	}
	if n, ok := asInt(v); ok {
		if op == "-" {
			if n == math.MinInt64 {
				return nil, &EvalError{Line: line, Msg: "integer overflow"}
			}
			return -n, nil
		}
		return n, nil
	}
	if f, ok := v.(float64); ok {
		if op == "-" {
			return -f, nil
		}
		return f, nil
	}
	return nil, &EvalError{Line: line, Msg: fmt.Sprintf("bad operand type for unary %s: '%s'", op, typeName(v))}
}

var errOverflow = errors.New("integer overflow")

func arith(op string, l, r any, line int) (any, error) {
	if u, ok := l.(*undefined); ok {
		return nil, u.fail(line)
	}
	if u, ok := r.(*undefined); ok {
		return nil, u.fail(line)
	}
	li, lInt := asInt(l)
	ri, rInt := asInt(r)
	if lInt && rInt {
		v, err := intArith(op, li, ri)
		if err != nil {
			return nil, &EvalError{Line: line, Msg: err.Error()}
		}
		return v, nil
	}
	if isNumber(l) && isNumber(r) {
		lf, _ := asFloat(l)
		rf, _ := asFloat(r)
		v, err := floatArith(op, lf, rf)
		if err != nil {
			return nil, &EvalError{Line: line, Msg: err.Error()}
		}
		return v, nil
	}
	switch op {
	case "+":
		switch lv := l.(type) {
		case string:
			if rs, ok := r.(string); ok {
				return lv + rs, nil
			}
		case []any:
			if rl, ok := r.([]any); ok {
				out := make([]any, 0, len(lv)+len(rl))
				return append(append(out, lv...), rl...), nil
			}
		case py.Tuple:
			if rl, ok := r.(py.Tuple); ok {
				out := make(py.Tuple, 0, len(lv)+len(rl))
				return append(append(out, lv...), rl...), nil
			}
		}
	case "*":
		seq, n := l, ri
		if lInt {
			seq, n = r, li
		} else if !rInt {
			break
		}
		if n < 0 {
			n = 0
		}
		switch s := seq.(type) {
		case string:
			if int64(len(s))*n > 1<<30 {
				return nil, &EvalError{Line: line, Msg: "string repetition too large", Err: ErrLimit}
			}
			return strings.Repeat(s, int(n)), nil
		case []any:
			if int64(len(s))*n > 1<<26 || (len(s) > 0 && n > 1<<26) {
				return nil, &EvalError{Line: line, Msg: "list repetition too large", Err: ErrLimit}
			}
			out := make([]any, 0, int64(len(s))*n)
			for range n {
				out = append(out, s...)
			}
			return out, nil
		}
	case "%":
		if _, ok := l.(string); ok {
			return nil, &EvalError{Line: line, Msg: "printf-style string formatting with % is not supported"}
		}
	}
	return nil, &EvalError{Line: line, Msg: fmt.Sprintf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))}
}

func intArith(op string, a, b int64) (any, error) {
	switch op {
	case "+":
		c := a + b
		if (c > a) != (b > 0) {
			return nil, errOverflow
		}
		return c, nil
	case "-":
		c := a - b
		if (c < a) != (b > 0) {
			return nil, errOverflow
		}
		return c, nil
	case "*":
		if a == 0 || b == 0 {
			return int64(0), nil
		}
		c := a * b
		if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return nil, errOverflow
		}
		return c, nil
	case "/":
		if b == 0 {
			return nil, errors.New("division by zero")
		}
		return float64(a) / float64(b), nil
	case "//":
		if b == 0 {
			return nil, errors.New("integer division or modulo by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	case "%":
		if b == 0 {
			return nil, errors.New("integer division or modulo by zero")
		}
		m := a % b
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m, nil
	case "**":
		if b < 0 {
			return math.Pow(float64(a), float64(b)), nil
		}
		res := int64(1)
		for range b {
			next := res * a
			if a != 0 && next/a != res {
				return nil, errOverflow
			}
			res = next
		}
		return res, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

func floatArith(op string, a, b float64) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, errors.New("float division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, errors.New("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, errors.New("float modulo")
		}
		m := math.Mod(a, b)
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return m, nil
	case "**":
		return math.Pow(a, b), nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// equal is Python's == for the value types here.
func equal(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		ai, aInt := asInt(a)
		bi, bInt := asInt(b)
		if aInt && bInt {
			return ai == bi
		}
		af, _ := asFloat(a)
		bf, _ := asFloat(b)
		return af == bf
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && equalSeq(x, y)
	case py.Tuple:
		y, ok := b.(py.Tuple)
		return ok && equalSeq(x, y)
	case py.Mapping:
		y, ok := b.(py.Mapping)
		if !ok || len(x.Keys()) != len(y.Keys()) {
			return false
		}
		for _, k := range x.Keys() {
			xv, _ := x.Get(k)
			yv, ok := y.Get(k)
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func equalSeq(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func compare(op string, l, r any, line int) (bool, error) {
	if u, ok := l.(*undefined); ok {
		return false, u.fail(line)
	}
	if u, ok := r.(*undefined); ok {
		return false, u.fail(line)
	}
	switch op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in", "notin":
		ok, err := contains(r, l, line)
		if op == "notin" {
			ok = !ok
		}
		return ok, err
	}
	c, err := order(l, r, line, op)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// order compares for <, <=, >, >= with Python's rules.
func order(l, r any, line int, op string) (int, error) {
	if isNumber(l) && isNumber(r) {
		li, lInt := asInt(l)
		ri, rInt := asInt(r)
		if lInt && rInt {
			return cmpInt(li, ri), nil
		}
		lf, _ := asFloat(l)
		rf, _ := asFloat(r)
		switch {
		case lf < rf:
			return -1, nil
		case lf > rf:
			return 1, nil
		case lf == rf:
			return 0, nil
		}
		return 2, nil // NaN: every comparison is false; 2 makes <,<=,>,>= false except >, >=
	}
	if ls, ok := l.(string); ok {
		if rs, ok := r.(string); ok {
			return strings.Compare(ls, rs), nil // UTF-8 byte order equals code point order
		}
	}
	ll, lok := asSeq(l)
	rl, rok := asSeq(r)
	if lok && rok {
		for i := 0; i < len(ll) && i < len(rl); i++ {
			if equal(ll[i], rl[i]) {
				continue
			}
			return order(ll[i], rl[i], line, op)
		}
		return cmpInt(int64(len(ll)), int64(len(rl))), nil
	}
	return 0, &EvalError{Line: line, Msg: fmt.Sprintf("'%s' not supported between instances of '%s' and '%s'", op, typeName(l), typeName(r))}
}

func asSeq(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case py.Tuple:
		return x, true
	}
	return nil, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func contains(container, item any, line int) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, &EvalError{Line: line, Msg: fmt.Sprintf("'in <string>' requires string as left operand, not %s", typeName(item))}
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, e := range c {
			if equal(e, item) {
				return true, nil
			}
		}
		return false, nil
	case py.Tuple:
		for _, e := range c {
			if equal(e, item) {
				return true, nil
			}
		}
		return false, nil
	case py.Mapping:
		s, ok := item.(string)
		if !ok {
			return false, nil
		}
		_, found := c.Get(s)
		return found, nil
	}
	return false, &EvalError{Line: line, Msg: fmt.Sprintf("argument of type '%s' is not iterable", typeName(container))}
}

// iterate is Python's iteration: characters of a string, items of a list or
// tuple, keys of a dict.
func iterate(v any, line int) ([]any, error) {
	switch x := v.(type) {
	case *undefined:
		return nil, x.fail(line)
	case []any:
		return x, nil
	case py.Tuple:
		return x, nil
	case dictView:
		return x.items, nil
	case string:
		out := make([]any, 0, utf8.RuneCountInString(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case py.Mapping:
		keys := x.Keys()
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	}
	return nil, &EvalError{Line: line, Msg: fmt.Sprintf("'%s' object is not iterable", typeName(v))}
}

func length(v any, line int) (int64, error) {
	switch x := v.(type) {
	case *undefined:
		return 0, x.fail(line)
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	case []any:
		return int64(len(x)), nil
	case py.Tuple:
		return int64(len(x)), nil
	case py.Mapping:
		return int64(len(x.Keys())), nil
	case dictView:
		return int64(len(x.items)), nil
	}
	return 0, &EvalError{Line: line, Msg: fmt.Sprintf("object of type '%s' has no len()", typeName(v))}
}

// getattr is Jinja2's environment.getattr: an attribute (a method here),
// else the item of that name, else undefined.
func getattr(obj any, name string, line int) (any, error) {
	if u, ok := obj.(*undefined); ok {
		return nil, u.fail(line)
	}
	if l, ok := obj.(*loopInfo); ok {
		if v, ok := l.attr(name); ok {
			return v, nil
		}
	}
	if m, ok := method(obj, name); ok {
		return m, nil
	}
	if d, ok := obj.(py.Mapping); ok {
		if v, ok := d.Get(name); ok {
			return normalize(v), nil
		}
	}
	return &undefined{msg: fmt.Sprintf("'%s object' has no attribute '%s'", pyTypeDesc(obj), name)}, nil
}

func pyTypeDesc(v any) string {
	if _, ok := v.(py.Mapping); ok {
		return "dict"
	}
	return typeName(v)
}

// getitem is Jinja2's environment.getitem: obj[key], else the attribute of
// that name, else undefined.
func getitem(obj, key any, line int) (any, error) {
	if u, ok := obj.(*undefined); ok {
		return nil, u.fail(line)
	}
	if u, ok := key.(*undefined); ok {
		return nil, u.fail(line)
	}
	switch x := obj.(type) {
	case py.Mapping:
		if k, ok := key.(string); ok {
			if v, ok := x.Get(k); ok {
				return normalize(v), nil
			}
		}
	case []any, py.Tuple, string:
		if i, ok := asInt(key); ok {
			if v, ok := index(x, i); ok {
				return v, nil
			}
			return &undefined{msg: fmt.Sprintf("%s object has no element %d", typeName(obj), i)}, nil
		}
	}
	if k, ok := key.(string); ok {
		return getattr(obj, k, line)
	}
	return &undefined{msg: fmt.Sprintf("%s object has no element %s", typeName(obj), py.Repr(key))}, nil
}

func index(seq any, i int64) (any, bool) {
	switch s := seq.(type) {
	case []any:
		if i < 0 {
			i += int64(len(s))
		}
		if i < 0 || i >= int64(len(s)) {
			return nil, false
		}
		return normalize(s[i]), true
	case py.Tuple:
		return index([]any(s), i)
	case string:
		runes := []rune(s)
		if i < 0 {
			i += int64(len(runes))
		}
		if i < 0 || i >= int64(len(runes)) {
			return nil, false
		}
		return string(runes[i]), true
	}
	return nil, false
}

// slice is Python's seq[start:stop:step].
func slice(obj any, start, stop, step *int64, line int) (any, error) {
	var n int
	var runes []rune
	switch x := obj.(type) {
	case *undefined:
		return nil, x.fail(line)
	case string:
		runes = []rune(x)
		n = len(runes)
	case []any:
		n = len(x)
	case py.Tuple:
		n = len(x)
	default:
		return nil, &EvalError{Line: line, Msg: fmt.Sprintf("'%s' object is not subscriptable", typeName(obj))}
	}
	st := int64(1)
	if step != nil {
		st = *step
	}
	if st == 0 {
		return nil, &EvalError{Line: line, Msg: "slice step cannot be zero"}
	}
	lo, hi := sliceBounds(int64(n), start, stop, st)
	var idx []int64
	if st > 0 {
		for i := lo; i < hi; i += st {
			idx = append(idx, i)
		}
	} else {
		for i := lo; i > hi; i += st {
			idx = append(idx, i)
		}
	}
	switch x := obj.(type) {
	case string:
		out := make([]rune, len(idx))
		for k, i := range idx {
			out[k] = runes[i]
		}
		return string(out), nil
	case []any:
		out := make([]any, len(idx))
		for k, i := range idx {
			out[k] = x[i]
		}
		return out, nil
	case py.Tuple:
		out := make(py.Tuple, len(idx))
		for k, i := range idx {
			out[k] = x[i]
		}
		return out, nil
	}
	return nil, nil
}

// sliceBounds is CPython's PySlice_AdjustIndices.
func sliceBounds(n int64, start, stop *int64, step int64) (int64, int64) {
	var lo, hi int64
	if step > 0 {
		lo, hi = 0, n
	} else {
		lo, hi = n-1, -1
	}
	adj := func(p *int64, def int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		} else if v >= n {
			if step < 0 {
				return n - 1
			}
			return n
		}
		return v
	}
	return adj(start, lo), adj(stop, hi)
}
