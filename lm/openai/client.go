package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// maxBody bounds a response body: echoed log-probabilities of a batch of
// long prompts are large, but not this large.
const maxBody = 256 << 20

// client sends requests to a set of servers with retries, failover and rate
// limits. It is safe for concurrent use.
type client struct {
	opts      Options
	endpoints []*endpoint
	next      atomic.Uint64
	requests  *bucket // nil: no limit
	tokens    *bucket
	bufs      sync.Pool
	answered  atomic.Bool // some server has answered a request
}

// endpoint is one server. After a failure that says the server, not the
// request, is in trouble (refused connection, 5xx, timeout) it is skipped
// for a cooldown that doubles with each failure in a row.
type endpoint struct {
	base      string
	mu        sync.Mutex
	failures  int
	downUntil time.Time
}

func (e *endpoint) available(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !now.Before(e.downUntil)
}

func (e *endpoint) failed() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failures++
	cool := 250 * time.Millisecond << min(e.failures-1, 7)
	e.downUntil = time.Now().Add(min(cool, 30*time.Second))
}

func (e *endpoint) succeeded() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failures = 0
	e.downUntil = time.Time{}
}

func newClient(o Options) *client {
	c := &client{opts: o}
	for _, u := range o.BaseURLs {
		c.endpoints = append(c.endpoints, &endpoint{base: u})
	}
	if o.RequestsPerSecond > 0 {
		c.requests = newBucket(o.RequestsPerSecond, o.RequestsPerSecond)
	}
	if o.TokensPerMinute > 0 {
		c.tokens = newBucket(o.TokensPerMinute/60, o.TokensPerMinute)
	}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	return c
}

// pick returns the next available endpoint in round-robin order, or, when
// all are cooling down, the one that comes back first.
func (c *client) pick() *endpoint {
	n := len(c.endpoints)
	start := int(c.next.Add(1) % uint64(n))
	now := time.Now()
	for i := range n {
		if e := c.endpoints[(start+i)%n]; e.available(now) {
			return e
		}
	}
	best := c.endpoints[start]
	for _, e := range c.endpoints {
		e.mu.Lock()
		t := e.downUntil
		e.mu.Unlock()
		best.mu.Lock()
		bt := best.downUntil
		best.mu.Unlock()
		if t.Before(bt) {
			best = e
		}
	}
	return best
}

func (c *client) anyAvailableBut(skip *endpoint) bool {
	now := time.Now()
	for _, e := range c.endpoints {
		if e != skip && e.available(now) {
			return true
		}
	}
	return false
}

// StatusError is a server's non-2xx answer.
type StatusError struct {
	URL     string
	Status  int
	Message string // the server's error message, or the start of its body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.URL, e.Status, e.Message)
}

// do sends one request (body nil for GET) and hands the 2xx response body to
// decode, which returns the tokens the server says it used (0 if unknown).
// cost is the estimated tokens, for the tokens-per-minute limit. It retries
// what is worth retrying and returns the URL of the server that answered.
func (c *client) do(ctx context.Context, method, path string, body []byte, cost float64,
	decode func([]byte) (int, error)) (string, error) {
	var last error
	for attempt := 0; ; attempt++ {
		e := c.pick()
		url := e.base + path
		if err := c.requests.take(ctx, 1); err != nil {
			return url, err
		}
		if err := c.tokens.take(ctx, cost); err != nil {
			return url, err
		}
		retryAfter, endpointFault, err := c.attempt(ctx, e, method, url, body, cost, decode)
		if err == nil {
			e.succeeded()
			c.answered.Store(true)
			return url, nil
		}
		if ctx.Err() != nil {
			return url, ctx.Err()
		}
		if retryAfter < 0 { // not worth retrying
			return url, err
		}
		if c.nothingListens(err) {
			return url, fmt.Errorf("%w (no server has answered at this address: start it first, e.g. fmkit serve, or check the URL)", err)
		}
		last = err
		if endpointFault {
			e.failed()
		}
		if attempt >= c.opts.MaxRetries {
			return url, fmt.Errorf("%w (gave up after %d attempts)", last, attempt+1)
		}
		// Another server can take the request at once; otherwise wait.
		if endpointFault && c.anyAvailableBut(e) {
			continue
		}
		wait := c.backoff(attempt)
		if retryAfter > wait {
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return url, ctx.Err()
		}
	}
}

// nothingListens says that retrying cannot help: the one server was never
// reached (no process listens on its port, or its host name does not
// resolve) and no request has been answered yet. A server that answered
// once and then refuses is restarting, and is retried as usual.
func (c *client) nothingListens(err error) bool {
	if len(c.endpoints) != 1 || c.answered.Load() {
		return false
	}
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr)
}

// backoff is the full-jitter wait before retry attempt+1: random between
// half and all of min(BackoffMax, BackoffBase·2^attempt).
func (c *client) backoff(attempt int) time.Duration {
	d := c.opts.BackoffBase << min(attempt, 20)
	if d > c.opts.BackoffMax || d <= 0 {
		d = c.opts.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// attempt sends the request once. retryAfter is negative for an error not
// worth retrying, else the wait the server asked for (0 if none);
// endpointFault says the failure is the server's, not the request's.
func (c *client) attempt(ctx context.Context, e *endpoint, method, url string, body []byte, cost float64,
	decode func([]byte) (int, error)) (retryAfter time.Duration, endpointFault bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, url, rd)
	if err != nil {
		return -1, false, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return 0, true, c.transportError(ctx, actx, url, err)
	}
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 { // keep small buffers only: memory stays flat
			c.bufs.Put(buf)
		}
	}()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	if err != nil {
		return 0, true, c.transportError(ctx, actx, url, err)
	}
	if buf.Len() > maxBody {
		return -1, false, fmt.Errorf("%s: response larger than %d bytes", url, maxBody)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{URL: url, Status: resp.StatusCode, Message: errorMessage(buf.Bytes())}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			return parseRetryAfter(resp.Header.Get("Retry-After")), false, se
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
			return parseRetryAfter(resp.Header.Get("Retry-After")), true, se
		case resp.StatusCode == http.StatusRequestTimeout:
			return 0, false, se
		}
		return -1, false, se
	}
	used, err := decode(buf.Bytes())
	if err != nil {
		return -1, false, fmt.Errorf("%s: %w", url, err)
	}
	if used > 0 {
		c.tokens.adjust(float64(used) - cost)
	}
	return 0, false, nil
}

func (c *client) transportError(ctx, actx context.Context, url string, err error) error {
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer within %v", url, c.opts.Timeout)
	}
	return fmt.Errorf("%s: %w", url, err)
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, 5*time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), 5*time.Minute)
	}
	return 0
}

// errorMessage pulls the message out of the error bodies that OpenAI, vLLM
// ({"object":"error","message":...}), llama.cpp and TGI ({"error": "..."})
// send, or returns the start of the body.
func errorMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
