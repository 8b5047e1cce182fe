package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/hub"
)

func taskIndex(includes []string) (*eval.Index, error) {
	srcs := []eval.TaskSource{{Name: "builtin", FS: tasks.FS()}}
	for _, p := range includes {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--include-path %s: not a directory", p)
		}
		srcs = append(srcs, eval.TaskSource{Name: p, FS: os.DirFS(p)})
	}
	return eval.NewIndex(srcs...)
}

// loadTasks loads the named tasks and groups from the built-in tasks and
// the --include-path folders.
func loadTasks(includes, names []string) (*eval.Suite, error) {
	ix, err := taskIndex(includes)
	if err != nil {
		return nil, err
	}
	return ix.Load(names)
}

func newTasksCmd() *cobra.Command {
	var includes []string
	cmd := &cobra.Command{Use: "tasks", Short: "List, show and render evaluation tasks"}
	cmd.PersistentFlags().StringSliceVar(&includes, "include-path", nil, "extra folders of lm-eval task YAMLs")

	var filter string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List tasks, groups and tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ix, err := taskIndex(includes)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var rows []map[string]string
			for _, e := range ix.Entries() {
				if filter != "" && !strings.Contains(e.Name, filter) {
					continue
				}
				rows = append(rows, map[string]string{"name": e.Name, "kind": e.Kind.String(), "source": e.Source, "file": e.File})
			}
			if asJSON {
				return json.NewEncoder(w).Encode(rows)
			}
			for _, r := range rows {
				fmt.Fprintf(w, "%-50s %-6s %s\n", r["name"], r["kind"], r["file"])
			}
			return nil
		},
	}
	list.Flags().StringVar(&filter, "filter", "", "only names containing this text")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a task's resolved config (or a group's members)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadTasks(includes, args)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(s.Tasks) == 1 && len(s.Groups) == 0 {
				fmt.Fprintln(w, eval.ConfigJSON(s.Tasks[0]))
			} else {
				for _, g := range s.Groups {
					fmt.Fprintf(w, "group %s: %s\n", g.Name, strings.Join(g.ChildNames(), ", "))
				}
				fmt.Fprintf(w, "%d tasks\n", len(s.Tasks))
			}
			if refs, ok := tasks.References[args[0]]; ok {
				fmt.Fprintln(w, "\nreference figures (KMMLU paper, macro average over subjects):")
				for _, r := range refs {
					fmt.Fprintf(w, "  %-32s %6.2f%%  %s\n", r.System, r.Score, r.Note)
				}
			}
			return nil
		},
	}

	var doc, shots int
	var renderJSON bool
	render := &cobra.Command{
		Use:   "render NAME",
		Short: "Print the exact prompt, requests and target of one document",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadTasks(includes, args)
			if err != nil {
				return err
			}
			if len(s.Tasks) != 1 {
				return fmt.Errorf("%s is a group of %d tasks; render one task", args[0], len(s.Tasks))
			}
			t := s.Tasks[0]
			if cmd.Flags().Changed("num-fewshot") {
				t.NumFewshot = shots
			}
			loader := &data.Loader{Hub: hub.FromEnvironment()}
			if err := t.Load(cmd.Context(), loader); err != nil {
				return err
			}
			if doc < 0 || doc >= len(t.Docs()) {
				return fmt.Errorf("--doc %d: the task has documents 0 to %d", doc, len(t.Docs())-1)
			}
			r, err := eval.RenderDoc(t, doc)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if renderJSON {
				enc := json.NewEncoder(w)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			fmt.Fprintf(w, "--- prompt (task %s, document %d, %d-shot) ---\n%s\n--- requests ---\n", t.Name, doc, t.NumFewshot, r.Prompt)
			for _, a := range r.Requests {
				fmt.Fprintln(w, a)
			}
			fmt.Fprintf(w, "--- target ---\n%s\n", r.Target)
			return nil
		},
	}
	render.Flags().IntVar(&doc, "doc", 0, "document index")
	render.Flags().IntVar(&shots, "num-fewshot", 0, "few-shot examples (default: the task's)")
	render.Flags().BoolVar(&renderJSON, "json", false, "print JSON")
	cmd.AddCommand(list, show, render)
	return cmd
}
