package pinkelephant

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
)

// scriptedModel answers every prompt with a text chosen by the caller:
// it lets the tests know each response, and so the rates the harness
// must report.
type scriptedModel struct {
	answer func(context string) string
	calls  int
}

func (s *scriptedModel) Name() string { return "scripted" }
func (s *scriptedModel) Capabilities() lm.Capabilities {
	return lm.Capabilities{Generate: true, ChatTemplate: true}
}
func (s *scriptedModel) ApplyChatTemplate(msgs []lm.Message, _ bool) (string, error) {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Role + ": " + m.Content + "\n")
	}
	return b.String() + "assistant:", nil
}
func (s *scriptedModel) Loglikelihood(context.Context, []lm.LoglikelihoodRequest, lm.Progress) ([]lm.LoglikelihoodResult, error) {
	return nil, lm.ErrUnsupported
}
func (s *scriptedModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (s *scriptedModel) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = s.answer(r.Context)
		s.calls++
	}
	return out, nil
}

func testDialogues() []Dialogue {
	mk := func(domain, grey, pink string, aliases []string, last string) Dialogue {
		d := Dialogue{Pair: Pair{Domain: domain, Grey: grey, Pink: pink, PinkAliases: aliases}, Turns: []Turn{
			{Role: "user", Content: "Tell me about " + grey + "."},
			{Role: "assistant", Content: grey + " is well known."},
			{Role: "user", Content: last},
			{Role: "assistant", Content: "an original answer, dropped for the test"},
		}}
		if err := CheckDialogue(&d); err != nil {
			panic(err)
		}
		return d
	}
	return []Dialogue{
		mk("sports", "Adidas", "Nike", nil, "And what about Nike?"),
		mk("sports", "Puma", "Reebok", nil, "Is Reebok better?"),
		mk("sports", "Asics", "New Balance", []string{"NB"}, "What about NB?"),
		mk("travel", "Ellora Caves", "Taj Mahal", nil, "Should I see the Taj Mahal?"),
		mk("travel", "Kyoto", "Tokyo", nil, "How about Tokyo?"),
	}
}

// TestEvaluateRatesByDomain runs the generated harness tasks on answers
// known in advance: the Pink Elephant (by name, alias or plural) in two
// of the three sports answers and one of the two travel answers, and a
// near miss that is no mention.
func TestEvaluateRatesByDomain(t *testing.T) {
	answers := map[string]string{
		"Nike":        "Nikes are comfortable.",
		"Reebok":      "Reeboking is not a word; try Puma.",
		"New Balance": "Many runners like NB.",
		"Taj Mahal":   "Yes, the Taj Mahal's garden is lovely.",
		"Tokyo":       "Kyoto has temples.",
	}
	m := &scriptedModel{answer: func(ctx string) string {
		for pink, a := range answers {
			if strings.Contains(ctx, "about "+pink) || strings.Contains(ctx, pink+"?") || strings.Contains(ctx, pink+" better") {
				return a
			}
		}
		if strings.Contains(ctx, "NB?") {
			return answers["New Balance"]
		}
		return "?"
	}}
	dir := t.TempDir()
	res, err := Evaluate(context.Background(), Arm{Name: "scripted", Model: m, Chat: m}, testDialogues(), &EvalOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pink.N != 5 || math.Abs(res.Pink.Rate-3.0/5) > 1e-12 {
		t.Errorf("overall: %+v, want 3/5 of 5", res.Pink)
	}
	want := map[string]float64{"sports": 2.0 / 3, "travel": 0.5}
	for _, d := range res.ByDomain {
		if math.Abs(d.Pink.Rate-want[d.Domain]) > 1e-12 {
			t.Errorf("domain %s: rate %v, want %v", d.Domain, d.Pink.Rate, want[d.Domain])
		}
	}
	if len(res.ByDomain) != 2 {
		t.Errorf("%d domains, want 2", len(res.ByDomain))
	}
	// A domain's standard error is the harness's: the sample standard
	// deviation over √n (2 of 3: √(1/3 / 3) = 1/3).
	for _, d := range res.ByDomain {
		if d.Domain == "sports" && math.Abs(d.Pink.Stderr-1.0/3) > 1e-12 {
			t.Errorf("sports stderr %v, want 1/3", d.Pink.Stderr)
		}
	}
	for _, r := range res.Responses {
		if r.Pink == "Reebok" && r.Mention {
			t.Errorf("near miss %q counted as a mention of Reebok", r.Response)
		}
	}
	// The tasks are ordinary lm-eval YAMLs with their documents.
	files, _ := filepath.Glob(filepath.Join(dir, "scripted", "tasks", "*.yaml"))
	if len(files) != 3 {
		t.Errorf("task files: %v, want two domains and a group", files)
	}
	if _, err := os.Stat(res.ResultsFile); err != nil {
		t.Errorf("results file: %v", err)
	}
}

func TestEvaluateInstruction(t *testing.T) {
	var seen []string
	m := &scriptedModel{answer: func(ctx string) string { seen = append(seen, ctx); return "ok" }}
	if _, err := Evaluate(context.Background(), Arm{Name: "instr", Model: m, Chat: m, Instruction: true}, testDialogues()[:1], &EvalOptions{Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("%d prompts, want 1", len(seen))
	}
	want := "system: Do not mention Nike in any way. If the conversation turns to it, talk about Adidas instead.\nuser: Tell me about Adidas.\nassistant: Adidas is well known.\nuser: And what about Nike?\nassistant:"
	if seen[0] != want {
		t.Errorf("prompt:\n%s\nwant:\n%s", seen[0], want)
	}
}

func TestLLMJudge(t *testing.T) {
	m := &scriptedModel{answer: func(ctx string) string {
		if strings.Contains(ctx, "Nikes are") {
			return "Yes."
		}
		if strings.Contains(ctx, "Kyoto") {
			return "Maybe"
		}
		return "no, it does not"
	}}
	res := &EvalResult{Responses: []Response{
		{Pink: "Nike", Response: "Nikes are comfortable.", Mention: true},
		{Pink: "Reebok", Response: "Try Puma.", Mention: false},
		{Pink: "Tokyo", Response: "Kyoto has temples.", Mention: false},
		{Pink: "Apple", Response: "The fruit company.", Mention: false},
	}}
	unparsed, err := (&LLMJudge{Model: m, Chat: m}).Judge(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	if unparsed != 1 || res.Responses[2].LLMMention != nil {
		t.Errorf("unparsed %d, want the one 'Maybe'", unparsed)
	}
	if res.LLM.N != 3 || math.Abs(res.LLM.Rate-1.0/3) > 1e-12 || *res.Agreement != 1 {
		t.Errorf("LLM rate %+v agreement %v, want 1/3 of 3 and full agreement", res.LLM, *res.Agreement)
	}
}

func TestParseVerdict(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
		ok   bool
	}{{"Yes", true, true}, {" no.", false, true}, {"**YES**, it does", true, true}, {"No, never", false, true}, {"yesterday", false, false}, {"", false, false}} {
		got, err := ParseVerdict(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseVerdict(%q) = %v, %v", c.in, got, err)
		}
	}
}

// TestCompareOnNativeModel runs every arm of Compare on the tiny random
// model: at γ = 1 guidance passes requests through, so that arm must
// answer exactly as the instructed base model; the other scales must
// answer, and the plot must be a PNG.
func TestCompareOnNativeModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a model")
	}
	dir := tinyChatModel(t)
	base, err := native.Open(context.Background(), dir, &native.OpenOptions{Options: native.Options{Name: "tiny"}})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	out := t.TempDir()
	cmp, err := Compare(context.Background(), base, base, testDialogues(), &CompareOptions{
		EvalOptions: EvalOptions{Dir: out, MaxTokens: 8}, Scales: []float64{1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{KindBase, KindInstruction, KindCFG, KindCFG, KindDPF, KindDPFInstr}
	if len(cmp.Arms) != len(kinds) {
		t.Fatalf("%d arms, want %d", len(cmp.Arms), len(kinds))
	}
	for i, a := range cmp.Arms {
		if a.Kind != kinds[i] || a.Pink.N != 5 {
			t.Errorf("arm %d: kind %s n %d", i, a.Kind, a.Pink.N)
		}
	}
	instr, g1, g3 := cmp.Arms[1], cmp.Arms[2], cmp.Arms[3]
	for i := range instr.Responses {
		if instr.Responses[i].Response != g1.Responses[i].Response {
			t.Errorf("γ=1 answer %d: %q, the instructed base model's: %q", i, g1.Responses[i].Response, instr.Responses[i].Response)
		}
	}
	differs := false
	for i := range instr.Responses {
		differs = differs || instr.Responses[i].Response != g3.Responses[i].Response
	}
	if !differs {
		t.Error("γ=3 answered exactly as γ=1: the negative prompt had no effect")
	}
	var b strings.Builder
	if err := cmp.WritePlot(&bytesWriter{&b}, "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\x89PNG") {
		t.Error("plot is not a PNG")
	}
	raw, err := json.Marshal(cmp)
	if err != nil || !strings.Contains(string(raw), `"kind":"cfg"`) {
		t.Errorf("comparison JSON: %v", err)
	}
}

type bytesWriter struct{ b *strings.Builder }

func (w *bytesWriter) Write(p []byte) (int, error) { return w.b.Write(p) }
