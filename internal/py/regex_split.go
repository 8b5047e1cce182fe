package py

// Search is re.search(pattern, s) is not None: whether the pattern matches
// anywhere in s.
func (r *Regexp) Search(s string) (bool, error) {
	m, err := r.re.FindStringMatch(s)
	return m != nil, err
}

// Split is re.split(pattern, s): the pieces between matches, each match
// followed by the text of its groups (unmatched groups give "", where
// Python gives None).
func (r *Regexp) Split(s string) ([]string, error) {
	runes := []rune(s)
	var out []string
	last := 0
	m, err := r.re.FindRunesMatch(runes)
	for ; m != nil && err == nil; m, err = r.re.FindNextMatch(m) {
		out = append(out, string(runes[last:m.Index]))
		for _, g := range m.Groups()[1:] {
			out = append(out, groupText(g))
		}
		last = m.Index + m.Length
	}
	if err != nil {
		return nil, err
	}
	return append(out, string(runes[last:])), nil
}
