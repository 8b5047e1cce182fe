package serve

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tokenizer"
)

// Server answers the OpenAI API with one model. It is an http.Handler.
type Server struct {
	m       *model.Model
	tok     *tokenizer.Tokenizer
	opts    Options
	name    string
	limit   int // context length in tokens
	vocab   int
	eos     []int
	chat    *jinja.ChatTemplate // nil: the tokenizer has no chat template
	sched   *scheduler
	metrics *metrics
	created int64
	closing atomic.Bool
	mux     *http.ServeMux
}

// New starts a server's scheduler for m and its tokenizer. Close stops it.
func New(m *model.Model, tok *tokenizer.Tokenizer, opts *Options) (*Server, error) {
	if opts != nil {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
	}
	o := opts.withDefaults()
	s := &Server{m: m, tok: tok, opts: o, name: o.Name, limit: m.Config.PositionLimit(),
		vocab: m.Config.Vocab, metrics: newMetrics(), created: time.Now().Unix()}
	if s.name == "" {
		s.name = filepath.Base(m.Dir)
	}
	if o.MaxModelLen > s.limit {
		return nil, fmt.Errorf("serve: MaxModelLen %d is more than the model's %d positions", o.MaxModelLen, s.limit)
	}
	if o.MaxModelLen > 0 {
		s.limit = o.MaxModelLen
	}
	if s.opts.MaxPromptBytes == 0 {
		s.opts.MaxPromptBytes = int64(s.limit) * int64(max(tok.MaxTokenBytes(), 1))
	}
	if id, ok := tok.EOS(); ok {
		s.eos = append(s.eos, id)
	}
	for _, id := range m.Config.EOS {
		if id >= 0 && !containsInt(s.eos, id) {
			s.eos = append(s.eos, id)
		}
	}
	src := tok.ChatTemplate()
	if o.ChatTemplate != "" {
		src = o.ChatTemplate
	}
	if src != "" {
		cfg := tok.Config()
		ct, err := jinja.NewChatTemplate(src, cfg.BOSToken, cfg.EOSToken)
		if err != nil {
			return nil, err
		}
		s.chat = ct
	}
	s.sched = newScheduler(m, o, s.metrics)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/v1/completions", s.instrument("/v1/completions", http.MethodPost, s.completions))
	s.mux.HandleFunc("/v1/chat/completions", s.instrument("/v1/chat/completions", http.MethodPost, s.chatCompletions))
	s.mux.HandleFunc("/v1/models", s.instrument("/v1/models", http.MethodGet, s.models))
	s.mux.HandleFunc("/health", s.instrument("/health", http.MethodGet, s.health))
	s.mux.HandleFunc("/metrics", s.instrument("/metrics", http.MethodGet, s.serveMetrics))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path)})
	})
	return s, nil
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Name is the model id the server answers to.
func (s *Server) Name() string { return s.name }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops admitting requests and returns once every queued and running
// sequence has finished.
func (s *Server) Close() {
	s.closing.Store(true)
	s.sched.close()
	<-s.sched.done
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: /health turns 503, no new connection is accepted, and the
// requests in flight finish (for at most grace) before it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.Close()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serve: requests still running after %v of graceful shutdown", grace)
	}
	return err
}

// statusWriter remembers the status code for the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (readBody sets
// a read deadline through it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// instrument checks the method, counts the request and its latency, and
// turns a panic into a 500 so that no input can bring the server down.
func (s *Server) instrument(endpoint, method string, h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if sw.status == 0 {
					writeError(sw, &apiError{Status: http.StatusInternalServerError, Message: fmt.Sprintf("internal error: %v", p)})
				}
			}
			status := sw.status
			if r.Context().Err() != nil {
				// The client went away before the response was complete:
				// a cancellation, not a server error (nginx's 499).
				status = statusClientClosed
			}
			s.metrics.request(endpoint, status, time.Since(start).Seconds())
		}()
		if s.opts.APIKey != "" && strings.HasPrefix(endpoint, "/v1/") && !s.authorized(r) {
			writeError(sw, &apiError{Status: http.StatusUnauthorized, Message: "missing or wrong API key: send Authorization: Bearer KEY"})
			return
		}
		if r.Method != method {
			sw.Header().Set("Allow", method)
			writeError(sw, &apiError{Status: http.StatusMethodNotAllowed, Message: fmt.Sprintf("%s takes %s, not %s", endpoint, method, r.Method)})
			return
		}
		h(sw, r)
	}
}

// authorized reports whether r carries the server's API key, compared in
// constant time.
func (s *Server) authorized(r *http.Request) bool {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, e.body())
}

// statusClientClosed is what the metrics count for a request whose client
// disconnected before its response was complete.
const statusClientClosed = 499

// readBody reads a request body within the size and time limits.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if s.closing.Load() {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Message: errShutdown.Error()}
	}
	if err := s.CheckWeights(); err != nil {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Message: err.Error()}
	}
	rc := http.NewResponseController(w)
	// Servers that cannot set deadlines (some test recorders) just read.
	deadline := rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout)) == nil
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxRequestBytes))
	if deadline && err == nil {
		// Lift it for the rest of the request: net/http's background read,
		// which notices a client going away, must not time out. After an
		// error it stays, so that discarding the unread body fails fast
		// and the connection closes.
		rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
		case errors.As(err, &ne) && ne.Timeout():
			return nil, &apiError{Status: http.StatusRequestTimeout, Message: fmt.Sprintf("request body not received within %v", s.opts.BodyTimeout)}
		}
		return nil, badRequest("", "reading the request body: %v", err)
	}
	return b, nil
}

// CheckWeights reports whether the model's weight files changed on disk
// since the server started (see model.Model.CheckWeights): /health then
// answers 503 and requests fail at once instead of reading a mapping that
// may fault.
func (s *Server) CheckWeights() error { return s.m.CheckWeights() }

// checkPromptBytes refuses a text prompt longer than MaxPromptBytes before
// it is tokenized.
func (s *Server) checkPromptBytes(param string, n int) *apiError {
	if int64(n) > s.opts.MaxPromptBytes {
		return badRequest(param, "%s is %d bytes, more than this server's limit of %d bytes (%d tokens of context × %d bytes for the longest token: no longer text fits)",
			param, n, s.opts.MaxPromptBytes, s.limit, s.opts.MaxPromptBytes/int64(max(s.limit, 1)))
	}
	return nil
}

func (s *Server) checkModel(name string) *apiError {
	if name != "" && name != s.name {
		return &apiError{Status: http.StatusNotFound, Param: "model", Message: fmt.Sprintf("the model %q does not exist; this server serves %q", name, s.name)}
	}
	return nil
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{map[string]any{
		"id": s.name, "object": "model", "created": s.created, "owned_by": "fmkit", "max_model_len": s.limit,
	}}})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if s.closing.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	if err := s.CheckWeights(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "weights changed on disk", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w)
}

// newJob builds one sequence of a request, or says why the request's
// guidance does not fit.
func (s *Server) newJob(ctx context.Context, ids []int, maxNew int, st settings, choice int, ready chan struct{}) (*job, *apiError) {
	opts := model.SamplerOptions{}
	if st.temperature > 0 {
		opts = model.SamplerOptions{Temperature: st.temperature, TopK: st.topK, TopP: st.topP}
		if st.seed != nil {
			opts.Seed = uint64(*st.seed)
		} else {
			opts.Seed = rand.Uint64()
		}
	}
	j := &job{ctx: ctx, prompt: ids, maxNew: maxNew, gen: model.NewGeneration(ids, opts, uint64(choice), maxNew),
		text: lm.NewTextStream(s.tok, st.stop), out: &outbox{ready: ready}}
	if !st.ignoreEOS {
		j.genOpts.StopTokens = s.eos
	}
	if st.guidance != 1 {
		// The unconditional branch: the prompt's last token, as
		// transformers' guidance does without a negative prompt, or the
		// negative prompt tokenized as text prompts are.
		unc := ids[len(ids)-1:]
		if st.negative != nil {
			if aerr := s.checkPromptBytes("negative_prompt", len(*st.negative)); aerr != nil {
				return nil, aerr
			}
			unc = s.tok.Encode(*st.negative, true)
			if len(unc) == 0 {
				return nil, badRequest("negative_prompt", "negative_prompt is empty after tokenization")
			}
			if len(unc)+maxNew > s.limit {
				return nil, badRequest("negative_prompt", "the negative prompt has %d tokens; with %d new tokens that exceeds the context length %d", len(unc), maxNew, s.limit)
			}
		}
		j.guide = &guidance{scale: st.guidance, prompt: unc, buf: make([]float32, s.vocab)}
	}
	return j, nil
}

// contextError is vLLM's wording for a request that does not fit.
func (s *Server) contextError(promptLen, maxNew int) *apiError {
	return badRequest("max_tokens", "This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the prompt, %d in the completion). Please reduce the length of the prompt or completion.",
		s.limit, promptLen+maxNew, promptLen, maxNew)
}

// submit queues jobs, mapping scheduler refusals to HTTP errors.
func (s *Server) submit(jobs []*job) *apiError {
	switch err := s.sched.submit(jobs); {
	case errors.Is(err, errQueueFull), errors.Is(err, errShutdown):
		return &apiError{Status: http.StatusServiceUnavailable, Message: err.Error()}
	case err != nil:
		return &apiError{Status: http.StatusInternalServerError, Message: err.Error()}
	}
	return nil
}

// collect waits for every job's events, calling each with the job's index
// as they arrive, until all jobs have ended or ctx is done.
func collect(ctx context.Context, jobs []*job, ready chan struct{}, each func(k int, evs []event)) error {
	ended := make([]bool, len(jobs))
	left := len(jobs)
	for left > 0 {
		for k, j := range jobs {
			if ended[k] {
				continue
			}
			evs, done := j.out.take()
			if len(evs) > 0 {
				for _, e := range evs {
					if e.Err != nil {
						return e.Err
					}
				}
				each(k, evs)
			}
			if done {
				ended[k] = true
				left--
			}
		}
		if left == 0 {
			break
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func requestID(prefix string) string {
	return prefix + strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
}
