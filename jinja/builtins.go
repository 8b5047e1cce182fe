package jinja

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fmkit/fmkit/internal/py"
)

var globals = map[string]any{
	"range": builtinFunc(func(args []any, _ map[string]any, line int) (any, error) {
		var a [3]int64
		a[2] = 1
		for i, v := range args {
			n, ok := asInt(v)
			if !ok || i > 2 {
				return nil, &EvalError{Line: line, Msg: "range() takes up to three integer arguments"}
			}
			a[i] = n
		}
		start, stop, step := int64(0), a[0], int64(1)
		if len(args) >= 2 {
			start, stop = a[0], a[1]
		}
		if len(args) == 3 {
			step = a[2]
		}
		if step == 0 {
			return nil, &EvalError{Line: line, Msg: "range() arg 3 must not be zero"}
		}
		// The length is known: check it and allocate once.
		var n int64
		switch {
		case step > 0 && stop > start:
			n = (stop-start-1)/step + 1
		case step < 0 && stop < start:
			n = (start-stop-1)/(-step) + 1
		}
		if n > 1<<20 || n < 0 {
			return nil, &EvalError{Line: line, Msg: "range too large", Err: ErrLimit}
		}
		out := make([]any, 0, n)
		for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
			out = append(out, i)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}),
	"dict": builtinFunc(func(args []any, kwargs map[string]any, line int) (any, error) {
		d := py.NewDict()
		keys := make([]string, 0, len(kwargs))
		for k := range kwargs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.Set(k, kwargs[k])
		}
		return d, nil
	}),
	"namespace": builtinFunc(func(args []any, kwargs map[string]any, line int) (any, error) {
		ns := &namespace{Dict: *py.NewDict()}
		keys := make([]string, 0, len(kwargs))
		for k := range kwargs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ns.Set(k, kwargs[k])
		}
		return ns, nil
	}),
}

func argStr(args []any, i int, name string, line int) (*string, error) {
	if i >= len(args) || args[i] == nil {
		return nil, nil
	}
	s, ok := args[i].(string)
	if !ok {
		return nil, &EvalError{Line: line, Msg: fmt.Sprintf("%s must be str or None, not %s", name, typeName(args[i]))}
	}
	return &s, nil
}

func argInt(args []any, i int, def int64, line int) (int64, error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	n, ok := asInt(args[i])
	if !ok {
		return 0, &EvalError{Line: line, Msg: fmt.Sprintf("'%s' object cannot be interpreted as an integer", typeName(args[i]))}
	}
	return n, nil
}

// method returns the bound method name of obj, if it has one.
func method(obj any, name string) (builtinFunc, bool) {
	switch x := obj.(type) {
	case string:
		f, ok := strMethods[name]
		if !ok {
			return nil, false
		}
		return func(args []any, kw map[string]any, line int) (any, error) { return f(x, args, kw, line) }, true
	case []any:
		return seqMethod(x, name)
	case py.Tuple:
		return seqMethod(x, name)
	case *namespace:
		return nil, false
	case py.Mapping:
		switch name {
		case "keys", "values", "items":
			return func(args []any, _ map[string]any, line int) (any, error) {
				keys := x.Keys()
				out := make([]any, len(keys))
				for i, k := range keys {
					v, _ := x.Get(k)
					switch name {
					case "keys":
						out[i] = k
					case "values":
						out[i] = normalize(v)
					default:
						out[i] = py.Tuple{k, normalize(v)}
					}
				}
				return dictView{kind: "dict_" + name, items: out}, nil
			}, true
		case "get":
			return func(args []any, _ map[string]any, line int) (any, error) {
				if len(args) == 0 {
					return nil, &EvalError{Line: line, Msg: "get expected at least 1 argument"}
				}
				if k, ok := args[0].(string); ok {
					if v, ok := x.Get(k); ok {
						return normalize(v), nil
					}
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return nil, nil
			}, true
		}
	}
	return nil, false
}

func seqMethod(seq []any, name string) (builtinFunc, bool) {
	switch name {
	case "index":
		return func(args []any, _ map[string]any, line int) (any, error) {
			if len(args) == 0 {
				return nil, &EvalError{Line: line, Msg: "index expected at least 1 argument"}
			}
			for i, e := range seq {
				if equal(normalize(e), args[0]) {
					return int64(i), nil
				}
			}
			return nil, &EvalError{Line: line, Msg: fmt.Sprintf("%s is not in list", py.Repr(args[0]))}
		}, true
	case "count":
		return func(args []any, _ map[string]any, line int) (any, error) {
			if len(args) != 1 {
				return nil, &EvalError{Line: line, Msg: "count takes exactly one argument"}
			}
			n := int64(0)
			for _, e := range seq {
				if equal(normalize(e), args[0]) {
					n++
				}
			}
			return n, nil
		}, true
	}
	return nil, false
}

// dictView is the result of dict.keys(), values() or items(): it iterates
// like a list and prints as Python prints the view.
type dictView struct {
	kind  string
	items []any
}

func (v dictView) String() string { return v.kind + "(" + py.Repr(v.items) + ")" }

type strMethod func(s string, args []any, kw map[string]any, line int) (any, error)

var strMethods = map[string]strMethod{
	"strip":  stripMethod(py.Strip),
	"lstrip": stripMethod(py.LStrip),
	"rstrip": stripMethod(py.RStrip),
	"split": func(s string, args []any, kw map[string]any, line int) (any, error) {
		return splitMethod(s, args, kw, line, false)
	},
	"rsplit": func(s string, args []any, kw map[string]any, line int) (any, error) {
		return splitMethod(s, args, kw, line, true)
	},
	"replace": func(s string, args []any, _ map[string]any, line int) (any, error) {
		if len(args) < 2 {
			return nil, &EvalError{Line: line, Msg: "replace expected at least 2 arguments"}
		}
		old, ok1 := args[0].(string)
		nw, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, &EvalError{Line: line, Msg: "replace arguments must be str"}
		}
		n, err := argInt(args, 2, -1, line)
		if err != nil {
			return nil, err
		}
		// Replacing "" inserts between every character: bound the result
		// before building it, as string repetition is.
		count := int64(strings.Count(s, old))
		if n >= 0 {
			count = min(count, n)
		}
		if grow := int64(len(nw)) - int64(len(old)); grow > 0 && int64(len(s))+count*grow > 1<<30 {
			return nil, &EvalError{Line: line, Msg: "replace result too large", Err: ErrLimit}
		}
		return strings.Replace(s, old, nw, int(n)), nil
	},
	"index":  findMethod(false, true),
	"find":   findMethod(false, false),
	"rindex": findMethod(true, true),
	"rfind":  findMethod(true, false),
	"count": func(s string, args []any, _ map[string]any, line int) (any, error) {
		sub, err := argStr(args, 0, "argument", line)
		if err != nil || sub == nil {
			return nil, &EvalError{Line: line, Msg: "count expects a string"}
		}
		if *sub == "" {
			return int64(utf8.RuneCountInString(s) + 1), nil
		}
		return int64(strings.Count(s, *sub)), nil
	},
	"startswith": affixMethod(strings.HasPrefix),
	"endswith":   affixMethod(strings.HasSuffix),
	"upper":      simpleStr(strings.ToUpper),
	"lower":      simpleStr(strings.ToLower),
	"capitalize": simpleStr(capitalize),
	"title":      simpleStr(title),
	"swapcase": simpleStr(func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, s)
	}),
	"isdigit":   strPredicate(func(r rune) bool { return unicode.IsDigit(r) }),
	"isdecimal": strPredicate(func(r rune) bool { return unicode.Is(unicode.Nd, r) }),
	"isnumeric": strPredicate(unicode.IsNumber),
	"isalpha":   strPredicate(unicode.IsLetter),
	"isalnum":   strPredicate(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }),
	"isspace":   strPredicate(py.IsSpace),
	"isupper":   caseTest(unicode.IsUpper, unicode.IsLower),
	"islower":   caseTest(unicode.IsLower, unicode.IsUpper),
	"join": func(s string, args []any, _ map[string]any, line int) (any, error) {
		if len(args) != 1 {
			return nil, &EvalError{Line: line, Msg: "join takes exactly one argument"}
		}
		items, err := iterate(args[0], line)
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			str, ok := it.(string)
			if !ok {
				return nil, &EvalError{Line: line, Msg: fmt.Sprintf("sequence item %d: expected str instance, %s found", i, typeName(it))}
			}
			parts[i] = str
		}
		return strings.Join(parts, s), nil
	},
	"zfill": func(s string, args []any, _ map[string]any, line int) (any, error) {
		w, err := argInt(args, 0, 0, line)
		if err != nil {
			return nil, err
		}
		n := utf8.RuneCountInString(s)
		if int(w) <= n {
			return s, nil
		}
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		return sign + strings.Repeat("0", int(w)-n) + s, nil
	},
	"removeprefix": func(s string, args []any, _ map[string]any, line int) (any, error) {
		p, err := argStr(args, 0, "prefix", line)
		if err != nil || p == nil {
			return nil, &EvalError{Line: line, Msg: "removeprefix expects a string"}
		}
		return strings.TrimPrefix(s, *p), nil
	},
	"removesuffix": func(s string, args []any, _ map[string]any, line int) (any, error) {
		p, err := argStr(args, 0, "suffix", line)
		if err != nil || p == nil {
			return nil, &EvalError{Line: line, Msg: "removesuffix expects a string"}
		}
		return strings.TrimSuffix(s, *p), nil
	},
	"partition":  partitionMethod(false),
	"rpartition": partitionMethod(true),
	"splitlines": func(s string, args []any, _ map[string]any, line int) (any, error) {
		var out []any
		for s != "" {
			i := strings.IndexAny(s, "\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029")
			if i < 0 {
				out = append(out, s)
				break
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
			out = append(out, s[:i])
			s = s[i+n:]
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	},
}

func stripMethod(f func(string, *string) string) strMethod {
	return func(s string, args []any, _ map[string]any, line int) (any, error) {
		chars, err := argStr(args, 0, "strip arg", line)
		if err != nil {
			return nil, err
		}
		return f(s, chars), nil
	}
}

func splitMethod(s string, args []any, kw map[string]any, line int, right bool) (any, error) {
	if v, ok := kw["sep"]; ok {
		args = append([]any{v}, args...)
	}
	sep, err := argStr(args, 0, "sep", line)
	if err != nil {
		return nil, err
	}
	maxArg := args
	if v, ok := kw["maxsplit"]; ok {
		maxArg = []any{nil, v}
	}
	maxsplit, err := argInt(maxArg, 1, -1, line)
	if err != nil {
		return nil, err
	}
	var parts []string
	switch {
	case sep == nil && !right:
		parts = py.SplitWhitespace(s, int(maxsplit))
	case sep == nil:
		parts = rsplitWhitespace(s, int(maxsplit))
	case *sep == "":
		return nil, &EvalError{Line: line, Msg: "empty separator"}
	case right && maxsplit >= 0:
		parts = rsplitN(s, *sep, int(maxsplit))
	default:
		n := -1
		if maxsplit >= 0 {
			n = int(maxsplit) + 1
		}
		parts = strings.SplitN(s, *sep, n)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func rsplitN(s, sep string, maxsplit int) []string {
	var rev []string
	for maxsplit > 0 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		rev = append(rev, s[i+len(sep):])
		s = s[:i]
		maxsplit--
	}
	out := []string{s}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

func rsplitWhitespace(s string, maxsplit int) []string {
	if maxsplit < 0 {
		return py.SplitWhitespace(s, -1)
	}
	var rev []string
	s = py.RStrip(s, nil)
	for maxsplit > 0 && s != "" {
		i := strings.LastIndexFunc(s, py.IsSpace)
		if i < 0 {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		rev = append(rev, s[i+n:])
		s = py.RStrip(s[:i], nil)
		maxsplit--
	}
	var out []string
	if s != "" {
		out = append(out, s)
	}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

// findMethod implements find/index/rfind/rindex with code point offsets.
func findMethod(right, raise bool) strMethod {
	return func(s string, args []any, _ map[string]any, line int) (any, error) {
		sub, err := argStr(args, 0, "argument", line)
		if err != nil || sub == nil {
			return nil, &EvalError{Line: line, Msg: "must be str"}
		}
		runes := []rune(s)
		n := int64(len(runes))
		start, err := argInt(args, 1, 0, line)
		if err != nil {
			return nil, err
		}
		end, err := argInt(args, 2, n, line)
		if err != nil {
			return nil, err
		}
		lo, hi := sliceBounds(n, &start, &end, 1)
		if hi < lo {
			hi = lo
		}
		hay := string(runes[lo:hi])
		var i int
		if right {
			i = strings.LastIndex(hay, *sub)
		} else {
			i = strings.Index(hay, *sub)
		}
		if i < 0 {
			if raise {
				return nil, &EvalError{Line: line, Msg: "substring not found"}
			}
			return int64(-1), nil
		}
		return lo + int64(utf8.RuneCountInString(hay[:i])), nil
	}
}

func affixMethod(f func(string, string) bool) strMethod {
	return func(s string, args []any, _ map[string]any, line int) (any, error) {
		if len(args) == 0 {
			return nil, &EvalError{Line: line, Msg: "expected a prefix or suffix"}
		}
		var cands []any
		switch a := args[0].(type) {
		case string:
			cands = []any{a}
		case py.Tuple:
			cands = a
		default:
			return nil, &EvalError{Line: line, Msg: "argument must be str or a tuple of str"}
		}
		if len(args) > 1 {
			v, err := slice(s, ptrInt(args, 1), ptrInt(args, 2), nil, line)
			if err != nil {
				return nil, err
			}
			s = v.(string)
		}
		for _, c := range cands {
			cs, ok := c.(string)
			if ok && f(s, cs) {
				return true, nil
			}
		}
		return false, nil
	}
}

func ptrInt(args []any, i int) *int64 {
	if i >= len(args) {
		return nil
	}
	n, ok := asInt(args[i])
	if !ok {
		return nil
	}
	return &n
}

func simpleStr(f func(string) string) strMethod {
	return func(s string, _ []any, _ map[string]any, _ int) (any, error) { return f(s), nil }
}

func strPredicate(f func(rune) bool) strMethod {
	return func(s string, _ []any, _ map[string]any, _ int) (any, error) {
		if s == "" {
			return false, nil
		}
		for _, r := range s {
			if !f(r) {
				return false, nil
			}
		}
		return true, nil
	}
}

func caseTest(want, not func(rune) bool) strMethod {
	return func(s string, _ []any, _ map[string]any, _ int) (any, error) {
		cased := false
		for _, r := range s {
			if not(r) || unicode.IsTitle(r) {
				return false, nil
			}
			if want(r) {
				cased = true
			}
		}
		return cased, nil
	}
}

func partitionMethod(right bool) strMethod {
	return func(s string, args []any, _ map[string]any, line int) (any, error) {
		sep, err := argStr(args, 0, "sep", line)
		if err != nil || sep == nil || *sep == "" {
			return nil, &EvalError{Line: line, Msg: "partition needs a non-empty separator"}
		}
		var i int
		if right {
			i = strings.LastIndex(s, *sep)
		} else {
			i = strings.Index(s, *sep)
		}
		if i < 0 {
			if right {
				return py.Tuple{"", "", s}, nil
			}
			return py.Tuple{s, "", ""}, nil
		}
		return py.Tuple{s[:i], *sep, s[i+len(*sep):]}, nil
	}
}

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

// capitalize is Python 3.8+'s str.capitalize: first character title-cased,
// the rest lower-cased.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToTitle(r)) + strings.ToLower(s[n:])
}

// title is Python's str.title.
func title(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if prevCased {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		prevCased = isCased(r)
	}
	return b.String()
}

func (r *renderer) evalTest(e *testExpr) (any, error) {
	obj, err := r.eval(e.obj)
	if err != nil {
		return nil, err
	}
	args, _, err := r.evalArgs(e.args, nil)
	if err != nil {
		return nil, err
	}
	ok, err := runTest(e.name, obj, args, e.line)
	if err != nil {
		return nil, err
	}
	return ok != e.negate, nil
}

func runTest(name string, v any, args []any, line int) (bool, error) {
	if _, isUndef := v.(*undefined); isUndef {
		switch name {
		case "defined":
			return false, nil
		case "undefined":
			return true, nil
		}
		return false, v.(*undefined).fail(line)
	}
	arg := func() (any, error) {
		if len(args) != 1 {
			return nil, &EvalError{Line: line, Msg: fmt.Sprintf("test '%s' takes one argument", name)}
		}
		return args[0], nil
	}
	switch name {
	case "defined":
		return true, nil
	case "undefined":
		return false, nil
	case "none":
		return v == nil, nil
	case "boolean":
		_, ok := v.(bool)
		return ok, nil
	case "true":
		b, ok := v.(bool)
		return ok && b, nil
	case "false":
		b, ok := v.(bool)
		return ok && !b, nil
	case "number":
		return isNumber(v), nil
	case "integer":
		_, ok := v.(int64)
		return ok, nil
	case "float":
		_, ok := v.(float64)
		return ok, nil
	case "string":
		_, ok := v.(string)
		return ok, nil
	case "mapping":
		_, ok := v.(py.Mapping)
		return ok, nil
	case "sequence", "iterable":
		switch v.(type) {
		case string, []any, py.Tuple, py.Mapping:
			return true, nil
		}
		return false, nil
	case "callable":
		_, ok := v.(builtinFunc)
		return ok, nil
	case "lower", "upper":
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		res, _ := strMethods["is"+name](s, nil, nil, line)
		return res.(bool), nil
	case "odd", "even", "divisibleby":
		n, ok := asInt(v)
		if !ok {
			return false, &EvalError{Line: line, Msg: fmt.Sprintf("test '%s' needs an integer", name)}
		}
		switch name {
		case "odd":
			return n%2 != 0, nil
		case "even":
			return n%2 == 0, nil
		}
		a, err := arg()
		if err != nil {
			return false, err
		}
		d, ok := asInt(a)
		if !ok || d == 0 {
			return false, &EvalError{Line: line, Msg: "divisibleby needs a non-zero integer"}
		}
		return n%d == 0, nil
	case "eq", "equalto", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "in", "sameas":
		a, err := arg()
		if err != nil {
			return false, err
		}
		op := map[string]string{"eq": "==", "equalto": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "sameas": "=="}[name]
		if op == "" {
			op = name
		}
		return compare(op, v, a, line)
	}
	return false, &EvalError{Line: line, Msg: fmt.Sprintf("no test named '%s'", name)}
}

func (r *renderer) applyFilter(f *filterExpr, v any) (any, error) {
	args, kwargs, err := r.evalArgs(f.args, f.kwargs)
	if err != nil {
		return nil, err
	}
	return callFilter(f.name, v, args, kwargs, f.line)
}

func kwOr(args []any, kwargs map[string]any, i int, name string) (any, bool) {
	if i < len(args) {
		return args[i], true
	}
	v, ok := kwargs[name]
	return v, ok
}

func callFilter(name string, v any, args []any, kwargs map[string]any, line int) (any, error) {
	if u, ok := v.(*undefined); ok && name != "default" && name != "d" {
		return nil, u.fail(line)
	}
	switch name {
	case "length", "count":
		return length(v, line)
	case "string":
		return toStr(v, line)
	case "lower", "upper", "capitalize", "title", "trim":
		s, err := toStr(v, line)
		if err != nil {
			return nil, err
		}
		switch name {
		case "lower":
			return strings.ToLower(s), nil
		case "upper":
			return strings.ToUpper(s), nil
		case "capitalize":
			return capitalize(s), nil
		case "title":
			return title(s), nil
		}
		chars, _ := kwOr(args, kwargs, 0, "chars")
		if cs, ok := chars.(string); ok {
			return py.Strip(s, &cs), nil
		}
		return py.Strip(s, nil), nil
	case "join":
		items, err := iterate(v, line)
		if err != nil {
			return nil, err
		}
		sep := ""
		if a, ok := kwOr(args, kwargs, 0, "d"); ok {
			if sep, err = toStr(a, line); err != nil {
				return nil, err
			}
		}
		attr, hasAttr := kwOr(args, kwargs, 1, "attribute")
		parts := make([]string, len(items))
		for i, it := range items {
			if hasAttr && attr != nil {
				if it, err = getattr(it, py.Str(attr), line); err != nil {
					return nil, err
				}
			}
			if parts[i], err = toStr(it, line); err != nil {
				return nil, err
			}
		}
		return strings.Join(parts, sep), nil
	case "int":
		def := any(int64(0))
		if a, ok := kwOr(args, kwargs, 0, "default"); ok {
			def = a
		}
		base := int64(10)
		if a, ok := kwOr(args, kwargs, 1, "base"); ok {
			base, _ = asInt(a)
		}
		return toInt(v, def, int(base)), nil
	case "float":
		def := any(0.0)
		if a, ok := kwOr(args, kwargs, 0, "default"); ok {
			def = a
		}
		return toFloat(v, def), nil
	case "list":
		items, err := iterate(v, line)
		if err != nil {
			return nil, err
		}
		return append([]any{}, items...), nil
	case "first", "last":
		items, err := iterate(v, line)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return &undefined{msg: "No first item, sequence was empty."}, nil
		}
		if name == "first" {
			return items[0], nil
		}
		return items[len(items)-1], nil
	case "default", "d":
		def := any("")
		if a, ok := kwOr(args, kwargs, 0, "default_value"); ok {
			def = a
		}
		boolean := false
		if a, ok := kwOr(args, kwargs, 1, "boolean"); ok {
			boolean = py.Truth(a)
		}
		if _, ok := v.(*undefined); ok || (boolean && !py.Truth(v)) {
			return def, nil
		}
		return v, nil
	case "replace":
		s, err := toStr(v, line)
		if err != nil {
			return nil, err
		}
		return strMethods["replace"](s, args, nil, line)
	case "regex_replace":
		s, ok := v.(string)
		if !ok {
			return nil, &EvalError{Line: line, Msg: "regex_replace expects a string"}
		}
		if len(args) < 2 {
			return nil, &EvalError{Line: line, Msg: "regex_replace needs a pattern and a replacement"}
		}
		pat, ok1 := args[0].(string)
		repl, ok2 := args[1].(string)
		if !ok1 || !ok2 {
			return nil, &EvalError{Line: line, Msg: "regex_replace pattern and replacement must be strings"}
		}
		count := int64(0)
		if a, ok := kwOr(args, kwargs, 2, "count"); ok {
			count, _ = asInt(a)
		}
		re, err := py.Compile(pat)
		if err != nil {
			return nil, &EvalError{Line: line, Msg: err.Error()}
		}
		out, err := re.Sub(repl, s, int(count))
		if err != nil {
			return nil, &EvalError{Line: line, Msg: err.Error()}
		}
		return out, nil
	case "abs":
		if n, ok := v.(int64); ok {
			if n < 0 {
				return -n, nil
			}
			return n, nil
		}
		if f, ok := v.(float64); ok {
			return math.Abs(f), nil
		}
		return nil, &EvalError{Line: line, Msg: "bad operand type for abs()"}
	case "round":
		f, ok := asFloat(v)
		if !ok {
			return nil, &EvalError{Line: line, Msg: "round needs a number"}
		}
		prec := int64(0)
		if a, ok := kwOr(args, kwargs, 0, "precision"); ok {
			prec, _ = asInt(a)
		}
		method := "common"
		if a, ok := kwOr(args, kwargs, 1, "method"); ok {
			method = py.Str(a)
		}
		p := math.Pow(10, float64(prec))
		switch method {
		case "ceil":
			return math.Ceil(f*p) / p, nil
		case "floor":
			return math.Floor(f*p) / p, nil
		}
		// Python's round(): the decimal text correctly rounded, ties to even.
		r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', int(prec), 64), 64)
		return r, nil
	case "unique", "sort", "reverse", "sum", "min", "max", "map", "select", "reject", "wordcount", "center", "indent", "truncate", "escape", "e", "tojson", "batch", "slice", "groupby", "attr":
		return nil, &EvalError{Line: line, Msg: fmt.Sprintf("filter '%s' is not supported", name)}
	}
	return nil, &EvalError{Line: line, Msg: fmt.Sprintf("no filter named '%s'", name)}
}

// toInt is Jinja2's int filter.
func toInt(v any, def any, base int) any {
	switch x := v.(type) {
	case int64:
		return x
	case bool:
		n, _ := asInt(x)
		return n
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return def
		}
		return int64(x)
	case string:
		s := strings.ReplaceAll(py.Strip(x, nil), "_", "")
		if n, err := strconv.ParseInt(s, base, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return int64(f)
		}
	}
	return def
}

func toFloat(v any, def any) any {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case bool:
		f, _ := asFloat(x)
		return f
	case string:
		s := py.Strip(x, nil)
		switch strings.ToLower(s) {
		case "nan", "+nan", "-nan":
			return math.NaN()
		case "inf", "+inf", "infinity", "+infinity":
			return math.Inf(1)
		case "-inf", "-infinity":
			return math.Inf(-1)
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			return f
		}
	}
	return def
}
