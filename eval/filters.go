package eval

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
)

// A filter maps every request's responses to new responses. Each item
// starts as the list of the request's responses (one per repeat);
// take_first replaces the list by its first element, as in lm-eval.
type filter = FilterFunc

func asList(v any, name string) ([]any, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("filter %s: expected a list of responses, got %s (put take_first last)", name, py.Repr(v))
	}
	return l, nil
}

// perRequest is the filter that replaces each request's list of responses
// by f of it.
func perRequest(name string, f func(resps []any) (any, error)) filter {
	return func(r []any, _ []data.Doc) ([]any, error) {
		out := make([]any, len(r))
		for i, v := range r {
			x, err := asList(v, name)
			if err != nil {
				return nil, err
			}
			if out[i], err = f(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// perResponse is the filter that maps every response of every request by f.
func perResponse(name string, f func(resp any) (any, error)) filter {
	return perRequest(name, func(x []any) (any, error) {
		res := make([]any, len(x))
		for j, e := range x {
			var err error
			if res[j], err = f(e); err != nil {
				return nil, err
			}
		}
		return res, nil
	})
}

// filterFactories builds lm-eval's filters from their YAML arguments.
var filterFactories = map[string]FilterBuilder{
	"take_first": func(map[string]any) (filter, error) {
		return perRequest("take_first", func(x []any) (any, error) {
			if len(x) == 0 {
				return nil, nil
			}
			return x[0], nil
		}), nil
	},
	"take_first_k": func(kw map[string]any) (filter, error) {
		kv := kw["k"]
		k, ok := kv.(int64)
		if !ok {
			return nil, fmt.Errorf("take_first_k needs an integer k")
		}
		return perRequest("take_first_k", func(x []any) (any, error) {
			if int64(len(x)) < k {
				return nil, fmt.Errorf("take_first_k: need %d responses per document, got %d (increase repeats)", k, len(x))
			}
			return x[:k], nil
		}), nil
	},
	"majority_vote": func(map[string]any) (filter, error) {
		return perRequest("majority_vote", func(x []any) (any, error) {
			// Counter.most_common(1): the highest count, first seen on ties.
			counts := map[string]int{}
			var order []string
			vals := map[string]any{}
			for _, v := range x {
				k := py.Repr(v)
				if counts[k] == 0 {
					order = append(order, k)
					vals[k] = v
				}
				counts[k]++
			}
			best := ""
			for _, k := range order {
				if best == "" || counts[k] > counts[best] {
					best = k
				}
			}
			return []any{vals[best]}, nil
		}), nil
	},
	"multi_choice_regex": multiChoiceRegex,
	"regex_pos":          regexPOS,
	"lowercase":          mapStrings(strings.ToLower),
	"uppercase":          mapStrings(strings.ToUpper),
	"remove_whitespace":  mapStrings(func(s string) string { return py.Strip(s, nil) }),
	"regex": func(kw map[string]any) (filter, error) {
		pattern := `#### (\-?[0-9\.\,]+)`
		if v, ok := kw["regex_pattern"]; ok {
			pattern = py.Str(v)
		}
		group := int64(0)
		if v, ok := kw["group_select"]; ok {
			group, _ = v.(int64)
		}
		fallback := "[invalid]"
		if v, ok := kw["fallback"]; ok {
			fallback = py.Str(v)
		}
		re, err := py.Compile(pattern)
		if err != nil {
			return nil, err
		}
		return perResponse("regex", func(e any) (any, error) {
			s, _ := e.(string) // a non-string response matches as ""
			return regexExtract(re, s, int(group), fallback)
		}), nil
	},
}

// regexExtract is lm-eval's RegexFilter on one response.
func regexExtract(re *py.Regexp, s string, group int, fallback string) (string, error) {
	matches, err := re.FindAll(s)
	if err != nil {
		return "", err
	}
	if len(matches) == 0 {
		return fallback, nil
	}
	if group < 0 {
		group += len(matches)
	}
	if group < 0 || group >= len(matches) {
		return "", fmt.Errorf("regex filter: group_select %d out of range (%d matches)", group, len(matches))
	}
	m := matches[group]
	if t, ok := m.(py.Tuple); ok {
		m = fallback
		for _, g := range t {
			if g.(string) != "" {
				m = g
				break
			}
		}
	}
	return py.Strip(m.(string), nil), nil
}

func mapStrings(f func(string) string) func(map[string]any) (filter, error) {
	return func(map[string]any) (filter, error) {
		return perResponse("string filter", func(e any) (any, error) {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("string filter applied to a non-string response %s", py.Repr(e))
			}
			return f(s), nil
		}), nil
	}
}

func filterNames() []string {
	names := make([]string, 0, len(filterFactories))
	for k := range filterFactories {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// pipeline runs a filter_list entry; the result is one value per request
// when the last step takes a single response (take_first, majority_vote),
// else the list.
type pipeline struct {
	name  string
	steps []filter
}

func buildPipelines(cfgs []FilterConfig, res *resolver) ([]pipeline, error) {
	var out []pipeline
	for _, fc := range cfgs {
		p := pipeline{name: fc.Name}
		for _, s := range fc.Steps {
			var f filter
			var err error
			if s.Custom != nil {
				f, err = res.filter(s.Custom, s.Function == "custom", s.Kwargs)
			} else {
				f, err = filterFactories[s.Function](s.Kwargs)
			}
			if err != nil {
				return nil, fmt.Errorf("filter %s: %s: %w", fc.Name, s.Function, err)
			}
			p.steps = append(p.steps, f)
		}
		out = append(out, p)
	}
	return out, nil
}

// apply runs the pipeline over every request's responses; docs are the
// requests' documents.
func (p pipeline) apply(resps []any, docs []data.Doc) ([]any, error) {
	cur := resps
	for _, f := range p.steps {
		var err error
		if cur, err = f(cur, docs); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// pyEscape is Python's re.escape.
func pyEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// findMatch is MultiChoiceRegexFilter's find_match: the selected match
// (the first non-empty group of a tuple), stripped and converted; "" when
// there is none.
func findMatch(re *py.Regexp, resp any, group int, convert map[string]string) (string, error) {
	s, _ := resp.(string)
	ms, err := re.FindAll(s)
	if err != nil || len(ms) == 0 {
		return "", err
	}
	if group < 0 {
		group += len(ms)
	}
	if group < 0 || group >= len(ms) {
		return "", fmt.Errorf("multi_choice_regex: group_select out of range (%d matches)", len(ms))
	}
	m := ms[group]
	if t, ok := m.(py.Tuple); ok {
		m = ""
		for _, g := range t {
			if g.(string) != "" {
				m = g
				break
			}
		}
	}
	out := py.Strip(m.(string), nil)
	if c, ok := convert[out]; ok && out != "" {
		out = c
	}
	return out, nil
}

// multiChoiceRegex is lm-eval's multi_choice_regex filter: the regex's
// answer, else a choice's text found in the response (as its letter),
// else a letter after a colon; the fallback when none.
func multiChoiceRegex(kw map[string]any) (filter, error) {
	pattern := `#### (\-?[0-9\.\,]+)`
	if v, ok := kw["regex_pattern"]; ok {
		pattern = py.Str(v)
	}
	group, _ := kw["group_select"].(int64)
	fallback := "[invalid]"
	if v, ok := kw["fallback"]; ok {
		fallback = py.Str(v)
	}
	re, err := py.Compile(pattern)
	if err != nil {
		return nil, err
	}
	var ignores []*py.Regexp
	if v, ok := kw["regexes_to_ignore"].([]any); ok {
		for _, p := range v {
			r, err := py.Compile(py.Str(p))
			if err != nil {
				return nil, err
			}
			ignores = append(ignores, r)
		}
	}
	ignoreCase, ignorePunct := py.Truth(kw["ignore_case"]), py.Truth(kw["ignore_punctuation"])
	clean := func(s string) string {
		for _, r := range ignores {
			s, _ = r.Sub("", s, 0)
		}
		if ignoreCase {
			s = strings.ToLower(s)
		}
		if ignorePunct {
			s = strings.Map(func(r rune) rune {
				if unicode.IsPunct(r) {
					return -1
				}
				return r
			}, s)
		}
		return s
	}
	return func(resps []any, docs []data.Doc) ([]any, error) {
		out := make([]any, len(resps))
		for i, r := range resps {
			list, err := asList(r, "multi_choice_regex")
			if err != nil {
				return nil, err
			}
			choices, err := listField(docs[i], "choices")
			if err != nil {
				return nil, fmt.Errorf("multi_choice_regex: %w", err)
			}
			var alts, letters []string
			toLetter, letterTarget := map[string]string{}, map[string]string{}
			for j, c := range choices {
				m := clean(py.Strip(py.Str(c), nil))
				letter := string(rune('A' + j))
				alts = append(alts, pyEscape(m))
				toLetter[m] = "(" + letter + ")"
				letters = append(letters, letter)
				letterTarget[letter] = "(" + letter + ")"
			}
			choiceRe, err := py.Compile(strings.Join(alts, "|"))
			if err != nil {
				return nil, err
			}
			letterRe, err := py.Compile(`:[\s]*(` + strings.Join(letters, "|") + `)`)
			if err != nil {
				return nil, err
			}
			filtered := make([]any, len(list))
			for j, resp := range list {
				m, err := findMatch(re, resp, int(group), nil)
				if err == nil && m == "" {
					s, _ := resp.(string)
					m, err = findMatch(choiceRe, clean(s), 0, toLetter)
					if err == nil && m == "" {
						m, err = findMatch(letterRe, resp, 0, letterTarget)
					}
				}
				if err != nil {
					return nil, err
				}
				if m == "" {
					m = fallback
				}
				filtered[j] = m
			}
			out[i] = filtered
		}
		return out, nil
	}, nil
}

var posTagged = mustCompile(`\('([^']*)', '([^']*)'\)`)

// regexPOS is lm-eval's regex_pos filter: the part-of-speech tags of the
// ('token', 'TAG') pairs in each response, or the fallback list.
func regexPOS(kw map[string]any) (filter, error) {
	fallback := []any{"invalid"}
	if v, ok := kw["fallback"]; ok && v != nil {
		if l, isList := v.([]any); isList {
			fallback = l
		} else {
			fallback = []any{v}
		}
	}
	return func(resps []any, _ []data.Doc) ([]any, error) {
		out := make([]any, len(resps))
		for i, r := range resps {
			list, err := asList(r, "regex_pos")
			if err != nil {
				return nil, err
			}
			filtered := make([]any, len(list))
			for j, resp := range list {
				var tags []any
				if s, ok := resp.(string); ok {
					ms, err := posTagged.FindAll(s)
					if err != nil {
						return nil, err
					}
					for _, m := range ms {
						tags = append(tags, m.(py.Tuple)[1])
					}
				}
				if len(tags) == 0 {
					tags = fallback
				}
				filtered[j] = tags
			}
			out[i] = filtered
		}
		return out, nil
	}, nil
}
