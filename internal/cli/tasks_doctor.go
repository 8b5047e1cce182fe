package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/eval"
)

func newTasksDoctorCmd(tf *taskFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [NAME...]",
		Short: "Say per task what runs natively, what goes through the Python bridge, and what cannot run and why",
		Long: `doctor resolves each named task, group or tag (every task of the index
without names) as 'fmkit eval' would and reports what serves each of its
lm-eval !function references: a Go port, or the python3 worker (--python;
by default python3 on the PATH), or nothing, with the reason (a missing
Python package, a class-based task, an unknown metric).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ix, release, err := tf.index(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer release()
			names := args
			if len(names) == 0 {
				for _, e := range ix.Entries() {
					if e.Kind == eval.KindTask {
						names = append(names, e.Name)
					}
				}
			}
			type row struct {
				Task   string   `json:"task"`
				Status string   `json:"status"` // native, python or cannot-run
				Go     []string `json:"go,omitempty"`
				Python []string `json:"python,omitempty"`
				Error  string   `json:"error,omitempty"`
			}
			var rows []row
			counts := map[string]int{}
			for _, n := range names {
				d := ix.Diagnose(n)
				r := row{Task: n, Go: d.Names(eval.ServedByGo), Python: d.Names(eval.ServedByPython), Status: "native"}
				switch {
				case d.Err != nil:
					r.Status, r.Error = "cannot-run", d.Err.Error()
				case len(r.Python) > 0:
					r.Status = "python"
				}
				counts[r.Status]++
				rows = append(rows, r)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := newJSONEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			python := "no python3 in use"
			if p := ix.Python(); p != nil {
				python = "python3: " + p.Path()
			}
			for _, r := range rows {
				detail := ""
				switch r.Status {
				case "cannot-run":
					detail = firstLine(r.Error)
				case "python":
					detail = "python: " + strings.Join(r.Python, ", ")
					if len(r.Go) > 0 {
						detail += "; go: " + strings.Join(r.Go, ", ")
					}
				default:
					if len(r.Go) > 0 {
						detail = "go: " + strings.Join(r.Go, ", ")
					}
				}
				fmt.Fprintf(w, "%-40s %-10s %s\n", r.Task, r.Status, detail)
			}
			fmt.Fprintf(w, "%d tasks: %d native, %d through python, %d cannot run (%s)\n",
				len(rows), counts["native"], counts["python"], counts["cannot-run"], python)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
