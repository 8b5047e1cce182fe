package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
)

// echoModel answers every request from its text; it only fills a cache.
type echoModel struct{ name string }

func (e echoModel) Name() string { return e.name }
func (e echoModel) Capabilities() lm.Capabilities {
	return lm.Capabilities{Loglikelihood: true, Generate: true}
}
func (e echoModel) Loglikelihood(_ context.Context, reqs []lm.LoglikelihoodRequest, _ lm.Progress) ([]lm.LoglikelihoodResult, error) {
	out := make([]lm.LoglikelihoodResult, len(reqs))
	for i, r := range reqs {
		out[i].LogProb = -float64(len(r.Continuation))
	}
	return out, nil
}
func (e echoModel) LoglikelihoodRolling(context.Context, []lm.RollingRequest, lm.Progress) ([]float64, error) {
	return nil, lm.ErrUnsupported
}
func (e echoModel) GenerateUntil(_ context.Context, reqs []lm.GenerateRequest, _ lm.Progress) ([]string, error) {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = strings.ToUpper(r.Context)
	}
	return out, nil
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestCacheCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	c, err := cache.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cache.Wrap(echoModel{"a"}, c).Loglikelihood(ctx, []lm.LoglikelihoodRequest{{Context: "x", Continuation: "y"}, {Context: "x", Continuation: "zz"}, {Context: "q", Continuation: "r"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Wrap(echoModel{"b"}, c).GenerateUntil(ctx, []lm.GenerateRequest{{Context: "hi"}}, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()

	out, errOut, code := runCLI(t, "cache", "stats", path, "--json")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	var st struct {
		Entries int64 `json:"entries"`
		Groups  []struct {
			Model   string `json:"model"`
			Kind    string `json:"request_type"`
			Entries int64  `json:"entries"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, out)
	}
	if st.Entries != 4 || len(st.Groups) != 2 || st.Groups[0].Model != "a" || st.Groups[0].Kind != "loglikelihood" ||
		st.Groups[0].Entries != 3 || st.Groups[1].Kind != "generate_until" {
		t.Fatalf("stats: %+v", st)
	}
	out, _, _ = runCLI(t, "cache", "stats", path)
	if !strings.Contains(out, "4 answers") || !strings.Contains(out, "generate_until") {
		t.Fatalf("stats table:\n%s", out)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"cache", "prune", path}, "no filter given"},
		{[]string{"cache", "prune", path, "--kind", "llh"}, "--kind llh: expected"},
		{[]string{"cache", "prune", path, "--older-than", "soon"}, "--older-than soon"},
		{[]string{"cache", "stats", filepath.Join(t.TempDir(), "missing.db")}, "no such file"},
	} {
		_, errOut, code := runCLI(t, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line containing %q", tt.args, code, errOut, tt.want)
		}
	}

	out, errOut, code = runCLI(t, "cache", "prune", path, "--model", "a", "--kind", "loglikelihood", "--json")
	if code != 0 || !strings.Contains(out, `"removed": 3`) || !strings.Contains(out, `"remaining": 1`) {
		t.Fatalf("prune: exit %d, %s %s", code, out, errOut)
	}
	out, _, code = runCLI(t, "cache", "prune", path, "--all")
	if code != 0 || !strings.Contains(out, "removed 1 answers; 0 remain") {
		t.Fatalf("prune --all: %s", out)
	}
}

func TestParseAge(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{{"30d", "720h0m0s", true}, {"90m", "1h30m0s", true}, {"-1h", "", false}, {"xd", "", false}, {"", "", false}} {
		d, err := parseAge(tt.in)
		if (err == nil) != tt.ok || (tt.ok && d.String() != tt.want) {
			t.Errorf("parseAge(%q) = %v, %v", tt.in, d, err)
		}
	}
}
