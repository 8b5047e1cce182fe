package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/tokenizer"
)

func newConvertCmd() *cobra.Command {
	var (
		src, out, to, dtype string
	)
	cmd := &cobra.Command{
		Use:   "convert",
		Short: "Convert a model to GGUF for llama.cpp, Ollama and LM Studio",
		Long: `Convert a model (a Hugging Face directory, hf:ORG/NAME, or a GGUF file) to
a GGUF file as llama.cpp's convert_hf_to_gguf.py writes it: architectures
llama, gptneox and gpt2, weights in f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k
(--dtype; default as stored), and tokenizer.json as the GGUF vocabulary (byte-level BPE as llama.cpp's "gpt2", SentencePiece BPE as
"llama"). Tensors are converted one at a time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to != "gguf" {
				return fmt.Errorf("--to %q: expected gguf", to)
			}
			if out == "" {
				return fmt.Errorf("--out is required: the GGUF file to write")
			}
			d, err := model.ParseDType(dtype)
			if err != nil {
				return fmt.Errorf("--dtype: %w", err)
			}
			path, err := resolveModel(cmd.Context(), src, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			notes, err := writeGGUFFile(cmd, path, out, d)
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
			}
			st, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%.1f MB)\n", out, float64(st.Size())/1e6)
			return nil
		},
	}
	cmd.Flags().StringVar(&src, "model", "", "model directory in Hugging Face layout, hf:ORG/NAME, or a GGUF file")
	cmd.Flags().StringVar(&to, "to", "gguf", "output format: gguf")
	cmd.Flags().StringVar(&out, "out", "", "file to write")
	cmd.Flags().StringVar(&dtype, "dtype", "", "weight type: f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k (default: as stored)")
	return cmd
}

// writeGGUFFile writes the model at path to out as GGUF, atomically, with
// per-tensor progress on stderr.
func writeGGUFFile(cmd *cobra.Command, path, out string, d model.DType) ([]string, error) {
	tok, note, err := tokenizerGGUF(path)
	if err != nil {
		return nil, err
	}
	var notes []string
	stderr := cmd.ErrOrStderr()
	err = atomicfile.Write(out, func(w io.Writer) error {
		var err error
		notes, err = model.WriteGGUF(cmd.Context(), w, path, &model.GGUFOptions{DType: d, Tokenizer: tok, Progress: func(done, total int) {
			fmt.Fprintf(stderr, "\rconverting %s: tensor %d/%d", filepath.Base(out), done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}})
		return err
	})
	if note != "" {
		notes = append(notes, note)
	}
	return notes, err
}

// tokenizerGGUF converts the tokenizer.json of a model directory to GGUF
// metadata for WriteGGUF: nil for a GGUF source (whose keys are copied),
// and nil with a note when the directory has no tokenizer.json or one GGUF
// cannot hold (the file then has no vocabulary).
func tokenizerGGUF(path string) ([]gguf.KV, string, error) {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return nil, "", nil
	}
	data, err := os.ReadFile(filepath.Join(path, "tokenizer.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "no tokenizer.json: the GGUF file has no vocabulary (llama.cpp runs it from token ids)", nil
	}
	if err != nil {
		return nil, "", err
	}
	cfg, err := model.ReadConfig(filepath.Join(path, "config.json"))
	if err != nil {
		return nil, "", err
	}
	eos := -1
	if len(cfg.EOS) > 0 {
		eos = cfg.EOS[0]
	}
	kv, err := tokenizer.GGUFMetadata(data, cfg.Vocab, cfg.BOS, eos)
	if err != nil {
		return nil, fmt.Sprintf("tokenizer.json not written, the GGUF file has no vocabulary: %v", err), nil
	}
	return kv, "", nil
}
