package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/model"
)

// quantizeCopied are the files beside the weights that a quantized model
// directory keeps, so that its tokenizer and chat template still load.
var quantizeCopied = []string{"tokenizer.json", "tokenizer_config.json", "generation_config.json", "special_tokens_map.json"}

func newQuantizeCmd() *cobra.Command {
	var src, out, typ string
	cmd := &cobra.Command{
		Use:   "quantize",
		Short: "Quantize a model's weights to q8_0, q4_0, q4_k, q5_k or q6_k",
		Long: `Quantize a model's weight matrices to one of llama.cpp's block formats
(q8_0: 8 bits, q4_0: 4 bits; q4_k and q5_k: 4 and 5 bits in super-blocks
of 256 with 6-bit scales and mins; q6_k: 6 bits in super-blocks of 256
with 8-bit scales) with llama.cpp's reference quantizers, and write a
model directory fmkit loads: OUT/model.gguf (which llama.cpp runs too)
and the tokenizer files. Matrices whose rows are not whole blocks stay
as they are, and are listed. Norms and biases stay float32.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: the directory to write")
			}
			d, err := model.ParseDType(typ)
			if err != nil || !d.Quantized() {
				return fmt.Errorf("--type %q: expected q8_0, q4_0, q4_k, q5_k or q6_k", typ)
			}
			path, err := resolveModel(cmd.Context(), src, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			notes, err := writeGGUFFile(cmd, path, filepath.Join(out, "model.gguf"), d)
			if err != nil {
				return err
			}
			if err := copyTokenizerFiles(path, out); err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s)\n", out, d)
			return nil
		},
	}
	cmd.Flags().StringVar(&src, "model", "", "model directory in Hugging Face layout, hf:ORG/NAME, or a GGUF file")
	cmd.Flags().StringVar(&typ, "type", "", "q8_0, q4_0, q4_k, q5_k or q6_k")
	cmd.Flags().StringVar(&out, "out", "", "directory to write")
	return cmd
}

// copyTokenizerFiles copies the tokenizer files of a model directory into
// out (nothing for a GGUF file, which carries its vocabulary).
func copyTokenizerFiles(src, out string) error {
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil
	}
	for _, name := range quantizeCopied {
		data, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(out, name), data); err != nil {
			return err
		}
	}
	return nil
}
