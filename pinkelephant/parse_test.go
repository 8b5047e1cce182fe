package pinkelephant

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	got := ParseList("1. Running shoes\n2) Football clubs.\n- \"Tennis rackets\"\n\n* running shoes\n• Ski resorts")
	want := []string{"Running shoes", "Football clubs", "Tennis rackets", "Ski resorts"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParsePairs(t *testing.T) {
	text := "Nike | Adidas\n2. (Taj Mahal, Ellora Caves)\n- Coca-Cola vs Pepsi\nSpotify - Deezer\njust a sentence without a pair\nA | B | C\n| Adidas"
	got, rejected := ParsePairs(text)
	want := [][2]string{{"Nike", "Adidas"}, {"Taj Mahal", "Ellora Caves"}, {"Coca-Cola", "Pepsi"}, {"Spotify", "Deezer"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(rejected) != 3 {
		t.Errorf("rejected %q, want 3 lines", rejected)
	}
}

func TestCleanUtterance(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`User: "What about Nike?"`, "What about Nike?"},
		{"Assistant:  Sure.", "Sure."},
		{"Revised response: Try Adidas.", "Try Adidas."},
		{`"He said "hi" to me"`, `"He said "hi" to me"`},
		{"  plain  ", "plain"},
	} {
		if got := CleanUtterance(c.in); got != c.want {
			t.Errorf("CleanUtterance(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnusablePair(t *testing.T) {
	for _, c := range []struct {
		grey, pink string
		bad        bool
	}{{"Adidas", "Nike", false}, {"Apple Music", "Apple", true}, {"Spotify", "Spotify Premium", true}, {"nike", "NIKE", true}, {"Pineapple", "Apple", false}} {
		p := Pair{Grey: c.grey, Pink: c.pink}
		if got := unusablePair(&p) != ""; got != c.bad {
			t.Errorf("(%s, %s): unusable %v, want %v", c.grey, c.pink, got, c.bad)
		}
	}
}

func TestReadJSONLErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		line int
		want error
	}{
		{`{"domain": "x", "grey": "A", "pink": "B"}` + "\n" + `{"domain": "x", "grey": "A"}`, 2, ErrMissingField},
		{`{"domain": "x", "grey": "A", "pink": "B", "colour": "pink"}`, 1, nil},
		{"\n\n{not json", 3, nil},
		{`{"domain": "x", "grey": "A", "pink": "B"} {"a": 1}`, 1, nil},
	} {
		_, err := DecodeJSONL(strings.NewReader(c.in), "pairs.jsonl", CheckPair)
		var le *LineError
		if !errors.As(err, &le) || le.Line != c.line || le.File != "pairs.jsonl" {
			t.Errorf("%q: got %v, want an error at line %d", c.in, err, c.line)
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%q: got %v, want %v", c.in, err, c.want)
		}
	}
}

func TestCheckDialogue(t *testing.T) {
	d := Dialogue{Pair: Pair{Domain: "d", Grey: "A", Pink: "B"}, Turns: []Turn{{Role: "user", Content: "x"}, {Role: "user", Content: "y"}}}
	if err := CheckDialogue(&d); err == nil || !strings.Contains(err.Error(), "turn 1") {
		t.Errorf("two user turns in a row: %v", err)
	}
	d.Turns[1].Role = "assistant"
	if err := CheckDialogue(&d); err != nil || d.ID == "" || d.PairID == "" {
		t.Errorf("valid dialogue: %v, id %q pair %q", err, d.ID, d.PairID)
	}
}

func FuzzDecodeDialogues(f *testing.F) {
	f.Add([]byte(`{"domain":"d","grey":"A","pink":"B","turns":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte("{}\n[]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := DecodeJSONL(strings.NewReader(string(b)), "f", CheckDialogue)
		if err != nil {
			return
		}
		for _, d := range ds {
			if d.ID == "" || len(d.Turns) == 0 || d.Turns[0].Role != "user" {
				t.Fatalf("accepted an invalid dialogue: %+v", d)
			}
		}
	})
}

func TestExportFilters(t *testing.T) {
	base := func(id, orig, rev string, mentions, revMentions bool) Revision {
		d := Dialogue{ID: id, Pair: Pair{ID: "p" + id, Domain: "d", Grey: "Adidas", Pink: "Nike"}, PairID: "p" + id,
			Turns: []Turn{{Role: "user", Content: "q"}, {Role: "assistant", Content: orig}}}
		return Revision{Critique: Critique{Dialogue: d, Critique: "c", MentionsPink: mentions}, Original: orig, Revision: rev, RevisionMentionsPink: revMentions}
	}
	revs := []Revision{
		base("1", "Nike!", "Adidas!", true, false),
		base("2", "Puma.", "Adidas!", false, false),
		base("3", "Nike!", "Nike too", true, true),
		base("4", "Nike!", "Nike!", true, true),
	}
	train, _, st, err := Export(revs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 1 || train[0].Chosen != "Adidas!" || train[0].Rejected != "Nike!" || train[0].Prompt[0].Role != "system" {
		t.Errorf("filtered export: %+v", train)
	}
	if st.Dropped["original does not mention the pink elephant"] != 1 || st.Dropped["revision mentions the pink elephant"] != 2 {
		t.Errorf("dropped: %v", st.Dropped)
	}
	train, _, _, err = Export(revs, nil, &ExportOptions{KeepAll: true, NoInstruction: true})
	if err != nil || len(train) != 3 || train[0].Prompt[0].Role != "user" {
		t.Errorf("keep-all export: %d pairs, %v", len(train), err)
	}
	if _, _, _, err := Export(revs, nil, &ExportOptions{TestFraction: 1}); err == nil {
		t.Error("TestFraction 1 accepted")
	}
}
