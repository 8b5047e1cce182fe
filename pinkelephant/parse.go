package pinkelephant

import (
	"regexp"
	"strings"
)

// listMarker is a list item's numbering or bullet: "1.", "2)", "-", "*",
// "•".
var listMarker = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•])\s+`)

// ParseList reads one item per line from a model's answer: numbering,
// bullets, surrounding quotes and trailing full stops removed; blank lines
// and duplicates (after Normalize) dropped.
func ParseList(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		item := cleanItem(listMarker.ReplaceAllString(line, ""))
		key := Normalize(item)
		if item == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, item)
	}
	return out
}

// pairSeparators split a line into the two entities of a pair, tried in
// order: the requested "A | B", then what models write instead.
var pairSeparators = []*regexp.Regexp{
	regexp.MustCompile(`\s*\|\s*`),
	regexp.MustCompile(`\s+(?:vs\.?|versus)\s+`),
	regexp.MustCompile(`\s+[-–—]\s+`),
	regexp.MustCompile(`\s*,\s*`),
	regexp.MustCompile(`\s*;\s*`),
}

// ParsePairs reads "FIRST | SECOND" lines (or "(FIRST, SECOND)", "FIRST vs
// SECOND", "FIRST - SECOND") from a model's answer. Lines that do not hold
// exactly two non-empty names are skipped and returned in rejected.
func ParsePairs(text string) (pairs [][2]string, rejected []string) {
	for _, line := range strings.Split(text, "\n") {
		item := strings.TrimSpace(listMarker.ReplaceAllString(line, ""))
		if item == "" {
			continue
		}
		item = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(item, "("), ")"))
		var got [2]string
		ok := false
		for _, sep := range pairSeparators {
			parts := sep.Split(item, -1)
			if len(parts) != 2 {
				continue
			}
			a, b := cleanItem(parts[0]), cleanItem(parts[1])
			if a != "" && b != "" {
				got, ok = [2]string{a, b}, true
				break
			}
		}
		if !ok {
			rejected = append(rejected, line)
			continue
		}
		pairs = append(pairs, got)
	}
	return pairs, rejected
}

// cleanItem trims spaces, quotes, bold markers and a trailing full stop.
func cleanItem(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"'“”‘’*`)
	s = strings.TrimSuffix(s, ".")
	return strings.TrimSpace(s)
}

// utterancePrefix is a speaker label a model may put before a message it
// was asked to write alone.
var utterancePrefix = regexp.MustCompile(`(?i)^\s*(?:user|assistant|agent|ai|revised (?:message|response|utterance)|rewritten message|message)\s*(?:\d+\s*)?:\s*`)

// CleanUtterance turns a model's answer into a message: a speaker label
// at the start and quotes around the whole removed, spaces trimmed.
func CleanUtterance(s string) string {
	s = strings.TrimSpace(utterancePrefix.ReplaceAllString(strings.TrimSpace(s), ""))
	if len(s) >= 2 {
		for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
			if strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) && !strings.Contains(s[len(q[0]):len(s)-len(q[1])], q[0]) {
				s = strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
			}
		}
	}
	return s
}
