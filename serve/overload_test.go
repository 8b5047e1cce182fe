package serve

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestOverload is what the README promises of fmkit serve under overload:
// a request whose sequences do not fit the waiting queue gets 503 with a
// message at once, a burst of clients larger than the running set and the
// queue gets only answers or 503s (no error of another kind, no dropped
// connection), and the server is idle and healthy afterwards.
func TestOverload(t *testing.T) {
	_, url, _, _ := tinyServer(t, &Options{MaxSequences: 1, MaxQueue: 2})
	base := strings.TrimSuffix(url, "/v1")
	// The burst dials connections that end up carrying no request; the
	// server's shutdown waits 5 s for such connections unless the client
	// closes them.
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)

	status, m, _ := post(t, url+"/completions", `{"prompt": "ab", "max_tokens": 2, "n": 3}`)
	if status != http.StatusServiceUnavailable || !strings.Contains(errMessage(m), "too many requests waiting; retry later") {
		t.Errorf("n = 3 with a queue of 2: status %d, %q; want 503 saying to retry later", status, errMessage(m))
	}
	if status, m, _ := post(t, url+"/completions", `{"prompt": "ab", "max_tokens": 2, "n": 2}`); status != 200 {
		t.Errorf("n = 2 with a queue of 2: status %d, %q; want 200", status, errMessage(m))
	}

	const clients = 40
	var wg sync.WaitGroup
	statuses := make([]int, clients)
	messages := make([]string, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"prompt": "ab %d", "max_tokens": 16, "temperature": 0}`, i)
			status, reply, _ := postQuiet(url+"/completions", body)
			statuses[i], messages[i] = status, errMessage(reply)
		}()
	}
	wg.Wait()
	counts := map[int]int{}
	for i, s := range statuses {
		counts[s]++
		if s != 200 && (s != 503 || !strings.Contains(messages[i], "retry later")) {
			t.Errorf("client %d: status %d, %q; want 200, or 503 saying to retry later", i, s, messages[i])
		}
	}
	t.Logf("%d clients, one running sequence, a queue of 2: %v", clients, counts)

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "\nfmkit_serve_queue_depth 0\n") {
		t.Errorf("queue not empty after the burst:\n%s", metrics)
	}
	resp, err = http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health after the burst: %s", resp.Status)
	}
}

// postQuiet is post for goroutines, which must not call t.Fatal: a
// transport error is status 0.
func postQuiet(url, body string) (int, map[string]any, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &m)
	return resp.StatusCode, m, nil
}
