package pii

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// example is a fixture line: the text and its labelled spans.
type example struct {
	line  int
	text  string
	spans []Span
}

var markRE = regexp.MustCompile(`\[\[([A-Z_]+):(.*?)\]\]`)

func readFixture(t *testing.T, path string, minLines int) []example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		ex := example{line: n}
		var b strings.Builder
		pos := 0
		for _, m := range markRE.FindAllStringSubmatchIndex(line, -1) {
			b.WriteString(line[pos:m[0]])
			start := b.Len()
			b.WriteString(line[m[4]:m[5]])
			ex.spans = append(ex.spans, Span{start, b.Len(), Kind(line[m[2]:m[3]])})
			pos = m[1]
		}
		b.WriteString(line[pos:])
		ex.text = b.String()
		out = append(out, ex)
	}
	if len(out) < minLines {
		t.Fatalf("%s: only %d fixture lines", path, len(out))
	}
	return out
}

// score counts exact matches of kind and extent, per kind.
type score struct{ tp, fp, fn int }

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func evaluate(t *testing.T, exs []example, opts *Options, kinds map[Kind]bool) map[Kind]*score {
	scores := map[Kind]*score{}
	for k := range kinds {
		scores[k] = &score{}
	}
	for _, ex := range exs {
		got := map[Span]bool{}
		for _, s := range Detect(ex.text, opts) {
			got[s] = true
		}
		want := map[Span]bool{}
		for _, s := range ex.spans {
			if kinds[s.Kind] {
				want[s] = true
			}
		}
		for s := range got {
			if want[s] {
				scores[s.Kind].tp++
			} else {
				scores[s.Kind].fp++
				t.Logf("line %d: false %s %q", ex.line, s.Kind, ex.text[s.Start:s.End])
			}
		}
		for s := range want {
			if !got[s] {
				scores[s.Kind].fn++
				t.Logf("line %d: missed %s %q", ex.line, s.Kind, ex.text[s.Start:s.End])
			}
		}
	}
	return scores
}

func report(t *testing.T, name string, scores map[Kind]*score) score {
	var total score
	var kinds []string
	for k := range scores {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		s := scores[Kind(k)]
		total.tp, total.fp, total.fn = total.tp+s.tp, total.fp+s.fp, total.fn+s.fn
		fmt.Fprintf(&b, "\n  %-11s precision %.3f recall %.3f (tp %d, fp %d, fn %d)", k, s.precision(), s.recall(), s.tp, s.fp, s.fn)
	}
	t.Logf("%s: precision %.3f recall %.3f (tp %d, fp %d, fn %d)%s", name, total.precision(), total.recall(), total.tp, total.fp, total.fn, b.String())
	return total
}

// TestAccuracy measures precision and recall on the hand-labelled
// fixture the detectors were tuned on, by exact span and kind.
func TestAccuracy(t *testing.T) {
	exs := readFixture(t, "testdata/labelled.txt", 140)
	def := map[Kind]bool{Email: true, IPAddress: true, User: true, Key: true}
	total := report(t, "default kinds", evaluate(t, exs, nil, def))
	if total.precision() < 0.9 || total.recall() < 0.9 {
		t.Errorf("default kinds: precision %.3f, recall %.3f; want both >= 0.9", total.precision(), total.recall())
	}
	all := map[Kind]bool{Email: true, IPAddress: true, User: true, Key: true, Phone: true, ID: true}
	total = report(t, "all kinds", evaluate(t, exs, &Options{Phone: true, ID: true}, all))
	if total.precision() < 0.8 || total.recall() < 0.8 {
		t.Errorf("all kinds: precision %.3f, recall %.3f; want both >= 0.8", total.precision(), total.recall())
	}
}

// TestHeldOut measures precision and recall on lines labelled after the
// detectors were tuned, the fairer estimate.
func TestHeldOut(t *testing.T) {
	exs := readFixture(t, "testdata/heldout.txt", 50)
	def := map[Kind]bool{Email: true, IPAddress: true, User: true, Key: true}
	total := report(t, "held out, default kinds", evaluate(t, exs, nil, def))
	if total.precision() < 0.8 || total.recall() < 0.8 {
		t.Errorf("held out, default kinds: precision %.3f, recall %.3f; want both >= 0.8", total.precision(), total.recall())
	}
	all := map[Kind]bool{Email: true, IPAddress: true, User: true, Key: true, Phone: true, ID: true}
	total = report(t, "held out, all kinds", evaluate(t, exs, &Options{Phone: true, ID: true}, all))
	if total.precision() < 0.7 || total.recall() < 0.7 {
		t.Errorf("held out, all kinds: precision %.3f, recall %.3f; want both >= 0.7", total.precision(), total.recall())
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct {
		in, want string
		opts     *Options
	}{
		{"mail jane.doe@example.com now", "mail PI:EMAIL now", nil},
		{"from 203.0.113.77 and 2001:db8::8a2e:370:7334.", "from PI:IP_ADDRESS and PI:IP_ADDRESS.", nil},
		{"thanks @jdoe_42!", "thanks PI:USER!", nil},
		{"API_KEY=sk-proj-4f9KxQ2mZ8vT7bN1cR6wY3hL0pJ5sD9g", "API_KEY=PI:KEY", nil},
		{"call +44 20 7946 0958", "call +44 20 7946 0958", nil},
		{"call +44 20 7946 0958", "call PI:PHONE", &Options{Phone: true}},
		{"SSN 078-05-1120", "SSN PI:ID", &Options{ID: true}},
		{"version 4.2.1.3, python@2.7, @Override", "version 4.2.1.3, python@2.7, @Override", nil},
		{"", "", nil},
		{"héllo wörld @ünïcode 日本語 a@b", "héllo wörld @ünïcode 日本語 a@b", nil},
	} {
		if got := Redact(c.in, c.opts); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"a@b.co", "1.2.3.4", "@x", "AKIAIOSFODNN7EXAMPLE", "+1 (555) 012-3456", "DE89 3704 0044 0532 0130 00", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := Detect(s, &Options{Phone: true, ID: true})
		for i, sp := range spans {
			if sp.Start < 0 || sp.End > len(s) || sp.Start >= sp.End || (i > 0 && sp.Start < spans[i-1].End) {
				t.Fatalf("%q: bad or overlapping span %+v in %+v", s, sp, spans)
			}
		}
		Redact(s, nil)
	})
}
