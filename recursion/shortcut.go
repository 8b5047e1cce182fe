package recursion

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
)

// Shortcut is a candidate rule for what a model computes instead of the
// function: a map from the arguments to an answer, possibly with an
// integer parameter that Analyze fits to the model's predictions.
type Shortcut struct {
	Name string
	Doc  string
	// Funcs are the functions whose predictions the rule can explain.
	Funcs []string
	// Params are the parameter values tried; nil for a rule without one.
	Params []int
	// ParamName names the parameter in reports ("k").
	ParamName string
	// Apply returns the rule's answer, or false where it gives none.
	Apply func(args []*Term, param int) (*Term, bool)
}

// Shortcuts returns the built-in candidate rules: for succ, the carry
// that never reaches a new bit ("flip the trailing 1s and the lowest 0,
// never grow the number"), the carry chain cut after k bits, the lowest
// bit flipped alone, the input copied; for add, addition without carries
// (XOR), carries cut after a run of k, the sum cut to the longer
// operand's length, an operand copied; for the traversals, every other
// traversal order and the reverse of each.
func Shortcuts() []Shortcut {
	upTo := func(n int) []int {
		var ks []int
		for k := 0; k <= n; k++ {
			ks = append(ks, k)
		}
		return ks
	}
	rules := []Shortcut{
		{Name: "no_grow", Funcs: []string{"succ"},
			Doc:   "flip the trailing 1s and the lowest 0, never grow the number (an all-ones number keeps its length)",
			Apply: onBits1(func(b []byte, _ int) []byte { return succBits(b, len(b), false) })},
		{Name: "carry_limit", Funcs: []string{"succ"}, Params: upTo(16), ParamName: "k",
			Doc:   "the carry stops after k trailing 1s: they become 0s and the rest is copied",
			Apply: onBits1(func(b []byte, k int) []byte { return succBits(b, k, true) })},
		{Name: "flip_lowest", Funcs: []string{"succ"}, Doc: "flip the lowest bit only",
			Apply: onBits1(func(b []byte, _ int) []byte {
				out := slices.Clone(b)
				if len(out) == 1 {
					return []byte("10")
				}
				out[len(out)-1] ^= 1
				return out
			})},
		{Name: "copy", Funcs: []string{"succ"}, Doc: "copy the input",
			Apply: func(args []*Term, _ int) (*Term, bool) { return args[0], true }},
		{Name: "no_carry", Funcs: []string{"add"}, Doc: "add without carries (bitwise XOR)",
			Apply: onBits2(func(x, y *big.Int, _ int) *big.Int { return new(big.Int).Xor(x, y) })},
		{Name: "carry_limit", Funcs: []string{"add"}, Params: upTo(16), ParamName: "k",
			Doc:   "a carry is dropped after a run of k carries",
			Apply: onBits2(func(x, y *big.Int, k int) *big.Int { return addLimited(x, y, k) })},
		{Name: "no_grow", Funcs: []string{"add"}, Doc: "the sum cut to the longer operand's length (the final carry is lost)",
			Apply: onBits2(func(x, y *big.Int, _ int) *big.Int {
				n := max(x.BitLen(), y.BitLen())
				s := new(big.Int).Add(x, y)
				return s.SetBit(s, n, 0)
			})},
		{Name: "first", Funcs: []string{"add"}, Doc: "copy the first operand",
			Apply: func(args []*Term, _ int) (*Term, bool) { return args[0], true }},
		{Name: "second", Funcs: []string{"add"}, Doc: "copy the second operand",
			Apply: func(args []*Term, _ int) (*Term, bool) { return args[1], true }},
	}
	trav := []string{"preorder", "inorder", "postorder"}
	for _, order := range trav {
		for _, rev := range []bool{false, true} {
			name, doc := order, "list the labels in "+order
			if rev {
				name, doc = "reverse_"+order, doc+", reversed"
			}
			var funcs []string
			for _, f := range trav {
				if f != order || rev {
					funcs = append(funcs, f)
				}
			}
			rules = append(rules, Shortcut{Name: name, Funcs: funcs, Doc: doc,
				Apply: func(args []*Term, _ int) (*Term, bool) {
					labels := traverse(args[0], order)
					if rev {
						slices.Reverse(labels)
					}
					return NatList(labels), true
				}})
		}
	}
	return rules
}

// onBits1 lifts a rule on the binary digits (most significant first) of
// one positive.
func onBits1(f func(bits []byte, k int) []byte) func([]*Term, int) (*Term, bool) {
	return func(args []*Term, k int) (*Term, bool) {
		bits, err := Bits(args[0])
		if err != nil {
			return nil, false
		}
		t, err := PosFromBits(string(f([]byte(bits), k)))
		return t, err == nil
	}
}

// onBits2 lifts a rule on the numbers of two positives; an answer of 0 or
// less is no answer.
func onBits2(f func(x, y *big.Int, k int) *big.Int) func([]*Term, int) (*Term, bool) {
	return func(args []*Term, k int) (*Term, bool) {
		x, err1 := BigOf(args[0])
		y, err2 := BigOf(args[1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		s := f(x, y, k)
		if s.Sign() <= 0 {
			return nil, false
		}
		return PosBig(s), true
	}
}

// succBits is the successor whose carry passes at most limit trailing 1s.
// With stop, a carry cut short is lost (the bits above are copied);
// without, a carry that runs through every bit does not add a new one.
func succBits(bits []byte, limit int, stop bool) []byte {
	out := slices.Clone(bits)
	i := len(out) - 1
	for n := 0; i >= 0 && out[i] == '1'; i, n = i-1, n+1 {
		if n == limit {
			return out
		}
		out[i] = '0'
	}
	switch {
	case i >= 0:
		out[i] = '1'
	case stop:
		out = append([]byte{'1'}, out...)
	default:
		out[0] = '1' // the leading bit stays: the number never grows
	}
	return out
}

// addLimited adds with ripple carries, dropping a carry that would extend
// a run of k carries.
func addLimited(x, y *big.Int, k int) *big.Int {
	n := max(x.BitLen(), y.BitLen())
	out := new(big.Int)
	carry, run := uint(0), 0
	for i := 0; i <= n; i++ {
		s := x.Bit(i) + y.Bit(i) + carry
		out.SetBit(out, i, s&1)
		carry = s >> 1
		if carry == 1 {
			run++
			if run > k {
				carry, run = 0, 0
			}
		} else {
			run = 0
		}
	}
	return out
}

// traverse lists a tree's labels in an order, by plain recursion.
func traverse(t *Term, order string) []int {
	if t.Kind != Ctor || t.Name != "Node" || len(t.Args) != 3 {
		return nil
	}
	v := t.Args[0].N
	l, r := traverse(t.Args[1], order), traverse(t.Args[2], order)
	switch order {
	case "preorder":
		return append(append([]int{v}, l...), r...)
	case "inorder":
		return append(append(l, v), r...)
	}
	return append(append(l, r...), v)
}

// Prediction is a model's answer to one call.
type Prediction struct {
	Call   *Term
	Output string // the model's answer as it wrote it
	// Bucket and Tags describe the input (computed when not given).
	Bucket string
	Tags   []string
}

// ClassStat is the accuracy on one edge-case class.
type ClassStat struct {
	Name    string `json:"name"`
	Total   int    `json:"total"`
	Correct int    `json:"correct"`
}

// RuleFit is how well one shortcut explains a model's predictions.
type RuleFit struct {
	Name  string `json:"name"`
	Doc   string `json:"doc"`
	Param *int   `json:"param,omitempty"`
	// ParamName names Param ("k").
	ParamName string `json:"param_name,omitempty"`
	// Predicted is how many failures the rule reproduces exactly, and
	// Share that count over all failures.
	Predicted int     `json:"failures_predicted"`
	Share     float64 `json:"share_of_failures"`
	// Agreement is the fraction of all predictions (right or wrong) the
	// rule reproduces; the parameter is fitted to maximize it.
	Agreement float64 `json:"agreement"`
	// ByClass counts the predicted failures per class.
	ByClass map[string]int `json:"by_class"`
}

// Report is the analysis of one function's predictions.
type Report struct {
	Func     string      `json:"function"`
	Total    int         `json:"total"`
	Correct  int         `json:"correct"`
	Accuracy float64     `json:"accuracy"`
	Classes  []ClassStat `json:"classes"`
	Rules    []RuleFit   `json:"rules"`
	// Unexplained counts failures no rule reproduces; Unparsed counts
	// outputs that are not terms at all.
	Unexplained int `json:"unexplained"`
	Unparsed    int `json:"unparsed"`
}

// Analyze scores predictions and fits each shortcut rule to them: one
// Report per function, in the order functions first appear. A rule with
// a parameter is evaluated at every value and reported at the one that
// agrees with most predictions (ties: more failures predicted, then the
// smaller value). An output matches a rule when it parses to the rule's
// answer.
func (e *Env) Analyze(preds []Prediction, rules []Shortcut) ([]Report, error) {
	type scored struct {
		p      Prediction
		args   []*Term
		out    *Term // nil when the output does not parse
		ok     bool
		bucket string
	}
	byFunc := map[string][]scored{}
	var order []string
	for i, p := range preds {
		if p.Call == nil || p.Call.Kind != Call {
			return nil, fmt.Errorf("%w: prediction %d: %v is not a function call", ErrOptions, i+1, p.Call)
		}
		want, err := e.Eval(p.Call)
		if err != nil {
			return nil, fmt.Errorf("prediction %d: %w", i+1, err)
		}
		s := scored{p: p, args: p.Call.Args, bucket: p.Bucket}
		if out, err := Parse(strings.TrimSpace(p.Output)); err == nil {
			s.out = out
			s.ok = Equal(out, want)
		}
		if s.bucket == "" {
			f, _ := e.lookup(p.Call.Name)
			prof := profileOf(f.Func)
			s.bucket = classify(bucketsOf(prof), prof, featuresOf(p.Call.Args, want), DefaultRanges())
		}
		fn := p.Call.Name
		if _, seen := byFunc[fn]; !seen {
			order = append(order, fn)
		}
		byFunc[fn] = append(byFunc[fn], s)
	}
	var reports []Report
	for _, fn := range order {
		items := byFunc[fn]
		r := Report{Func: fn, Total: len(items)}
		classes := map[string]*ClassStat{}
		var classOrder []string
		for _, s := range items {
			cs, ok := classes[s.bucket]
			if !ok {
				cs = &ClassStat{Name: s.bucket}
				classes[s.bucket] = cs
				classOrder = append(classOrder, s.bucket)
			}
			cs.Total++
			if s.ok {
				cs.Correct++
				r.Correct++
			} else if s.out == nil {
				r.Unparsed++
			}
		}
		f, _ := e.lookup(fn)
		known := map[string]int{}
		for i, b := range bucketsOf(profileOf(f.Func)) {
			known[b.name] = i
		}
		sort.SliceStable(classOrder, func(i, j int) bool { return rank(known, classOrder[i]) < rank(known, classOrder[j]) })
		for _, c := range classOrder {
			r.Classes = append(r.Classes, *classes[c])
		}
		r.Accuracy = float64(r.Correct) / float64(r.Total)
		failures := r.Total - r.Correct
		explained := make([]bool, len(items))
		for _, rule := range rules {
			if !slices.Contains(rule.Funcs, fn) {
				continue
			}
			params := rule.Params
			if params == nil {
				params = []int{0}
			}
			var best RuleFit
			var bestHits []bool
			for pi, k := range params {
				fit := RuleFit{Name: rule.Name, Doc: rule.Doc, ByClass: map[string]int{}}
				if rule.Params != nil {
					fit.Param, fit.ParamName = &params[pi], rule.ParamName
				}
				agree := 0
				hits := make([]bool, len(items))
				for i, s := range items {
					if s.out == nil {
						continue
					}
					ans, ok := rule.Apply(s.args, k)
					if !ok || !Equal(ans, s.out) {
						continue
					}
					agree++
					if !s.ok {
						fit.Predicted++
						fit.ByClass[s.bucket]++
						hits[i] = true
					}
				}
				fit.Agreement = float64(agree) / float64(len(items))
				if pi == 0 || fit.Agreement > best.Agreement || fit.Agreement == best.Agreement && fit.Predicted > best.Predicted {
					best, bestHits = fit, hits
				}
			}
			if failures > 0 {
				best.Share = float64(best.Predicted) / float64(failures)
			}
			for i, h := range bestHits {
				explained[i] = explained[i] || h
			}
			r.Rules = append(r.Rules, best)
		}
		sort.SliceStable(r.Rules, func(i, j int) bool { return r.Rules[i].Predicted > r.Rules[j].Predicted })
		for i, s := range items {
			if !s.ok && s.out != nil && !explained[i] {
				r.Unexplained++
			}
		}
		reports = append(reports, r)
	}
	return reports, nil
}

func rank(known map[string]int, name string) int {
	if i, ok := known[name]; ok {
		return i
	}
	return len(known)
}
