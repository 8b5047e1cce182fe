package cli

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/jinja"
	"github.com/fmkit/fmkit/nn/train"
	"github.com/fmkit/fmkit/nn/transformer"
)

// dpoFlags are `fmkit train dpo`'s own flags, beside the common ones.
type dpoFlags struct {
	ref            string
	beta           float64
	loss           string
	labelSmoothing float64
}

func newTrainDPOCmd() *cobra.Command {
	var f trainFlags
	var d dpoFlags
	cmd := &cobra.Command{
		Use:   "dpo",
		Short: "Fine-tune a model on preference pairs with Direct Preference Optimization",
		Long: `dpo fine-tunes a checkpoint (--init) on preference pairs with DPO, the
general trainer behind Direct Principle Feedback. --data is JSONL, one pair
per line, either as text

  {"prompt": "...", "chosen": "...", "rejected": "..."}

(the prompt tokenized with the tokenizer's special tokens, each response
without them and followed by EOS; a prompt given as a list of
{"role", "content"} messages is rendered with the model's chat template, and
responses may then be message lists too), or as token ids

  {"prompt_ids": [...], "chosen_ids": [...], "rejected_ids": [...]}.

Log-probabilities are summed over the response tokens only. The reference
model (--ref, default: the --init checkpoint itself) is frozen; its
log-probabilities are computed once before training. --loss sigmoid is the
DPO paper's -log σ(β·margin) (with --label-smoothing: conservative DPO), ipo
and hinge are IPO's and SLiC's. The log holds per step "loss",
"rewards_chosen", "rewards_rejected", "reward_accuracy" and "reward_margin"
as TRL reports them. Dropout is off unless --dropout is given, as TRL's
disable_dropout. --seq-len bounds prompt plus response: the prompt keeps its
end, then responses are cut.`,
		Example: `  fmkit train dpo --init ./pythia-70m --data prefs.jsonl --beta 0.1 --lr 5e-7 \
      --batch-size 8 --epochs 1 --warmup-steps 10 --out runs/dpf --log runs/dpf/log.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dropoutSet = cmd.Flags().Changed("dropout")
			return runTrainDPO(cmd, &f, &d)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.init, "init", "", "the checkpoint to fine-tune (a model directory, or hf:ORG/NAME)")
	fl.StringVar(&d.ref, "ref", "", "the frozen reference model (default: the --init checkpoint)")
	fl.StringVar(&f.data, "data", "", `JSONL preference pairs: "prompt", "chosen", "rejected" (text) or "prompt_ids", "chosen_ids", "rejected_ids"`)
	floatVar(fl, &d.beta, "beta", 0.1, "DPO's β: how far the policy may move from the reference")
	fl.StringVar(&d.loss, "loss", train.DPOSigmoid, "sigmoid (DPO), ipo or hinge")
	floatVar(fl, &d.labelSmoothing, "label-smoothing", 0, "the sigmoid loss's label smoothing ε (conservative DPO), in [0, 0.5)")
	fl.IntVar(&f.opts.SeqLen, "seq-len", 512, "most tokens of prompt plus response")
	fl.IntVar(&f.opts.BatchSize, "batch-size", 4, "preference pairs per micro-batch")
	floatVar(fl, &f.opts.LR, "lr", 1e-6, "peak learning rate (TRL's DPO default)")
	fl.BoolVar(&f.shuffle, "shuffle", true, "visit the pairs in a new random order each epoch; --shuffle=false keeps file order")
	f.registerCommon(cmd)
	return cmd
}

func runTrainDPO(cmd *cobra.Command, f *trainFlags, d *dpoFlags) error {
	stderr := cmd.ErrOrStderr()
	switch {
	case f.init == "":
		return fmt.Errorf("--init is required: the checkpoint to fine-tune")
	case f.data == "":
		return fmt.Errorf("--data is required: a JSONL file of preference pairs")
	case f.out == "":
		return fmt.Errorf("--out is required: the directory for checkpoints and the trained model")
	case !(d.beta > 0) || math.IsInf(d.beta, 0):
		return fmt.Errorf("--beta %v: expected a finite number > 0", d.beta)
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	m, configJSON, modelDir, err := f.loadModel(cmd.Context(), stderr)
	if err != nil {
		return err
	}
	var ref *transformer.Model[float32]
	if d.ref != "" {
		dir, err := resolveModelFlag(cmd.Context(), "--ref", d.ref, stderr)
		if err != nil {
			return err
		}
		if ref, _, err = transformer.Load[float32](dir); err != nil {
			return fmt.Errorf("--ref: %w", err)
		}
	}
	tok, tokFiles, err := f.loadTokenizer(modelDir)
	if err != nil {
		return err
	}
	popts := train.PreferenceOptions{Tokenizer: tok, EOS: -1, MaxLength: opts.SeqLen}
	if len(m.Config.EOS) > 0 {
		popts.EOS = m.Config.EOS[0]
	}
	if tok != nil && tok.ChatTemplate() != "" {
		cfg := tok.Config()
		if popts.Chat, err = jinja.NewChatTemplate(tok.ChatTemplate(), cfg.BOSToken, cfg.EOSToken); err != nil {
			return fmt.Errorf("the tokenizer's chat template: %w", err)
		}
	}
	data, err := train.ReadPreferences(f.data, popts)
	if err != nil {
		return err
	}
	dpo := &train.DPO{Model: m, Ref: ref, ConfigJSON: configJSON, Data: data, Options: opts, Beta: d.beta, Loss: d.loss,
		LabelSmoothing: d.labelSmoothing, Out: f.out, Extra: tokFiles}
	if err := dpo.Prepare(); err != nil {
		return err
	}
	header := fmt.Sprintf("DPO (%s, β %g) of %s (%.2fM parameters) on %s: %d pairs", d.loss, d.beta, m.Config.ModelType, float64(m.NumParams())/1e6, f.data, len(data.Pairs))
	return runTraining(cmd, f, &dpo.OnStep, dpo, header)
}
