package eval

import "math"

// SweepRow is one task metric across the runs of a sweep (for example the
// guidance scales of `fmkit eval --cfg-sweep`).
type SweepRow struct {
	Task, Metric, Filter string
	// Values holds one value per run; NaN where that run has none.
	Values []float64
}

// SweepRows collects every task metric of the runs, in the first run's
// task and metric order (metrics that only later runs have follow).
func SweepRows(runs []*Run) []SweepRow {
	var rows []SweepRow
	index := map[string]int{}
	for i, run := range runs {
		for _, res := range run.Results {
			for _, m := range res.Metrics {
				key := res.Name + "|" + m.Key()
				j, seen := index[key]
				if !seen {
					j = len(rows)
					index[key] = j
					vals := make([]float64, len(runs))
					for x := range vals {
						vals[x] = math.NaN()
					}
					rows = append(rows, SweepRow{Task: res.Name, Metric: m.Name, Filter: m.Filter, Values: vals})
				}
				rows[j].Values[i] = m.Value
			}
		}
	}
	return rows
}

// PrimaryRows picks one row per task, the one a plot shows: acc, else
// exact_match, else the task's first metric.
func PrimaryRows(rows []SweepRow) []SweepRow {
	var order []string
	best := map[string]SweepRow{}
	rank := func(m string) int {
		switch m {
		case "acc":
			return 0
		case "exact_match":
			return 1
		}
		return 2
	}
	for _, r := range rows {
		cur, seen := best[r.Task]
		if !seen {
			order = append(order, r.Task)
		}
		if !seen || rank(r.Metric) < rank(cur.Metric) {
			best[r.Task] = r
		}
	}
	out := make([]SweepRow, len(order))
	for i, t := range order {
		out[i] = best[t]
	}
	return out
}
