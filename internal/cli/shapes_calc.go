package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/shapes"
)

// The flops, params and memory commands take the options of the EleutherAI
// cookbook's calc_transformer_flops.py, calc_transformer_params.py and
// calc_transformer_mem.py under the same long names and with the same
// defaults (each script has its own: num-experts defaults to 128 for FLOPs
// and 8 for parameters). Single-letter short forms are kept where the
// scripts have them (-v, -s, -l, ...); the scripts' multi-letter ones (-hs,
// -kv, -ff) cannot be, as flags here take one letter.

const configHelp = "Hugging Face config.json (gpt_neox, llama, mistral, qwen2, gpt2) filling the model options not given as flags"

type calcResult struct {
	Options any `json:"options"`
	Result  any `json:"result"`
}

// changed reports whether a flag was given on the command line.
func changed(fs *pflag.FlagSet, name string) bool { return fs.Changed(name) }

func newShapesFLOPsCmd() *cobra.Command {
	o := shapes.DefaultFLOPsOptions()
	var (
		noCheckpoint bool
		config       string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "flops",
		Short: "FLOPs to train or run a transformer (the cookbook's calc_transformer_flops.py)",
		Long: `flops counts the FLOPs to process --tokens tokens, as the EleutherAI cookbook's
calc_transformer_flops.py does, with its options and defaults: training
counts the forward pass and two gradients (factor 3), plus one recomputed
forward pass with activation checkpointing (on by default; factor 4);
--infer counts one forward pass. The embeddings are counted once, without
the factor, as in the script.

--ffn-hidden-size sets the MLP width directly; the script accepts it but
ignores it in its arithmetic, fmkit uses it.`,
		Example: `  fmkit shapes flops --num-layers 96 --hidden-size 12288
  fmkit shapes flops --config config.json --tokens 2e12 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			o.CheckpointActivations = !noCheckpoint
			if config != "" {
				hf, err := readHFConfig(config)
				if err != nil {
					return err
				}
				countFields{vocab: &o.VocabSize, hidden: &o.HiddenSize, layers: &o.NumLayers, seq: &o.SequenceLength,
					mlpLinears: &o.NumMLPLinears, ffnHidden: &o.FFNHiddenSize, kvRatio: &o.KVSizeRatio}.fromConfig(fs, hf.Shape)
			}
			r, err := o.Count()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), calcResult{o, r})
			}
			rows := [][2]any{
				{"QKV", r.QKV}, {"attention matrix", r.AttentionMatrix}, {"attention over values", r.AttentionOverValues},
				{"linear projection", r.LinearProjection}, {"FFN", r.FFN}, {"embedding", r.Embedding},
			}
			if o.MoE {
				rows = append(rows, [2]any{"gating", r.Gating})
			}
			rows = append(rows, [2]any{"total", r.Total})
			fmt.Fprintf(cmd.OutOrStdout(), "FLOPs for %g tokens (iteration factor %d)\n", o.Tokens, r.IterFactor)
			printCountTable(cmd.OutOrStdout(), rows, "FLOPs")
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVarP(&o.VocabSize, "vocab-size", "v", o.VocabSize, "size of the vocabulary")
	fs.IntVar(&o.HiddenSize, "hidden-size", o.HiddenSize, "the model's hidden size")
	fs.IntVarP(&o.SequenceLength, "sequence-length", "s", o.SequenceLength, "sequence length used for training")
	fs.IntVarP(&o.NumLayers, "num-layers", "l", o.NumLayers, "number of transformer layers")
	floatVar(fs, &o.KVSizeRatio, "kv-size-ratio", o.KVSizeRatio, "ratio of kv heads to query heads (1.0 for MHA)")
	fs.BoolVar(&o.MoE, "moe", o.MoE, "the model is a mixture of experts")
	fs.IntVarP(&o.NumExperts, "num-experts", "e", o.NumExperts, "number of experts for MoE")
	fs.IntVar(&o.ExpertInterval, "expert-interval", o.ExpertInterval, "one MoE layer every this many layers")
	fs.IntVarP(&o.TopK, "topk", "t", o.TopK, "top-k routing for MoE")
	fs.IntVarP(&o.BatchSize, "batch-size", "b", o.BatchSize, "global batch size in samples (accepted; FLOPs follow --tokens)")
	floatVar(fs, &o.Tokens, "tokens", o.Tokens, "number of tokens to train (or run) over")
	fs.BoolVar(&noCheckpoint, "no-checkpoint-activations", false, "no Megatron-style activation checkpointing (no recomputed forward pass)")
	fs.IntVar(&o.FFNExpansionFactor, "ffn-expansion-factor", o.FFNExpansionFactor, "MLP width as an integer multiple of the hidden size")
	fs.IntVar(&o.FFNHiddenSize, "ffn-hidden-size", 0, "MLP width, instead of --ffn-expansion-factor")
	fs.IntVar(&o.NumMLPLinears, "num-mlp-linears", o.NumMLPLinears, "linear layers per MLP block (3 for SwiGLU or GEGLU)")
	fs.BoolVarP(&o.Infer, "infer", "i", o.Infer, "inference only: one forward pass, no backward")
	fs.StringVar(&config, "config", "", configHelp)
	fs.SetNormalizeFunc(shapesFlagName)
	fs.BoolVar(&asJSON, "json", false, `print {"options", "result"} as JSON`)
	return cmd
}

func newShapesParamsCmd() *cobra.Command {
	o := shapes.DefaultParamsOptions()
	var (
		config string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "params",
		Short: "Parameter count of a transformer (the cookbook's calc_transformer_params.py)",
		Long: `params counts parameters as the EleutherAI cookbook's calc_transformer_params.py
does, with its options and defaults: embeddings (2hv, or hv tied), a learned
position table h·s (as the script always counts; --no-learned-positions drops
it for rotary models), attention 2(1+kv)·L·h², norms 8Lh+2h and the MLP
nl·ff·L·h², with experts and gating for MoE.`,
		Example: `  fmkit shapes params --num-layers 96 --hidden-size 12288
  fmkit shapes params --config config.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			if config != "" {
				hf, err := readHFConfig(config)
				if err != nil {
					return err
				}
				s := hf.Shape
				countFields{vocab: &o.VocabSize, hidden: &o.HiddenSize, layers: &o.NumLayers, seq: &o.SequenceLength,
					mlpLinears: &o.NumMLPLinears, ffnHidden: &o.FFNHiddenSize, kvRatio: &o.KVSizeRatio}.fromConfig(fs, s)
				if !changed(fs, "tied-embeddings") {
					o.TiedEmbeddings = s.TiedEmbeddings
				}
				if !changed(fs, "no-learned-positions") {
					o.NoLearnedPositions = !s.LearnedPositions
				}
			}
			if err := o.Validate(); err != nil {
				return err
			}
			r := o.Count()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), calcResult{o, r})
			}
			rows := [][2]any{{"embedding", r.Embedding}, {"position embedding", r.Position}, {"attention", r.Attention},
				{"layernorm", r.LayerNorm}, {"FFN", r.FFN}}
			if o.MoE {
				rows = append(rows, [2]any{"gating", r.Gating})
			}
			rows = append(rows, [2]any{"total", r.Total})
			printCountTable(cmd.OutOrStdout(), rows, "")
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVarP(&o.VocabSize, "vocab-size", "v", o.VocabSize, "size of the vocabulary")
	fs.BoolVar(&o.TiedEmbeddings, "tied-embeddings", o.TiedEmbeddings, "input and output embeddings are shared")
	fs.IntVar(&o.HiddenSize, "hidden-size", o.HiddenSize, "the model's hidden size")
	fs.IntVarP(&o.SequenceLength, "sequence-length", "s", o.SequenceLength, "sequence length (sizes the learned position table)")
	fs.IntVarP(&o.NumLayers, "num-layers", "l", o.NumLayers, "number of transformer layers")
	fs.BoolVar(&o.MoE, "moe", o.MoE, "the model is a mixture of experts")
	fs.IntVarP(&o.NumExperts, "num-experts", "e", o.NumExperts, "number of experts for MoE")
	fs.IntVar(&o.ExpertInterval, "expert-interval", o.ExpertInterval, "one MoE layer every this many layers")
	fs.IntVarP(&o.TopK, "topk", "t", o.TopK, "top-k routing for MoE (no parameter depends on it)")
	fs.IntVar(&o.FFNExpansionFactor, "ffn-expansion-factor", o.FFNExpansionFactor, "MLP width as an integer multiple of the hidden size")
	fs.IntVar(&o.FFNHiddenSize, "ffn-hidden-size", 0, "MLP width, instead of --ffn-expansion-factor (fmkit)")
	fs.IntVar(&o.NumMLPLinears, "num-mlp-linears", o.NumMLPLinears, "linear layers per MLP block (3 for SwiGLU)")
	floatVar(fs, &o.KVSizeRatio, "kv-size-ratio", o.KVSizeRatio, "fraction of query heads that are key/value heads")
	fs.BoolVar(&o.NoLearnedPositions, "no-learned-positions", false, "no learned position table, as with rotary embeddings (fmkit)")
	fs.StringVar(&config, "config", "", configHelp)
	fs.SetNormalizeFunc(shapesFlagName)
	fs.BoolVar(&asJSON, "json", false, `print {"options", "result"} as JSON`)
	return cmd
}

func newShapesMemoryCmd() *cobra.Command {
	o := shapes.DefaultMemoryOptions()
	var (
		disableMixed bool
		config       string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "GPU memory to train or serve a transformer (the cookbook's calc_transformer_mem.py)",
		Long: `memory estimates per-GPU and per-replica memory as the EleutherAI cookbook's
calc_transformer_mem.py does, with its options and defaults: weights,
gradients, optimizer states (AdamW 12 bytes per parameter, Muon and SGD with
momentum 8), ZeRO stages 1-3, DeepSpeed communication buffers, activations
with and without checkpointing (Korthikanti et al., s·b·h·L·(34 + 5as/h)
bytes in fp16 without), and tensor, pipeline and expert parallel splits.

KV cache (with --infer): fmkit computes 2·b·(s+o)·L·kv_heads·head_dim·bytes
per replica, keys and values for every kv head, divided by tp·pp per GPU.
The cookbook's formula, h·L·(s+o)·b·bytes per GPU, omits the factor 2 for
keys and values and ignores --kv-size-ratio; its figures are shown beside
fmkit's, and the totals use fmkit's.

--config replaces the script's --hf_model_name_or_path with a local
config.json; unlike the script it also takes the kv-head ratio and, for
SwiGLU models, the three MLP matrices from the config.`,
		Example: `  fmkit shapes memory --num-layers 32 --hidden-size 4096 --num-attention-heads 32 --micro-batch 8 \
      --checkpoint-activations --zero-stage 1 --partition-activations --tensor-parallel-size 2 --num-gpus 128
  fmkit shapes memory --config config.json --infer --output-tokens 512 --micro-batch 16`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			if fs.Changed("batch-size-per-gpu") {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: --batch-size-per-gpu (-b) is now --micro-batch, as in shapes analyze; -b is the global batch size of shapes flops")
			}
			o.MixedPrecision = !disableMixed
			if config != "" {
				hf, err := readHFConfig(config)
				if err != nil {
					return err
				}
				s := hf.Shape
				setInt(fs, "num-layers", &o.NumLayers, s.Layers)
				setInt(fs, "num-attention-heads", &o.NumAttentionHeads, s.Heads)
				setInt(fs, "hidden-size", &o.HiddenSize, s.Hidden)
				setInt(fs, "vocab-size", &o.VocabSize, s.Vocab)
				setInt(fs, "sequence-length", &o.SequenceLength, s.Seq)
				setInt(fs, "num-mlp-linears", &o.NumMLPLinears, s.MLPMatrices())
				if !changed(fs, "ffn-expansion-factor") {
					o.FFNExpansionFactor = float64(s.FFN) / float64(o.HiddenSize)
				}
				if !changed(fs, "kv-size-ratio") {
					o.KVSizeRatio = float64(s.KVHeads) / float64(s.Heads)
				}
			}
			m, err := o.Estimate()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), calcResult{o, m})
			}
			printMemory(cmd.OutOrStdout(), o, m)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.NumGPUs, "num-gpus", o.NumGPUs, "number of GPUs")
	fs.IntVar(&o.TensorParallelSize, "tensor-parallel-size", o.TensorParallelSize, "tensor-parallel degree (1 if not used)")
	fs.IntVar(&o.PipelineParallelSize, "pipeline-parallel-size", o.PipelineParallelSize, "pipeline-parallel degree (1 if not used)")
	fs.BoolVar(&o.PartitionActivations, "partition-activations", o.PartitionActivations, "ZeRO-R partitions activations across the tensor-parallel ranks")
	fs.IntVarP(&o.ZeroStage, "zero-stage", "z", o.ZeroStage, "ZeRO stage: 0, 1, 2 or 3")
	floatVar(fs, &o.ZeroAllgatherBucketSize, "zero-allgather-bucket-size", o.ZeroAllgatherBucketSize, "size of ZeRO's allgather buckets, in elements")
	floatVar(fs, &o.Zero3MaxLiveParams, "zero3-max-live-params", o.Zero3MaxLiveParams, "most parameters ZeRO-3 keeps on a GPU")
	fs.BoolVar(&o.CheckpointActivations, "checkpoint-activations", o.CheckpointActivations, "Megatron-style activation checkpointing")
	fs.IntVar(&o.BatchSizePerGPU, "micro-batch", o.BatchSizePerGPU, "micro-batch: sequences per GPU per step")
	// The cookbook's name, and its -b, which is the global batch size in
	// shapes flops: they still work, out of --help, with a note.
	fs.IntVarP(&o.BatchSizePerGPU, "batch-size-per-gpu", "b", o.BatchSizePerGPU, "")
	_ = fs.MarkHidden("batch-size-per-gpu")
	fs.IntVarP(&o.SequenceLength, "sequence-length", "s", o.SequenceLength, "sequence length")
	fs.IntVarP(&o.VocabSize, "vocab-size", "v", o.VocabSize, "tokens in the embedding layer")
	fs.IntVar(&o.HiddenSize, "hidden-size", o.HiddenSize, "the model's hidden size")
	fs.IntVarP(&o.NumAttentionHeads, "num-attention-heads", "a", o.NumAttentionHeads, "number of attention heads")
	fs.IntVarP(&o.NumLayers, "num-layers", "l", o.NumLayers, "number of transformer layers")
	floatVar(fs, &o.FFNExpansionFactor, "ffn-expansion-factor", o.FFNExpansionFactor, "MLP width as a multiple of the hidden size (may be fractional, 3.5 for Llama)")
	fs.IntVar(&o.NumMLPLinears, "num-mlp-linears", o.NumMLPLinears, "linear layers per MLP block")
	fs.BoolVar(&o.Infer, "infer", o.Infer, "inference instead of training")
	floatVar(fs, &o.KVSizeRatio, "kv-size-ratio", o.KVSizeRatio, "kv heads / query heads: 1.0 for MHA, 1/heads for MQA")
	fs.IntVarP(&o.OutputTokens, "output-tokens", "o", o.OutputTokens, "tokens generated after the prompt (inference)")
	fs.BoolVar(&disableMixed, "disable-mixed-precision", false, "keep weights in high precision")
	fs.IntVar(&o.HighPrecBytesPerVal, "high-prec-bytes-per-val", o.HighPrecBytesPerVal, "bytes per high-precision value")
	fs.IntVar(&o.LowPrecBytesPerVal, "low-prec-bytes-per-val", o.LowPrecBytesPerVal, "bytes per low-precision value (weights, activations, KV cache)")
	fs.IntVar(&o.BytesPerGradEle, "bytes-per-grad-ele", o.BytesPerGradEle, "bytes per gradient element")
	fs.StringVar(&o.Optimizer, "optimizer", o.Optimizer, "optimizer: adamw, muon or sgd_momentum")
	fs.IntVar(&o.NumExperts, "num-experts", o.NumExperts, "number of experts (0: dense)")
	fs.IntVar(&o.ExpertParallelism, "expert-parallelism", o.ExpertParallelism, "ranks the experts are sharded across")
	floatVar(fs, &o.MiscMemGiB, "misc-mem-gib", o.MiscMemGiB, "framework and library overhead per GPU, in GiB")
	fs.StringVar(&config, "config", "", configHelp)
	fs.SetNormalizeFunc(shapesFlagName)
	fs.BoolVar(&asJSON, "json", false, `print {"options", "result"} as JSON (bytes, and GiB where named)`)
	return cmd
}

// countFields are the options that flops and params share, which --config
// fills where their flags were not given.
type countFields struct {
	vocab, hidden, layers, seq, mlpLinears, ffnHidden *int
	kvRatio                                           *float64
}

func (f countFields) fromConfig(fs *pflag.FlagSet, s shapes.Shape) {
	setInt(fs, "vocab-size", f.vocab, s.Vocab)
	setInt(fs, "hidden-size", f.hidden, s.Hidden)
	setInt(fs, "num-layers", f.layers, s.Layers)
	setInt(fs, "sequence-length", f.seq, s.Seq)
	setInt(fs, "num-mlp-linears", f.mlpLinears, s.MLPMatrices())
	if !changed(fs, "ffn-hidden-size") && !changed(fs, "ffn-expansion-factor") {
		*f.ffnHidden = s.FFN
	}
	if !changed(fs, "kv-size-ratio") {
		*f.kvRatio = float64(s.KVHeads) / float64(s.Heads)
	}
}

func setInt(fs *pflag.FlagSet, name string, dst *int, v int) {
	if !fs.Changed(name) && v != 0 {
		*dst = v
	}
}

func printCountTable(w io.Writer, rows [][2]any, unit string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range rows {
		v := r[1].(float64)
		exact := fmt.Sprintf("%.0f", v)
		if v >= 1e15 { // beyond float64's exact integers: don't print noise digits
			exact = fmt.Sprintf("%.6e", v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", r[0], exact, siNumber(v, unit))
	}
	tw.Flush()
}

func printMemory(w io.Writer, o shapes.MemoryOptions, m shapes.Memory) {
	fmt.Fprintf(w, "parameters  %s", siNumber(m.Params, ""))
	if o.NumExperts > 0 {
		fmt.Fprintf(w, " (%s with every expert)", siNumber(m.MoEParams, ""))
	}
	fmt.Fprintln(w)
	gib := func(b float64) string { return fmt.Sprintf("%.2f GiB", b/shapes.GiB) }
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tper GPU\treplica\t")
	fmt.Fprintf(tw, "activations\t%s\t%s\t\n", gib(m.PerGPUActivation), gib(m.Activation))
	fmt.Fprintf(tw, "weights\t%s\t%s\t\n", gib(m.PerGPUModel), gib(m.Model))
	if o.Infer {
		fmt.Fprintf(tw, "KV cache\t%s\t%s\t\n", gib(m.PerGPUKVCache), gib(m.KVCache))
		fmt.Fprintf(tw, "(cookbook's KV cache)\t%s\t%s\t\n", gib(m.CookbookPerGPUKVCache), gib(m.CookbookKVCache))
	} else {
		fmt.Fprintf(tw, "gradients\t%s\t%s\t\n", gib(m.PerGPUGradient), gib(m.Gradient))
		fmt.Fprintf(tw, "optimizer (%s)\t%s\t%s\t\n", o.Optimizer, gib(m.PerGPUOptimizer), gib(m.Optimizer))
		fmt.Fprintf(tw, "communication\t%s\t\t\n", gib(m.PerGPUCommunication))
	}
	fmt.Fprintf(tw, "miscellaneous\t%.2f GiB\t%.2f GiB\t\n", o.MiscMemGiB, o.MiscMemGiB*float64(o.NumGPUs))
	fmt.Fprintf(tw, "total\t%.2f GiB\t%.2f GiB\t\n", m.PerGPUTotalGiB, m.ReplicaTotalGiB)
	tw.Flush()
}
