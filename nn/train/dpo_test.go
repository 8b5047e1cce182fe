package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/torchcheck"
	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/nn/transformer"
	"github.com/fmkit/fmkit/safetensors"
	"github.com/fmkit/fmkit/tokenizer"
)

// TestDPOMatchesPyTorch runs two DPO steps with each loss from the same
// policy, reference and pairs as testdata/gen/nn/dpo.py and compares the
// losses, TRL's reward metrics and the weights after the steps.
func TestDPOMatchesPyTorch(t *testing.T) {
	dir := filepath.Join("..", "testdata", "dpo")
	for _, loss := range []string{DPOSigmoid, DPOIPO, DPOHinge} {
		t.Run(loss, func(t *testing.T) {
			var ref struct {
				Beta           float64 `json:"beta"`
				LabelSmoothing float64 `json:"label_smoothing"`
				Steps          []struct {
					Loss            float64 `json:"loss"`
					RewardsChosen   float64 `json:"rewards_chosen"`
					RewardsRejected float64 `json:"rewards_rejected"`
					RewardAccuracy  float64 `json:"reward_accuracy"`
					RewardMargin    float64 `json:"reward_margin"`
				} `json:"steps"`
			}
			b, err := os.ReadFile(filepath.Join(dir, loss, "run.json"))
			if err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(b, &ref)
			policy, _, err := transformer.Load[float32](filepath.Join("..", "testdata", "train", "llama", "init"))
			if err != nil {
				t.Fatal(err)
			}
			refModel, _, err := transformer.Load[float32](filepath.Join(dir, "ref"))
			if err != nil {
				t.Fatal(err)
			}
			data, err := ReadPreferences(filepath.Join(dir, "data.jsonl"), PreferenceOptions{EOS: -1})
			if err != nil {
				t.Fatal(err)
			}
			off := false
			var got []Metrics
			run := &DPO{Model: policy, Ref: refModel, Data: data, Beta: ref.Beta, Loss: loss, LabelSmoothing: ref.LabelSmoothing,
				Options: &Options{BatchSize: 3, Steps: 2, LR: 1e-2, Schedule: "constant", NoClip: true, Shuffle: &off}}
			run.OnStep = func(m Metrics) error {
				if m.Step == 1 {
					compareGrads(t, policy, filepath.Join(dir, loss, "grads_1.safetensors"))
				}
				got = append(got, m)
				return nil
			}
			if err := run.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ref.Steps) {
				t.Fatalf("%d steps, PyTorch %d", len(got), len(ref.Steps))
			}
			for i, w := range ref.Steps {
				g := got[i]
				for _, c := range []struct {
					name      string
					got, want float64
				}{{"loss", g.Loss, w.Loss}, {"rewards_chosen", *g.RewardsChosen, w.RewardsChosen}, {"rewards_rejected", *g.RewardsRejected, w.RewardsRejected},
					{"reward_accuracy", *g.RewardAccuracy, w.RewardAccuracy}, {"reward_margin", *g.RewardMargin, w.RewardMargin}} {
					// Rewards are β times differences of log-probabilities of
					// magnitude about 10, so they are judged on that scale.
					scale := 1.0
					if c.name == "loss" {
						scale = 0
					}
					if !relClose(c.got, c.want, scale, 1e-5) {
						t.Errorf("step %d %s: %.8g, PyTorch %.8g", i+1, c.name, c.got, c.want)
					}
				}
			}
			torchcheck.Weights(t, policy.Tensors(), filepath.Join(dir, loss), 1e-5, []float64{1e-2, 1e-2}, 1e-8, 0.999)
		})
	}
}

// compareGrads checks every gradient of the first step against PyTorch's.
// A DPO gradient is a difference of the chosen and rejected responses'
// gradients, which are much larger than it (about 1 against 1e-3 for an
// embedding row here), so float32 rounding of those, about 1e-6 relative in
// either implementation, shows up as 1e-4 of the difference; each element
// is therefore judged against its tensor's largest gradient: within 2e-5 of
// it.
func compareGrads(t *testing.T, m *transformer.Model[float32], path string) {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, b := range m.Bindings() {
		ref, ok := f.Tensor(b.Name)
		if !ok {
			t.Fatalf("reference lacks %s", b.Name)
		}
		want, _ := ref.ToFloat64()
		cols := b.Param.Len() / b.Param.Dim(0)
		got := b.Param.Grad()[b.Row*cols : (b.Row+b.Rows)*cols]
		largest := 0.0
		for _, v := range want {
			largest = math.Max(largest, math.Abs(v))
		}
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 2e-5*largest {
				t.Fatalf("gradient of %s element %d: %.9g, PyTorch %.9g (largest %.3g)", b.Name, i, got[i], want[i], largest)
			}
		}
	}
}

func TestReadPreferencesErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"prompt_ids": [1], "chosen_ids": [2]}`, "prefs.jsonl:1: lacks one of the id fields"},
		{`{"prompt": "a", "chosen_ids": [2], "rejected": "b"}`, "prefs.jsonl:1: mixes text and id fields"},
		{`{"prompt": "a", "chosen": "b", "rejected": "c"}`, "prefs.jsonl:1: has text fields but no tokenizer"},
		{"{\"prompt_ids\": [1], \"chosen_ids\": [2], \"rejected_ids\": [3]}\n[1]", "prefs.jsonl:2: expected an object"},
		{`{"prompt_ids": [1], "chosen_ids": [], "rejected_ids": [3]}`, "an empty response"},
		{`{"prompt_ids": [1], "chosen_ids": [-2], "rejected_ids": [3]}`, "token id -2"},
		{"", "holds no preference pairs"},
	} {
		_, err := readPreferences(strings.NewReader(c.in), "prefs.jsonl", PreferenceOptions{EOS: -1})
		if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want ErrData with %q", c.in, err, c.want)
		}
	}
}

func TestTruncatePair(t *testing.T) {
	ids := func(n int) []int32 { return make([]int32, n) }
	for _, c := range []struct {
		prompt, chosen, rejected, max int
		want                          [3]int
	}{
		{3, 2, 4, 10, [3]int{3, 2, 4}},  // fits
		{8, 2, 4, 10, [3]int{6, 2, 4}},  // prompt keeps its end
		{8, 9, 4, 10, [3]int{5, 5, 4}},  // long response: prompt keeps half, responses cut
		{2, 20, 1, 10, [3]int{2, 8, 1}}, // short prompt stays whole
	} {
		p := truncatePair(Pair{Prompt: ids(c.prompt), Chosen: ids(c.chosen), Rejected: ids(c.rejected)}, c.max)
		got := [3]int{len(p.Prompt), len(p.Chosen), len(p.Rejected)}
		if got != c.want {
			t.Errorf("%+v: lengths %v, want %v", c, got, c.want)
		}
	}
}

// TestPreferenceText encodes text pairs, plain and conversational, with a
// character-level tokenizer that has a chat template.
func TestPreferenceText(t *testing.T) {
	tok, err := tokenizer.Load("../../serve/testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	chat, err := jinja.NewChatTemplate(tok.ChatTemplate(), "<|endoftext|>", "<|endoftext|>")
	if err != nil {
		t.Fatal(err)
	}
	in := `{"prompt": "Hi", "chosen": " yes", "rejected": " no"}
{"prompt": [{"role": "user", "content": "Hi"}], "chosen": [{"role": "assistant", "content": "yes"}], "rejected": "no"}
`
	p, err := readPreferences(strings.NewReader(in), "p.jsonl", PreferenceOptions{Tokenizer: tok, Chat: chat, EOS: 95})
	if err != nil {
		t.Fatal(err)
	}
	decode := func(ids []int32) string {
		var s []int
		for _, id := range ids {
			s = append(s, int(id))
		}
		return tok.Decode(s, false)
	}
	for i, want := range [][3]string{
		{"Hi", " yes<|endoftext|>", " no<|endoftext|>"},
		// the template renders a user turn as "U:Hi\n" and the generation
		// prompt "A:"; the assistant turn "A:yes\n" follows the rendered
		// prompt, whose "A:" is cut off (the tokenizer has no newline)
		{"U:HiA:", "yes", "no"},
	} {
		pair := p.Pairs[i]
		got := [3]string{decode(pair.Prompt), decode(pair.Chosen), decode(pair.Rejected)}
		if got != want {
			t.Errorf("pair %d: %q, want %q", i+1, got, want)
		}
	}
}
