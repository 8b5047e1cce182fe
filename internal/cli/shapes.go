package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/shapes"
)

func newShapesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shapes",
		Short: "Size transformer shapes for GPUs: GEMM efficiency, FLOPs, parameters, memory",
		Long: `shapes predicts how fast a transformer's shape runs on a GPU from how the GPU
tiles its matrix multiplications (tile and wave quantization, Tensor Core
alignment), checks the sizing guidelines of Anthony et al., "The Case for
Co-Designing Model Architectures with Hardware" (arXiv 2401.14489), proposes
faster shapes of about the same size, and counts FLOPs, parameters and
memory as the EleutherAI cookbook's calculators do.`,
	}
	cmd.AddCommand(
		newShapesAnalyzeCmd(),
		newShapesSweepCmd(),
		newShapesFLOPsCmd(),
		newShapesParamsCmd(),
		newShapesMemoryCmd(),
		newShapesBenchCmd(),
	)
	return cmd
}

// shapeFlags are the flags that describe a shape, shared by analyze, sweep
// and bench.
type shapeFlags struct {
	shape  shapes.Shape
	config string
}

func (f *shapeFlags) register(fs *pflag.FlagSet, defaults shapes.Shape) {
	f.shape = defaults
	fs.IntVar(&f.shape.Hidden, "hidden-size", defaults.Hidden, "hidden size h")
	fs.IntVar(&f.shape.Heads, "num-attention-heads", defaults.Heads, "attention (query) heads a")
	fs.IntVar(&f.shape.KVHeads, "kv-heads", defaults.KVHeads, "key/value heads for GQA or MQA (0: same as --num-attention-heads)")
	fs.IntVar(&f.shape.Layers, "num-layers", defaults.Layers, "transformer layers L")
	fs.IntVar(&f.shape.Vocab, "vocab-size", defaults.Vocab, "vocabulary size v")
	fs.IntVar(&f.shape.Seq, "sequence-length", defaults.Seq, "sequence length s")
	fs.IntVar(&f.shape.MicroBatch, "micro-batch", defaults.MicroBatch, "micro-batch b: sequences per GPU per step")
	fs.IntVar(&f.shape.TP, "tensor-parallel-size", defaults.TP, "tensor-parallel degree t")
	fs.IntVar(&f.shape.FFN, "ffn-hidden-size", defaults.FFN, "MLP intermediate size (0: 4h, or 8h/3 with --swiglu)")
	fs.BoolVar(&f.shape.SwiGLU, "swiglu", defaults.SwiGLU, "gated MLP with three matrices (Llama)")
	fs.BoolVar(&f.shape.TiedEmbeddings, "tied-embeddings", defaults.TiedEmbeddings, "input and output embeddings shared (parameter count only)")
	fs.BoolVar(&f.shape.LearnedPositions, "learned-positions", defaults.LearnedPositions, "learned position table of s·h parameters (GPT-2; parameter count only)")
	fs.StringVar(&f.config, "config", "", "Hugging Face config.json (gpt_neox, llama, mistral, qwen2, gpt2); flags given explicitly override it")
	fs.SetNormalizeFunc(shapesFlagName)
}

// shapesOldFlags maps the names analyze, sweep and bench had before the
// shapes commands shared one vocabulary (that of flops, params and memory,
// from the EleutherAI cookbook) to the current ones; they still work, out
// of --help.
var shapesOldFlags = map[string]string{
	"hidden": "hidden-size", "heads": "num-attention-heads", "layers": "num-layers", "vocab": "vocab-size",
	"seq": "sequence-length", "tp": "tensor-parallel-size", "ffn": "ffn-hidden-size",
}

// shapesFlagName is the flag-name normalizer of the shapes commands.
func shapesFlagName(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if to, ok := shapesOldFlags[name]; ok {
		name = to
	}
	return pflag.NormalizedName(name)
}

// dimFlag is the flag that sets a --vary dimension of shapes.Shape.
var dimFlag = map[string]string{
	"hidden": "hidden-size", "heads": "num-attention-heads", "kv-heads": "kv-heads", "layers": "num-layers",
	"vocab": "vocab-size", "seq": "sequence-length", "micro-batch": "micro-batch", "tp": "tensor-parallel-size",
	"ffn": "ffn-hidden-size",
}

// resolve returns the shape from --config (if any) overridden by the
// flags given explicitly. required lists flags that must be given when
// there is no config.
func (f *shapeFlags) resolve(fs *pflag.FlagSet, required ...string) (shapes.Shape, error) {
	// The library reads 0 as "the default" for these; a user who types
	// --tensor-parallel-size 0 means something else, so say so instead of
	// running with 1.
	for _, p := range []struct {
		name string
		v    int
	}{{"tensor-parallel-size", f.shape.TP}, {"micro-batch", f.shape.MicroBatch}} {
		if fs.Changed(p.name) && p.v <= 0 {
			return shapes.Shape{}, fmt.Errorf("--%s %d: expected a positive number", p.name, p.v)
		}
	}
	if f.config == "" {
		var missing []string
		for _, name := range required {
			if !fs.Changed(name) {
				missing = append(missing, "--"+name)
			}
		}
		if len(missing) > 0 {
			return shapes.Shape{}, fmt.Errorf("%s: required unless --config is given", strings.Join(missing, ", "))
		}
		return f.shape, nil
	}
	hf, err := readHFConfig(f.config)
	if err != nil {
		return shapes.Shape{}, err
	}
	s := hf.Shape
	override := []struct {
		name string
		dst  *int
		v    int
	}{
		{"hidden-size", &s.Hidden, f.shape.Hidden}, {"num-attention-heads", &s.Heads, f.shape.Heads}, {"kv-heads", &s.KVHeads, f.shape.KVHeads},
		{"num-layers", &s.Layers, f.shape.Layers}, {"vocab-size", &s.Vocab, f.shape.Vocab}, {"sequence-length", &s.Seq, f.shape.Seq},
		{"ffn-hidden-size", &s.FFN, f.shape.FFN},
	}
	for _, o := range override {
		if fs.Changed(o.name) {
			*o.dst = o.v
		}
	}
	if s.Seq == 0 { // the config has no context length
		s.Seq = f.shape.Seq
	}
	s.MicroBatch, s.TP = f.shape.MicroBatch, f.shape.TP
	if fs.Changed("swiglu") {
		s.SwiGLU = f.shape.SwiGLU
	}
	if fs.Changed("tied-embeddings") {
		s.TiedEmbeddings = f.shape.TiedEmbeddings
	}
	if fs.Changed("learned-positions") {
		s.LearnedPositions = f.shape.LearnedPositions
	}
	return s, nil
}

func readHFConfig(path string) (shapes.HFConfig, error) {
	file, err := os.Open(path)
	if err != nil {
		return shapes.HFConfig{}, fmt.Errorf("--config: %w", err)
	}
	defer file.Close()
	hf, err := shapes.ReadHFConfig(file)
	if err != nil {
		return shapes.HFConfig{}, fmt.Errorf("--config %s: %w", path, err)
	}
	return hf, nil
}

// gpuFlags pick a GPU and dtype from the built-in table or a user's.
type gpuFlags struct {
	gpu, gpuFile, dtype string
}

func (g *gpuFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.gpu, "gpu", "a100-80gb", "GPU from the table: a100-40gb, a100-80gb, h100-sxm, h100-pcie, h200, v100, a10, l4, l40s, rtx4090, mi250x, mi300x, or one in --gpu-file")
	fs.StringVar(&g.gpuFile, "gpu-file", "", "YAML GPU table whose entries replace or add to the built-in ones (same format as shapes/gpus.yaml)")
	fs.StringVar(&g.dtype, "dtype", "fp16", "operand type: fp16, bf16, fp8, tf32, fp32, fp64 or int8")
}

func (g *gpuFlags) machine() (shapes.GPU, shapes.Machine, error) {
	gpus := shapes.DefaultGPUs()
	if g.gpuFile != "" {
		f, err := os.Open(g.gpuFile)
		if err != nil {
			return shapes.GPU{}, shapes.Machine{}, fmt.Errorf("--gpu-file: %w", err)
		}
		defer f.Close()
		extra, err := shapes.ReadGPUs(f)
		if err != nil {
			return shapes.GPU{}, shapes.Machine{}, fmt.Errorf("--gpu-file %s: %w", g.gpuFile, err)
		}
		gpus = shapes.MergeGPUs(gpus, extra)
	}
	gpu, err := shapes.FindGPU(gpus, g.gpu)
	if err != nil {
		return shapes.GPU{}, shapes.Machine{}, fmt.Errorf("--gpu: %w", err)
	}
	if shapes.Dtype(g.dtype).Bytes() == 0 {
		return shapes.GPU{}, shapes.Machine{}, fmt.Errorf("--dtype %q: expected fp16, bf16, fp8, tf32, fp32, fp64 or int8", g.dtype)
	}
	m, err := gpu.Machine(shapes.Dtype(g.dtype))
	if err != nil {
		return shapes.GPU{}, shapes.Machine{}, fmt.Errorf("--dtype: %w", err)
	}
	return gpu, m, nil
}

func newShapesAnalyzeCmd() *cobra.Command {
	var (
		sf      shapeFlags
		gf      gpuFlags
		perKind int
		tol     float64
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Per-GEMM efficiency of a shape on a GPU, guideline checks and faster nearby shapes",
		Long: `analyze breaks one transformer layer (and the logits) into its GEMMs and
predicts each one's efficiency on the GPU: the tile cuBLAS would pick, tile
and wave quantization, and whether M, N and K meet the Tensor Core alignment.
It reports the layer's predicted throughput, checks the sizing guidelines of
arXiv 2401.14489, and ranks nearby shapes (head count, hidden size,
vocabulary padding, MLP width) within --tolerance of the parameter count.

The model is an idealised upper bound for comparing shapes: see
"go doc github.com/fmkit/fmkit/shapes".`,
		Example: `  fmkit shapes analyze --hidden-size 2560 --num-attention-heads 32 --num-layers 32 --vocab-size 50257 --gpu a100
  fmkit shapes analyze --config llama-2-7b/config.json --gpu h100-sxm --dtype bf16 --micro-batch 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sf.resolve(cmd.Flags(), "hidden-size", "num-attention-heads", "num-layers")
			if err != nil {
				return err
			}
			gpu, _, err := gf.machine()
			if err != nil {
				return err
			}
			if perKind < 0 || !(tol > 0 && tol < 1) {
				return fmt.Errorf("--alternatives %d --tolerance %g: expected a count >= 0 and a fraction in (0, 1)", perKind, tol)
			}
			opts := &shapes.AlternativesOptions{Tolerance: tol, PerKind: perKind, Off: perKind == 0}
			a, err := shapes.Analyze(cmd.Context(), s, gpu, shapes.Dtype(gf.dtype), opts)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), a)
			}
			printAnalysis(cmd.OutOrStdout(), a, tol)
			return nil
		},
	}
	sf.register(cmd.Flags(), shapes.Shape{Vocab: 51200, Seq: 2048, MicroBatch: 1, TP: 1})
	gf.register(cmd.Flags())
	cmd.Flags().IntVar(&perKind, "alternatives", 3, "alternatives kept per kind (heads, hidden, vocab, ffn); 0 for none")
	floatVar(cmd.Flags(), &tol, "tolerance", 0.02, "largest relative change in parameter count for an alternative")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the analysis as one JSON object")
	return cmd
}

func printAnalysis(w io.Writer, a *shapes.Analysis, tol float64) {
	s, m, p := a.Shape, a.Machine, a.Prediction
	mlp := "GELU MLP"
	if s.SwiGLU {
		mlp = "SwiGLU MLP"
	}
	fmt.Fprintf(w, "shape  h=%d a=%d (h/a=%d) kv=%d L=%d v=%d s=%d b=%d t=%d ffn=%d (%s), %s parameters\n",
		s.Hidden, s.Heads, s.HeadDim(), s.KVHeads, s.Layers, s.Vocab, s.Seq, s.MicroBatch, s.TP, s.FFN, mlp, siNumber(a.Params, ""))
	fmt.Fprintf(w, "gpu    %s: %d SMs, %g TFLOPS %s dense peak, Tensor Core alignment %d bytes\n\n",
		a.GPU, m.Units, m.PeakTFLOPS, a.Dtype, m.AlignBytes)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "gemm\tM\tN\tK\tbatch\tFLOPs\ttile\ttile eff\twave eff\tunaligned\tTFLOPS\ttime share\t")
	for _, r := range p.Rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%v\t%.3f\t%.3f\t%s\t%.1f\t%.1f%%\t\n",
			r.Name, r.M, r.N, r.K, r.Batch, siNumber(r.FLOPs, ""), r.Tile, r.TileEff, r.WaveEff,
			unaligned(r.Estimate), r.TFLOPS, 100*r.Share)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nlayer  predicted %.1f TFLOPS, %.1f%% of peak (forward GEMMs of one layer)\n", p.LayerTFLOPS, 100*p.LayerEfficiency)
	fmt.Fprintf(w, "model  predicted %.1f TFLOPS, %.1f%% of peak (all layers and the logits)\n\n", p.ModelTFLOPS, 100*p.ModelEfficiency)

	fmt.Fprintln(w, "guidelines (arXiv 2401.14489)")
	for _, c := range a.Guidelines {
		mark := "pass"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-48s %s\n", mark, c.Name, c.Detail)
	}
	if len(a.Alternatives) == 0 {
		return
	}
	fmt.Fprintf(w, "\nalternatives within ±%g%% of the parameters (within 1%% of the fastest: smallest change first)\n", 100*tol)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  change\tparams\tΔparams\tTFLOPS\tgain")
	for _, alt := range a.Alternatives {
		fmt.Fprintf(tw, "  %s\t%s\t%+.2f%%\t%.1f\t%+.1f%%\n", alt.Change, siNumber(alt.Params, ""), 100*alt.ParamsDelta, alt.ModelTFLOPS, 100*alt.Gain)
	}
	tw.Flush()
}

// unaligned lists the dimensions that miss the Tensor Core alignment, with
// the penalty, or "-".
func unaligned(e shapes.Estimate) string {
	var dims []string
	for _, d := range []struct {
		name string
		ok   bool
	}{{"M", e.AlignedM}, {"N", e.AlignedN}, {"K", e.AlignedK}} {
		if !d.ok {
			dims = append(dims, d.name)
		}
	}
	if len(dims) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s ×%.2f", strings.Join(dims, ","), e.AlignEff)
}

func newShapesSweepCmd() *cobra.Command {
	var (
		sf     shapeFlags
		gf     gpuFlags
		vary   string
		plotTo string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Predicted throughput against one dimension, as a table and a PNG plot",
		Long: `sweep predicts the forward pass's throughput for every value of one
dimension, holding the others, like the sawtooth figures of arXiv 2401.14489.
--vary takes dim=from:to[:step] with dim one of hidden, heads, kv-heads,
layers, vocab, seq, micro-batch, tp, ffn (the flags --hidden-size,
--num-attention-heads, --kv-heads, --num-layers, --vocab-size,
--sequence-length, --micro-batch, --tensor-parallel-size and
--ffn-hidden-size). Values that make no valid shape (hidden not divisible
by heads) are skipped and listed. A zero --ffn-hidden-size follows the
hidden size (4h, or 8h/3 with --swiglu).`,
		Example: `  fmkit shapes sweep --num-attention-heads 32 --num-layers 32 --vary hidden=2048:8192:32 --plot hidden.png
  fmkit shapes sweep --config config.json --gpu h100-sxm --vary ffn=10816:11072:4 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := shapes.ParseRange(vary)
			if err != nil {
				return fmt.Errorf("--vary: %w", err)
			}
			var required []string
			for _, dim := range []string{"hidden", "heads", "layers"} {
				if dim != r.Dim {
					required = append(required, dimFlag[dim])
				}
			}
			s, err := sf.resolve(cmd.Flags(), required...)
			if err != nil {
				return err
			}
			_, m, err := gf.machine()
			if err != nil {
				return err
			}
			res, err := shapes.Sweep(cmd.Context(), s, m, r)
			if err != nil {
				return err
			}
			if len(res.Points) == 0 {
				return fmt.Errorf("--vary %s: no value in the range makes a valid shape (%d skipped)", vary, len(res.Skipped))
			}
			if plotTo != "" {
				title := fmt.Sprintf("%s on %s (%s)", sweepTitle(s, r.Dim), m.Name, gf.dtype)
				if err := atomicfile.Write(plotTo, func(w io.Writer) error { return shapes.WritePlot(w, res, title) }); err != nil {
					return fmt.Errorf("--plot: %w", err)
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			printSweep(cmd.OutOrStdout(), res)
			if plotTo != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "\nplot written to %s\n", plotTo)
			}
			return nil
		},
	}
	sf.register(cmd.Flags(), shapes.Shape{Vocab: 51200, Seq: 2048, MicroBatch: 1, TP: 1})
	gf.register(cmd.Flags())
	cmd.Flags().StringVar(&vary, "vary", "", "dimension and range, e.g. hidden=2048:4096:64 (required)")
	cmd.Flags().StringVar(&plotTo, "plot", "", "write a PNG plot to this file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sweep as one JSON object")
	_ = cmd.MarkFlagRequired("vary")
	return cmd
}

func sweepTitle(s shapes.Shape, dim string) string {
	parts := []string{}
	add := func(name string, v int) {
		if name != dim && v != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", name, v))
		}
	}
	add("hidden", s.Hidden)
	add("heads", s.Heads)
	add("seq", s.Seq)
	add("micro-batch", s.MicroBatch)
	add("tp", s.TP)
	return strings.Join(parts, " ")
}

func printSweep(w io.Writer, r *shapes.SweepResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tmodel TFLOPS\tlayer TFLOPS\tof peak\t", r.Range.Dim)
	for _, n := range r.GEMMNames {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	for _, p := range r.Points {
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%.1f%%\t", p.Value, p.ModelTFLOPS, p.LayerTFLOPS, 100*p.LayerEfficiency)
		for _, g := range p.GEMMTFLOPS {
			fmt.Fprintf(tw, "%.1f\t", g)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "\nskipped %d values that make no valid shape (first: %d)\n", len(r.Skipped), r.Skipped[0])
	}
}

// siNumber prints n with an SI suffix as the cookbook does (K, M, B, T, …,
// base 1000, two decimals), followed by unit.
func siNumber(n float64, unit string) string {
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return fmt.Sprintf("%g%s", n, unit)
	}
	names := []string{"", "K", "M", "B", "T", "P", "E", "Z", "Y"}
	i := int(math.Floor(math.Log(math.Abs(n)) / math.Log(1000)))
	i = max(0, min(i, len(names)-1))
	return fmt.Sprintf("%.2f %s%s", n/math.Pow(1000, float64(i)), names[i], unit)
}
