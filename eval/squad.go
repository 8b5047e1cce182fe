package eval

import (
	"math"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/internal/py"
)

// The SQuAD 2.0 evaluation (Rajpurkar et al., 2018), as the squad_v2
// metric computes it with a no-answer threshold of 1.

func expFloat(x float64) float64 { return math.Exp(x) }

var squadArticles = mustCompile(`\b(a|an|the)\b`)

// squadNormalize lowers the text and removes punctuation, articles and
// extra whitespace.
func squadNormalize(s string) string {
	s = strings.ToLower(s)
	s = stripASCII(s, asciiPunct)
	s, _ = squadArticles.Sub(" ", s, 0)
	return strings.Join(py.SplitWhitespace(s, -1), " ")
}

func squadTokens(s string) []string {
	if s == "" {
		return nil
	}
	return py.SplitWhitespace(squadNormalize(s), -1)
}

func squadExact(gold, pred string) float64 {
	if squadNormalize(gold) == squadNormalize(pred) {
		return 1
	}
	return 0
}

func squadF1(gold, pred string) float64 {
	g, p := squadTokens(gold), squadTokens(pred)
	if len(g) == 0 || len(p) == 0 {
		if len(g) == len(p) {
			return 1
		}
		return 0
	}
	counts := map[string]int{}
	for _, t := range g {
		counts[t]++
	}
	same := 0
	for _, t := range p {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := float64(same) / float64(len(p))
	recall := float64(same) / float64(len(g))
	return 2 * precision * recall / (precision + recall)
}

// squadEval scores the items as squad_v2's compute does; the ids are the
// keys, a later duplicate replacing an earlier one in place.
func squadEval(items []squadItem) map[string]float64 {
	var ids []string
	byID := map[string]squadItem{}
	for _, it := range items {
		if _, seen := byID[it.id]; !seen {
			ids = append(ids, it.id)
		}
		byID[it.id] = it
	}
	exactRaw, f1Raw := map[string]float64{}, map[string]float64{}
	hasAns := map[string]bool{}
	for _, id := range ids {
		it := byID[id]
		hasAns[id] = len(it.answers) > 0
		var golds []string
		for _, a := range it.answers {
			if squadNormalize(a) != "" {
				golds = append(golds, a)
			}
		}
		if len(golds) == 0 {
			golds = []string{""}
		}
		e, f := 0.0, 0.0
		for _, g := range golds {
			e = math.Max(e, squadExact(g, it.prediction))
			f = math.Max(f, squadF1(g, it.prediction))
		}
		exactRaw[id], f1Raw[id] = e, f
	}
	threshold := func(raw map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for _, id := range ids {
			out[id] = raw[id]
			if byID[id].noAnswer > 1 {
				out[id] = 0
				if !hasAns[id] {
					out[id] = 1
				}
			}
		}
		return out
	}
	exact, f1 := threshold(exactRaw), threshold(f1Raw)
	out := map[string]float64{}
	mean := func(scores map[string]float64, keep func(string) bool) (float64, int) {
		s, n := 0.0, 0
		for _, id := range ids {
			if keep(id) {
				s += scores[id]
				n++
			}
		}
		return 100 * s / float64(n), n
	}
	all := func(string) bool { return true }
	out["exact"], _ = mean(exact, all)
	out["f1"], _ = mean(f1, all)
	for _, part := range []struct {
		prefix string
		keep   func(string) bool
	}{{"HasAns", func(id string) bool { return hasAns[id] }}, {"NoAns", func(id string) bool { return !hasAns[id] }}} {
		if v, n := mean(exact, part.keep); n > 0 {
			out[part.prefix+"_exact"] = v
			out[part.prefix+"_f1"], _ = mean(f1, part.keep)
		}
	}
	out["best_exact"] = squadBest(ids, byID, exactRaw, hasAns)
	out["best_f1"] = squadBest(ids, byID, f1Raw, hasAns)
	return out
}

// squadBest is find_best_thresh's score: the best total over the
// no-answer thresholds, visiting questions by increasing no-answer
// probability.
func squadBest(ids []string, byID map[string]squadItem, scores map[string]float64, hasAns map[string]bool) float64 {
	cur := 0.0
	for _, id := range ids {
		if !hasAns[id] {
			cur++
		}
	}
	best := cur
	order := append([]string{}, ids...)
	sort.SliceStable(order, func(a, b int) bool { return byID[order[a]].noAnswer < byID[order[b]].noAnswer })
	for _, id := range order {
		switch {
		case hasAns[id]:
			cur += scores[id]
		case byID[id].prediction != "":
			cur--
		}
		if cur > best {
			best = cur
		}
	}
	return 100 * best / float64(len(ids))
}
