package erase

import (
	"context"
	"testing"
)

func TestCheckGuardedness(t *testing.T) {
	const n, d, k = 1200, 12, 3
	x, y := classification(77, n, d, k, 3)
	var stages []string
	g, err := CheckGuardedness(context.Background(), x, d, y, k, nil, nil, func(s string) { stages = append(stages, s) })
	if err != nil {
		t.Fatal(err)
	}
	if g.Train+g.Test != n || g.Test != 300 || !g.FittedEraser || g.EraserRank != k-1 {
		t.Errorf("split or eraser: %+v", g)
	}
	if len(stages) != 4 {
		t.Errorf("progress stages %v", stages)
	}
	// Before erasure the probes decode the concept well above chance...
	if g.Before.Logistic < g.Majority+0.2 || g.Before.SVM < g.Majority+0.2 {
		t.Errorf("before: %+v, majority %g", g.Before, g.Majority)
	}
	// ...after it they are near the majority baseline (held-out, so only
	// approximately), and the cross-covariance is gone.
	if g.After.Logistic > g.Majority+0.08 || g.After.SVM > g.Majority+0.08 {
		t.Errorf("after: %+v, majority %g", g.After, g.Majority)
	}
	if !(g.MaxCovAfter < 0.05*g.MaxCovBefore) {
		t.Errorf("max |Σ_XZ| %g after, %g before", g.MaxCovAfter, g.MaxCovBefore)
	}

	// An eraser fitted on all rows zeroes Σ_XZ over all rows exactly.
	_, e := fit(t, x, Labels(y), d, k, nil)
	g2, err := CheckGuardedness(context.Background(), x, d, y, k, e, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g2.FittedEraser || g2.MaxCovAfter > 1e-9*g2.MaxCovBefore {
		t.Errorf("given eraser: %+v", g2)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CheckGuardedness(ctx, x, d, y, k, nil, nil, nil); err == nil {
		t.Error("cancelled context: no error")
	}
	if _, err := CheckGuardedness(context.Background(), x[:4*d], d, y[:4], k, nil, &CheckOptions{TestFraction: 0.9}, nil); err == nil {
		t.Error("too few rows: no error")
	}
}
