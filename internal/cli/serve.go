package cli

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/serve"
	"github.com/fmkit/fmkit/tokenizer"
)

func newServeCmd() *cobra.Command {
	var (
		ef                engineFlags
		host, name        string
		port              int
		maxSeqs, maxBatch int
		cacheGiB          float64
		grace             time.Duration
		maxModelLen       int
		apiKey, template  string
		tokDir            string
	)
	cmd := &cobra.Command{
		Use:   "serve MODEL [--host 127.0.0.1] [--port 8080]",
		Short: "Serve a model over the OpenAI API (completions, chat, metrics)",
		Long: `serve runs a model on the native engine behind an OpenAI-compatible HTTP API:
/v1/models, /v1/completions, /v1/chat/completions, /health and /metrics.
Concurrent requests share forward passes (continuous batching). Ctrl-C stops
accepting requests and lets those in flight finish.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := ef.positionalModel(args); err != nil {
				return err
			}
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
			tok, err := serveTokenizer(m, tokDir)
			if err != nil {
				return fmt.Errorf("--model %s: %w", ef.model, err)
			}
			chat := ""
			if template != "" {
				b, err := os.ReadFile(template)
				if err != nil {
					return fmt.Errorf("--chat-template: %w", err)
				}
				chat = string(b)
			}
			if maxModelLen < 0 || maxModelLen > m.Config.PositionLimit() {
				return fmt.Errorf("--max-model-len %d: expected 1 to the model's %d positions", maxModelLen, m.Config.PositionLimit())
			}
			if apiKey == "" {
				apiKey = os.Getenv("VLLM_API_KEY")
			}
			s, err := serve.New(m, tok, &serve.Options{Name: name, MaxSequences: maxSeqs, MaxBatchTokens: maxBatch,
				CacheBytes: int64(cacheGiB * (1 << 30)), MaxModelLen: maxModelLen, APIKey: apiKey, ChatTemplate: chat})
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
	f.IntVar(&maxModelLen, "max-model-len", 0, "longest context (prompt plus completion) in tokens (default: the model's)")
	f.StringVar(&apiKey, "api-key", "", "require Authorization: Bearer KEY on /v1 requests (default: $VLLM_API_KEY; none: open)")
	f.StringVar(&template, "chat-template", "", "Jinja file replacing the tokenizer's chat template")
	f.StringVar(&tokDir, "tokenizer", "", "tokenizer directory (or tokenizer.json) instead of the model's")
	return cmd
}

// serveTokenizer is the model's tokenizer, or the one in dir (--tokenizer).
func serveTokenizer(m *model.Model, dir string) (*tokenizer.Tokenizer, error) {
	if dir == "" {
		return loadTokenizer(m)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("--tokenizer: %w", err)
	}
	return tok, nil
}
