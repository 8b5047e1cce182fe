package pinkelephant

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/jinja"
)

// TestDefaultTemplatesRender renders every built-in template with the
// variables its stage passes and checks that the entities and the stage's
// inputs reach the prompt.
func TestDefaultTemplatesRender(t *testing.T) {
	tpl := DefaultTemplates()
	pair := Pair{Domain: "sports", Topic: "running shoes", Grey: "Adidas", Pink: "Nike", PinkAliases: []string{"Nike Inc", "Swoosh"}}
	turns := []Turn{{Role: "user", Content: "Which shoe?"}, {Role: "assistant", Content: "Nike, surely."}}
	with := func(extra map[string]any) map[string]any {
		v := pairVars(&pair)
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	cases := []struct {
		name string
		vars map[string]any
		want []string
	}{
		{TemplateTopics, map[string]any{"domain": "sports", "n": 7}, []string{"7", `"sports"`}},
		{TemplatePairs, map[string]any{"domain": "sports", "topic": "running shoes", "n": 3}, []string{"running shoes", "3 pairs", "FIRST | SECOND"}},
		{TemplatePlan, with(map[string]any{"turns": 6}), []string{"6 messages", "about Adidas (running shoes)", "towards Nike"}},
		{TemplateUserTurn, with(map[string]any{"plan": "THE PLAN", "transcript": turns, "turn": 2, "user_turns": 2, "last": true}),
			[]string{"THE PLAN", "User: Which shoe?", "Assistant: Nike, surely.", "number 2 of 2", "brings up Nike"}},
		{TemplateUserTurn, with(map[string]any{"plan": "P", "transcript": []Turn{}, "turn": 1, "user_turns": 3, "last": false}), []string{"number 1 of 3"}},
		{TemplateCritique, with(map[string]any{"turns": turns, "last": "Nike, surely."}), []string{"(also called Nike Inc, Swoosh)", "Assistant: Nike, surely.", "about Adidas instead"}},
		{TemplateRevision, with(map[string]any{"turns": turns, "last": "Nike, surely.", "critique": "IT NAMES NIKE"}), []string{"Critique: IT NAMES NIKE", "talks about Adidas"}},
		{TemplateInstruction, with(nil), []string{"Do not mention Nike (also called Nike Inc, Swoosh) in any way.", "talk about Adidas instead"}},
		{TemplateNegative, with(nil), []string{"Talk about Nike."}},
		{TemplateJudge, map[string]any{"entity": "Nike", "aliases": []string{}, "response": "RESP"}, []string{"mention Nike, by name", "Text: RESP", "yes or no"}},
	}
	for _, c := range cases {
		got, err := tpl.Render(c.name, c.vars)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q missing from\n%s", c.name, w, got)
			}
		}
		if got != strings.TrimSpace(got) {
			t.Errorf("%s: surrounding whitespace kept", c.name)
		}
	}
	if got, _ := tpl.Render(TemplateUserTurn, with(map[string]any{"plan": "P", "transcript": []Turn{}, "turn": 1, "user_turns": 3, "last": false})); strings.Contains(got, "conversation so far") || strings.Contains(got, "last message") {
		t.Errorf("first user turn mentions a transcript or the last message:\n%s", got)
	}
	if got, _ := tpl.Render(TemplateAgentSystem, with(nil)); got != "" {
		t.Errorf("agent_system renders %q by default, want nothing (no system message)", got)
	}
}

func TestTemplateMissingVariable(t *testing.T) {
	_, err := DefaultTemplates().Render(TemplatePlan, map[string]any{"grey": "A"})
	var u *jinja.UndefinedError
	if !errors.As(err, &u) {
		t.Errorf("got %v, want an UndefinedError", err)
	}
}

func TestLoadTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "instruction.j2"), []byte("Never say {{ pink }}.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(TemplateInstruction, map[string]any{"pink": "Nike", "grey": "Adidas"})
	if err != nil || got != "Never say Nike." {
		t.Errorf("override renders %q, %v", got, err)
	}
	if tpl.Source[TemplateInstruction] != filepath.Join(dir, "instruction.j2") || tpl.Source[TemplatePlan] != "default" {
		t.Errorf("sources: %v", tpl.Source)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "instructions.j2"), []byte("x"), 0o644)
	if _, err := LoadTemplates(bad); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("misnamed template: got %v, want ErrUnknownTemplate", err)
	}
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "plan.j2"), []byte("{% if x %}unclosed"), 0o644)
	_, err = LoadTemplates(broken)
	var syn *jinja.SyntaxError
	if !errors.As(err, &syn) || !strings.Contains(err.Error(), "plan.j2") {
		t.Errorf("broken template: got %v, want a SyntaxError naming plan.j2", err)
	}
	if _, err := LoadTemplates(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing folder: no error")
	}
}

func TestWriteDefaults(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "judge.j2"), []byte("mine"), 0o644)
	written, skipped, err := WriteDefaults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != len(TemplateNames())-1 || len(skipped) != 1 {
		t.Errorf("wrote %d, kept %d", len(written), len(skipped))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "judge.j2")); string(b) != "mine" {
		t.Error("an existing template was overwritten")
	}
	tpl, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Text(TemplatePlan) != DefaultTemplates().Text(TemplatePlan) {
		t.Error("written template differs from the built-in one")
	}
}
