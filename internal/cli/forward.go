package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/npy"
)

func newForwardCmd() *cobra.Command {
	var (
		ef     engineFlags
		ids    string
		text   string
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "forward",
		Short: "Write the logits of every position of a token sequence as a NumPy file",
		Long: `forward runs the native engine over a token sequence and writes the logits
for every position, float32 [tokens, vocab], to a .npy file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--npy is required: the output .npy path")
			}
			m, seq, tokens, err := ef.loadWithInput(cmd, ids, text)
			if err != nil {
				return err
			}
			defer m.Close()
			V := m.Config.Vocab
			logits := make([]float32, 0, len(tokens)*V)
			err = m.Forward(cmd.Context(), []model.Input{{Seq: seq, Tokens: tokens, Logits: model.AllLogits}}, &model.ForwardOptions{
				Logits: func(_ model.Row, l []float32) error { logits = append(logits, l...); return nil },
			})
			if err != nil {
				return err
			}
			if err := npy.WriteFile(out, []int{len(tokens), V}, logits); err != nil {
				return err
			}
			if asJSON {
				return newJSONEncoder(cmd.OutOrStdout()).Encode(map[string]any{"npy": out, "dtype": "float32", "shape": []int{len(tokens), V}, "tokens": tokens})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: float32 [%d, %d]\n", out, len(tokens), V)
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&ids, "ids", "", "token ids, comma-separated")
	cmd.Flags().StringVar(&text, "text", "", "text to tokenize with the model's tokenizer (special tokens added) instead of --ids")
	cmd.Flags().StringVar(&out, "npy", "", "output .npy file")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"npy", "dtype", "shape", "tokens"} as JSON`)
	return cmd
}
