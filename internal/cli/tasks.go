package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/eval"
	"github.com/fmkit/fmkit/eval/tasks"
	"github.com/fmkit/fmkit/hub"
)

// taskFlags say where tasks come from: the built-in tasks, --include-path
// folders, and the python3 that runs task functions without a Go port.
type taskFlags struct {
	includes []string
	python   string
}

func (f *taskFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.includes, "include-path", nil, "extra folders of lm-eval task YAMLs (tasks and groups named like built-in ones replace them)")
	fs.StringVar(&f.python, "python", "", "python3 for task functions without a Go port (default: python3 on the PATH; none: no Python)")
}

// index builds the task index, with the Python worker attached when one is
// found; close releases it. Warnings about replaced tasks go to stderr.
func (f *taskFlags) index(stderr io.Writer) (*eval.Index, func(), error) {
	srcs := []eval.TaskSource{{Name: "builtin", FS: tasks.FS()}}
	for _, p := range f.includes {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			return nil, nil, fmt.Errorf("--include-path %s: not a directory", p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, nil, fmt.Errorf("--include-path %s: %w", p, err)
		}
		srcs = append(srcs, eval.TaskSource{Name: p, FS: os.DirFS(p), Dir: abs})
	}
	ix, err := eval.NewIndex(srcs...)
	if err != nil {
		return nil, nil, err
	}
	warnReplaced(stderr, ix.Notices())
	release := func() {}
	if f.python != "none" {
		p, err := eval.StartPython(f.python)
		switch {
		case err == nil:
			ix.UsePython(p)
			release = func() { p.Close() }
		case f.python != "":
			return nil, nil, fmt.Errorf("--python: %w", err)
		}
	}
	return ix, release, nil
}

// warnReplaced prints one line for the tasks and groups that a later
// source redefined (lm-eval's later registration wins).
func warnReplaced(w io.Writer, notices []eval.Notice) {
	var names []string
	for _, n := range notices {
		if n.Warning {
			names = append(names, strings.Fields(n.Msg)[1])
		}
	}
	if len(names) == 0 {
		return
	}
	shown := names[:min(len(names), 5)]
	more := ""
	if len(names) > len(shown) {
		more = fmt.Sprintf(", … (%d more)", len(names)-len(shown))
	}
	fmt.Fprintf(w, "warning: %d tasks and groups of --include-path replace built-in ones of the same name: %s%s\n", len(names), strings.Join(shown, ", "), more)
}

// loadTasks loads the named tasks and groups; close releases the Python
// worker, after the run.
func (f *taskFlags) loadTasks(stderr io.Writer, names []string) (*eval.Suite, func(), error) {
	ix, release, err := f.index(stderr)
	if err != nil {
		return nil, nil, err
	}
	s, err := ix.Load(names)
	if err != nil {
		release()
		return nil, nil, err
	}
	return s, release, nil
}

func newTasksCmd() *cobra.Command {
	var tf taskFlags
	cmd := &cobra.Command{Use: "tasks", Short: "List, show, render and diagnose evaluation tasks"}
	tf.register(cmd.PersistentFlags())

	var filter string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List tasks, groups and tags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listTasks(cmd, &tf, taskListing{filter: filter, asJSON: asJSON})
		},
	}
	list.Flags().StringVar(&filter, "filter", "", "only names containing this text")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a task's resolved config (or a group's members)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, release, err := tf.loadTasks(cmd.ErrOrStderr(), args)
			if err != nil {
				return err
			}
			defer release()
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
			s, release, err := tf.loadTasks(cmd.ErrOrStderr(), args)
			if err != nil {
				return err
			}
			defer release()
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
				enc := newJSONEncoder(w)
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
	cmd.AddCommand(list, show, render, newTasksDoctorCmd(&tf))
	return cmd
}

// taskListing says which entries of the task index to list, and how.
type taskListing struct {
	kind   string // "task", "group" or "tag"; "" for all
	filter string // only names containing it
	asJSON bool
}

// taskListings are lm-eval's --tasks values that list instead of run.
var taskListings = map[string]taskListing{
	"list": {}, "list_groups": {kind: "group"}, "list_tags": {kind: "tag"}, "list_subtasks": {kind: "task"},
}

// listTasks prints the task index: name, kind and file, or JSON.
func listTasks(cmd *cobra.Command, tf *taskFlags, l taskListing) error {
	ix, release, err := tf.index(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer release()
	w := cmd.OutOrStdout()
	var rows []map[string]string
	for _, e := range ix.Entries() {
		if (l.filter != "" && !strings.Contains(e.Name, l.filter)) || (l.kind != "" && e.Kind.String() != l.kind) {
			continue
		}
		rows = append(rows, map[string]string{"name": e.Name, "kind": e.Kind.String(), "source": e.Source, "file": e.File})
	}
	if l.asJSON {
		return newJSONEncoder(w).Encode(rows)
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-50s %-6s %s\n", r["name"], r["kind"], r["file"])
	}
	return nil
}

// taskIndex indexes the built-in tasks and the include folders, without
// Python.
func taskIndex(includes []string) (*eval.Index, error) {
	tf := taskFlags{includes: includes, python: "none"}
	ix, _, err := tf.index(io.Discard)
	return ix, err
}
