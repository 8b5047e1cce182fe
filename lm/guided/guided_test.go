package guided

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/chartok"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/npy"
)

// fixtureNames are the checkpoints testdata/gen/cfg/make_fixtures.py ran.
var fixtureNames = []string{"neox_parallel", "llama_gqa", "llama3_mqa_bias", "gpt2"}

type scoreCase struct {
	Context      []int     `json:"context"`
	Continuation []int     `json:"continuation"`
	Uncond       Uncond    `json:"uncond"`
	Negative     []int     `json:"negative"`
	Scale        float64   `json:"scale"`
	MaxLength    int       `json:"max_length"`
	UncondTokens []int     `json:"uncond_tokens"`
	PerToken     []float64 `json:"per_token"`
	LogProb      float64   `json:"logprob"`
	Greedy       bool      `json:"greedy"`
}

type fixture struct {
	Bos      int         `json:"bos"`
	Score    []scoreCase `json:"score"`
	Generate []struct {
		Prompt   []int   `json:"prompt"`
		Uncond   Uncond  `json:"uncond"`
		Negative []int   `json:"negative"`
		Scale    float64 `json:"scale"`
		Tokens   []int   `json:"tokens"`
	} `json:"generate"`
	Mix struct {
		Cond   []float32 `json:"cond"`
		Uncond []float32 `json:"uncond"`
		Scale  float64   `json:"scale"`
		Guided []float64 `json:"guided"`
	} `json:"mix"`
}

func readFixture(t *testing.T, name string) *fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func loadModel(t testing.TB, name string) *model.Model {
	t.Helper()
	m, err := model.Load(filepath.Join("..", "..", "model", "testdata", name), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func backend(t testing.TB, m *model.Model, tok native.Tokenizer, opts *native.Options) *native.Model {
	t.Helper()
	b, err := native.New(m, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func guide(t testing.TB, b *native.Model, scale float64, opts *Options) *Model {
	t.Helper()
	g, err := New(b, scale, opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func uncondOptions(u Uncond, negative []int) *Options {
	if u == Negative {
		return &Options{NegativeTokens: negative}
	}
	return &Options{Uncond: u}
}

// The engine's logits carry an error of about 1e-5 of the largest logit
// (the engine's own tests allow 1e-4); guidance scales the two branches'
// errors by |γ| and |1-γ|.
func engineTolerance(scale float64, tokens int) float64 {
	return 2e-5 * (math.Abs(scale) + math.Abs(1-scale)) * float64(tokens)
}

// TestFormulaOnReferenceLogits applies the guidance arithmetic to the
// reference's own logits of both branches: it must give the reference's
// guided log-probabilities within 1e-5.
func TestFormulaOnReferenceLogits(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			f := readFixture(t, name)
			arr, err := npy.ReadFile(filepath.Join("testdata", name+"_branches.npy"))
			if err != nil {
				t.Fatal(err)
			}
			data, err := arr.Float32()
			if err != nil {
				t.Fatal(err)
			}
			var c *scoreCase
			for i := range f.Score {
				if len(f.Score[i].Continuation) > 1 {
					c = &f.Score[i]
					break
				}
			}
			P, V := arr.Shape[1], arr.Shape[2]
			if P != len(c.Continuation) {
				t.Fatalf("branches have %d positions for %d tokens", P, len(c.Continuation))
			}
			for j, target := range c.Continuation {
				cond, unc := data[j*V:(j+1)*V], data[(P+j)*V:(P+j+1)*V]
				sc, su := logSoftmaxOf(cond), logSoftmaxOf(unc)
				got := guidedAt(cond, unc, sc, su, c.Scale, target)
				if math.Abs(got-c.PerToken[j]) > 1e-5 {
					t.Errorf("position %d: guided log-prob %.8f, reference %.8f", j, got, c.PerToken[j])
				}
			}
			mix := f.Mix
			dst := make([]float32, len(mix.Cond))
			LogProbsTo(dst, mix.Cond, append([]float32(nil), mix.Uncond...), mix.Scale)
			for v := range dst {
				if math.Abs(float64(dst[v])-mix.Guided[v]) > 1e-5 {
					t.Fatalf("LogProbsTo[%d] = %.8f, reference %.8f", v, dst[v], mix.Guided[v])
				}
			}
		})
	}
}

// TestScoreMatchesReference scores every fixture request through the
// engine, each (branch, scale, max length) setting in one batch.
func TestScoreMatchesReference(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			f := readFixture(t, name)
			m := loadModel(t, name)
			type setting struct {
				u         Uncond
				scale     float64
				maxLength int
			}
			cases := map[setting][]scoreCase{}
			var order []setting
			for _, c := range f.Score {
				s := setting{c.Uncond, c.Scale, c.MaxLength}
				if _, ok := cases[s]; !ok {
					order = append(order, s)
				}
				cases[s] = append(cases[s], c)
			}
			greedySeen := 0
			for _, s := range order {
				cs := cases[s]
				b := backend(t, m, nil, &native.Options{MaxLength: s.maxLength})
				g := guide(t, b, s.scale, uncondOptions(s.u, cs[0].Negative))
				reqs := make([]TokenRequest, len(cs))
				for i, c := range cs {
					reqs[i] = TokenRequest{Context: c.Context, Continuation: c.Continuation}
				}
				got, err := g.LoglikelihoodTokens(context.Background(), reqs, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i, c := range cs {
					if d := math.Abs(got[i].LogProb - c.LogProb); d > engineTolerance(c.Scale, len(c.Continuation)) || got[i].IsGreedy != c.Greedy {
						t.Errorf("%v request %d: got (%.7f, %v), reference (%.7f, %v)", s, i, got[i].LogProb, got[i].IsGreedy, c.LogProb, c.Greedy)
					}
					if c.Greedy {
						greedySeen++
					}
				}
			}
			if greedySeen < 3 {
				t.Errorf("only %d greedy references; the fixture should hold one per branch", greedySeen)
			}
		})
	}
}

// TestBatchedEqualsUnbatched scores requests one at a time and all
// together, in several chunk sizes and with long continuations split across
// steps; the answers must be the same.
func TestBatchedEqualsUnbatched(t *testing.T) {
	f := readFixture(t, "llama_gqa")
	m := loadModel(t, "llama_gqa")
	b := backend(t, m, nil, nil)
	var reqs []TokenRequest
	for _, c := range f.Score[:12] {
		reqs = append(reqs, TokenRequest{Context: c.Context, Continuation: c.Continuation})
	}
	for _, u := range []Uncond{LastToken, Empty, Negative} {
		opts := uncondOptions(u, []int{5, 6, 7})
		all, err := guide(t, b, 1.5, opts).LoglikelihoodTokens(context.Background(), reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		small := *opts
		small.BatchTokens = 1
		chunked, err := guide(t, b, 1.5, &small).LoglikelihoodTokens(context.Background(), reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range reqs {
			one, err := guide(t, b, 1.5, opts).LoglikelihoodTokens(context.Background(), []TokenRequest{r}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, other := range []lm.LoglikelihoodResult{all[i], chunked[i]} {
				if !sameScore(one[0], other) {
					t.Errorf("%s request %d: alone %v, in a batch %v", u, i, one[0], other)
				}
			}
		}
	}
}

// sameScore reports whether two answers for one request agree up to the
// float32 rounding of different kernels: a step of a few rows runs as GEMVs
// and a longer one as a GEMM, which sum in different orders.
func sameScore(a, b lm.LoglikelihoodResult) bool {
	return math.Abs(a.LogProb-b.LogProb) <= 1e-6*max(1, math.Abs(b.LogProb)) && a.IsGreedy == b.IsGreedy
}

// TestSplitContinuation runs a long continuation in several steps (a tiny
// row budget) and compares with one step.
func TestSplitContinuation(t *testing.T) {
	f := readFixture(t, "gpt2")
	m := loadModel(t, "gpt2")
	b := backend(t, m, nil, nil)
	g := guide(t, b, 3, nil)
	var c scoreCase
	for _, x := range f.Score {
		if x.Uncond == LastToken && x.Scale == 3 && len(x.Continuation) == 7 && x.MaxLength > 8 {
			c = x
			break
		}
	}
	req := []TokenRequest{{Context: c.Context, Continuation: c.Continuation}}
	whole, err := g.LoglikelihoodTokens(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &scorer{g: g, out: make([]lm.LoglikelihoodResult, 1)}
	gr := &scoreGroup{prefix: c.Context, unc: c.Context[len(c.Context)-1:], reqs: []scored{{index: 0, cont: c.Continuation}}}
	if err := s.chunkWithBudget(context.Background(), []*scoreGroup{gr}, 2); err != nil {
		t.Fatal(err)
	}
	if !sameScore(s.out[0], whole[0]) {
		t.Errorf("split in steps of 2: %v, in one step: %v", s.out[0], whole[0])
	}
	if math.Abs(whole[0].LogProb-c.LogProb) > engineTolerance(3, 7) {
		t.Errorf("got %.7f, reference %.7f", whole[0].LogProb, c.LogProb)
	}
}

// TestScaleOneIsUnguided: at γ = 1 every answer is the unguided backend's,
// bit for bit.
func TestScaleOneIsUnguided(t *testing.T) {
	m := loadModel(t, "neox_parallel")
	n, err := native.New(m, chartok.Tokenizer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := backend(t, m, chartok.Tokenizer{}, nil)
	ctx := context.Background()
	for _, opts := range []*Options{nil, {Uncond: Empty}, {NegativePrompt: "boring"}} {
		g := guide(t, b, 1, opts)
		reqs := []lm.LoglikelihoodRequest{
			{Context: "The cat sat on the", Continuation: " mat"},
			{Context: "The cat sat on the", Continuation: " hat and"},
			{Context: "", Continuation: "hello"},
		}
		want, err := n.Loglikelihood(ctx, reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Loglikelihood(ctx, reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		treqs := make([]TokenRequest, len(reqs))
		nreqs := make([]native.TokenRequest, len(reqs))
		for i, r := range reqs {
			c, k := n.EncodePair(r.Context, r.Continuation)
			treqs[i], nreqs[i] = TokenRequest{c, k}, native.TokenRequest{Context: c, Continuation: k}
		}
		gotTok, err := g.LoglikelihoodTokens(ctx, treqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantTok, err := n.LoglikelihoodTokens(ctx, nreqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range reqs {
			if got[i] != want[i] || gotTok[i] != wantTok[i] {
				t.Errorf("request %d: guided %v / %v, unguided %v / %v", i, got[i], gotTok[i], want[i], wantTok[i])
			}
		}
		gen := []lm.GenerateRequest{{Context: "Once upon", MaxTokens: 6}, {Context: "x", MaxTokens: 5, DoSample: true, Seed: 3}}
		wantGen, err := n.GenerateUntil(ctx, gen, nil)
		if err != nil {
			t.Fatal(err)
		}
		gotGen, err := g.GenerateUntil(ctx, gen, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(gotGen) != fmt.Sprint(wantGen) {
			t.Errorf("generate: guided %q, unguided %q", gotGen, wantGen)
		}
		// The token-level decoder at γ = 1 runs the conditional branch only
		// and samples as the engine does.
		ids := chartok.Tokenizer{}.Encode("Once upon", false)
		wantIDs, err := m.Generate(ctx, [][]int{ids}, &model.GenerateOptions{MaxNewTokens: 6, Sampler: model.SamplerOptions{Temperature: 0.8, Seed: 9}})
		if err != nil {
			t.Fatal(err)
		}
		gotIDs, err := g.GenerateTokens(ctx, [][]int{ids}, &TokenOptions{MaxNewTokens: 6, Sampler: model.SamplerOptions{Temperature: 0.8, Seed: 9}})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(gotIDs) != fmt.Sprint(wantIDs) {
			t.Errorf("generate tokens: guided %v, engine %v", gotIDs, wantIDs)
		}
		if !g.Capabilities().Rolling {
			t.Error("rolling loglikelihood should pass through at scale 1")
		}
	}
}

// TestScaleZeroIsUnconditional: at γ = 0 a continuation's score is its
// unguided score after the unconditional prompt alone. The two runs batch
// the unconditional branch with different rows, which changes the engine's
// rounding (about 1e-7 relative), so they agree to 5e-6 per token, not bit for bit.
func TestScaleZeroIsUnconditional(t *testing.T) {
	f := readFixture(t, "llama3_mqa_bias")
	m := loadModel(t, "llama3_mqa_bias")
	n, err := native.New(m, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := backend(t, m, nil, nil)
	for _, c := range f.Score {
		if c.Scale != 0 || c.MaxLength < 64 {
			continue
		}
		g := guide(t, b, 0, uncondOptions(c.Uncond, c.Negative))
		got, err := g.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: c.Context, Continuation: c.Continuation}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := n.LoglikelihoodTokens(context.Background(), []native.TokenRequest{{Context: c.UncondTokens, Continuation: c.Continuation}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got[0].LogProb-want[0].LogProb) > 5e-6*float64(len(c.Continuation)) || got[0].IsGreedy != want[0].IsGreedy {
			t.Errorf("%s: γ=0 %v, unconditional alone %v", c.Uncond, got[0], want[0])
		}
	}
}

// TestGenerateMatchesReference: greedy guided decoding equals the
// reference's, which recomputes both branches from scratch at every step;
// each prompt runs in a batch with another prompt.
func TestGenerateMatchesReference(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			f := readFixture(t, name)
			m := loadModel(t, name)
			b := backend(t, m, nil, nil)
			for _, c := range f.Generate {
				g := guide(t, b, c.Scale, uncondOptions(c.Uncond, c.Negative))
				other := []int{3, 1, 4, 1, 5, 9, 2, 6}
				got, err := g.GenerateTokens(context.Background(), [][]int{other, c.Prompt}, &TokenOptions{MaxNewTokens: len(c.Tokens)})
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got[1]) != fmt.Sprint(c.Tokens) {
					t.Errorf("%s γ=%g: %v, reference %v", c.Uncond, c.Scale, got[1], c.Tokens)
				}
			}
		})
	}
}

// TestSamplingReproducible: a seed reproduces a sample, and a prompt's
// sample does not depend on the rest of the batch.
func TestSamplingReproducible(t *testing.T) {
	m := loadModel(t, "gpt2")
	g := guide(t, backend(t, m, nil, nil), 2, &Options{Uncond: Empty})
	prompts := [][]int{{10, 20, 30}, {40, 50}, {60}}
	opts := &TokenOptions{MaxNewTokens: 12, Sampler: model.SamplerOptions{Temperature: 1.2, TopK: 40, TopP: 0.95, Seed: 42}}
	a, err := g.GenerateTokens(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.GenerateTokens(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different samples: %v vs %v", a, b)
	}
	for i, p := range prompts {
		one, err := g.GenerateTokens(context.Background(), [][]int{p}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(one[0]) != fmt.Sprint(a[i]) {
			t.Errorf("prompt %d alone %v, in a batch %v", i, one[0], a[i])
		}
	}
	opts.Sampler.Seed = 43
	c, err := g.GenerateTokens(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("different seeds gave the same samples")
	}
}

// TestGuidanceChangesGreedyText checks the text path end to end: guided
// greedy text equals the decoded guided tokens, stop strings cut it and the
// streamed pieces concatenate to it.
func TestGuidanceChangesGreedyText(t *testing.T) {
	m := loadModel(t, "llama_gqa")
	b := backend(t, m, chartok.Tokenizer{}, nil)
	ctx := context.Background()
	prompt := "Tell me about cats"
	for _, opts := range []*Options{nil, {Uncond: Empty}, {NegativePrompt: "dogs"}} {
		g := guide(t, b, 3, opts)
		ids, _ := b.Encode(prompt)
		toks, err := g.GenerateTokens(ctx, [][]int{ids}, &TokenOptions{MaxNewTokens: 10, StopTokens: b.StopTokens()})
		if err != nil {
			t.Fatal(err)
		}
		want := chartok.Tokenizer{}.Decode(toks[0], true)
		got, err := g.GenerateUntil(ctx, []lm.GenerateRequest{{Context: prompt, MaxTokens: 10}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != want {
			t.Errorf("%+v: text %q, tokens decode to %q", opts, got[0], want)
		}
		if len(want) < 4 {
			continue
		}
		stop := want[2:4]
		cut := want[:strings.Index(want, stop)]
		var streamed strings.Builder
		texts, err := g.Generate(ctx, []string{prompt}, GenerateOptions{MaxTokens: 10, Until: []string{stop}},
			func(_ int, s string) error { streamed.WriteString(s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if texts[0] != cut || streamed.String() != cut {
			t.Errorf("stop %q: text %q, streamed %q, want %q", stop, texts[0], streamed.String(), cut)
		}
	}
}

// TestTextScoring: text requests are split into tokens as the backend
// splits them, and a negative prompt is tokenised as prompts are.
func TestTextScoring(t *testing.T) {
	m := loadModel(t, "gpt2")
	b := backend(t, m, chartok.Tokenizer{}, nil)
	g := guide(t, b, 1.5, &Options{NegativePrompt: "xyz"})
	got, err := g.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: "abc ", Continuation: "def"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := chartok.Tokenizer{}
	gt := guide(t, b, 1.5, &Options{NegativeTokens: tok.Encode("xyz", false)})
	want, err := gt.LoglikelihoodTokens(context.Background(), []TokenRequest{{Context: tok.Encode("abc", false), Continuation: tok.Encode(" def", false)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != want[0] {
		t.Errorf("text %v, tokens %v", got[0], want[0])
	}
	if g.Name() != gt.Name() || !strings.Contains(g.Name(), "uncond=negative:") {
		t.Errorf("names %q and %q should be equal and name the negative prompt", g.Name(), gt.Name())
	}
}

func TestBadInput(t *testing.T) {
	m := loadModel(t, "gpt2")
	b := backend(t, m, nil, &native.Options{MaxLength: 16})
	bt := backend(t, m, chartok.Tokenizer{}, &native.Options{MaxLength: 16})
	newErrs := []struct {
		name  string
		b     *native.Model
		scale float64
		opts  *Options
		want  string
	}{
		{"nan", b, math.NaN(), nil, "scale NaN is not a finite number"},
		{"inf", b, math.Inf(1), nil, "not a finite number"},
		{"unknown branch", b, 1.5, &Options{Uncond: "nothing"}, `unconditional branch "nothing": expected last-token, empty or negative`},
		{"negative without prompt", b, 1.5, &Options{Uncond: Negative}, "needs a NegativePrompt or NegativeTokens"},
		{"negative with other branch", b, 1.5, &Options{Uncond: Empty, NegativeTokens: []int{1}}, "a negative prompt is given but the unconditional branch is empty"},
		{"both negatives", bt, 1.5, &Options{NegativePrompt: "a", NegativeTokens: []int{1}}, "both NegativePrompt and NegativeTokens"},
		{"negative text without tokenizer", b, 1.5, &Options{NegativePrompt: "a"}, "no tokenizer"},
		{"negative too long", b, 1.5, &Options{NegativeTokens: make([]int, 16)}, "negative prompt has 16 tokens; the max length is 16"},
		{"negative out of vocabulary", b, 1.5, &Options{NegativeTokens: []int{96}}, "token 96 is outside the vocabulary [0, 96)"},
		{"batch tokens", b, 1.5, &Options{BatchTokens: -1}, "BatchTokens -1"},
	}
	for _, tt := range newErrs {
		_, err := New(tt.b, tt.scale, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// All problems of an Options are reported at once.
	_, err := New(b, math.NaN(), &Options{Uncond: "x", BatchTokens: -2})
	if err == nil || strings.Count(err.Error(), ";") < 2 {
		t.Errorf("error %v should list three problems", err)
	}
	if _, err := ParseUncond("first-token"); err == nil || !strings.Contains(err.Error(), "expected last-token or empty") {
		t.Errorf("ParseUncond: %v", err)
	}

	g := guide(t, b, 1.5, nil)
	ctx := context.Background()
	scoreErrs := []struct {
		req  TokenRequest
		want string
	}{
		{TokenRequest{Context: []int{1}}, "empty continuation"},
		{TokenRequest{Continuation: []int{1}}, "empty context"},
		{TokenRequest{Context: []int{1}, Continuation: make([]int, 17)}, "longer than the max length 16"},
		{TokenRequest{Context: []int{1}, Continuation: []int{500}}, "outside the vocabulary"},
	}
	for _, tt := range scoreErrs {
		_, err := g.LoglikelihoodTokens(ctx, []TokenRequest{{Context: []int{1, 2}, Continuation: []int{3}}, tt.req}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.req, err, tt.want)
		}
	}
	if _, err := g.GenerateTokens(ctx, [][]int{{1}, {}}, nil); err == nil || !strings.Contains(err.Error(), "prompt 1 is empty") {
		t.Errorf("empty prompt: %v", err)
	}
	if _, err := g.GenerateTokens(ctx, [][]int{make([]int, 64)}, nil); err == nil || !strings.Contains(err.Error(), "position limit is 64") {
		t.Errorf("long prompt: %v", err)
	}
	if _, err := g.Loglikelihood(ctx, []lm.LoglikelihoodRequest{{Context: "a", Continuation: "b"}}, nil); err == nil {
		t.Error("text request without a tokenizer: no error")
	}
	if _, err := g.LoglikelihoodRolling(ctx, []lm.RollingRequest{{Text: "a"}}, nil); !errors.Is(err, lm.ErrUnsupported) {
		t.Errorf("rolling under guidance: %v, want lm.ErrUnsupported", err)
	}
	if g.Capabilities().Rolling {
		t.Error("capabilities claim rolling under guidance")
	}
	gt := guide(t, bt, 2, nil)
	if _, err := gt.Generate(ctx, []string{"a"}, GenerateOptions{MaxTokens: 16}, nil); err == nil || !strings.Contains(err.Error(), "leave no room") {
		t.Errorf("max tokens at max length: %v", err)
	}
	// A cancelled context stops scoring and generation with its error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.LoglikelihoodTokens(cctx, []TokenRequest{{Context: []int{1}, Continuation: []int{2, 3}}}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scoring: %v", err)
	}
	if _, err := g.GenerateTokens(cctx, [][]int{{1}}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled generation: %v", err)
	}
}
