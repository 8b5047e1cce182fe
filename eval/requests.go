package eval

import (
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/finite"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// Instance is one request of one document, as lm-eval's Instance.
type Instance struct {
	Type  string // loglikelihood, loglikelihood_rolling or generate_until
	DocID int
	Idx   int
	// Args are the request arguments as lm-eval logs them:
	// (context, continuation), (text,) or (context, generation_kwargs).
	Args []any
	// Resps holds one response per repeat: a (logprob, is_greedy) pair,
	// a float64 or a string.
	Resps []any
}

// DocRequests are the requests of one document.
type DocRequests struct {
	DocID int
	Doc   data.Doc
	Insts []*Instance
}

// buildDoc builds the requests of one document given its contexts (one,
// or one per choice for a multiple-input task) and the run's generation
// kwargs.
func (t *Task) buildDoc(docID int, doc data.Doc, ctxs []string, chat bool, genKwargs *py.Dict) (*DocRequests, error) {
	ctx := ctxs[0]
	dr := &DocRequests{DocID: docID, Doc: doc}
	tc := t.Config
	add := func(typ string, args ...any) {
		dr.Insts = append(dr.Insts, &Instance{Type: typ, DocID: docID, Idx: len(dr.Insts), Args: args})
	}
	if t.class != nil && t.class.requests != nil {
		// A class-based task's own construct_requests.
		specs, err := t.class.requests(doc, ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range specs {
			add(s.typ, s.args...)
		}
		return dr, nil
	}
	switch tc.OutputType {
	case MultipleChoice:
		choices, err := t.docChoices(doc, tc.DocToChoice)
		if err != nil {
			return nil, err
		}
		delim := tc.TargetDelimiter
		if chat && (tc.GenPrefix == "" || isSpaceRune(tc.GenPrefix, true)) {
			delim = ""
		}
		if t.multipleInput {
			// The choices are in the contexts; every context is followed
			// by the same continuation.
			target, err := t.docTarget(doc, tc.DocToTarget)
			if err != nil {
				return nil, err
			}
			for _, c := range ctxs {
				add(Loglikelihood, c, delim+py.Str(target))
			}
		} else {
			for _, c := range choices {
				add(Loglikelihood, ctx, delim+c)
			}
		}
		if t.hasMetric("acc_mutual_info") {
			for _, c := range choices {
				add(Loglikelihood, "", delim+c)
			}
		}
	case Loglikelihood:
		target, err := t.docTarget(doc, tc.DocToTarget)
		if err != nil {
			return nil, err
		}
		s, ok := target.(string)
		if !ok {
			return nil, fmt.Errorf("doc_to_target gave %s, a loglikelihood task needs text", describe(target))
		}
		add(Loglikelihood, ctx, s)
	case LoglikelihoodRolling:
		target, err := t.docTarget(doc, tc.DocToTarget)
		if err != nil {
			return nil, err
		}
		add(LoglikelihoodRolling, py.Str(target))
	case GenerateUntil:
		add(GenerateUntil, ctx, copyDict(genKwargs))
	}
	return dr, nil
}

func (t *Task) hasMetric(name string) bool {
	for _, m := range t.Config.Metrics {
		if m.Name == name {
			return true
		}
	}
	return false
}

// genRequest turns generation_kwargs into an lm.GenerateRequest.
func genRequest(ctx string, kw *py.Dict) (lm.GenerateRequest, error) {
	r := lm.GenerateRequest{Context: ctx}
	for _, k := range kw.Keys() {
		v, _ := kw.Get(k)
		switch k {
		case "until":
			switch x := v.(type) {
			case string:
				r.Until = []string{x}
			case []any:
				for _, s := range x {
					r.Until = append(r.Until, py.Str(s))
				}
			}
		case "max_gen_toks", "max_new_tokens":
			n, ok := v.(int64)
			if !ok {
				return r, fmt.Errorf("generation_kwargs.%s: expected an integer", k)
			}
			r.MaxTokens = int(n)
		case "do_sample":
			r.DoSample = py.Truth(v)
		case "temperature", "top_p":
			if v == nil {
				continue
			}
			// YAML and --gen-kwargs can say .nan or .inf, which would
			// reach the sampler as a valid-looking number.
			f, err := finite.Value("generation_kwargs."+k, v)
			if err != nil {
				return r, err
			}
			if k == "temperature" {
				r.Temperature = f
			} else {
				r.TopP = f
			}
		case "top_k":
			n, _ := v.(int64)
			r.TopK = int(n)
		case "seed":
			n, _ := v.(int64)
			r.Seed = n
		}
	}
	if r.MaxTokens == 0 {
		r.MaxTokens = 256
	}
	return r, nil
}

var wordSplit = regexp.MustCompile(`\s+`)

// processResults is lm-eval's ConfigurableTask.process_results for one
// document and one filter: results are the filtered responses of its
// requests in order.
func (t *Task) processResults(env *MetricEnv, doc data.Doc, results []any, multipleTarget bool) (keys []string, vals map[string]any, err error) {
	tc := t.Config
	if tc.ProcessResults != nil {
		return t.customResults(doc, results)
	}
	vals = map[string]any{}
	set := func(k string, v any) {
		if t.hasMetric(k) {
			keys = append(keys, k)
			vals[k] = v
		}
	}
	switch tc.OutputType {
	case Loglikelihood:
		r, ok := results[0].(py.Tuple)
		if !ok {
			return nil, nil, fmt.Errorf("unexpected loglikelihood result %s", py.Repr(results[0]))
		}
		set("perplexity", r[0])
		if g, _ := r[1].(bool); g {
			set("acc", int64(1))
		} else {
			set("acc", int64(0))
		}
	case LoglikelihoodRolling:
		ll, _ := results[0].(float64)
		target, err := t.docTarget(doc, tc.DocToTarget)
		if err != nil {
			return nil, nil, err
		}
		text := py.Str(target)
		words := int64(len(wordSplit.Split(text, -1)))
		bytes := int64(len(text))
		set("word_perplexity", py.Tuple{ll, words})
		set("byte_perplexity", py.Tuple{ll, bytes})
		set("bits_per_byte", py.Tuple{ll, bytes})
	case MultipleChoice:
		return t.processMultipleChoice(doc, results, multipleTarget)
	case GenerateUntil:
		gold, err := t.docTarget(doc, tc.DocToTarget)
		if err != nil {
			return nil, nil, err
		}
		result := results[0]
		if tc.DocToChoice != nil {
			choices, err := t.docChoices(doc, tc.DocToChoice)
			if err != nil {
				return nil, nil, err
			}
			gi, ok := gold.(int64)
			if !ok || gi < 0 || gi >= int64(len(choices)) {
				return nil, nil, fmt.Errorf("doc_to_target %s is not an index into %d choices", describe(gold), len(choices))
			}
			gold = choices[gi]
		} else if !multipleTarget {
			if _, isStr := result.(string); isStr {
				gold = py.Str(gold)
			}
		}
		for _, m := range tc.Metrics {
			if m.metricFn != nil {
				if err := customMetric(env, m, gold, result, multipleTarget, &keys, vals); err != nil {
					return nil, nil, err
				}
				continue
			}
			if m.Name == "bleu" || m.Name == "chrf" || m.Name == "ter" {
				// A passthrough metric: the corpus-level aggregation
				// scores the [gold, prediction] pairs.
				keys = append(keys, m.Name)
				vals[m.Name] = []any{gold, result}
				continue
			}
			if m.Name != "exact_match" {
				return nil, nil, fmt.Errorf("metric %s is not supported for generate_until tasks", m.Name)
			}
			pred := py.Str(result)
			var golds []string
			if gl, ok := gold.([]any); ok && multipleTarget {
				for _, g := range gl {
					golds = append(golds, py.Str(g))
				}
			} else {
				golds = []string{py.Str(gold)}
			}
			score := 0.0
			for _, g := range golds {
				s, err := exactMatch(pred, g, m.Kwargs)
				if err != nil {
					return nil, nil, err
				}
				score += s
			}
			score /= float64(len(golds))
			if multipleTarget && score > 0 {
				score = 1
			}
			keys = append(keys, m.Name)
			vals[m.Name] = score
		}
	}
	return keys, vals, nil
}

// customMetric scores a generation with a `metric: !function` as lm-eval
// does: against each gold of a multiple-target document (1 if any scores),
// a dict result adding each of its keys.
func customMetric(env *MetricEnv, m MetricConfig, gold, result any, multipleTarget bool, keys *[]string, vals map[string]any) error {
	set := func(k string, v any) {
		if _, seen := vals[k]; !seen {
			*keys = append(*keys, k)
		}
		vals[k] = v
	}
	golds := []any{gold}
	if gl, ok := gold.([]any); ok && multipleTarget {
		golds = gl
	}
	any1 := false
	for _, g := range golds {
		v, err := m.metricFn(env, g, result, m.Kwargs)
		if err != nil {
			return fmt.Errorf("metric %s: %w", m.Name, err)
		}
		if d, ok := v.(data.Doc); ok && !multipleTarget {
			for i, k := range d.Columns {
				set(k, d.Values[i])
			}
			return nil
		}
		if d, ok := v.(data.Doc); ok {
			v, _ = d.Get(m.Name)
		}
		if !multipleTarget {
			set(m.Name, v)
			return nil
		}
		any1 = any1 || py.Truth(v)
	}
	if any1 {
		set(m.Name, 1.0)
	} else {
		set(m.Name, 0.0)
	}
	return nil
}

func argmax(xs []float64) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] || (math.IsNaN(xs[best]) && !math.IsNaN(x)) {
			best = i
		}
	}
	return best
}

func (t *Task) processMultipleChoice(doc data.Doc, results []any, multipleTarget bool) ([]string, map[string]any, error) {
	tc := t.Config
	lls := make([]float64, len(results))
	greedy := make([]bool, len(results))
	for i, r := range results {
		tup, ok := r.(py.Tuple)
		if !ok || len(tup) != 2 {
			return nil, nil, fmt.Errorf("unexpected loglikelihood result %s", py.Repr(r))
		}
		lls[i], _ = tup[0].(float64)
		greedy[i], _ = tup[1].(bool)
	}
	choices, err := t.docChoices(doc, tc.DocToChoice)
	if err != nil {
		return nil, nil, err
	}
	var unconditional []float64
	if 2*len(choices) == len(lls) && t.hasMetric("acc_mutual_info") {
		unconditional = lls[len(choices):]
		lls = lls[:len(choices)]
	}
	normChars := make([]float64, len(lls))
	normBytes := make([]float64, len(lls))
	for i, c := range choices {
		normChars[i] = lls[i] / float64(utf8.RuneCountInString(c))
		normBytes[i] = lls[i] / float64(len(c))
	}
	pred, predNorm, predBytes := argmax(lls), argmax(normChars), argmax(normBytes)
	// A multiple-input task's gold is the index doc_to_text gives.
	var gold any
	if t.multipleInput {
		gold, err = t.docText(doc, tc.DocToText)
	} else {
		gold, err = t.docTarget(doc, tc.DocToTarget)
	}
	if err != nil {
		return nil, nil, err
	}
	var golds []int64
	goldIdx := int64(-100)
	switch g := gold.(type) {
	case []any:
		for _, e := range g {
			gi, _ := e.(int64)
			if gi >= int64(len(choices)) {
				gi = -100
			}
			golds = append(golds, gi)
		}
	case int64:
		if g < int64(len(choices)) {
			goldIdx = g
		}
	case string:
		for i, c := range choices {
			if c == g {
				goldIdx = int64(i)
				break
			}
		}
	}
	hit := func(p int) float64 {
		if multipleTarget {
			for _, g := range golds {
				if g == int64(p) {
					return 1
				}
			}
			return 0
		}
		if int64(p) == goldIdx {
			return 1
		}
		return 0
	}
	var keys []string
	vals := map[string]any{}
	set := func(k string, v any) {
		if t.hasMetric(k) {
			keys = append(keys, k)
			vals[k] = v
		}
	}
	set("acc", hit(pred))
	set("f1", py.Tuple{goldIdx, int64(pred)})
	set("mcc", py.Tuple{goldIdx, int64(pred)})
	set("acc_norm", hit(predNorm))
	set("acc_bytes", hit(predBytes))
	em := int64(0)
	if multipleTarget {
		for _, g := range golds {
			if g != -100 && greedy[g] {
				em = 1
			}
		}
	} else if goldIdx != -100 && greedy[goldIdx] {
		em = 1
	}
	set("exact_match", em)
	set("brier_score", py.Tuple{goldIdx, softmax(lls)})
	set("likelihood", py.Tuple{goldIdx, lls})
	if t.hasMetric("acc_mutual_info") {
		if unconditional == nil {
			return nil, nil, fmt.Errorf("acc_mutual_info: missing unconditional log-likelihoods")
		}
		mi := make([]float64, len(lls))
		for i := range lls {
			mi[i] = lls[i] - unconditional[i]
		}
		v := 0.0
		if int64(argmax(mi)) == goldIdx {
			v = 1
		}
		keys = append(keys, "acc_mutual_info")
		vals["acc_mutual_info"] = v
	}
	return keys, vals, nil
}

func softmax(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	out := make([]float64, len(x))
	s := 0.0
	for i, v := range x {
		out[i] = math.Exp(v - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}
