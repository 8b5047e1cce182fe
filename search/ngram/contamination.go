package ngram

import (
	"context"
	"fmt"
)

// Overlap is how much of a text occurs in the corpus.
type Overlap struct {
	// Tokens is the text's length in tokens.
	Tokens int `json:"tokens"`
	// NGrams is its number of n-grams, Tokens−n+1 (0 when shorter than n).
	NGrams int `json:"ngrams"`
	// Matched is how many of them occur in the corpus.
	Matched int `json:"matched"`
	// Longest is the longest run of the text's tokens that occurs in the
	// corpus, starting at token LongestStart, with LongestCount
	// occurrences.
	Longest      int    `json:"longest"`
	LongestStart int    `json:"longest_start"`
	LongestCount uint64 `json:"longest_count"`
}

// Fraction is the share of the n-grams that occur (0 without n-grams).
func (o Overlap) Fraction() float64 {
	if o.NGrams == 0 {
		return 0
	}
	return float64(o.Matched) / float64(o.NGrams)
}

// Overlap measures the n-gram overlap of tokens with the corpus and its
// longest match. It computes the matching statistics of the text: for
// each start, the longest prefix that occurs, narrowing a range of the
// suffix array token by token; the match from the next start is at least
// one shorter, so it resumes there.
func (ix *Index) Overlap(tokens []uint32, n int) (_ Overlap, err error) {
	defer catchCorrupt(&err)
	if n < 1 {
		return Overlap{}, fmt.Errorf("ngram: n-gram length %d must be >= 1", n)
	}
	if err := ix.validate(tokens); err != nil {
		return Overlap{}, err
	}
	o := Overlap{Tokens: len(tokens), NGrams: max(0, len(tokens)-n+1)}
	prev := 0
	for s := range tokens {
		l := max(0, prev-1)
		sp := ix.find(tokens[s:s+l], ix.all())
		for s+l < len(tokens) {
			next := ix.find(tokens[s:s+l+1], sp)
			if next.count() == 0 {
				break
			}
			sp, l = next, l+1
		}
		if s < o.NGrams && l >= n {
			o.Matched++
		}
		if l > o.Longest {
			o.Longest, o.LongestStart, o.LongestCount = l, s, sp.count()
		}
		prev = l
	}
	return o, nil
}

// Document is a text to check for contamination, such as an evaluation
// document: its task, its index in the task, and the text a model sees.
type Document struct {
	Task  string
	Index int
	Text  string
}

// DocReport is the contamination of one document.
type DocReport struct {
	Task  string `json:"task"`
	Index int    `json:"doc"`
	Overlap
	// Fraction is Overlap.Fraction, kept for JSON readers.
	Fraction float64 `json:"overlap"`
	// LongestText is the longest match as text.
	LongestText string `json:"longest_text,omitempty"`
	// Contaminated says whether the overlap reaches the threshold.
	Contaminated bool `json:"contaminated"`
}

// TaskReport sums up a task.
type TaskReport struct {
	Task         string  `json:"task"`
	Docs         int     `json:"docs"`
	Contaminated int     `json:"contaminated"`
	TooShort     int     `json:"too_short"`    // shorter than n tokens: not judged
	MeanOverlap  float64 `json:"mean_overlap"` // over the judged documents
	Longest      int     `json:"longest"`      // the longest match of any document
}

// CheckOptions configure Check. A nil *CheckOptions means the defaults.
type CheckOptions struct {
	// N is the n-gram length. The default value is 13, as in GPT-3's
	// contamination study and lm-evaluation-harness.
	N int
	// Threshold is the share of a document's n-grams that must occur for
	// it to count as contaminated; 0, the default, means any one n-gram,
	// as GPT-3 judged "dirty" examples.
	Threshold float64
	// Progress, if set, is called after each document.
	Progress func(done, total int)
}

// Report is the result of Check.
type Report struct {
	N         int          `json:"n"`
	Threshold float64      `json:"threshold"`
	Tasks     []TaskReport `json:"tasks"`
	Docs      []DocReport  `json:"docs"`
}

// Check tokenizes each document with the index's tokenizer and measures
// its overlap with the corpus. Tasks are reported in the order they first
// appear.
func Check(ctx context.Context, ix *Index, docs []Document, opts *CheckOptions) (*Report, error) {
	o := CheckOptions{N: 13}
	if opts != nil {
		o = *opts
		if o.N == 0 {
			o.N = 13
		}
	}
	if o.N < 1 || o.Threshold < 0 || o.Threshold > 1 || o.Threshold != o.Threshold {
		return nil, fmt.Errorf("ngram: check: n (%d) must be >= 1 and threshold (%g) in [0, 1]", o.N, o.Threshold)
	}
	rep := &Report{N: o.N, Threshold: o.Threshold}
	tasks := map[string]int{}
	for i, d := range docs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		toks, err := ix.Tokenize(d.Text)
		if err != nil {
			return nil, err
		}
		ov, err := ix.Overlap(toks, o.N)
		if err != nil {
			return nil, fmt.Errorf("ngram: task %s document %d: %w", d.Task, d.Index, err)
		}
		dr := DocReport{Task: d.Task, Index: d.Index, Overlap: ov, Fraction: ov.Fraction()}
		if ov.Longest > 0 {
			dr.LongestText = ix.Decode(toks[ov.LongestStart : ov.LongestStart+ov.Longest])
		}
		dr.Contaminated = ov.NGrams > 0 && ov.Matched > 0 && ov.Fraction() >= o.Threshold
		rep.Docs = append(rep.Docs, dr)
		ti, ok := tasks[d.Task]
		if !ok {
			ti = len(rep.Tasks)
			tasks[d.Task] = ti
			rep.Tasks = append(rep.Tasks, TaskReport{Task: d.Task})
		}
		tr := &rep.Tasks[ti]
		tr.Docs++
		tr.Longest = max(tr.Longest, ov.Longest)
		switch {
		case ov.NGrams == 0:
			tr.TooShort++
		default:
			tr.MeanOverlap += dr.Fraction
			if dr.Contaminated {
				tr.Contaminated++
			}
		}
		if o.Progress != nil {
			o.Progress(i+1, len(docs))
		}
	}
	for i := range rep.Tasks {
		tr := &rep.Tasks[i]
		if judged := tr.Docs - tr.TooShort; judged > 0 {
			tr.MeanOverlap /= float64(judged)
		}
	}
	return rep, nil
}

// Clean returns, for each task, the indexes of its documents that are not
// contaminated (lm-evaluation-harness's --samples layout), so that a
// harness can score the clean subset.
func (r *Report) Clean() map[string][]int {
	out := map[string][]int{}
	for _, t := range r.Tasks {
		out[t.Task] = []int{}
	}
	for _, d := range r.Docs {
		if !d.Contaminated {
			out[d.Task] = append(out[d.Task], d.Index)
		}
	}
	return out
}
