package cli

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/lm/guided"
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
	floatVar(cmd.Flags(), &f.temperature, "temperature", 0, "sampling temperature; 0 is greedy decoding")
	cmd.Flags().IntVar(&f.topK, "top-k", 0, "sample from the k most likely tokens (0: all)")
	floatVar(cmd.Flags(), &f.topP, "top-p", 1, "sample from the smallest set of tokens with this total probability")
	floatVar(cmd.Flags(), &f.minP, "min-p", 0, "drop tokens less likely than this times the most likely")
	floatVar(cmd.Flags(), &f.repetition, "repetition-penalty", 1, "penalise tokens already present (1: off)")
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

// forPrompt is --max-new-tokens for a text prompt: the value given, or
// else the default capped by fitNewTokens.
func (f *samplingFlags) forPrompt(cmd *cobra.Command, b *native.Model, prompt string) int {
	if cmd.Flags().Changed("max-new-tokens") {
		return f.maxNew
	}
	return fitNewTokens(f.maxNew, b, prompt)
}

// fitNewTokens caps a default number of new tokens at what the model's max
// length leaves after the prompt (at least one), so that a model with a
// short context (the built-in one has 256 positions) generates with the
// default instead of failing; a count the user asked for is not changed.
func fitNewTokens(maxNew int, b *native.Model, prompt string) int {
	ids, err := b.Encode(prompt)
	if err != nil {
		return maxNew
	}
	return min(maxNew, max(b.MaxLength()-max(len(ids), 1), 1))
}

// cfgFlags are the classifier-free guidance flags of generate, score and
// eval.
type cfgFlags struct {
	scale    float64
	uncond   string
	negative string
}

func (f *cfgFlags) register(cmd *cobra.Command) {
	floatVar(cmd.Flags(), &f.scale, "cfg", 1, "classifier-free guidance scale γ (1: off; 1.5 for benchmarks, about 3 for steering)")
	cmd.Flags().StringVar(&f.uncond, "cfg-uncond", "", "guidance's unconditional branch: last-token (the default) or empty")
	cmd.Flags().StringVar(&f.negative, "negative-prompt", "", "guide away from this text: the unconditional branch is conditioned on it")
}

// enabled reports whether guidance was asked for.
func (f *cfgFlags) enabled(cmd *cobra.Command) bool { return cmd.Flags().Changed("cfg") }

// options checks the guidance flags and turns them into guided.Options;
// guiding says whether guidance was asked for (by --cfg, or eval's
// --cfg-sweep).
func (f *cfgFlags) options(cmd *cobra.Command, guiding bool) (*guided.Options, error) {
	neg := cmd.Flags().Changed("negative-prompt")
	un := cmd.Flags().Changed("cfg-uncond")
	switch {
	case !guiding && (neg || un):
		return nil, fmt.Errorf("--negative-prompt and --cfg-uncond need --cfg SCALE")
	case neg && un:
		return nil, fmt.Errorf("--negative-prompt and --cfg-uncond: give one of them; a negative prompt is its own unconditional branch")
	case neg && f.negative == "":
		return nil, fmt.Errorf("--negative-prompt: the text is empty; for the empty prompt use --cfg-uncond empty")
	case math.IsNaN(f.scale) || math.IsInf(f.scale, 0):
		return nil, fmt.Errorf("--cfg %g: expected a finite guidance scale", f.scale)
	}
	o := &guided.Options{NegativePrompt: f.negative}
	if un {
		u, err := guided.ParseUncond(f.uncond)
		if err != nil {
			return nil, fmt.Errorf("--cfg-uncond %q: expected last-token or empty", f.uncond)
		}
		o.Uncond = u
	}
	return o, nil
}

// openGuided loads --model as a guidance backend, with the tokenizer when
// needTokenizer. The caller closes the returned model.
func openGuided(cmd *cobra.Command, ef *engineFlags, opts native.Options, needTokenizer bool) (*native.Model, *model.Model, error) {
	return openBackend(cmd.Context(), ef.model, ef.dtype, ef.bf16Act, cmd.ErrOrStderr(), opts, !needTokenizer)
}

// openGuidedGenerator opens the model with generation's tokenisation (special
// tokens added) and wraps it in guidance at scale. The caller closes the
// model.
func openGuidedGenerator(cmd *cobra.Command, ef *engineFlags, scale float64, gopts *guided.Options, needTokenizer bool) (*guided.Model, *model.Model, error) {
	b, m, err := openGuided(cmd, ef, native.Options{AddSpecialTokens: true}, needTokenizer)
	if err != nil {
		return nil, nil, err
	}
	g, err := guided.New(b, scale, gopts)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return g, m, nil
}

// streamLine is generate's stdout: the streamed text or ids, ended by a
// newline when the generation finished or printed something, so that a
// failure before the first token leaves stdout empty.
type streamLine struct {
	w       io.Writer
	written bool
}

func (s *streamLine) Write(p []byte) (int, error) {
	s.written = s.written || len(p) > 0
	return s.w.Write(p)
}

func (s *streamLine) end(err error) {
	if err == nil || s.written {
		fmt.Fprintln(s.w)
	}
}

// idPrinter returns a token stream callback that prints the ids to w,
// separated by commas.
func idPrinter(w io.Writer) func(i, tok int) error {
	sep := ""
	return func(_ int, tok int) error {
		_, err := fmt.Fprint(w, sep+strconv.Itoa(tok))
		sep = ","
		return err
	}
}

func newGenerateCmd() *cobra.Command {
	var (
		ef        engineFlags
		sf        samplingFlags
		cf        cfgFlags
		prompt    string
		promptIDs string
		until     []string
		stops     []int
		asJSON    bool
	)
	var runGenerate func(cmd *cobra.Command) error
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Continue a prompt with the native engine, streaming text to stdout",
		Long: `generate continues --prompt (text, tokenized with the model's tokenizer and
its special tokens) and streams the new text to stdout, stopping at EOS, at
any --stop string or after --max-new-tokens. With --prompt-ids it works on
token ids and prints the new ids instead.

--cfg SCALE decodes with classifier-free guidance: every next-token
distribution is log P(w|c̄) + SCALE·(log P(w|c) − log P(w|c̄)), before the
sampling settings apply. The unconditional branch c̄ is the prompt's last
token unless --cfg-uncond empty (the prefix token alone) or
--negative-prompt TEXT (guide away from TEXT) says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !asJSON {
				return runGenerate(cmd)
			}
			// The generation streams to stdout; --json collects it and
			// prints one object instead.
			var buf bytes.Buffer
			stdout := cmd.OutOrStdout()
			cmd.SetOut(&buf)
			err := runGenerate(cmd)
			cmd.SetOut(stdout)
			if err != nil {
				return err
			}
			out := strings.TrimSuffix(buf.String(), "\n")
			res := map[string]any{"prompt": prompt, "text": out}
			if promptIDs != "" {
				ids, _ := parseIDs("--prompt-ids", promptIDs)
				gen := []int{}
				if out != "" {
					if gen, err = parseIDs("output", out); err != nil {
						return err
					}
				}
				res = map[string]any{"prompt_ids": ids, "ids": gen}
			}
			if cf.enabled(cmd) {
				res["cfg"] = cf.scale
			}
			return newJSONEncoder(stdout).Encode(res)
		},
	}
	runGenerate = func(cmd *cobra.Command) error {
		sampler, err := sf.validate()
		if err != nil {
			return err
		}
		gopts, err := cf.options(cmd, cf.enabled(cmd))
		if err != nil {
			return err
		}
		switch {
		case prompt != "" && promptIDs != "":
			return fmt.Errorf("--prompt and --prompt-ids: give one of them, not both")
		case prompt == "" && promptIDs == "":
			return fmt.Errorf("--prompt or --prompt-ids is required")
		case promptIDs != "" && cf.enabled(cmd):
			return generateGuidedIDs(cmd, &ef, cf.scale, gopts, sf.maxNew, sampler, promptIDs, stops)
		case promptIDs != "":
			return generateIDs(cmd, &ef, sf.maxNew, sampler, promptIDs, stops)
		case cf.enabled(cmd):
			return generateGuided(cmd, &ef, cf.scale, gopts, guided.GenerateOptions{MaxTokens: sf.maxNew, Until: until, Sampler: sampler}, prompt)
		}
		b, m, err := openNative(cmd.Context(), ef.model, ef.dtype, ef.bf16Act, cmd.ErrOrStderr(), native.Options{AddSpecialTokens: true})
		if err != nil {
			return err
		}
		defer m.Close()
		w := &streamLine{w: cmd.OutOrStdout()}
		_, err = b.Generate(cmd.Context(), []string{prompt}, native.GenerateOptions{MaxTokens: sf.forPrompt(cmd, b, prompt), Until: until, Sampler: sampler},
			func(_ int, text string) error {
				_, err := io.WriteString(w, text)
				return err
			})
		w.end(err)
		return err
	}
	ef.register(cmd)
	sf.register(cmd)
	cf.register(cmd)
	cmd.Flags().StringVar(&prompt, "prompt", "", "prompt text")
	cmd.Flags().StringVar(&promptIDs, "prompt-ids", "", "prompt token ids, comma-separated (prints token ids)")
	cmd.Flags().StringArrayVar(&until, "stop", nil, "text that ends generation, not printed (repeatable)")
	cmd.Flags().IntSliceVar(&stops, "stop-token", nil, "with --prompt-ids: extra token ids that end generation (the config's EOS always does)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"prompt", "text"} (or {"prompt_ids", "ids"}) as one JSON object instead of streaming`)
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
	w := &streamLine{w: cmd.OutOrStdout()}
	stopTokens := append(append([]int(nil), m.Config.EOS...), stops...)
	_, err = m.Generate(cmd.Context(), [][]int{ids}, &model.GenerateOptions{
		MaxNewTokens: maxNew,
		Sampler:      sampler,
		StopTokens:   stopTokens,
		Stream:       idPrinter(w),
	})
	w.end(err)
	return err
}

// generateGuided streams the guided continuation of a text prompt.
func generateGuided(cmd *cobra.Command, ef *engineFlags, scale float64, gopts *guided.Options, opts guided.GenerateOptions, prompt string) error {
	b, m, err := openGuided(cmd, ef, native.Options{AddSpecialTokens: true}, true)
	if err != nil {
		return err
	}
	defer m.Close()
	g, err := guided.New(b, scale, gopts)
	if err != nil {
		return err
	}
	if !cmd.Flags().Changed("max-new-tokens") {
		opts.MaxTokens = fitNewTokens(opts.MaxTokens, b, prompt)
	}
	w := &streamLine{w: cmd.OutOrStdout()}
	_, err = g.Generate(cmd.Context(), []string{prompt}, opts, func(_ int, text string) error {
		_, err := io.WriteString(w, text)
		return err
	})
	w.end(err)
	return err
}

// generateGuidedIDs is guided generate on token ids, printing the new ids.
func generateGuidedIDs(cmd *cobra.Command, ef *engineFlags, scale float64, gopts *guided.Options, maxNew int, sampler model.SamplerOptions, promptIDs string, stops []int) error {
	ids, err := parseIDs("--prompt-ids", promptIDs)
	if err != nil {
		return err
	}
	// A negative prompt is text; only then is the tokenizer needed.
	g, m, err := openGuidedGenerator(cmd, ef, scale, gopts, gopts.NegativePrompt != "")
	if err != nil {
		return err
	}
	defer m.Close()
	w := &streamLine{w: cmd.OutOrStdout()}
	_, err = g.GenerateTokens(cmd.Context(), [][]int{ids}, &guided.TokenOptions{
		MaxNewTokens: maxNew,
		Sampler:      sampler,
		StopTokens:   append(append([]int(nil), m.Config.EOS...), stops...),
		Stream:       idPrinter(w),
	})
	w.end(err)
	return err
}
