package mathcheck

// A Vote is one bucket of a majority vote: the answer that opened it and
// how many answers joined it.
type Vote struct {
	Answer string
	Count  int
}

// An Election is the outcome of MajorityVote.
type Election struct {
	// Correct is whether the elected answer is equivalent to the gold one.
	Correct bool
	// PassRate is the gold bucket's votes divided by the total given to
	// MajorityVote (0 when no bucket is equivalent to the gold answer).
	PassRate float64
	// Votes are the buckets, most votes first, ties in the order the
	// buckets opened; Votes[0] is the elected answer. Empty when there
	// were no valid answers.
	Votes []Vote
}

// Elected returns the winning answer, or "" and false without votes.
func (e Election) Elected() (string, bool) {
	if len(e.Votes) == 0 {
		return "", false
	}
	return e.Votes[0].Answer, true
}

// MajorityVote is Llemma's majority_vote. answers are the valid answers
// in sample order (invalid ones get no vote); an answer joins the bucket
// of an identical string if there is one, otherwise the first bucket
// whose answer is equal to it, otherwise it opens a bucket. The bucket
// with the most votes is elected (the earliest on ties) and scored with
// equal(gold, elected). total is what the pass rate divides by: for MATH
// Llemma counts every sample, invalid ones included; for GSM8k only the
// valid ones (len(answers)).
func MajorityVote(answers []string, gold string, total int, equal func(a, b string) bool) Election {
	var votes []Vote
	index := map[string]int{}
	for _, a := range answers {
		if i, ok := index[a]; ok {
			votes[i].Count++
			continue
		}
		joined := false
		for i := range votes {
			if equal(a, votes[i].Answer) {
				votes[i].Count++
				joined = true
				break
			}
		}
		if !joined {
			index[a] = len(votes)
			votes = append(votes, Vote{Answer: a, Count: 1})
		}
	}
	if len(votes) == 0 {
		return Election{}
	}
	opened := append([]Vote(nil), votes...)
	sortVotes(votes)
	e := Election{Votes: votes}
	share := func(n int) float64 {
		if total <= 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	if equal(gold, votes[0].Answer) {
		e.Correct = true
		e.PassRate = share(votes[0].Count)
		return e
	}
	for _, v := range opened {
		if equal(gold, v.Answer) {
			e.PassRate = share(v.Count)
			break
		}
	}
	return e
}

// sortVotes orders by count, descending, keeping the opening order on
// ties (Python's sorted is stable).
func sortVotes(v []Vote) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Count > v[j-1].Count; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// VoteGenerations is Llemma's MATH scoring of k sampled generations: each
// one's answer extracted (GenerationAnswer) and normalized in mode, the
// invalid ones left without a vote but counted in the pass rate, then
// MajorityVote against gold (a normalized answer) with c deciding
// equivalence.
func (c *Checker) VoteGenerations(gold string, generations []string, mode Mode) Election {
	valid := make([]string, 0, len(generations))
	for _, g := range generations {
		if raw, ok := GenerationAnswer(g); ok {
			valid = append(valid, Normalize(raw, mode))
		}
	}
	return MajorityVote(valid, gold, len(generations), func(a, b string) bool { return c.Check(a, b).Equivalent })
}
