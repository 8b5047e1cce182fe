package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/serve"
)

func newServeCmd() *cobra.Command {
	var (
		ef                engineFlags
		host, name        string
		port              int
		maxSeqs, maxBatch int
		cacheGiB          float64
		grace             time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve --model DIR [--host 127.0.0.1] [--port 8080]",
		Short: "Serve a model over the OpenAI API (completions, chat, metrics)",
		Long: `serve runs a model on the native engine behind an OpenAI-compatible HTTP API:
/v1/models, /v1/completions, /v1/chat/completions, /health and /metrics.
Concurrent requests share forward passes (continuous batching). Ctrl-C stops
accepting requests and lets those in flight finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if port < 0 || port > 65535 {
				return fmt.Errorf("--port %d: expected 0 to 65535", port)
			}
			if cacheGiB <= 0 {
				return fmt.Errorf("--kv-cache-gib %g: expected a positive size", cacheGiB)
			}
			m, err := ef.load(cmd)
			if err != nil {
				return err
			}
			defer m.Close()
			tok, err := loadTokenizer(m)
			if err != nil {
				return fmt.Errorf("--model %s: %w", ef.model, err)
			}
			s, err := serve.New(m, tok, &serve.Options{Name: name, MaxSequences: maxSeqs, MaxBatchTokens: maxBatch,
				CacheBytes: int64(cacheGiB * (1 << 30))})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("--host %s --port %d: %w", host, port, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "serving %s on http://%s/v1 (Ctrl-C to stop)\n", s.Name(), ln.Addr())
			err = s.Serve(cmd.Context(), ln, grace)
			if err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "stopped")
			return nil
		},
	}
	ef.register(cmd)
	f := cmd.Flags()
	f.StringVar(&host, "host", "127.0.0.1", "address to listen on")
	f.IntVar(&port, "port", 8080, "port to listen on (0: any free port)")
	f.StringVar(&name, "served-model-name", "", "model id clients send (default: the model directory's name)")
	f.IntVar(&maxSeqs, "max-num-seqs", 64, "most sequences in one forward step")
	f.IntVar(&maxBatch, "max-num-batched-tokens", 2048, "most tokens in one forward step")
	floatVar(f, &cacheGiB, "kv-cache-gib", 4, "key/value cache for the running sequences, in GiB")
	f.DurationVar(&grace, "shutdown-grace", 5*time.Minute, "how long requests in flight may run after Ctrl-C")
	return cmd
}
