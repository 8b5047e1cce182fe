package serve

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
)

// metrics are the server's Prometheus series. Prometheus's own client
// library is not needed for a dozen series: the text format is simple.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]float64 // (endpoint, status code) -> count
	latency  map[string]*histogram // endpoint -> request seconds

	promptTokens    counter
	generatedTokens counter
	steps           counter
	queueDepth      gauge
	running         gauge
	queueWait       *histogram
	firstToken      *histogram
	batchTokens     *histogram
	batchSequences  *histogram
}

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

func newMetrics() *metrics {
	return &metrics{
		requests:       map[[2]string]float64{},
		latency:        map[string]*histogram{},
		queueWait:      newHistogram(latencyBuckets),
		firstToken:     newHistogram(latencyBuckets),
		batchTokens:    newHistogram([]float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}),
		batchSequences: newHistogram([]float64{1, 2, 4, 8, 16, 32, 64, 128, 256}),
	}
}

func (m *metrics) request(endpoint string, status int, seconds float64) {
	m.mu.Lock()
	m.requests[[2]string{endpoint, fmt.Sprint(status)}]++
	h := m.latency[endpoint]
	if h == nil {
		h = newHistogram(latencyBuckets)
		m.latency[endpoint] = h
	}
	m.mu.Unlock()
	h.observe(seconds)
}

type counter struct {
	mu sync.Mutex
	v  float64
}

func (c *counter) add(v float64) { c.mu.Lock(); c.v += v; c.mu.Unlock() }
func (c *counter) inc()          { c.add(1) }
func (c *counter) get() float64  { c.mu.Lock(); defer c.mu.Unlock(); return c.v }

type gauge struct{ counter }

func (g *gauge) set(v float64) { g.mu.Lock(); g.v = v; g.mu.Unlock() }

type histogram struct {
	mu     sync.Mutex
	bounds []float64
	counts []float64 // per bucket, not cumulative; last is +Inf
	sum, n float64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]float64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v)
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.n++
	h.mu.Unlock()
}

func (h *histogram) write(w io.Writer, name, labels string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sep := ""
	if labels != "" {
		sep = ","
	}
	cum := 0.0
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{%s%sle=\"%s\"} %g\n", name, labels, sep, formatFloat(b), cum)
	}
	cum += h.counts[len(h.bounds)]
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %g\n", name, labels, sep, cum)
	if labels != "" {
		labels = "{" + labels + "}"
	}
	fmt.Fprintf(w, "%s_sum%s %g\n%s_count%s %g\n", name, labels, h.sum, name, labels, h.n)
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return fmt.Sprint(v)
}

// write renders every series in the Prometheus text exposition format.
func (m *metrics) write(w io.Writer) {
	head := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	m.mu.Lock()
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], " ") < strings.Join(keys[j][:], " ") })
	head("fmkit_serve_requests_total", "counter", "HTTP requests by endpoint and status code.")
	for _, k := range keys {
		fmt.Fprintf(w, "fmkit_serve_requests_total{endpoint=%q,code=%q} %g\n", k[0], k[1], m.requests[k])
	}
	endpoints := make([]string, 0, len(m.latency))
	for e := range m.latency {
		endpoints = append(endpoints, e)
	}
	sort.Strings(endpoints)
	lat := make([]*histogram, len(endpoints))
	for i, e := range endpoints {
		lat[i] = m.latency[e]
	}
	m.mu.Unlock()
	head("fmkit_serve_request_duration_seconds", "histogram", "Time from a request's arrival to its last byte.")
	for i, e := range endpoints {
		lat[i].write(w, "fmkit_serve_request_duration_seconds", fmt.Sprintf("endpoint=%q", e))
	}
	head("fmkit_serve_prompt_tokens_total", "counter", "Prompt tokens run through the model.")
	fmt.Fprintf(w, "fmkit_serve_prompt_tokens_total %g\n", m.promptTokens.get())
	head("fmkit_serve_generation_tokens_total", "counter", "Tokens generated.")
	fmt.Fprintf(w, "fmkit_serve_generation_tokens_total %g\n", m.generatedTokens.get())
	head("fmkit_serve_forward_steps_total", "counter", "Forward passes run by the scheduler.")
	fmt.Fprintf(w, "fmkit_serve_forward_steps_total %g\n", m.steps.get())
	head("fmkit_serve_queue_depth", "gauge", "Sequences waiting to be admitted.")
	fmt.Fprintf(w, "fmkit_serve_queue_depth %g\n", m.queueDepth.get())
	head("fmkit_serve_running_sequences", "gauge", "Sequences in the running batch.")
	fmt.Fprintf(w, "fmkit_serve_running_sequences %g\n", m.running.get())
	head("fmkit_serve_queue_wait_seconds", "histogram", "Time a sequence waited before joining the batch.")
	m.queueWait.write(w, "fmkit_serve_queue_wait_seconds", "")
	head("fmkit_serve_time_to_first_token_seconds", "histogram", "Time from a sequence's arrival to its first generated token.")
	m.firstToken.write(w, "fmkit_serve_time_to_first_token_seconds", "")
	head("fmkit_serve_batch_tokens", "histogram", "Tokens per forward step.")
	m.batchTokens.write(w, "fmkit_serve_batch_tokens", "")
	head("fmkit_serve_batch_sequences", "histogram", "Sequences per forward step: above 1 when requests share a pass.")
	m.batchSequences.write(w, "fmkit_serve_batch_sequences", "")
}
