package mathcheck

import (
	"reflect"
	"testing"
)

func TestMajorityVote(t *testing.T) {
	c := NewChecker(nil)
	equiv := func(a, b string) bool { return c.Check(a, b).Equivalent }
	same := func(a, b string) bool { return a == b }
	for _, tc := range []struct {
		name     string
		answers  []string
		gold     string
		total    int
		equal    func(a, b string) bool
		correct  bool
		passRate float64
		votes    []Vote
	}{
		{
			// "0.5" joins the bucket of \frac{1}{2} by equivalence; the
			// second "3" joins by string; one invalid sample is counted in
			// the total (Llemma's MATH).
			name: "equivalent answers share a bucket", answers: []string{`\frac{1}{2}`, "0.5", "3", "3", "0.5"},
			gold: "0.5", total: 6, equal: equiv, correct: true, passRate: 0.5,
			votes: []Vote{{`\frac{1}{2}`, 3}, {"3", 2}},
		},
		{
			name: "ties go to the bucket opened first", answers: []string{"3", "4"},
			gold: "4", total: 2, equal: equiv, correct: false, passRate: 0.5,
			votes: []Vote{{"3", 1}, {"4", 1}},
		},
		{
			name: "gold bucket not elected", answers: []string{"7", "7", "2", "7", "2"},
			gold: "2", total: 5, equal: same, correct: false, passRate: 0.4,
			votes: []Vote{{"7", 3}, {"2", 2}},
		},
		{
			// GSM8k: exact strings, pass rate over the valid answers.
			name: "string equality", answers: []string{"18", "18", "17"},
			gold: "18", total: 3, equal: same, correct: true, passRate: 2.0 / 3,
			votes: []Vote{{"18", 2}, {"17", 1}},
		},
		{
			name: "no valid answers", answers: nil, gold: "1", total: 4, equal: same,
		},
		{
			name: "gold nowhere", answers: []string{"1", "2"}, gold: "3", total: 2, equal: equiv,
			votes: []Vote{{"1", 1}, {"2", 1}},
		},
	} {
		e := MajorityVote(tc.answers, tc.gold, tc.total, tc.equal)
		if e.Correct != tc.correct || e.PassRate != tc.passRate || !reflect.DeepEqual(e.Votes, tc.votes) {
			t.Errorf("%s: got %+v, want correct %v, pass rate %v, votes %v", tc.name, e, tc.correct, tc.passRate, tc.votes)
		}
		if got, ok := e.Elected(); ok != (len(tc.votes) > 0) || ok && got != tc.votes[0].Answer {
			t.Errorf("%s: Elected() = %q, %v", tc.name, got, ok)
		}
	}
}
