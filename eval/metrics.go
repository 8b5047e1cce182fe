package eval

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/fmkit/fmkit/internal/py"
)

type metricDef struct {
	aggregation    string
	higherIsBetter bool
}

// metricInfo is lm-eval's metric registry: default aggregation and
// direction of each built-in metric.
var metricInfo = map[string]metricDef{
	"acc":             {"mean", true},
	"acc_norm":        {"mean", true},
	"acc_bytes":       {"mean", true},
	"acc_mutual_info": {"mean", true},
	"exact_match":     {"mean", true},
	"f1":              {"f1", true},
	"mcc":             {"matthews_corrcoef", true},
	"brier_score":     {"brier_score", false},
	"likelihood":      {"mean", true},
	"perplexity":      {"perplexity", false},
	"word_perplexity": {"weighted_perplexity", false},
	"byte_perplexity": {"weighted_perplexity", false},
	"bits_per_byte":   {"bits_per_byte", false},
	"bypass":          {"bypass", true},
	"bleu":            {"bleu", true},
	"chrf":            {"chrf", true},
	"ter":             {"ter", false},
}

// higherIsBetter is the metric's direction: the task's higher_is_better
// when its metric_list gives one, else the registry's.
func (mc MetricConfig) higherIsBetter() bool {
	if mc.HigherIsBetter != nil {
		return *mc.HigherIsBetter
	}
	return metricInfo[mc.Name].higherIsBetter
}

// defaultMetrics are used when a task has no metric_list.
var defaultMetrics = map[string][]string{
	Loglikelihood:        {"perplexity", "acc"},
	LoglikelihoodRolling: {"word_perplexity", "byte_perplexity", "bits_per_byte"},
	MultipleChoice:       {"acc", "acc_norm"},
	GenerateUntil:        {"exact_match"},
}

func metricNames() []string { return sortedKeys(metricInfo) }

// An aggregation reduces per-document metric values (float64, or pairs
// for the passthrough metrics) to one number.
type aggregation = AggregationFunc

var aggregations = map[string]aggregation{
	"mean":                aggMean,
	"median":              aggMedian,
	"nanmean":             aggNanMean,
	"perplexity":          func(items []any) (float64, error) { m, err := aggMean(items); return math.Exp(-m), err },
	"weighted_perplexity": func(items []any) (float64, error) { m, err := weightedMean(items); return math.Exp(-m), err },
	"bits_per_byte":       func(items []any) (float64, error) { m, err := weightedMean(items); return -m / math.Ln2, err },
	"f1":                  aggF1,
	"matthews_corrcoef":   aggMCC,
	"brier_score":         aggBrier,
	"bypass":              func([]any) (float64, error) { return 999, nil },
	"bleu":                sacreBLEU,
	"chrf":                sacreChrF,
	"ter":                 sacreTER,
}

// bootstrappable aggregations get a bootstrap standard error; mean gets
// the closed form; the others none ("N/A"), as in lm-eval.
var bootstrappable = map[string]bool{"median": true, "matthews_corrcoef": true, "f1": true, "perplexity": true, "nanmean": true, "bleu": true, "chrf": true, "ter": true}

func num(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("metric value %s is not a number", py.Repr(v))
}

// aggMean is sum(arr) / len(arr), summed left to right as Python does.
func aggMean(items []any) (float64, error) {
	if len(items) == 0 {
		return 0, fmt.Errorf("mean of no values")
	}
	s := 0.0
	for _, v := range items {
		f, err := num(v)
		if err != nil {
			return 0, err
		}
		s += f
	}
	return s / float64(len(items)), nil
}

func aggMedian(items []any) (float64, error) {
	fs := make([]float64, len(items))
	for i, v := range items {
		f, err := num(v)
		if err != nil {
			return 0, err
		}
		fs[i] = f
	}
	sort.Float64s(fs)
	return fs[len(fs)/2], nil
}

func aggNanMean(items []any) (float64, error) {
	s, n := 0.0, 0
	for _, v := range items {
		f, err := num(v)
		if err != nil {
			return 0, err
		}
		if !math.IsNaN(f) {
			s += f
			n++
		}
	}
	if n == 0 {
		return math.NaN(), nil
	}
	return s / float64(n), nil
}

func pair(v any) (any, any, error) {
	t, ok := v.(py.Tuple)
	if !ok || len(t) != 2 {
		return nil, nil, fmt.Errorf("expected a (value, weight) pair, got %s", py.Repr(v))
	}
	return t[0], t[1], nil
}

func weightedMean(items []any) (float64, error) {
	a, b := 0.0, 0.0
	for _, v := range items {
		x, y, err := pair(v)
		if err != nil {
			return 0, err
		}
		xf, err1 := num(x)
		yf, err2 := num(y)
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("weighted mean: non-numeric pair %s", py.Repr(v))
		}
		a += xf
		b += yf
	}
	return a / b, nil
}

func goldPred(items []any) ([]int64, []int64, error) {
	golds := make([]int64, len(items))
	preds := make([]int64, len(items))
	for i, v := range items {
		g, p, err := pair(v)
		if err != nil {
			return nil, nil, err
		}
		gi, ok1 := g.(int64)
		pi, ok2 := p.(int64)
		if !ok1 || !ok2 {
			return nil, nil, fmt.Errorf("expected integer (gold, pred), got %s", py.Repr(v))
		}
		golds[i], preds[i] = gi, pi
	}
	return golds, preds, nil
}

// aggF1 is sklearn's binary f1_score (positive label 1; 0 when precision
// and recall are both 0).
func aggF1(items []any) (float64, error) {
	golds, preds, err := goldPred(items)
	if err != nil {
		return 0, err
	}
	var tp, fp, fn float64
	for i := range golds {
		if golds[i] != 0 && golds[i] != 1 || preds[i] != 0 && preds[i] != 1 {
			return 0, fmt.Errorf("f1: labels must be 0 or 1 (binary), got gold %d pred %d", golds[i], preds[i])
		}
		switch {
		case golds[i] == 1 && preds[i] == 1:
			tp++
		case golds[i] == 0 && preds[i] == 1:
			fp++
		case golds[i] == 1 && preds[i] == 0:
			fn++
		}
	}
	if 2*tp+fp+fn == 0 {
		return 0, nil
	}
	return 2 * tp / (2*tp + fp + fn), nil
}

// aggMCC is sklearn's multiclass matthews_corrcoef.
func aggMCC(items []any) (float64, error) {
	golds, preds, err := goldPred(items)
	if err != nil {
		return 0, err
	}
	tSum := map[int64]float64{}
	pSum := map[int64]float64{}
	correct := 0.0
	for i := range golds {
		tSum[golds[i]]++
		pSum[preds[i]]++
		if golds[i] == preds[i] {
			correct++
		}
	}
	n := float64(len(golds))
	var tp, pp, tt float64
	for k, t := range tSum {
		tp += t * pSum[k]
		tt += t * t
	}
	for _, p := range pSum {
		pp += p * p
	}
	covYtYp := correct*n - tp
	covYpYp := n*n - pp
	covYtYt := n*n - tt
	if covYpYp*covYtYt == 0 {
		return 0, nil
	}
	return covYtYp / math.Sqrt(covYtYt*covYpYp), nil
}

// aggBrier is the mean over documents of the squared distance between the
// softmax of the choice log-likelihoods and the one-hot gold.
func aggBrier(items []any) (float64, error) {
	s := 0.0
	for _, v := range items {
		g, p, err := pair(v)
		if err != nil {
			return 0, err
		}
		gi, _ := g.(int64)
		probs, ok := p.([]float64)
		if !ok {
			return 0, fmt.Errorf("brier_score: expected probabilities")
		}
		d := 0.0
		for i, q := range probs {
			t := 0.0
			if int64(i) == gi {
				t = 1
			}
			d += (q - t) * (q - t)
		}
		s += d
	}
	return s / float64(len(items)), nil
}

// meanStderr is lm-eval's closed form: sample standard deviation over
// sqrt(n).
func meanStderr(items []any) (float64, error) {
	mu, err := aggMean(items)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for _, v := range items {
		f, _ := num(v)
		s += (f - mu) * (f - mu)
	}
	return math.Sqrt(s/float64(len(items)-1)) / math.Sqrt(float64(len(items))), nil
}

// bootstrapStderr is lm-eval's bootstrap_stderr: iters/1000 chunks (or one
// chunk of iters when fewer), chunk i drawing with random.Random(i) and
// random.choices; the standard error is the sample standard deviation of
// the replicates. Chunks run in parallel on up to GOMAXPROCS workers and
// give the same result as the sequential loop.
func bootstrapStderr(agg aggregation, items []any, iters int) (float64, error) {
	chunk := min(1000, iters)
	nChunks := iters / chunk
	res := make([]float64, nChunks*chunk)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sample := make([]any, len(items))
			idx := make([]int, 0, len(items))
			for c := range next {
				rnd := py.NewRandom(int64(c))
				for k := 0; k < chunk; k++ {
					idx = rnd.ChoicesIndices(len(items), len(items), idx)
					for j, i := range idx {
						sample[j] = items[i]
					}
					v, err := agg(sample)
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
					}
					res[c*chunk+k] = v
				}
			}
		}()
	}
	for c := 0; c < nChunks; c++ {
		next <- c
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	vals := make([]any, len(res))
	for i, v := range res {
		vals[i] = v
	}
	mean, _ := aggMean(vals)
	s := 0.0
	for _, v := range res {
		s += (v - mean) * (v - mean)
	}
	return math.Sqrt(s / float64(len(res)-1)), nil
}

// stderrFor returns the standard error of aggregation agg over items, or
// ok=false where lm-eval reports "N/A".
func stderrFor(aggName, metric string, items []any, iters int) (float64, bool, error) {
	if iters <= 0 || len(items) <= 1 {
		return 0, false, nil
	}
	if aggName == "mean" {
		v, err := meanStderr(items)
		return v, err == nil, err
	}
	if bootstrappable[aggName] {
		if metric == "bleu" || metric == "chrf" || metric == "ter" {
			iters = min(iters, 100)
		}
		v, err := bootstrapStderr(aggregations[aggName], items, iters)
		return v, err == nil, err
	}
	return 0, false, nil
}

// pooledStderr is lm-eval's pooled_sample_stderr for groups.
func pooledStderr(stderrs []float64, sizes []int) float64 {
	num, total := 0.0, 0
	for i, s := range stderrs {
		n := float64(sizes[i])
		num += (n - 1) * s * s * n
		total += sizes[i]
	}
	return math.Sqrt(num / float64(total-len(sizes)) / float64(total))
}

// exactMatch is lm-eval's exact_match_hf_evaluate for one prediction.
func exactMatch(pred, ref string, kw map[string]any) (float64, error) {
	if v, ok := kw["regexes_to_ignore"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			list = []any{v}
		}
		for _, p := range list {
			re, err := compileCached(py.Str(p))
			if err != nil {
				return 0, err
			}
			if pred, err = re.Sub("", pred, 0); err != nil {
				return 0, err
			}
			if ref, err = re.Sub("", ref, 0); err != nil {
				return 0, err
			}
		}
	}
	if v, ok := kw["ignore_case"]; ok && py.Truth(v) {
		pred, ref = strings.ToLower(pred), strings.ToLower(ref)
	}
	if v, ok := kw["ignore_punctuation"]; ok && py.Truth(v) {
		pred, ref = stripASCII(pred, asciiPunct), stripASCII(ref, asciiPunct)
	}
	if v, ok := kw["ignore_numbers"]; ok && py.Truth(v) {
		pred, ref = stripASCII(pred, "0123456789"), stripASCII(ref, "0123456789")
	}
	if pred == ref {
		return 1, nil
	}
	return 0, nil
}

const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func stripASCII(s, chars string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && strings.ContainsRune(chars, r) {
			return -1
		}
		return r
	}, s)
}

var (
	reCacheMu sync.Mutex
	reCache   = map[string]*py.Regexp{}
)

func compileCached(p string) (*py.Regexp, error) {
	reCacheMu.Lock()
	defer reCacheMu.Unlock()
	if re, ok := reCache[p]; ok {
		return re, nil
	}
	re, err := py.Compile(p)
	if err != nil {
		return nil, err
	}
	reCache[p] = re
	return re, nil
}
