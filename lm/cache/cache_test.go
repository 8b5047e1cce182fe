package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fmkit/fmkit/lm"
)

func openTemp(t testing.TB, opts *Options) (*Cache, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache.db")
	c, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, path
}

func TestRoundTripAcrossReopen(t *testing.T) {
	c, path := openTemp(t, nil)
	reqs := llRequests(50)
	f := newFake("m1")
	want, err := f.Loglikelihood(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	f = newFake("m1")
	got, err := Wrap(f, c).Loglikelihood(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if f.total != 50 {
		t.Fatalf("first run asked %d requests, want 50", f.total)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	f2 := newFake("m1")
	var progress []int
	got, err = Wrap(f2, c2).Loglikelihood(context.Background(), reqs, func(done int) { progress = append(progress, done) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("cached run (-want +got):\n%s", diff)
	}
	if f2.total != 0 {
		t.Fatalf("cached run asked the model %d times, want 0", f2.total)
	}
	if len(progress) != 50 || progress[49] != 50 {
		t.Fatalf("progress calls %v, want 1..50", progress)
	}
}

// TestResume interrupts a run part way, in each of the ways a run stops, and
// checks that the resumed run asks exactly the unfinished requests and ends
// with the uninterrupted run's results.
func TestResume(t *testing.T) {
	const n, stopAt = 200, 73
	reqs := llRequests(n)
	want, _ := newFake("m").Loglikelihood(context.Background(), reqs, nil)
	tests := []struct {
		name      string
		inner     func(f *fakeModel) lm.Model
		stop      func(f *fakeModel) (context.Context, context.CancelFunc)
		wantAsked int // requests answered before the stop, which must not be asked again
	}{
		{
			name:  "streaming model fails",
			inner: func(f *fakeModel) lm.Model { return f },
			stop: func(f *fakeModel) (context.Context, context.CancelFunc) {
				f.failAfter = stopAt
				return context.WithCancel(context.Background())
			},
			wantAsked: stopAt,
		},
		{
			name:  "streaming model cancelled",
			inner: func(f *fakeModel) lm.Model { return &cancelAfter{fakeModel: f, after: stopAt} },
			stop: func(f *fakeModel) (context.Context, context.CancelFunc) {
				return context.WithCancel(context.Background())
			},
			wantAsked: stopAt,
		},
		{
			name:  "batch model fails in third chunk",
			inner: func(f *fakeModel) lm.Model { return batchOnly{f} },
			stop: func(f *fakeModel) (context.Context, context.CancelFunc) {
				f.failAfter = stopAt // chunks of 32: two whole chunks finish
				return context.WithCancel(context.Background())
			},
			wantAsked: 64,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := openTemp(t, &Options{ChunkSize: 32})
			f := newFake("m")
			ctx, cancel := tt.stop(f)
			defer cancel()
			inner := tt.inner(f)
			if ca, ok := inner.(*cancelAfter); ok {
				ca.cancel = cancel
			}
			if _, err := Wrap(inner, c).Loglikelihood(ctx, reqs, nil); err == nil {
				t.Fatal("interrupted run returned no error")
			}
			st, err := c.Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Entries != int64(tt.wantAsked) {
				t.Fatalf("cache holds %d entries after the stop, want %d", st.Entries, tt.wantAsked)
			}

			resumed := newFake("m")
			got, err := Wrap(tt.inner(resumed), c).Loglikelihood(context.Background(), reqs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("resumed results (-want +got):\n%s", diff)
			}
			if resumed.total != n-tt.wantAsked {
				t.Fatalf("resumed run asked %d requests, want %d", resumed.total, n-tt.wantAsked)
			}
			for d := range resumed.asked {
				if f.asked[d] > 0 && !strings.HasPrefix(tt.name, "batch") {
					t.Fatalf("request %q answered before the stop was asked again", d)
				}
			}
		})
	}
}

// cancelAfter cancels the run's context once a number of answers are out,
// as Ctrl-C would.
type cancelAfter struct {
	*fakeModel
	after  int
	cancel context.CancelFunc
}

func (c *cancelAfter) StreamLoglikelihood(ctx context.Context, reqs []lm.LoglikelihoodRequest, emit func(int, lm.LoglikelihoodResult)) error {
	n := 0
	return c.fakeModel.StreamLoglikelihood(ctx, reqs, func(i int, r lm.LoglikelihoodResult) {
		emit(i, r)
		if n++; n == c.after && c.cancel != nil {
			c.cancel()
		}
	})
}

func TestKeys(t *testing.T) {
	base := lm.GenerateRequest{Context: "Q: 1+1?", Until: []string{"\n"}, MaxTokens: 16}
	sampled := base
	sampled.DoSample, sampled.Temperature, sampled.Seed = true, 0.8, 7
	tests := []struct {
		name string
		a, b lm.GenerateRequest
		same bool
	}{
		{"identical", base, base, true},
		{"greedy ignores temperature", base, func() lm.GenerateRequest { r := base; r.Temperature = 0.7; r.Seed = 3; return r }(), true},
		{"context", base, func() lm.GenerateRequest { r := base; r.Context += " "; return r }(), false},
		{"until", base, func() lm.GenerateRequest { r := base; r.Until = []string{"\n\n"}; return r }(), false},
		{"until split", func() lm.GenerateRequest { r := base; r.Until = []string{"ab", "c"}; return r }(),
			func() lm.GenerateRequest { r := base; r.Until = []string{"a", "bc"}; return r }(), false},
		{"max tokens", base, func() lm.GenerateRequest { r := base; r.MaxTokens = 17; return r }(), false},
		{"sampling vs greedy", base, sampled, false},
		{"seed", sampled, func() lm.GenerateRequest { r := sampled; r.Seed = 8; return r }(), false},
		{"temperature", sampled, func() lm.GenerateRequest { r := sampled; r.Temperature = 0.9; return r }(), false},
		{"top p", sampled, func() lm.GenerateRequest { r := sampled; r.TopP = 0.9; return r }(), false},
		{"top k", sampled, func() lm.GenerateRequest { r := sampled; r.TopK = 40; return r }(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b keyBuilder
			ka, kb := b.generate("m", tt.a, 0), b.generate("m", tt.b, 0)
			if (ka == kb) != tt.same {
				t.Fatalf("same key = %v, want %v", ka == kb, tt.same)
			}
		})
	}
	var b keyBuilder
	if b.generate("m", base, 0) == b.generate("n", base, 0) {
		t.Error("two models share a key")
	}
	ll := b.loglikelihood("m", lm.LoglikelihoodRequest{Context: "ab", Continuation: "c"})
	if ll == b.loglikelihood("m", lm.LoglikelihoodRequest{Context: "a", Continuation: "bc"}) {
		t.Error("context/continuation split is not part of the key")
	}
	if b.rolling("m", lm.RollingRequest{Text: "abc"}) == b.generate("m", lm.GenerateRequest{Context: "abc"}, 0) {
		t.Error("request types share a key")
	}
}

func TestDuplicatesAndSampledCopies(t *testing.T) {
	c, _ := openTemp(t, nil)
	greedy := lm.GenerateRequest{Context: "hi", MaxTokens: 5}
	sampled := lm.GenerateRequest{Context: "hi", MaxTokens: 5, DoSample: true, Temperature: 1, Seed: 42}
	reqs := []lm.GenerateRequest{greedy, sampled, greedy, sampled, sampled}
	f := newFake("m")
	got, err := Wrap(f, c).GenerateUntil(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{genAnswer(greedy), genAnswer(sampled), genAnswer(greedy), genAnswer(sampled), genAnswer(sampled)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if n := f.asked[fmt.Sprintf("gen:%+v", greedy)]; n != 1 {
		t.Errorf("identical greedy requests asked %d times, want once", n)
	}
	if n := f.asked[fmt.Sprintf("gen:%+v", sampled)]; n != 3 {
		t.Errorf("three sampled copies asked %d times, want 3 draws", n)
	}
	// A later batch with one more sampled copy asks only for the new draw.
	f2 := newFake("m")
	if _, err := Wrap(f2, c).GenerateUntil(context.Background(), append(reqs, sampled), nil); err != nil {
		t.Fatal(err)
	}
	if f2.total != 1 {
		t.Errorf("fourth copy: asked %d requests, want 1", f2.total)
	}
}

func TestRollingAndModelsKeptApart(t *testing.T) {
	c, _ := openTemp(t, nil)
	reqs := []lm.RollingRequest{{Text: "one two"}, {Text: "three"}}
	a, b := newFake("model-a"), newFake("model-b")
	for _, f := range []*fakeModel{a, b} {
		got, err := Wrap(f, c).LoglikelihoodRolling(context.Background(), reqs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]float64{-7, -5}, got); diff != "" {
			t.Fatal(diff)
		}
	}
	if a.total != 2 || b.total != 2 {
		t.Fatalf("asked %d and %d, want 2 each: a model answered from another's entries", a.total, b.total)
	}
}

func TestDamagedEntryAskedAgain(t *testing.T) {
	c, path := openTemp(t, nil)
	reqs := llRequests(3)
	if _, err := Wrap(newFake("m"), c).Loglikelihood(context.Background(), reqs, nil); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE responses SET value = x'00' WHERE key = (SELECT min(key) FROM responses)`); err != nil {
		t.Fatal(err)
	}
	f := newFake("m")
	want, _ := newFake("m").Loglikelihood(context.Background(), reqs, nil)
	got, err := Wrap(f, c).Loglikelihood(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	if f.total != 1 {
		t.Fatalf("asked %d requests, want the damaged one only", f.total)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 200)), 0o644)
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE responses(x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		path, want string
	}{
		{notDB, "not a database"},
		{other, "not an fmkit cache"},
		{filepath.Join(dir, "a?b.db"), "not allowed"},
		{filepath.Join(notDB, "c.db"), "notes.txt"}, // a folder that cannot be made
		{"", "empty file name"},
	}
	for _, tt := range tests {
		c, err := Open(tt.path, nil)
		if err == nil {
			c.Close()
			t.Errorf("Open(%q) succeeded, want error containing %q", tt.path, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q) = %v, want error containing %q", tt.path, err, tt.want)
		}
	}
}

// TestOpenMakesFolders: a cache in a folder that does not exist yet gets
// the folder, as every output of fmkit does.
func TestOpenMakesFolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs", "kmmlu", "c.db")
	c, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

// TestWriteFailureStopsRun makes every insert fail as a full disk would: the
// run must fail with the write error instead of silently keeping nothing.
func TestWriteFailureStopsRun(t *testing.T) {
	c, path := openTemp(t, nil)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER full BEFORE INSERT ON responses BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	_, err = Wrap(newFake("m"), c).Loglikelihood(context.Background(), llRequests(10), nil)
	if err == nil || !strings.Contains(err.Error(), "cache: write") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want a write error naming %s", err, path)
	}
}

func TestStatsAndPrune(t *testing.T) {
	c, _ := openTemp(t, nil)
	ctx := context.Background()
	if _, err := Wrap(newFake("a"), c).Loglikelihood(ctx, llRequests(10), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Wrap(newFake("b"), c).LoglikelihoodRolling(ctx, []lm.RollingRequest{{Text: "x"}, {Text: "y"}, {Text: "z"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Wrap(newFake("b"), c).GenerateUntil(ctx, []lm.GenerateRequest{{Context: "q"}}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Model   string
		Kind    Kind
		Entries int64
		Bytes   int64
	}
	var got []row
	for _, g := range st.Groups {
		got = append(got, row{g.Model, g.Kind, g.Entries, g.Bytes})
	}
	want := []row{{"a", Loglikelihood, 10, 90}, {"b", Rolling, 3, 24}, {"b", Generate, 1, int64(len(genAnswer(lm.GenerateRequest{Context: "q"})))}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("stats groups (-want +got):\n%s", diff)
	}
	if st.Entries != 14 || st.FileBytes == 0 {
		t.Fatalf("entries %d, file bytes %d", st.Entries, st.FileBytes)
	}

	n, err := c.Prune(ctx, Filter{Model: "b", Kind: Rolling})
	if err != nil || n != 3 {
		t.Fatalf("prune b/rolling = %d, %v; want 3", n, err)
	}
	n, err = c.Prune(ctx, Filter{Before: time.Now().Add(-time.Hour)})
	if err != nil || n != 0 {
		t.Fatalf("prune older than an hour = %d, %v; want 0", n, err)
	}
	n, err = c.Prune(ctx, Filter{Before: time.Now().Add(time.Hour)})
	if err != nil || n != 11 {
		t.Fatalf("prune all = %d, %v; want 11", n, err)
	}
}

// TestConcurrentWriters has several processes and, in each, many goroutines
// write one cache file at once. Every answer must be there at the end.
func TestConcurrentWriters(t *testing.T) {
	if os.Getenv("FMKIT_CACHE_CHILD") != "" {
		return // the child's work is done by TestChildWriter
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	c, err := Open(path, nil) // created before the children race to do it
	if err != nil {
		t.Fatal(err)
	}
	const procs, perProc = 3, 3000
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildWriter$")
		cmd.Env = append(os.Environ(), "FMKIT_CACHE_CHILD="+path, "FMKIT_CACHE_PROC="+strconv.Itoa(p), "FMKIT_CACHE_N="+strconv.Itoa(perProc))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Log(out.String())
			}
		})
	}
	// This process writes too, from many goroutines, while the others run.
	writeShare(t, c, 99, perProc)
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer process: %v", err)
		}
	}
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := int64((procs + 1) * perProc); st.Entries != want {
		t.Fatalf("%d entries, want %d", st.Entries, want)
	}
	c.Close()
}

func TestChildWriter(t *testing.T) {
	path := os.Getenv("FMKIT_CACHE_CHILD")
	if path == "" {
		t.Skip("runs only as a child of TestConcurrentWriters")
	}
	p, _ := strconv.Atoi(os.Getenv("FMKIT_CACHE_PROC"))
	n, _ := strconv.Atoi(os.Getenv("FMKIT_CACHE_N"))
	c, err := Open(path, &Options{FlushRows: 500, FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	writeShare(t, c, p, n)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeShare writes n answers of model "proc-p" from 8 goroutines, each
// wrapping the cache separately, in small batches.
func writeShare(t *testing.T, c *Cache, p, n int) {
	reqs := llRequests(n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := g * 50; start < n; start += 8 * 50 {
				end := min(start+50, n)
				if _, err := Wrap(newFake(fmt.Sprintf("proc-%d", p)), c).Loglikelihood(context.Background(), reqs[start:end], nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestClosedCache(t *testing.T) {
	c, _ := openTemp(t, nil)
	c.Close()
	_, err := Wrap(newFake("m"), c).Loglikelihood(context.Background(), llRequests(2), nil)
	if err == nil {
		t.Fatal("closed cache answered")
	}
	if errors.Is(err, errInterrupted) {
		t.Fatal("wrong error")
	}
}
