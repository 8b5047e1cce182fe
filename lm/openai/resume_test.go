package openai

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fmkit/fmkit/lm/cache"
)

// TestResumeAfterServerKilled runs an evaluation through lm/cache against a
// server that dies part way: the run fails naming the server, the cache
// keeps every answer received, and a resumed run against a new server on
// the same address finishes with the right results without asking any
// finished request again.
func TestResumeAfterServerKilled(t *testing.T) {
	const n, killAfter = 300, 120
	reqs := toyRequests(n)

	first := newToyServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var once sync.Once
	first.fault = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		first.mu.Lock()
		answered := len(first.answered)
		first.mu.Unlock()
		if answered < killAfter {
			return false
		}
		// Dead: refuse new connections and drop every request on the old
		// ones. Responses already written are not cut short.
		once.Do(func() { ln.Close() })
		drop(w, r)
		return true
	}
	srv1 := &http.Server{Handler: first}
	go srv1.Serve(ln)
	defer srv1.Close()

	c, err := cache.Open(filepath.Join(t.TempDir(), "run.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts := fastOptions("http://" + addr + "/v1")
	opts.MaxRetries = 3
	m1, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cache.Wrap(m1, c).Loglikelihood(context.Background(), reqs, nil)
	if err == nil {
		t.Fatal("run against a killed server succeeded")
	}
	if !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q does not name the server %s", err, addr)
	}
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries < killAfter || st.Entries >= n {
		t.Fatalf("cache holds %d answers after the kill, want %d or more of %d", st.Entries, killAfter, n)
	}

	second := newToyServer()
	ln2, err := net.Listen("tcp", addr) // the server comes back on the same address
	if err != nil {
		t.Fatal(err)
	}
	srv2 := &http.Server{Handler: second}
	go srv2.Serve(ln2)
	defer srv2.Close()
	m2, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cache.Wrap(m2, c).Loglikelihood(context.Background(), reqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkToyResults(t, reqs, got)
	for p, k := range second.answered {
		if first.answered[p] > 0 {
			t.Errorf("prompt %s answered before the kill was asked again", p)
		}
		if k != 1 {
			t.Errorf("prompt %s answered %d times after the restart", p, k)
		}
	}
	if total := len(first.answered) + len(second.answered); total != n {
		t.Errorf("%d prompts answered in all, want %d", total, n)
	}
	if int64(len(second.answered)) != int64(n)-st.Entries {
		t.Errorf("resumed run asked %d requests, want the %d unfinished", len(second.answered), int64(n)-st.Entries)
	}
}
