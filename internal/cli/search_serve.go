package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/ngram"
	"github.com/fmkit/fmkit/search/pii"
	"github.com/fmkit/fmkit/search/web"
)

func newSearchServeCmd() *cobra.Command {
	var (
		indexes, ngrams []string
		addr, flags     string
		noRedact        bool
		redactPhone     bool
		redactID        bool
		rate            float64
		burst, port     int
	)
	cmd := &cobra.Command{
		Use:   "serve --index NAME=DIR ... [--ngram NAME=DIR ...] [--port 8080] [--addr 127.0.0.1:8080]",
		Short: "Serve a search page and a JSON API over indexes (loopback only unless --addr says otherwise)",
		Long: `serve opens BM25 indexes (--index NAME=DIR) and n-gram indexes
(--ngram NAME=DIR) and serves a search page and its JSON API: /api/corpora,
/api/search, /api/doc, /api/count and POST /api/flag. Personal data (e-mail
and IP addresses, user handles, keys) is redacted in everything sent unless
--no-redact; --redact-phone and --redact-id add phone and identity numbers.
Flagged results are kept in --flags. It listens on the loopback interface
unless --addr names another; --port changes the port only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(indexes)+len(ngrams) == 0 {
				return errors.New("search serve: give at least one --index NAME=DIR or --ngram NAME=DIR")
			}
			if rate <= 0 || rate != rate || rate > 1e6 {
				return fmt.Errorf("search serve: --rate %v must be a number in (0, 1e6]", rate)
			}
			if burst < 1 {
				return fmt.Errorf("search serve: --burst %d must be >= 1", burst)
			}
			listen, err := listenAddr(addr, port, cmd.Flags().Changed("port"))
			if err != nil {
				return err
			}
			var corpora []web.Corpus
			var counts []web.NgramCorpus
			defer func() {
				for _, c := range corpora {
					c.Index.Close()
				}
				for _, c := range counts {
					c.Index.Close()
				}
			}()
			for _, spec := range indexes {
				name, dir, err := splitNameDir("--index", spec)
				if err != nil {
					return err
				}
				ix, err := search.Open(dir)
				if err != nil {
					return err
				}
				corpora = append(corpora, web.Corpus{Name: name, Index: ix})
			}
			for _, spec := range ngrams {
				name, dir, err := splitNameDir("--ngram", spec)
				if err != nil {
					return err
				}
				ix, err := ngram.Open(dir)
				if err != nil {
					return err
				}
				counts = append(counts, web.NgramCorpus{Name: name, Index: ix})
			}
			srv, err := web.New(corpora, counts, &web.Options{NoRedact: noRedact, PII: pii.Options{Phone: redactPhone, ID: redactID},
				Rate: rate, Burst: burst, FlagsFile: flags})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("search serve: %w", err)
			}
			w := cmd.ErrOrStderr()
			if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopback(host) {
				fmt.Fprintf(w, "warning: listening on %s, reachable from other machines\n", host)
			}
			noun := "corpora"
			if len(corpora)+len(counts) == 1 {
				noun = "corpus"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "serving %d %s on http://%s/\n", len(corpora)+len(counts), noun, ln.Addr())
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
			done := make(chan error, 1)
			go func() { done <- hs.Serve(ln) }()
			select {
			case err := <-done:
				return fmt.Errorf("search serve: %w", err)
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				hs.Shutdown(ctx)
				return nil
			}
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&indexes, "index", nil, "a BM25 index to serve, as NAME=DIR (repeatable)")
	f.StringArrayVar(&ngrams, "ngram", nil, "an n-gram index to serve, as NAME=DIR (repeatable)")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT, or HOST with --port; port 0 picks a free one)")
	f.IntVar(&port, "port", 8080, "port to listen on, replacing --addr's (0 picks a free one)")
	f.StringVar(&flags, "flags", "search-flags.jsonl", "JSONL file where flagged results are kept (empty: refuse flags)")
	f.BoolVar(&noRedact, "no-redact", false, "send text as stored, without redacting personal data")
	f.BoolVar(&redactPhone, "redact-phone", false, "also redact phone numbers (more false positives)")
	f.BoolVar(&redactID, "redact-id", false, "also redact identity and account numbers (more false positives)")
	floatVar(f, &rate, "rate", 50, "API requests per second per client")
	f.IntVar(&burst, "burst", 100, "API requests a client may make at once")
	return cmd
}

// splitNameDir reads NAME=DIR.
func splitNameDir(flag, spec string) (string, string, error) {
	name, dir, ok := strings.Cut(spec, "=")
	if !ok || name == "" || dir == "" {
		return "", "", fmt.Errorf("search serve: %s %q: want NAME=DIR", flag, spec)
	}
	return name, dir, nil
}

// listenAddr is --addr with its port replaced by --port when given; with
// --port, --addr may be a bare host.
func listenAddr(addr string, port int, portSet bool) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	switch {
	case err != nil && !portSet:
		return "", fmt.Errorf("search serve: --addr %q: want HOST:PORT", addr)
	case err != nil:
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	case !portSet:
		return addr, nil
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("search serve: --port %d: want a port in [0, 65535]", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
