package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/shapes"
)

func newShapesBenchCmd() *cobra.Command {
	var (
		sf      shapeFlags
		tile    string
		minTime time.Duration
		calib   int
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run a layer's GEMMs on this CPU with fmkit's kernels, measured against predicted",
		Long: `bench runs the forward GEMMs of one layer of the shape, and its logits, with
fmkit's own float32 GEMM (tensor.Gemm) on this CPU, and prints each one's
measured speed beside the prediction of the same quantization model applied
to the CPU: one unit per core (GOMAXPROCS), a fixed cache-block tile
(--cpu-tile) in place of cuBLAS's tiles, and a peak calibrated on a square
GEMM. The CPU model is illustrative, a way to see tile and wave effects
without a GPU, not a performance model of this CPU.

The defaults are a small shape with visible quantization (160 rows fill
2.5 tiles of 64) that runs in seconds with a fast GEMM.`,
		Example: `  fmkit shapes bench
  fmkit shapes bench --hidden-size 768 --num-attention-heads 12 --sequence-length 512 --cpu-tile 48x48 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := parseTile(tile)
			if err != nil {
				return err
			}
			if minTime <= 0 || calib <= 0 {
				return fmt.Errorf("--min-time %v --calibration-size %d: expected positive values", minTime, calib)
			}
			s, err := sf.resolve(cmd.Flags())
			if err != nil {
				return err
			}
			errw := cmd.ErrOrStderr()
			progress := func(done, total int, name string) {
				if !asJSON {
					fmt.Fprintf(errw, "\r[%d/%d] %-12s", done+1, total, name)
				}
			}
			rep, err := shapes.Bench(cmd.Context(), s, &shapes.BenchOptions{MinTime: minTime, Tile: t, CalibrationSize: calib}, progress)
			if !asJSON {
				fmt.Fprint(errw, "\r\033[K")
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			w := cmd.OutOrStdout()
			m := rep.Machine
			fmt.Fprintf(w, "cpu model: %d units (GOMAXPROCS), tile %v, calibration %d³ GEMM at %.1f GFLOP/s\n\n",
				m.Units, m.Tiles[0], calib, rep.CalibrationGFLOPS)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "gemm\tM\tN\tK\tbatch\tblocks\twaves\ttile eff\twave eff\tmeasured GFLOP/s\tpredicted GFLOP/s\tmeasured/predicted\t")
			for _, r := range rep.Rows {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t\n",
					r.Name, r.M, r.N, r.K, r.Batch, r.Blocks, r.Waves, r.TileEff, r.WaveEff,
					r.MeasuredGFLOPS, r.PredictedGFLOPS, r.MeasuredGFLOPS/r.PredictedGFLOPS)
			}
			return tw.Flush()
		},
	}
	sf.register(cmd.Flags(), shapes.Shape{Hidden: 256, Heads: 4, Layers: 1, Vocab: 4000, Seq: 160, MicroBatch: 1, TP: 1})
	cmd.Flags().StringVar(&tile, "cpu-tile", "64x64", "the CPU model's output block per core, MxN")
	cmd.Flags().DurationVar(&minTime, "min-time", 200*time.Millisecond, "minimum timed duration per GEMM")
	cmd.Flags().IntVar(&calib, "calibration-size", 256, "side of the square GEMM that calibrates the CPU's peak")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return cmd
}

func parseTile(s string) (shapes.Tile, error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	m, errM := strconv.Atoi(a)
	n, errN := strconv.Atoi(b)
	if !ok || errM != nil || errN != nil || m <= 0 || n <= 0 {
		return shapes.Tile{}, fmt.Errorf("--cpu-tile %q: expected MxN with positive integers, such as 64x64", s)
	}
	return shapes.Tile{M: m, N: n}, nil
}
