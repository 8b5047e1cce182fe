package erase

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/model"
)

// loadScrubDocs reads the fixture documents (tokens, per-token "pos"
// labels, num_bytes).
func loadScrubDocs(t *testing.T, path string) []ScrubDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []ScrubDoc
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Tokens   []int `json:"tokens"`
			Pos      []int `json:"pos"`
			NumBytes int   `json:"num_bytes"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, ScrubDoc{Tokens: rec.Tokens, Labels: rec.Pos, Bytes: rec.NumBytes})
	}
	return docs
}

// TestScrubAgainstPyTorch compares Scrub on the engine's tiny test
// checkpoints with the reference algorithm written out in PyTorch
// (testdata/gen/erase/gen_scrub.py): the eraser of every site and the
// clean and scrubbed losses. Activations are float32 on both sides and the
// Go statistics come from float32 GEMM blocks, so agreement is to 1e-6
// (measured: 1e-7).
func TestScrubAgainstPyTorch(t *testing.T) {
	for _, name := range []string{"neox_parallel", "neox_sequential_tied", "llama_gqa"} {
		t.Run(name, func(t *testing.T) {
			m, err := model.Load(filepath.Join("..", "model", "testdata", name), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			dir := filepath.Join("testdata", "scrub_"+name)
			docs := loadScrubDocs(t, filepath.Join(dir, "docs.jsonl"))
			var stages []string
			res, err := Scrub(context.Background(), m, docs, &ScrubOptions{Classes: 3, BatchTokens: 100}, func(p ScrubProgress) {
				if len(stages) == 0 || stages[len(stages)-1] != p.Stage+" "+p.Site {
					stages = append(stages, p.Stage+" "+p.Site)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			wantFits := 2 * m.Config.Layers
			if m.Config.ParallelResidual {
				wantFits = m.Config.Layers
			}
			if len(stages) != wantFits+m.Config.Layers+3 {
				t.Errorf("stages %v: want %d fitting passes, %d applying passes and 3 loss passes", stages, wantFits, m.Config.Layers)
			}
			if len(res.Sites) != 2*m.Config.Layers {
				t.Fatalf("sites %v", res.Sites)
			}
			for _, site := range res.Sites {
				e := res.Erasers[site]
				wantP, _ := loadNpy(t, filepath.Join("scrub_"+name, "P_"+site))
				if diff := maxAbsDiff(e.P().RawMatrix().Data, wantP); diff > 1e-6 {
					t.Errorf("%s: P differs from PyTorch by %g", site, diff)
				}
				wantBias, _ := loadNpy(t, filepath.Join("scrub_"+name, "bias_"+site))
				if diff := maxAbsDiff(e.Bias, wantBias); diff > 1e-6 {
					t.Errorf("%s: bias differs from PyTorch by %g", site, diff)
				}
				if e.R > 2 || e.R != res.Erasers[site].R {
					t.Errorf("%s: rank %d > classes − 1", site, e.R)
				}
			}
			var want struct {
				CleanNLL    float64 `json:"clean_nll"`
				ScrubbedNLL float64 `json:"scrubbed_nll"`
				Tokens      int
			}
			b, err := os.ReadFile(filepath.Join(dir, "losses.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if res.Clean.Tokens != want.Tokens || res.Scrubbed.Tokens != want.Tokens {
				t.Errorf("tokens %d, %d; PyTorch %d", res.Clean.Tokens, res.Scrubbed.Tokens, want.Tokens)
			}
			if rel := math.Abs(res.Clean.NLL-want.CleanNLL) / want.CleanNLL; rel > 1e-6 {
				t.Errorf("clean NLL %g, PyTorch %g", res.Clean.NLL, want.CleanNLL)
			}
			if rel := math.Abs(res.Scrubbed.NLL-want.ScrubbedNLL) / want.ScrubbedNLL; rel > 1e-6 {
				t.Errorf("scrubbed NLL %g, PyTorch %g", res.Scrubbed.NLL, want.ScrubbedNLL)
			}
			bytes := 0
			for _, d := range docs {
				bytes += d.Bytes
			}
			if res.Clean.Bytes != bytes || math.Abs(res.Clean.BitsPerByte-res.Clean.NLL/math.Ln2/float64(bytes)) > 1e-12 {
				t.Errorf("bits per byte %+v for %d bytes", res.Clean, bytes)
			}
			if res.Random.Tokens != want.Tokens || math.IsNaN(res.Random.NLL) || res.Random.NLL == res.Clean.NLL {
				t.Errorf("random control %+v", res.Random)
			}
		})
	}
}

// TestScrubErasesEverySite re-runs the documents with all erasers and
// checks that at every site the erased activations no longer covary with
// the labels: each eraser was fitted on exactly the activations it sees
// there, since later erasers never reach earlier sites.
func TestScrubErasesEverySite(t *testing.T) {
	m, err := model.Load(filepath.Join("..", "model", "testdata", "llama_gqa"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	docs := loadScrubDocs(t, filepath.Join("testdata", "scrub_llama_gqa", "docs.jsonl"))
	res, err := Scrub(context.Background(), m, docs, &ScrubOptions{Classes: 3, SkipRandom: true, Fitter: &Options{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Random.Tokens != 0 {
		t.Error("SkipRandom still ran the control")
	}
	d := m.Config.Hidden
	collected := map[string][]float64{}
	hooks := map[string]model.Hook{}
	var cur []int
	var labels []int
	for _, site := range res.Sites {
		e := res.Erasers[site]
		hooks[site] = func(a *model.Activations) error {
			e.ApplyFloat32(a.Data, a.Data)
			for _, v := range a.Data {
				collected[site] = append(collected[site], float64(v))
			}
			if site == res.Sites[0] {
				for _, r := range a.Rows {
					labels = append(labels, docs[cur[r.Input]].Labels[r.Pos])
				}
			}
			return nil
		}
	}
	s := newScrubber(m, docs, ScrubOptions{Classes: 3, BatchTokens: 4096}, nil)
	defer s.release()
	if err := s.pass(context.Background(), "check", "", -1, &model.ForwardOptions{Hooks: hooks}, &cur); err != nil {
		t.Fatal(err)
	}
	z := oneHot(labels, 3)
	for _, site := range res.Sites {
		x := collected[site]
		// Before erasure: the same rows through the inverse is not
		// available, so compare with the scale of the activations.
		if got := maxAbs(crossCov(x, z, d, 3)); got > 1e-5*maxAbs(x) {
			t.Errorf("%s: max |Σ_XZ| after erasure %g (activations up to %g)", site, got, maxAbs(x))
		}
	}
}

func TestScrubBadInput(t *testing.T) {
	m, err := model.Load(filepath.Join("..", "model", "testdata", "neox_parallel"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	good := ScrubDoc{Tokens: []int{1, 2, 3}, Labels: []int{0, 1, 0}}
	tests := []struct {
		name string
		docs []ScrubDoc
		opts *ScrubOptions
	}{
		{"no classes", []ScrubDoc{good}, nil},
		{"no docs", nil, &ScrubOptions{Classes: 2}},
		{"label count", []ScrubDoc{{Tokens: []int{1, 2}, Labels: []int{0}}}, &ScrubOptions{Classes: 2}},
		{"label range", []ScrubDoc{{Tokens: []int{1, 2}, Labels: []int{0, 5}}}, &ScrubOptions{Classes: 2}},
		{"token range", []ScrubDoc{{Tokens: []int{1, 999}, Labels: []int{0, 1}}}, &ScrubOptions{Classes: 2}},
		{"too long", []ScrubDoc{{Tokens: make([]int, 100), Labels: make([]int, 100)}}, &ScrubOptions{Classes: 2}},
		{"unlabeled", []ScrubDoc{{Tokens: []int{1, 2}, Labels: []int{-1, -1}}}, &ScrubOptions{Classes: 2}},
	}
	for _, tc := range tests {
		if _, err := Scrub(context.Background(), m, tc.docs, tc.opts, nil); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scrub(ctx, m, []ScrubDoc{good, good}, &ScrubOptions{Classes: 2}, nil); err == nil {
		t.Error("cancelled: no error")
	}
}
