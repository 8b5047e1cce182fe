package lm

import "strings"

// CutAtStop returns s before the earliest occurrence of any of the stop
// strings (empty ones are ignored) and whether one occurred. Backends use it
// to honour GenerateRequest.Until.
func CutAtStop(s string, stops []string) (string, bool) {
	best := -1
	for _, st := range stops {
		if st == "" {
			continue
		}
		if i := strings.Index(s, st); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return s, false
	}
	return s[:best], true
}

// StopPrefixLen returns the length of the longest suffix of s that is a
// proper prefix of a stop string: text a streaming backend must hold back,
// because the next token could complete it into a stop string.
func StopPrefixLen(s string, stops []string) int {
	best := 0
	for _, st := range stops {
		for k := min(len(st)-1, len(s)); k > best; k-- {
			if strings.HasSuffix(s, st[:k]) {
				best = k
				break
			}
		}
	}
	return best
}
