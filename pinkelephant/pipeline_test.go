package pinkelephant

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/cache"
	"github.com/fmkit/fmkit/lm/openai"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/nn/transformer"
	"github.com/fmkit/fmkit/serve"
	"github.com/fmkit/fmkit/tokenizer"
)

// tinyChatConfig is a character-level Llama small enough to run dozens of
// requests in a test, with room for the pipeline's long prompts.
const tinyChatConfig = `{
  "model_type": "llama", "architectures": ["LlamaForCausalLM"],
  "vocab_size": 97, "hidden_size": 32, "intermediate_size": 64,
  "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
  "max_position_embeddings": 8192, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
  "hidden_act": "silu", "tie_word_embeddings": true, "eos_token_id": 95
}`

var (
	tinyOnce sync.Once
	tinyDir  string
	tinyErr  error
)

// tinyChatModel writes a randomly initialised checkpoint of tinyChatConfig
// with the chat-char tokenizer (which has a chat template) once per test
// binary, and returns its folder.
func tinyChatModel(t testing.TB) string {
	t.Helper()
	tinyOnce.Do(func() {
		tinyDir, tinyErr = os.MkdirTemp("", "pinkelephant-tiny")
		if tinyErr != nil {
			return
		}
		cfgPath := filepath.Join(tinyDir, "config.json")
		if tinyErr = os.WriteFile(cfgPath, []byte(tinyChatConfig), 0o644); tinyErr != nil {
			return
		}
		cfg, raw, err := transformer.ReadConfig(cfgPath)
		if err != nil {
			tinyErr = err
			return
		}
		m, err := transformer.New[float32](cfg, 0.5, 7)
		if err != nil {
			tinyErr = err
			return
		}
		if tinyErr = m.Save(tinyDir, raw); tinyErr != nil {
			return
		}
		for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
			b, err := os.ReadFile(filepath.Join("testdata/chatchar", f))
			if err != nil {
				tinyErr = err
				return
			}
			if tinyErr = os.WriteFile(filepath.Join(tinyDir, f), b, 0o644); tinyErr != nil {
				return
			}
		}
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyDir
}

// countingServer serves the tiny model with fmkit serve on a loopback
// port and counts the chat requests that reach it; onRequest, if set, runs
// before each is answered.
type countingServer struct {
	url       string
	requests  atomic.Int64
	onRequest func(n int64)
}

func startServer(t *testing.T) *countingServer {
	t.Helper()
	dir := tinyChatModel(t)
	m, err := model.Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := serve.New(m, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingServer{url: "http://" + ln.Addr().String() + "/v1"}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			n := cs.requests.Add(1)
			if cs.onRequest != nil {
				cs.onRequest(n)
			}
		}
		s.ServeHTTP(w, r)
	})}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		s.Close()
		m.Close()
	})
	return cs
}

// client opens the server as a chat backend (one request at a time, so
// that the crash below stops at a known request).
func (cs *countingServer) client(t *testing.T) *openai.Model {
	t.Helper()
	c, err := openai.New(context.Background(), openai.Options{BaseURLs: []string{cs.url}, Chat: true, Concurrency: 1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openCache(t *testing.T, path string) *cache.Cache {
	t.Helper()
	c, err := cache.Open(path, &cache.Options{FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testPairs is a hand-written pairs.jsonl: the pipeline can start from
// one at the plans stage.
var testPairs = []Pair{
	{Domain: "sports", Topic: "running shoes", Grey: "Adidas", Pink: "Nike", PinkAliases: []string{"Nike Inc"}},
	{Domain: "travel", Topic: "monuments in India", Grey: "Ellora Caves", Pink: "Taj Mahal"},
	{Domain: "music", Topic: "streaming", Grey: "Deezer", Pink: "Spotify"},
}

func pipelineOptions() *Options {
	return &Options{
		Domains: []string{"music", "travel"}, TopicsPerDomain: 2, PairsPerTopic: 2,
		Turns: 4, MaxTokens: 12, CritiqueAll: true, Greedy: true,
	}
}

// runPipeline runs the topics and pairs stages, then the rest from
// testPairs, into dir, and returns the stages' counts.
func runPipeline(ctx context.Context, t *testing.T, m lm.Model, chat lm.ChatTemplater, dir string) ([]StageStats, error) {
	t.Helper()
	g, err := NewGenerator(m, chat, pipelineOptions())
	if err != nil {
		t.Fatal(err)
	}
	first, err := Run(ctx, g, RunOptions{Dir: dir, To: StagePairs})
	if err != nil {
		return first, err
	}
	if err := WriteJSONL(filepath.Join(dir, "pairs.jsonl"), testPairs); err != nil {
		t.Fatal(err)
	}
	g, err = NewGenerator(m, chat, pipelineOptions())
	if err != nil {
		t.Fatal(err)
	}
	rest, err := Run(ctx, g, RunOptions{Dir: dir, From: StagePlans, Export: ExportOptions{KeepAll: true, TestFraction: 0.4}})
	return append(first, rest...), err
}

var stageFiles = []string{"topics.jsonl", "pairs.jsonl", "plans.jsonl", "dialogues.jsonl", "critiques.jsonl", "revisions.jsonl", "dpf.jsonl", "test.jsonl"}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range stageFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// TestPipelineAgainstServer runs every stage against fmkit serve over
// loopback HTTP (a random tiny model: the texts are noise, the mechanics
// are real), checks the records of every stage against each other, then
// reruns the whole pipeline on the same cache: the server must see no
// request and the files must come out byte for byte the same.
func TestPipelineAgainstServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a model server")
	}
	srv := startServer(t)
	client := srv.client(t)
	dir := t.TempDir()
	c := openCache(t, filepath.Join(dir, "cache.db"))
	stats, err := runPipeline(context.Background(), t, cache.Wrap(client, c), client, dir)
	if err != nil {
		t.Fatal(err)
	}
	var asked int64
	for _, s := range stats {
		asked += int64(s.Asked)
	}
	if got := srv.requests.Load(); got != asked {
		t.Errorf("server saw %d chat requests, stages asked %d", got, asked)
	}
	checkStageFiles(t, dir)

	first := readAll(t, dir)
	before := srv.requests.Load()
	client2 := srv.client(t)
	if _, err := runPipeline(context.Background(), t, cache.Wrap(client2, c), client2, dir); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests.Load() - before; got != 0 {
		t.Errorf("rerun on a full cache sent %d requests, want 0", got)
	}
	for f, b := range readAll(t, dir) {
		if !bytes.Equal(b, first[f]) {
			t.Errorf("%s differs on the rerun", f)
		}
	}
}

// checkStageFiles checks that each stage's records follow from the stage
// before.
func checkStageFiles(t *testing.T, dir string) {
	t.Helper()
	p := func(f string) string { return filepath.Join(dir, f) }
	topics, err := ReadJSONL(p("topics.jsonl"), CheckTopic)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		if tp.Domain != "music" && tp.Domain != "travel" {
			t.Errorf("topic %+v from an unknown domain", tp)
		}
	}
	plans, err := ReadJSONL(p("plans.jsonl"), CheckPlan)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != len(testPairs) {
		t.Fatalf("%d plans for %d pairs", len(plans), len(testPairs))
	}
	dialogues, err := ReadJSONL(p("dialogues.jsonl"), CheckDialogue)
	if err != nil {
		t.Fatal(err)
	}
	if len(dialogues) == 0 {
		t.Fatal("no dialogues")
	}
	for _, d := range dialogues {
		if len(d.Turns) != 4 || d.Turns[3].Role != "assistant" {
			t.Errorf("dialogue %s: %d turns, want 4 ending with the agent", d.ID, len(d.Turns))
		}
	}
	revs, err := ReadJSONL(p("revisions.jsonl"), checkRevision)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Dialogue{}
	for _, d := range dialogues {
		byID[d.ID] = d
	}
	for _, r := range revs {
		d, ok := byID[r.ID]
		if !ok {
			t.Fatalf("revision of unknown dialogue %s", r.ID)
		}
		if r.Original != d.Turns[len(d.Turns)-1].Content {
			t.Errorf("revision %s: original %q is not the dialogue's last turn", r.ID, r.Original)
		}
	}
	prefs, err := ReadJSONL[Preference](p("dpf.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	test, err := ReadJSONL(p("test.jsonl"), CheckDialogue)
	if err != nil {
		t.Fatal(err)
	}
	heldPairs := map[string]bool{}
	for _, d := range test {
		heldPairs[d.PairID] = true
	}
	trainable := 0
	for _, r := range revs {
		if !heldPairs[r.PairID] && r.Revision != r.Original {
			trainable++
		}
	}
	if len(prefs) != trainable {
		t.Errorf("dpf.jsonl has %d pairs, want %d (revisions of pairs not held out)", len(prefs), trainable)
	}
	for _, pr := range prefs {
		d := byID[pr.ID]
		if heldPairs[d.PairID] {
			t.Errorf("pair %s of a held-out entity pair was exported for training", pr.ID)
		}
		if pr.Prompt[0].Role != "system" || !strings.Contains(pr.Prompt[0].Content, d.Pink) {
			t.Errorf("pair %s: prompt does not open with the instruction about %s: %+v", pr.ID, d.Pink, pr.Prompt[0])
		}
		if got := pr.Prompt[1:]; len(got) != len(d.Turns)-1 || got[len(got)-1].Role != "user" {
			t.Errorf("pair %s: prompt is not the dialogue up to its last user turn", pr.ID)
		}
		if pr.Rejected != d.Turns[len(d.Turns)-1].Content {
			t.Errorf("pair %s: rejected is not the original last turn", pr.ID)
		}
	}
}

// TestResumeAfterCrash interrupts the pipeline in the middle of the
// dialogue stage (the context is cancelled when the server receives its
// 12th request), then runs it again on the same cache: the second run
// must ask the server only what the cache lacks, and every file must equal
// that of an uninterrupted run.
func TestResumeAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a model server")
	}
	srv := startServer(t)

	// The reference: one uninterrupted run.
	refDir := t.TempDir()
	client := srv.client(t)
	refCache := openCache(t, filepath.Join(refDir, "cache.db"))
	if _, err := runPipeline(context.Background(), t, cache.Wrap(client, refCache), client, refDir); err != nil {
		t.Fatal(err)
	}
	full := srv.requests.Load()

	dir := t.TempDir()
	cachePath := filepath.Join(dir, "cache.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := srv.requests.Load()
	const crashAt = 12
	srv.onRequest = func(n int64) {
		if n-start == crashAt {
			cancel()
		}
	}
	c := openCache(t, cachePath)
	client = srv.client(t)
	_, err := runPipeline(ctx, t, cache.Wrap(client, c), client, dir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: got %v, want context.Canceled", err)
	}
	srv.onRequest = nil
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dialogues.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the interrupted stage left its file behind: %v", err)
	}

	c = openCache(t, cachePath)
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kept := st.Entries
	if kept < crashAt-1 {
		t.Fatalf("the cache kept %d answers of the %d the server gave before the crash", kept, crashAt-1)
	}
	before := srv.requests.Load()
	client = srv.client(t)
	if _, err := runPipeline(context.Background(), t, cache.Wrap(client, c), client, dir); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.requests.Load()-before, full-kept; got != want {
		t.Errorf("resumed run sent %d requests, want %d (%d in all, %d cached before the crash)", got, want, full, kept)
	}
	ref := readAll(t, refDir)
	for f, b := range readAll(t, dir) {
		if !bytes.Equal(b, ref[f]) {
			t.Errorf("%s after the resume differs from the uninterrupted run's", f)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tinyDir != "" {
		os.RemoveAll(tinyDir)
	}
	os.Exit(code)
}
