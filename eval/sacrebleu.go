package eval

import (
	"fmt"
	"math"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// lm-eval's corpus-level translation metrics as sacreBLEU (2.x) computes
// them with its defaults: BLEU with the 13a tokenizer and exponential
// smoothing, and chrF (character 6-grams, beta 2, whitespace ignored).
// Each document contributes the pair [gold, prediction]; the aggregation
// scores the corpus.

var tok13aRules = []struct {
	re   *py.Regexp
	repl string
}{
	{mustCompile(`([\{-\~\[-\` + "`" + ` -\&\(-\+\:-\@\/])`), ` \1 `},
	{mustCompile(`([^0-9])([\.,])`), `\1 \2 `},
	{mustCompile(`([\.,])([^0-9])`), ` \1 \2`},
	{mustCompile(`([0-9])(-)`), `\1 \2 `},
}

// tokenize13a is sacreBLEU's 13a tokenizer (mteval-v13a).
func tokenize13a(line string) string {
	line = strings.ReplaceAll(line, "<skipped>", "")
	line = strings.ReplaceAll(line, "-\n", "")
	line = strings.ReplaceAll(line, "\n", " ")
	if strings.Contains(line, "&") {
		for _, r := range [][2]string{{"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}} {
			line = strings.ReplaceAll(line, r[0], r[1])
		}
	}
	line = " " + line + " "
	for _, r := range tok13aRules {
		line, _ = r.re.Sub(r.repl, line, 0)
	}
	return strings.Join(py.SplitWhitespace(line, -1), " ")
}

// sacreCorpus is lm-eval's _sacreformat: the predictions and the
// reference streams (one per reference position, as zip(*refs) makes
// them, so the shortest document's count of references wins).
func sacreCorpus(items []any) (preds []string, streams [][]string, err error) {
	var refs [][]string
	for i, it := range items {
		var pair []any
		switch x := it.(type) {
		case []any:
			pair = x
		case py.Tuple:
			pair = x
		}
		if len(pair) != 2 {
			return nil, nil, fmt.Errorf("item %d is %s, expected [reference, prediction]", i, describe(it))
		}
		var r []string
		if l, ok := pair[0].([]any); ok {
			for _, s := range l {
				r = append(r, py.Str(s))
			}
		} else {
			r = []string{py.Str(pair[0])}
		}
		refs = append(refs, r)
		p := pair[1]
		if l, ok := p.([]any); ok {
			if len(l) != 1 {
				return nil, nil, fmt.Errorf("prediction %d is a list of %d, expected one text", i, len(l))
			}
			p = l[0]
		}
		preds = append(preds, py.Str(p))
	}
	if len(refs) == 0 {
		return nil, nil, fmt.Errorf("no documents")
	}
	n := len(refs[0])
	for _, r := range refs {
		n = min(n, len(r))
	}
	streams = make([][]string, len(refs))
	for i, r := range refs {
		streams[i] = r[:n]
	}
	return preds, streams, nil
}

func wordNgrams(line string, maxOrder int) (map[string]int, int) {
	toks := py.SplitWhitespace(line, -1)
	out := map[string]int{}
	for n := 1; n <= maxOrder; n++ {
		for i := 0; i+n <= len(toks); i++ {
			out[fmt.Sprint(n)+"\x00"+strings.Join(toks[i:i+n], "\x00")]++
		}
	}
	return out, len(toks)
}

// sacreBLEU is corpus_bleu(preds, refs).score.
func sacreBLEU(items []any) (float64, error) {
	preds, refs, err := sacreCorpus(items)
	if err != nil {
		return 0, err
	}
	const order = 4
	var sysLen, refLen int
	correct, total := make([]int, order), make([]int, order)
	for i, hyp := range preds {
		refNgrams := map[string]int{}
		var refLens []int
		for _, r := range refs[i] {
			ng, l := wordNgrams(tokenize13a(py.RStrip(r, nil)), order)
			refLens = append(refLens, l)
			for k, c := range ng {
				refNgrams[k] = max(refNgrams[k], c)
			}
		}
		hng, hl := wordNgrams(tokenize13a(py.RStrip(hyp, nil)), order)
		closest, diff := -1, -1
		for _, l := range refLens {
			d := hl - l
			if d < 0 {
				d = -d
			}
			if diff == -1 || d < diff || (d == diff && l < closest) {
				diff, closest = d, l
			}
		}
		sysLen += hl
		refLen += closest
		for k, c := range hng {
			n := int(k[0] - '1')
			total[n] += c
			if rc, ok := refNgrams[k]; ok {
				correct[n] += min(c, rc)
			}
		}
	}
	return bleuScore(correct, total, sysLen, refLen), nil
}

// bleuScore is compute_bleu with exponential smoothing.
func bleuScore(correct, total []int, sysLen, refLen int) float64 {
	bp := 1.0
	if sysLen < refLen {
		bp = 0
		if sysLen > 0 {
			bp = math.Exp(1 - float64(refLen)/float64(sysLen))
		}
	}
	anyCorrect := false
	for _, c := range correct {
		anyCorrect = anyCorrect || c != 0
	}
	if !anyCorrect {
		return 0
	}
	precisions := make([]float64, len(correct))
	smooth := 1.0
	for n := range precisions {
		if total[n] == 0 {
			break
		}
		if correct[n] == 0 {
			smooth *= 2
			precisions[n] = 100 / (smooth * float64(total[n]))
		} else {
			precisions[n] = 100 * float64(correct[n]) / float64(total[n])
		}
	}
	sum := 0.0
	for _, p := range precisions {
		if p == 0 {
			sum += -9999999999
		} else {
			sum += math.Log(p)
		}
	}
	return bp * math.Exp(sum/float64(len(precisions)))
}

func charNgrams(line string, order int) []map[string]int {
	r := []rune(strings.Join(py.SplitWhitespace(line, -1), ""))
	out := make([]map[string]int, order)
	for n := 1; n <= order; n++ {
		m := map[string]int{}
		for i := 0; i+n <= len(r); i++ {
			m[string(r[i:i+n])]++
		}
		out[n-1] = m
	}
	return out
}

const chrfOrder, chrfBeta = 6, 2

// chrfF is _compute_f_score without epsilon smoothing.
func chrfF(stats []int) float64 {
	factor := float64(chrfBeta * chrfBeta)
	avgPrec, avgRec, eff := 0.0, 0.0, 0
	for i := 0; i < chrfOrder; i++ {
		hyp, ref, match := stats[3*i], stats[3*i+1], stats[3*i+2]
		if hyp > 0 && ref > 0 {
			avgPrec += float64(match) / float64(hyp)
			avgRec += float64(match) / float64(ref)
			eff++
		}
	}
	if eff == 0 {
		return 0
	}
	avgPrec /= float64(eff)
	avgRec /= float64(eff)
	if avgPrec+avgRec == 0 {
		return 0
	}
	return 100 * (1 + factor) * avgPrec * avgRec / (factor*avgPrec + avgRec)
}

// sacreChrF is corpus_chrf(preds, refs).score.
func sacreChrF(items []any) (float64, error) {
	preds, refs, err := sacreCorpus(items)
	if err != nil {
		return 0, err
	}
	sum := make([]int, 3*chrfOrder)
	for i, hyp := range preds {
		h := charNgrams(hyp, chrfOrder)
		var best []int
		bestF := -1.0
		for _, r := range refs[i] {
			rn := charNgrams(r, chrfOrder)
			stats := make([]int, 0, 3*chrfOrder)
			for n := 0; n < chrfOrder; n++ {
				hypCount, match, refCount := 0, 0, 0
				for g, c := range h[n] {
					hypCount += c
					if rc, ok := rn[n][g]; ok {
						match += min(c, rc)
					}
				}
				for _, c := range rn[n] {
					refCount += c
				}
				if len(rn[n]) == 0 {
					hypCount = 0
				}
				stats = append(stats, hypCount, refCount, match)
			}
			if f := chrfF(stats); f > bestF {
				bestF, best = f, stats
			}
		}
		for j := range best {
			sum[j] += best[j]
		}
	}
	return chrfF(sum), nil
}
