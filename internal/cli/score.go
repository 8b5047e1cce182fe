package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/guided"
	"github.com/fmkit/fmkit/lm/native"
)

type scoreResult struct {
	LogProb             float64 `json:"logprob"`
	IsGreedy            bool    `json:"is_greedy"`
	ContextTokens       int     `json:"context_tokens"`
	ContinuationTokens  int     `json:"continuation_tokens"`
	MeanLogProbPerToken float64 `json:"mean_logprob_per_token"`
	// Guidance is set for a guided score (--cfg).
	Guidance *scoreGuidance `json:"guidance,omitempty"`
}

// scoreGuidance says how a guided score was computed.
type scoreGuidance struct {
	Scale          float64 `json:"scale"`
	Uncond         string  `json:"uncond"`
	NegativePrompt string  `json:"negative_prompt,omitempty"`
}

func newScoreCmd() *cobra.Command {
	var (
		ef          engineFlags
		cf          cfgFlags
		context     string
		cont        string
		contextIDs  string
		contIDs     string
		asJSON      bool
		prefixToken int
	)
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Log-probability of a continuation after a context (lm-evaluation-harness loglikelihood)",
		Long: `score prints the summed log-probability of the continuation's tokens after the
context and whether greedy decoding would have produced them, as
lm-evaluation-harness's loglikelihood request computes them.

With --cfg SCALE the score is guided (classifier-free guidance): each
continuation token's log-probability is log P(w|c̄) + SCALE·(log P(w|c) −
log P(w|c̄)), summed, and "greedy" refers to greedy guided decoding. The
unconditional branch c̄ is the context's last token unless --cfg-uncond
empty or --negative-prompt TEXT says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r scoreResult
			gopts, err := cf.options(cmd, cf.enabled(cmd))
			if err != nil {
				return err
			}
			switch {
			case (cont != "" || context != "") && (contIDs != "" || contextIDs != ""):
				return fmt.Errorf("give text (--context, --continuation) or ids (--context-ids, --continuation-ids), not both")
			case context != "" && cont == "":
				return fmt.Errorf("--continuation is required with --context")
			case cf.enabled(cmd):
				r, err = scoreGuided(cmd, &ef, cf.scale, gopts, context, cont, contextIDs, contIDs, prefixToken)
			case cont != "":
				r, err = scoreText(cmd, &ef, context, cont)
			default:
				r, err = scoreIDs(cmd, &ef, contextIDs, contIDs, prefixToken)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(r)
			}
			fmt.Fprintf(w, "%-22s %.6f\n%-22s %v\n%-22s %d\n%-22s %d\n%-22s %.6f\n",
				"log-probability", r.LogProb, "greedy", r.IsGreedy, "context tokens", r.ContextTokens,
				"continuation tokens", r.ContinuationTokens, "mean per token", r.MeanLogProbPerToken)
			if g := r.Guidance; g != nil {
				fmt.Fprintf(w, "%-22s γ = %g, unconditional branch %s\n", "guidance", g.Scale, g.Uncond)
			}
			return nil
		},
	}
	ef.register(cmd)
	cf.register(cmd)
	cmd.Flags().StringVar(&context, "context", "", "context text")
	cmd.Flags().StringVar(&cont, "continuation", "", "continuation text (scored with lm-evaluation-harness's tokenization)")
	cmd.Flags().StringVar(&contextIDs, "context-ids", "", "context token ids, comma-separated (empty: the prefix token)")
	cmd.Flags().StringVar(&contIDs, "continuation-ids", "", "continuation token ids, comma-separated")
	cmd.Flags().IntVar(&prefixToken, "prefix-token", -1, "token to condition on when the context is empty (negative: BOS, else EOS)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// scoreText scores text with the harness's conventions: context and
// continuation tokenized together and split at the context boundary.
func scoreText(cmd *cobra.Command, ef *engineFlags, context, cont string) (scoreResult, error) {
	b, m, err := openNative(cmd.Context(), ef.model, ef.dtype, ef.bf16Act, cmd.ErrOrStderr(), native.Options{})
	if err != nil {
		return scoreResult{}, err
	}
	defer m.Close()
	res, err := b.Loglikelihood(cmd.Context(), []lm.LoglikelihoodRequest{{Context: context, Continuation: cont}}, nil)
	if err != nil {
		return scoreResult{}, err
	}
	ctxTokens, contTokens := b.EncodePair(context, cont)
	return newScoreResult(res[0], len(ctxTokens), len(contTokens)), nil
}

func newScoreResult(res lm.LoglikelihoodResult, nctx, ncont int) scoreResult {
	return scoreResult{LogProb: res.LogProb, IsGreedy: res.IsGreedy, ContextTokens: nctx,
		ContinuationTokens: ncont, MeanLogProbPerToken: res.LogProb / float64(max(ncont, 1))}
}

func scoreIDs(cmd *cobra.Command, ef *engineFlags, contextIDs, contIDs string, prefixToken int) (scoreResult, error) {
	cont, err := parseIDs("--continuation-ids", contIDs)
	if err != nil {
		return scoreResult{}, err
	}
	var ctxIDs []int
	if contextIDs != "" {
		if ctxIDs, err = parseIDs("--context-ids", contextIDs); err != nil {
			return scoreResult{}, err
		}
	}
	m, err := ef.load(cmd)
	if err != nil {
		return scoreResult{}, err
	}
	defer m.Close()
	if len(ctxIDs) == 0 {
		p := prefixToken
		if p < 0 {
			p = m.Config.BOS
		}
		if p < 0 && len(m.Config.EOS) > 0 {
			p = m.Config.EOS[0]
		}
		if p < 0 {
			return scoreResult{}, fmt.Errorf("no --context-ids, and the config has no bos_token_id or eos_token_id to condition on; give --prefix-token")
		}
		ctxIDs = []int{p}
	}
	b, err := native.New(m, nil, &native.Options{PrefixToken: prefixTokenOption(prefixToken)})
	if err != nil {
		return scoreResult{}, err
	}
	res, err := b.LoglikelihoodTokens(cmd.Context(), []native.TokenRequest{{Context: ctxIDs, Continuation: cont}}, nil)
	if err != nil {
		return scoreResult{}, err
	}
	return newScoreResult(res[0], len(ctxIDs), len(cont)), nil
}

// scoreGuided scores text or ids with classifier-free guidance.
func scoreGuided(cmd *cobra.Command, ef *engineFlags, scale float64, gopts *guided.Options, context, cont, contextIDs, contIDs string, prefixToken int) (scoreResult, error) {
	text := cont != ""
	var cids, kids []int
	if !text {
		var err error
		if kids, err = parseIDs("--continuation-ids", contIDs); err != nil {
			return scoreResult{}, err
		}
		if contextIDs != "" {
			if cids, err = parseIDs("--context-ids", contextIDs); err != nil {
				return scoreResult{}, err
			}
		}
	}
	b, m, err := openGuided(cmd, ef, native.Options{PrefixToken: prefixTokenOption(prefixToken)}, text || gopts.NegativePrompt != "")
	if err != nil {
		return scoreResult{}, err
	}
	defer m.Close()
	g, err := guided.New(b, scale, gopts)
	if err != nil {
		return scoreResult{}, err
	}
	var res []lm.LoglikelihoodResult
	if text {
		res, err = g.Loglikelihood(cmd.Context(), []lm.LoglikelihoodRequest{{Context: context, Continuation: cont}}, nil)
		cids, kids = b.EncodePair(context, cont)
	} else {
		if len(cids) == 0 {
			cids = []int{b.PrefixToken()}
		}
		res, err = g.LoglikelihoodTokens(cmd.Context(), []guided.TokenRequest{{Context: cids, Continuation: kids}}, nil)
	}
	if err != nil {
		return scoreResult{}, err
	}
	r := newScoreResult(res[0], len(cids), len(kids))
	r.Guidance = &scoreGuidance{Scale: scale, Uncond: string(g.Uncond()), NegativePrompt: gopts.NegativePrompt}
	return r, nil
}
