package ifeval

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func newChecker(t testing.TB) *Checker {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInstructionsMatchLMEval requires the same instruction ids as
// lm-eval's INSTRUCTION_DICT.
func TestInstructionsMatchLMEval(t *testing.T) {
	fx := readFixture(t)
	if got := Instructions(); !reflect.DeepEqual(got, fx.Instructions) {
		t.Errorf("instructions:\n go %q\n py %q", got, fx.Instructions)
	}
}

// TestChecksMatchLMEval runs every instruction, with each set of
// arguments the IFEval data gives it (up to eight), on every probe
// response and requires lm-eval's strict and loose verdicts.
func TestChecksMatchLMEval(t *testing.T) {
	fx := readFixture(t)
	c := newChecker(t)
	if len(fx.Checks) < 100 || len(fx.Probes) < 80 {
		t.Fatalf("%d checks, %d probes in the fixture", len(fx.Checks), len(fx.Probes))
	}
	covered := map[string]bool{}
	for _, ck := range fx.Checks {
		covered[ck.ID] = true
		in := Input{Prompt: ck.Prompt, InstructionIDs: []string{ck.ID}, Kwargs: []map[string]any{pyKwargs(ck.Kwargs)}}
		for mode, want := range map[string]string{"strict": ck.Strict, "loose": ck.Loose} {
			var got strings.Builder
			for _, p := range fx.Probes {
				run := c.Strict
				if mode == "loose" {
					run = c.Loose
				}
				r, err := run(in, p)
				if err != nil {
					t.Fatalf("%s %v: %v", ck.ID, ck.Kwargs, err)
				}
				got.WriteByte("01"[b2i(r.FollowAll)])
			}
			if got.String() != want {
				for i := range want {
					if got.String()[i] != want[i] {
						t.Errorf("%s %v %s on probe %d %q: go %c, lm-eval %c", ck.ID, ck.Kwargs, mode, i, fx.Probes[i], got.String()[i], want[i])
					}
				}
			}
		}
	}
	for _, id := range Instructions() {
		if !covered[id] {
			t.Errorf("instruction %s has no fixture", id)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestLanguageSeeds requires langdetect's verdict for seeds 0-9 on every
// probe text (nil: no features).
func TestLanguageSeeds(t *testing.T) {
	fx := readFixture(t)
	c := newChecker(t)
	unstable := 0
	for _, l := range fx.Languages {
		for seed, want := range l.Seeds {
			got, err := c.lang.Detect(l.Text, int64(seed))
			if want == nil {
				if err == nil {
					t.Errorf("seed %d %q: go %s, langdetect no features", seed, l.Text, got)
				}
				continue
			}
			if err != nil || got != *want {
				t.Errorf("seed %d %q: go %s (%v), langdetect %s", seed, l.Text, got, err, *want)
			}
			if *want != *l.Seeds[0] {
				unstable++
			}
		}
	}
	t.Logf("%d seed verdicts differ from seed 0's", unstable)
}

// TestArgumentErrors: arguments lm-eval rejects, or fills at random, are
// errors naming the instruction and the argument.
func TestArgumentErrors(t *testing.T) {
	c := newChecker(t)
	cases := []struct {
		id     string
		kwargs map[string]any
		want   error
		text   string
	}{
		{"keywords:unknown", nil, ErrUnknownInstruction, `"keywords:unknown"`},
		{"length_constraints:number_words", map[string]any{"num_words": int64(5)}, ErrArgument, "relation: missing"},
		{"length_constraints:number_words", map[string]any{"num_words": int64(5), "relation": "at most"}, ErrArgument, `"at most"`},
		{"length_constraints:number_words", map[string]any{"num_words": "5", "relation": "at least"}, ErrArgument, "expected a number"},
		{"length_constraints:number_words", map[string]any{"num_words": int64(-5), "relation": "at least"}, ErrArgument, ">= 0"},
		{"punctuation:no_comma", map[string]any{"num_words": int64(5)}, ErrArgument, "unexpected arguments num_words"},
		{"keywords:existence", map[string]any{"keywords": []any{"ok", "(unclosed"}}, ErrArgument, "keywords"},
		{"keywords:existence", map[string]any{"keywords": []any{int64(3)}}, ErrArgument, "item 0"},
		{"length_constraints:nth_paragraph_first_word", map[string]any{"num_paragraphs": int64(2), "nth_paragraph": int64(3), "first_word": "a"}, ErrArgument, "nth_paragraph"},
		{"length_constraints:nth_paragraph_first_word", map[string]any{"num_paragraphs": int64(2), "nth_paragraph": 1.0, "first_word": "a"}, ErrArgument, "expected an integer"},
		{"language:response_language", map[string]any{"language": "xx"}, ErrArgument, `"xx"`},
		{"combination:repeat_prompt", map[string]any{"prompt_to_repeat": ""}, ErrArgument, "prompt_to_repeat: missing"},
	}
	for _, tc := range cases {
		_, err := c.Strict(Input{InstructionIDs: []string{tc.id}, Kwargs: []map[string]any{tc.kwargs}}, "some response")
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "ifeval: ") {
			t.Errorf("%s %v: error %v, want %v mentioning %s", tc.id, tc.kwargs, err, tc.want, tc.text)
		}
	}
	if _, err := c.Loose(Input{InstructionIDs: []string{"punctuation:no_comma"}}, "x"); !errors.Is(err, ErrArgument) {
		t.Errorf("kwargs length mismatch: %v", err)
	}
}

// TestInstructionAccuracy is agg_inst_level_acc on small cases.
func TestInstructionAccuracy(t *testing.T) {
	got, err := InstructionAccuracy([][]bool{{true, false}, {true}, {false, false, true}})
	if err != nil || got != 0.5 {
		t.Errorf("got %v, %v; want 0.5", got, err)
	}
	if _, err := InstructionAccuracy(nil); err == nil {
		t.Error("no instructions: no error")
	}
}

// FuzzCheck runs every instruction (with the first arguments the data
// gives it) on arbitrary responses: no panic, and
// a verdict or an error for each.
func FuzzCheck(f *testing.F) {
	fx := readFixture(f)
	for _, p := range fx.Probes[:40] {
		f.Add(p)
	}
	c := newChecker(f)
	seen := map[string]bool{}
	var checks = fx.Checks[:0:0]
	for _, ck := range fx.Checks {
		if !seen[ck.ID] {
			seen[ck.ID] = true
			checks = append(checks, ck)
		}
	}
	f.Fuzz(func(t *testing.T, response string) {
		for _, ck := range checks {
			in := Input{Prompt: ck.Prompt, InstructionIDs: []string{ck.ID}, Kwargs: []map[string]any{pyKwargs(ck.Kwargs)}}
			if _, err := c.Loose(in, response); err != nil {
				t.Fatalf("%s: %v", ck.ID, err)
			}
		}
	})
}
