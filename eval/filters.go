package eval

import (
	"fmt"
	"sort"
	"strings"

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
	"lowercase":         mapStrings(strings.ToLower),
	"uppercase":         mapStrings(strings.ToUpper),
	"remove_whitespace": mapStrings(func(s string) string { return py.Strip(s, nil) }),
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
