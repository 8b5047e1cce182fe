package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/npy"
)

func newActivationsCmd() *cobra.Command {
	var (
		ef     engineFlags
		ids    string
		text   string
		site   string
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "activations",
		Short: "Write the activations at one hook site as a NumPy file",
		Long: `activations runs the native engine over a token sequence up to a hook site
(layers.N.attn_in, layers.N.mlp_in, layers.N.resid_out or final_norm_out) and
writes its activations, float32 [tokens, hidden], to a .npy file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--npy is required: the output .npy path")
			}
			if _, err := model.ParseSite(site); err != nil {
				return fmt.Errorf("--site: %w", err)
			}
			m, seq, tokens, err := ef.loadWithInput(cmd, ids, text)
			if err != nil {
				return err
			}
			defer m.Close()
			var acts []float32
			err = m.Forward(cmd.Context(), []model.Input{{Seq: seq, Tokens: tokens}}, &model.ForwardOptions{
				Hooks: map[string]model.Hook{site: func(a *model.Activations) error {
					acts = append(acts, a.Data...)
					return nil
				}},
				StopAfter: site,
			})
			if err != nil {
				return err
			}
			H := m.Config.Hidden
			if err := npy.WriteFile(out, []int{len(tokens), H}, acts); err != nil {
				return err
			}
			if asJSON {
				return newJSONEncoder(cmd.OutOrStdout()).Encode(map[string]any{"npy": out, "site": site, "dtype": "float32", "shape": []int{len(tokens), H}, "tokens": tokens})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s float32 [%d, %d]\n", out, site, len(tokens), H)
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&ids, "ids", "", "token ids, comma-separated")
	cmd.Flags().StringVar(&text, "text", "", "text to tokenize with the model's tokenizer (special tokens added) instead of --ids")
	cmd.Flags().StringVar(&site, "site", "", "hook site, e.g. layers.3.mlp_in")
	cmd.Flags().StringVar(&out, "npy", "", "output .npy file")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"npy", "dtype", "shape", "tokens"} as JSON`)
	return cmd
}
