package pinkelephant

import (
	"errors"
	"testing"
)

// judgeCase is one line of testdata/judge.jsonl: a text and an entity,
// labelled by hand as a mention or not. Many are near misses: the name
// inside a longer word, a different word with the same start, one word of
// a two-word name.
type judgeCase struct {
	Entity  string   `json:"entity"`
	Aliases []string `json:"aliases"`
	Text    string   `json:"text"`
	Mention bool     `json:"mention"`
	Why     string   `json:"why"`
}

func TestMatcherOnHandLabelledFixture(t *testing.T) {
	cases, err := ReadJSONL[judgeCase]("testdata/judge.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("fixture has %d cases, expected at least 40", len(cases))
	}
	var pos, neg int
	for _, c := range cases {
		m, err := NewMatcher(c.Entity, c.Aliases...)
		if err != nil {
			t.Fatalf("%s: %v", c.Entity, err)
		}
		if got := m.Mentions(c.Text); got != c.Mention {
			t.Errorf("%q in %q: got %v, labelled %v (%s)", c.Entity, c.Text, got, c.Mention, c.Why)
		}
		if c.Mention {
			pos++
		} else {
			neg++
		}
	}
	if pos < 15 || neg < 15 {
		t.Errorf("fixture is unbalanced: %d mentions, %d non-mentions", pos, neg)
	}
}

func TestMatcherFind(t *testing.T) {
	m, err := NewMatcher("Nike")
	if err != nil {
		t.Fatal(err)
	}
	got := m.Find("Nikesh likes NIKE, and Nike's rivals; nikes.")
	want := []string{"nike", "nike's", "nikes"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].Text != w {
			t.Errorf("match %d: got %q, want %q", i, got[i].Text, w)
		}
	}
	// Offsets point into the normalized text.
	norm := Normalize("Nikesh likes NIKE, and Nike's rivals; nikes.")
	for _, g := range got {
		if norm[g.Start:g.End] != g.Text {
			t.Errorf("offsets %d:%d give %q, not %q", g.Start, g.End, norm[g.Start:g.End], g.Text)
		}
	}
}

func TestMatcherRejectsEmptyName(t *testing.T) {
	for _, name := range []string{"", "   ", "-", " - "} {
		if _, err := NewMatcher(name, "alias"); !errors.Is(err, ErrEmptyEntity) {
			t.Errorf("NewMatcher(%q): got %v, want ErrEmptyEntity", name, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Pokémon", "pokemon"},
		{"Nike’s", "nike's"},
		{"Coca–Cola", "coca-cola"},
		{"ÉCOLE", "ecole"},
		{"ﬁsh", "fish"},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	f.Add("Nike", "I like Nike's shoes")
	f.Add("C++", "c++ and C#")
	f.Add("Taj Mahal", "taj-mahal")
	f.Fuzz(func(t *testing.T, name, text string) {
		m, err := NewMatcher(name)
		if err != nil {
			return
		}
		norm := Normalize(text)
		for _, x := range m.Find(text) {
			if x.Start < 0 || x.End > len(norm) || x.Start >= x.End || norm[x.Start:x.End] != x.Text {
				t.Fatalf("bad match %+v in %q", x, norm)
			}
		}
		if (len(m.Find(text)) > 0) != m.Mentions(text) {
			t.Fatalf("Find and Mentions disagree on %q in %q", name, text)
		}
	})
}
