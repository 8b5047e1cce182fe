package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
)

// samplingFlags are generate's decoding options.
type samplingFlags struct {
	maxNew      int
	temperature float64
	topK        int
	topP        float64
	minP        float64
	repetition  float64
	seed        uint64
}

func (f *samplingFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.maxNew, "max-new-tokens", 256, "most tokens to generate")
	cmd.Flags().Float64Var(&f.temperature, "temperature", 0, "sampling temperature; 0 is greedy decoding")
	cmd.Flags().IntVar(&f.topK, "top-k", 0, "sample from the k most likely tokens (0: all)")
	cmd.Flags().Float64Var(&f.topP, "top-p", 1, "sample from the smallest set of tokens with this total probability")
	cmd.Flags().Float64Var(&f.minP, "min-p", 0, "drop tokens less likely than this times the most likely")
	cmd.Flags().Float64Var(&f.repetition, "repetition-penalty", 1, "penalise tokens already present (1: off)")
	cmd.Flags().Uint64Var(&f.seed, "seed", 0, "random seed; the same seed reproduces the same sample")
}

func (f *samplingFlags) validate() (model.SamplerOptions, error) {
	o := model.SamplerOptions{Temperature: f.temperature, TopK: f.topK, TopP: f.topP, MinP: f.minP, RepetitionPenalty: f.repetition, Seed: f.seed}
	switch {
	case f.maxNew <= 0:
		return o, fmt.Errorf("--max-new-tokens %d: expected a positive count", f.maxNew)
	case f.temperature < 0:
		return o, fmt.Errorf("--temperature %g: expected 0 (greedy) or more", f.temperature)
	case f.topK < 0:
		return o, fmt.Errorf("--top-k %d: expected 0 or more", f.topK)
	case f.topP <= 0 || f.topP > 1:
		return o, fmt.Errorf("--top-p %g: expected a probability in (0, 1]", f.topP)
	case f.minP < 0 || f.minP >= 1:
		return o, fmt.Errorf("--min-p %g: expected a probability in [0, 1)", f.minP)
	case f.repetition <= 0:
		return o, fmt.Errorf("--repetition-penalty %g: expected a positive factor", f.repetition)
	}
	return o, nil
}

func newGenerateCmd() *cobra.Command {
	var (
		ef        engineFlags
		sf        samplingFlags
		prompt    string
		promptIDs string
		until     []string
		stops     []int
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Continue a prompt with the native engine, streaming text to stdout",
		Long: `generate continues --prompt (text, tokenized with the model's tokenizer and
its special tokens) and streams the new text to stdout, stopping at EOS, at
any --stop string or after --max-new-tokens. With --prompt-ids it works on
token ids and prints the new ids instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sampler, err := sf.validate()
			if err != nil {
				return err
			}
			switch {
			case prompt != "" && promptIDs != "":
				return fmt.Errorf("--prompt and --prompt-ids: give one of them, not both")
			case prompt == "" && promptIDs == "":
				return fmt.Errorf("--prompt or --prompt-ids is required")
			case promptIDs != "":
				return generateIDs(cmd, &ef, sf.maxNew, sampler, promptIDs, stops)
			}
			b, m, err := openNative(cmd.Context(), ef.model, ef.dtype, cmd.ErrOrStderr(), native.Options{AddSpecialTokens: true})
			if err != nil {
				return err
			}
			defer m.Close()
			w := cmd.OutOrStdout()
			_, err = b.Generate(cmd.Context(), []string{prompt}, native.GenerateOptions{MaxTokens: sf.maxNew, Until: until, Sampler: sampler},
				func(_ int, text string) error {
					_, err := io.WriteString(w, text)
					return err
				})
			fmt.Fprintln(w)
			return err
		},
	}
	ef.register(cmd)
	sf.register(cmd)
	cmd.Flags().StringVar(&prompt, "prompt", "", "prompt text")
	cmd.Flags().StringVar(&promptIDs, "prompt-ids", "", "prompt token ids, comma-separated (prints token ids)")
	cmd.Flags().StringArrayVar(&until, "stop", nil, "text that ends generation, not printed (repeatable)")
	cmd.Flags().IntSliceVar(&stops, "stop-token", nil, "with --prompt-ids: extra token ids that end generation (the config's EOS always does)")
	return cmd
}

// generateIDs is generate on token ids, printing the new ids as they come.
func generateIDs(cmd *cobra.Command, ef *engineFlags, maxNew int, sampler model.SamplerOptions, promptIDs string, stops []int) error {
	ids, err := parseIDs("--prompt-ids", promptIDs)
	if err != nil {
		return err
	}
	m, err := ef.load(cmd)
	if err != nil {
		return err
	}
	defer m.Close()
	w := cmd.OutOrStdout()
	stopTokens := append(append([]int(nil), m.Config.EOS...), stops...)
	sep := ""
	_, err = m.Generate(cmd.Context(), [][]int{ids}, &model.GenerateOptions{
		MaxNewTokens: maxNew,
		Sampler:      sampler,
		StopTokens:   stopTokens,
		Stream: func(_ int, tok int) error {
			_, err := fmt.Fprint(w, sep+strconv.Itoa(tok))
			sep = ","
			return err
		},
	})
	fmt.Fprintln(w)
	return err
}
