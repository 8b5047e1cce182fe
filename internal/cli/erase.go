package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/erase"
	"github.com/fmkit/fmkit/npy"
)

func newEraseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "erase",
		Short: "Erase concepts from representations with LEACE",
		Long: `Fit, apply and check LEACE concept erasers (least-squares concept erasure):
after erasure no linear classifier can recover the concept from the
representations, which change as little as possible.`,
	}
	cmd.AddCommand(newEraseFitCmd(), newEraseApplyCmd(), newEraseCheckCmd(), newEraseScrubCmd())
	return cmd
}

// readX reads the representations of --x: an array of shape [..., d]
// flattened into n rows of d values.
func readX(path, key string) (a *erase.Array, n, d int, err error) {
	a, err = erase.ReadArray(path, key)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("--x: %w", err)
	}
	if len(a.Shape) < 2 || a.Shape[len(a.Shape)-1] == 0 {
		return nil, 0, 0, fmt.Errorf("--x %s: shape %v: expected [n, d] with d > 0", path, a.Shape)
	}
	d = a.Shape[len(a.Shape)-1]
	if a.Int != nil {
		return nil, 0, 0, fmt.Errorf("--x %s: integer data: expected float16/32/64 representations", path)
	}
	return a, (len(a.F32) + len(a.F64)) / d, d, nil
}

// readConcept reads Z: integer labels of shape [n] become classes (their
// count is classes, or the largest label + 1 when classes is 0); float or
// integer arrays of shape [n, k] and float arrays of shape [n] are a real
// concept with k (or 1) columns.
func readConcept(path, key string, n, classes int) (erase.Concept, int, error) {
	a, err := erase.ReadArray(path, key)
	if err != nil {
		return erase.Concept{}, 0, fmt.Errorf("--z: %w", err)
	}
	if len(a.Shape) == 0 || a.Shape[0] != n || len(a.Shape) > 2 {
		return erase.Concept{}, 0, fmt.Errorf("--z %s: shape %v: expected [%d] labels or a [%d, k] matrix to match --x", path, a.Shape, n, n)
	}
	if a.Int != nil && len(a.Shape) == 1 {
		labels := make([]int, n)
		k := classes
		for i, v := range a.Int {
			if v < 0 || v > math.MaxInt32 {
				return erase.Concept{}, 0, fmt.Errorf("--z %s: label %d at row %d: expected a class index ≥ 0", path, v, i)
			}
			labels[i] = int(v)
			if classes == 0 {
				k = max(k, labels[i]+1)
			}
		}
		if k < 2 {
			return erase.Concept{}, 0, fmt.Errorf("--z %s: labels hold a single class; nothing to erase", path)
		}
		return erase.Labels(labels), k, nil
	}
	k := 1
	if len(a.Shape) == 2 {
		k = a.Shape[1]
	}
	if k == 0 {
		return erase.Concept{}, 0, fmt.Errorf("--z %s: shape %v has no columns", path, a.Shape)
	}
	vals := a.F64
	switch {
	case a.F32 != nil:
		vals = make([]float64, len(a.F32))
		for i, v := range a.F32 {
			vals[i] = float64(v)
		}
	case a.Int != nil:
		vals = make([]float64, len(a.Int))
		for i, v := range a.Int {
			vals[i] = float64(v)
		}
	}
	return erase.Values(vals), k, nil
}

type eraseFitResult struct {
	Out       string `json:"out"`
	Rows      int64  `json:"rows"`
	XDim      int    `json:"x_dim"`
	ZDim      int    `json:"z_dim"`
	Rank      int    `json:"rank"`
	Method    string `json:"method"`
	Whitening string `json:"whitening"`
}

func newEraseFitCmd() *cobra.Command {
	var (
		xPath, zPath, xKey, zKey, method, out    string
		noAffine, noShrinkage, noTraceConstraint bool
		svdTol                                   float64
		classes                                  int
		asJSON                                   bool
	)
	cmd := &cobra.Command{
		Use:   "fit",
		Short: "Fit a LEACE eraser on representations X and concept Z",
		Example: `  fmkit erase fit --x acts.npy --z labels.npy --out eraser.safetensors
  fmkit erase fit --x acts.safetensors --x-key layer6 --z pos.npy --no-shrinkage --out e.safetensors`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if xPath == "" || zPath == "" || out == "" {
				return fmt.Errorf("--x, --z and --out are required")
			}
			m, err := erase.ParseMethod(method)
			if err != nil {
				return fmt.Errorf("--method: %w", err)
			}
			xa, n, d, err := readX(xPath, xKey)
			if err != nil {
				return err
			}
			z, k, err := readConcept(zPath, zKey, n, classes)
			if err != nil {
				return err
			}
			f, err := erase.NewFitter(d, k, &erase.Options{Method: m, NoAffine: noAffine, Shrinkage: !noShrinkage, ConstrainTrace: !noTraceConstraint, SVDTol: svdTol})
			if err != nil {
				return err
			}
			if err := updateInChunks(cmd, f, xa, z, n, d, k); err != nil {
				return err
			}
			e, err := f.Eraser()
			if err != nil {
				return err
			}
			e.Metadata["x_source"] = xPath
			e.Metadata["z_source"] = zPath
			if err := e.Save(out); err != nil {
				return err
			}
			res := eraseFitResult{Out: out, Rows: f.N(), XDim: d, ZDim: k, Rank: e.R, Method: m.String(), Whitening: e.Metadata["whitening"]}
			w := cmd.OutOrStdout()
			if asJSON {
				return newJSONEncoder(w).Encode(res)
			}
			fmt.Fprintf(w, "fitted %s eraser on %d rows: x_dim %d, z_dim %d, rank %d (whitening: %s)\nwrote %s\n",
				res.Method, res.Rows, d, k, res.Rank, res.Whitening, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&xPath, "x", "", "representations X: .npy or .safetensors, float [n, d]")
	fl.StringVar(&zPath, "z", "", "concept Z: integer labels [n] or a float matrix [n, k] (.npy or .safetensors)")
	fl.StringVar(&xKey, "x-key", "", "tensor name in a .safetensors --x holding several")
	fl.StringVar(&zKey, "z-key", "", "tensor name in a .safetensors --z holding several")
	fl.IntVar(&classes, "classes", 0, "number of classes for integer labels (0: largest label + 1)")
	fl.StringVar(&method, "method", "leace", "leace, or orth for a plain orthogonal projection")
	fl.BoolVar(&noAffine, "no-affine", false, "fit a linear eraser without centering")
	fitterFlags(fl, &noShrinkage, &noTraceConstraint)
	floatVar(fl, &svdTol, "svd-tol", erase.DefaultSVDTol, "drop singular values of W·Σ_XZ at or below this")
	fl.StringVar(&out, "out", "", "where to write the eraser (.safetensors)")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// fitChunk is how many rows go into one Fitter update, so that an
// interrupt is noticed within a fraction of a second.
const fitChunk = 8192

func updateInChunks(cmd *cobra.Command, f *erase.Fitter, xa *erase.Array, z erase.Concept, n, d, k int) error {
	for i := 0; i < n; i += fitChunk {
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		j := min(i+fitChunk, n)
		zc := erase.Concept{}
		if z.Labels != nil {
			zc.Labels = z.Labels[i:j]
		} else {
			zc.Values = z.Values[i*k : j*k]
		}
		var err error
		if xa.F32 != nil {
			err = f.UpdateFloat32(xa.F32[i*d:j*d], zc)
		} else {
			err = f.Update(xa.F64[i*d:j*d], zc)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func newEraseApplyCmd() *cobra.Command {
	var eraserPath, xPath, xKey, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "apply",
		Short:   "Apply a saved eraser to representations and write the result as .npy",
		Example: `  fmkit erase apply --eraser eraser.safetensors --x acts.npy --out erased.npy`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if eraserPath == "" || xPath == "" || out == "" {
				return fmt.Errorf("--eraser, --x and --out are required")
			}
			e, err := erase.LoadEraser(eraserPath)
			if err != nil {
				return fmt.Errorf("--eraser: %w", err)
			}
			xa, n, d, err := readX(xPath, xKey)
			if err != nil {
				return err
			}
			if d != e.D {
				return fmt.Errorf("--x %s: rows of dimension %d, but the eraser %s has dimension %d", xPath, d, eraserPath, e.D)
			}
			if n > 0 {
				if xa.F32 != nil {
					e.ApplyFloat32(xa.F32, xa.F32)
				} else {
					e.Apply(xa.F64, xa.F64)
				}
			}
			if xa.F32 != nil {
				err = npy.WriteFile(out, xa.Shape, xa.F32)
			} else {
				err = npy.WriteFile(out, xa.Shape, xa.F64)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return newJSONEncoder(cmd.OutOrStdout()).Encode(map[string]any{"out": out, "rows": n, "x_dim": d, "rank": e.R, "shape": xa.Shape})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "erased %d rows of dimension %d (rank-%d edit); wrote %s\n", n, d, e.R, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&eraserPath, "eraser", "", "eraser written by fmkit erase fit (.safetensors)")
	fl.StringVar(&xPath, "x", "", "representations X: .npy or .safetensors, float [..., d]")
	fl.StringVar(&xKey, "x-key", "", "tensor name in a .safetensors --x holding several")
	fl.StringVar(&out, "out", "", "where to write the erased representations (.npy, same dtype and shape)")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func newEraseCheckCmd() *cobra.Command {
	var (
		xPath, zPath, xKey, zKey, eraserPath   string
		testFraction                           float64
		seed                                   uint64
		noShrinkage, noTraceConstraint, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report how linearly decodable a concept is before and after erasure",
		Long: `check splits the rows into a training and a held-out part, fits logistic
regression and a linear SVM (C = 1, standardized features) before and after
erasure, and reports their held-out accuracy against the majority-class
baseline, with the largest entry of the cross-covariance Σ_XZ. Without
--eraser it fits LEACE on the training rows only.`,
		Example: `  fmkit erase check --x acts.npy --z labels.npy
  fmkit erase check --x acts.npy --z labels.npy --eraser eraser.safetensors --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if xPath == "" || zPath == "" {
				return fmt.Errorf("--x and --z are required")
			}
			xa, n, d, err := readX(xPath, xKey)
			if err != nil {
				return err
			}
			z, k, err := readConcept(zPath, zKey, n, 0)
			if err != nil {
				return err
			}
			if z.Labels == nil {
				return fmt.Errorf("--z %s: check needs integer class labels [n], not a real-valued matrix", zPath)
			}
			var e *erase.Eraser
			if eraserPath != "" {
				if e, err = erase.LoadEraser(eraserPath); err != nil {
					return fmt.Errorf("--eraser: %w", err)
				}
			}
			x := xa.F64
			if x == nil {
				x = make([]float64, len(xa.F32))
				for i, v := range xa.F32 {
					x[i] = float64(v)
				}
			}
			g, err := erase.CheckGuardedness(cmd.Context(), x, d, z.Labels, k, e,
				&erase.CheckOptions{TestFraction: testFraction, Seed: seed, Fitter: &erase.Options{Shrinkage: !noShrinkage, ConstrainTrace: !noTraceConstraint}}, nil)
			if err != nil {
				return err
			}
			if asJSON {
				return newJSONEncoder(cmd.OutOrStdout()).Encode(g)
			}
			renderGuardedness(cmd.OutOrStdout(), g)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&xPath, "x", "", "representations X: .npy or .safetensors, float [n, d]")
	fl.StringVar(&zPath, "z", "", "integer class labels [n] (.npy or .safetensors)")
	fl.StringVar(&xKey, "x-key", "", "tensor name in a .safetensors --x holding several")
	fl.StringVar(&zKey, "z-key", "", "tensor name in a .safetensors --z holding several")
	fl.StringVar(&eraserPath, "eraser", "", "eraser to check (default: fit LEACE on the training rows)")
	floatVar(fl, &testFraction, "test-fraction", 0.25, "share of rows held out for scoring")
	fl.Uint64Var(&seed, "seed", 0, "seed of the train/held-out split")
	fitterFlags(fl, &noShrinkage, &noTraceConstraint)
	fl.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func renderGuardedness(w io.Writer, g *erase.Guardedness) {
	src := "given eraser"
	if g.FittedEraser {
		src = "LEACE fitted on the training rows"
	}
	fmt.Fprintf(w, "%d training rows, %d held out, %d classes; %s (rank %d)\n\n", g.Train, g.Test, g.Classes, src, g.EraserRank)
	fmt.Fprintf(w, "%-22s %10s %10s\n", "held-out accuracy", "before", "after")
	fmt.Fprintf(w, "%-22s %10.4f %10.4f\n", "logistic regression", g.Before.Logistic, g.After.Logistic)
	fmt.Fprintf(w, "%-22s %10.4f %10.4f\n", "linear SVM", g.Before.SVM, g.After.SVM)
	fmt.Fprintf(w, "%-22s %10.4f %10.4f\n", "majority class", g.Majority, g.Majority)
	fmt.Fprintf(w, "%-22s %10.3g %10.3g\n", "max |Σ_XZ|", g.MaxCovBefore, g.MaxCovAfter)
	best := math.Max(g.After.Logistic, g.After.SVM)
	verdict := "linearly guarded: no probe beats the majority baseline by more than 2 points"
	if best > g.Majority+0.02 {
		verdict = fmt.Sprintf("NOT guarded: a probe reaches %.4f against the majority baseline %.4f", best, g.Majority)
	}
	fmt.Fprintln(w, "\n"+strings.TrimSpace(verdict))
}

// fitterFlags are the LEACE fitter's switches, the same on every erase
// command, with concept-erasure's LeaceFitter defaults (shrinkage=True,
// constrain_cov_trace=True): flags turn them off. The old opt-in names
// (--shrinkage, --constrain-trace) stay, hidden, as the inverse switches.
func fitterFlags(fl *pflag.FlagSet, noShrinkage, noTraceConstraint *bool) {
	fl.BoolVar(noShrinkage, "no-shrinkage", false, "fit without covariance shrinkage (on by default, as concept-erasure's LeaceFitter)")
	fl.BoolVar(noTraceConstraint, "no-trace-constraint", false, "allow the eraser to increase the covariance trace (constrained by default, as LeaceFitter)")
	for name, p := range map[string]*bool{"shrinkage": noShrinkage, "constrain-trace": noTraceConstraint} {
		f := fl.VarPF(inverseBool{p}, name, "", "inverse of --no-"+name)
		f.NoOptDefVal = "true"
		f.Hidden = true
	}
}

// inverseBool is a boolean flag that stores the opposite of its value.
type inverseBool struct{ p *bool }

func (b inverseBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*b.p = !v
	return nil
}
func (b inverseBool) String() string   { return strconv.FormatBool(b.p != nil && !*b.p) }
func (b inverseBool) Type() string     { return "bool" }
func (b inverseBool) IsBoolFlag() bool { return true }
