package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/recursion"
)

func newRecursionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recursion",
		Short: "Structural recursion: evaluate, trace, generate datasets, analyze shortcuts",
		Long: `recursion implements the framework of Zhang et al., "Transformer-Based Models
Are Not Yet Perfect At Learning to Emulate Structural Recursion" (TMLR 2024,
arXiv 2401.12947): recursive datatypes (Coq's binary positive numbers,
labelled binary trees) written as token sequences, structurally recursive
functions on them (successor, addition, pre-, in- and post-order traversal),
their step-wise δ-β-ι reduction and abstract-state-machine semantics,
datasets with edge-case classes, and the analysis of the shortcuts a model
learns instead. The evaluation tasks are built in (fmkit tasks list
--filter recursion); train a model with fmkit train lm on
fmkit recursion gen --lm text.`,
	}
	cmd.AddCommand(newRecursionEvalCmd(), newRecursionTraceCmd(), newRecursionGenCmd(), newRecursionAnalyzeCmd(),
		newRecursionFunctionsCmd(), newRecursionTokenizerCmd(), newRecursionTrainCmd())
	return cmd
}

// parseCall builds fn applied to --input: one argument per --input, or all
// arguments in one (as they follow the name: "(xI xH) xH"). A number
// stands for a positive where one is expected; --compact reads the
// compact notation.
func parseCall(env *recursion.Env, fn string, inputs []string, compact bool) (*recursion.Term, error) {
	f, ok := env.Func(fn)
	if !ok {
		return nil, fmt.Errorf("--task %q: unknown function (have %s)", fn, strings.Join(env.Names(), ", "))
	}
	if len(inputs) == 0 {
		return nil, errors.New("--input is required: the argument in Coq's notation, e.g. \"xI (xI xH)\"")
	}
	var args []*recursion.Term
	switch {
	case len(inputs) == len(f.Params):
		for i, in := range inputs {
			a, err := parseArg(in, f.Params[i].Type, compact)
			if err != nil {
				return nil, fmt.Errorf("--input %q: %w", in, err)
			}
			args = append(args, a)
		}
	case len(inputs) == 1 && !compact:
		t, err := recursion.Parse(fn + " " + inputs[0])
		if err != nil {
			return nil, fmt.Errorf("--input %q: %w", inputs[0], err)
		}
		if t.Kind != recursion.Call || len(t.Args) != len(f.Params) {
			return nil, fmt.Errorf("--input %q: %s takes %d arguments (%s); give each in parentheses or one --input per argument", inputs[0], fn, len(f.Params), f.Signature())
		}
		for i, a := range t.Args {
			if a, err = numberAsPositive(a, f.Params[i].Type); err != nil {
				return nil, fmt.Errorf("--input %q: %w", inputs[0], err)
			}
			args = append(args, a)
		}
	default:
		return nil, fmt.Errorf("%d --input values for %s, which takes %d (%s)", len(inputs), fn, len(f.Params), f.Signature())
	}
	call := recursion.F(fn, args...)
	if _, err := env.Check(call); err != nil {
		return nil, fmt.Errorf("--input: %w", err)
	}
	return call, nil
}

func parseArg(s string, want recursion.Type, compact bool) (*recursion.Term, error) {
	if compact {
		return recursion.ParseCompact(s, want)
	}
	t, err := recursion.Parse(s)
	if err != nil {
		return nil, err
	}
	return numberAsPositive(t, want)
}

func numberAsPositive(t *recursion.Term, want recursion.Type) (*recursion.Term, error) {
	if want != recursion.Positive || t.Kind != recursion.Num {
		return t, nil
	}
	if t.N < 1 {
		return nil, fmt.Errorf("%d is not a positive number", t.N)
	}
	return recursion.Pos(uint64(t.N)), nil
}

func newRecursionEvalCmd() *cobra.Command {
	var (
		fn      string
		inputs  []string
		compact bool
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "eval --task FUNCTION --input ARG",
		Short: "Print a function's answer on an input",
		Example: `  fmkit recursion eval --task succ --input "xI (xI xH)"
  fmkit recursion eval --task add --input 7 --input 9 --json
  fmkit recursion eval --task inorder --input N3N1LLN5LL --compact`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := recursion.Std()
			call, err := parseCall(env, fn, inputs, compact)
			if err != nil {
				return err
			}
			ans, err := env.Eval(call)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if !asJSON {
				_, err := fmt.Fprintln(w, ans)
				return err
			}
			steps, err := env.Trace(call, 0)
			if err != nil {
				return err
			}
			out := map[string]any{"function": fn, "call": call.String(), "answer": ans.String(), "trace_steps": len(steps) - 1}
			out["answer_compact"], _ = recursion.Compact(ans)
			if n, err := recursion.BigOf(ans); err == nil {
				out["answer_number"] = n.String()
			}
			ex, err := env.Describe(call)
			if err == nil {
				out["tags"], out["bucket"] = ex.Tags, ex.Bucket
			}
			return writeJSON(w, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fn, "task", "", "function: succ, add, preorder, inorder, postorder (or app, add_carry)")
	f.StringArrayVar(&inputs, "input", nil, "argument in Coq's notation (a number for a positive); repeat for each argument")
	f.BoolVar(&compact, "compact", false, "read --input in the compact notation (IOH, N3LL)")
	f.BoolVar(&asJSON, "json", false, "print JSON: the answer in both notations, its features and class")
	return cmd
}

func newRecursionTraceCmd() *cobra.Command {
	var (
		fn       string
		inputs   []string
		compact  bool
		machine  bool
		asJSON   bool
		maxSteps int
	)
	cmd := &cobra.Command{
		Use:   "trace --task FUNCTION --input ARG",
		Short: "Print the step-wise δ-β-ι reduction (or the state-machine run) of a call",
		Long: `trace reduces the call one rewrite at a time to its answer: each line is one
δ (unfold a function into its fun), β (substitute one argument) or ι (select
a match case) step of the leftmost-outermost redex outside funs and cases.
--machine prints the abstract state machine's run instead: per step, the term
being evaluated (or the value being returned) and the stack of frames.`,
		Example: `  fmkit recursion trace --task succ --input "xI (xI xH)"
  fmkit recursion trace --task inorder --input "Node 2 (Node 1 Leaf Leaf) Leaf" --machine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := recursion.Std()
			call, err := parseCall(env, fn, inputs, compact)
			if err != nil {
				return err
			}
			if maxSteps < 0 {
				return fmt.Errorf("--max-steps %d: expected 0 (no limit but the default) or more", maxSteps)
			}
			w := cmd.OutOrStdout()
			if machine {
				states, err := env.Machine(call, maxSteps)
				if err != nil {
					return err
				}
				return printMachine(w, states, asJSON)
			}
			steps, err := env.Trace(call, maxSteps)
			if err != nil {
				return err
			}
			return printTrace(w, steps, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fn, "task", "", "function: succ, add, preorder, inorder, postorder (or app, add_carry)")
	f.StringArrayVar(&inputs, "input", nil, "argument in Coq's notation (a number for a positive); repeat for each argument")
	f.BoolVar(&compact, "compact", false, "read --input in the compact notation")
	f.BoolVar(&machine, "machine", false, "print the abstract state machine's run (state and stack per step)")
	f.IntVar(&maxSteps, "max-steps", 0, "stop with an error after this many steps (0: 1048576)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printTrace(w io.Writer, steps []recursion.Step, asJSON bool) error {
	if asJSON {
		type step struct {
			Step int    `json:"step"`
			Rule string `json:"rule"`
			Term string `json:"term"`
		}
		out := make([]step, len(steps))
		for i, s := range steps {
			out[i] = step{i, s.Rule.String(), s.Term.String()}
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\trule\tterm")
	for i, s := range steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", i, s.Rule.Symbol(), s.Term)
	}
	return tw.Flush()
}

func printMachine(w io.Writer, states []recursion.State, asJSON bool) error {
	if asJSON {
		type state struct {
			Step  int      `json:"step"`
			Via   string   `json:"via"`
			Mode  string   `json:"mode"`
			Term  string   `json:"term"`
			Stack []string `json:"stack"`
		}
		out := make([]state, len(states))
		for i, s := range states {
			st := state{Step: i, Via: s.Via, Mode: "eval", Term: s.Term.String(), Stack: []string{}}
			if s.Mode == recursion.Returning {
				st.Mode = "return"
			}
			for _, fr := range s.Stack {
				st.Stack = append(st.Stack, fr.String())
			}
			out[i] = st
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tvia\tstate\tstack (top first)")
	for i, s := range states {
		mode := "eval"
		if s.Mode == recursion.Returning {
			mode = "return"
		}
		var frames []string
		for j := len(s.Stack) - 1; j >= 0; j-- {
			frames = append(frames, s.Stack[j].String())
		}
		fmt.Fprintf(tw, "%d\t%s\t%s %s\t[%s]\n", i, s.Via, mode, s.Term, strings.Join(frames, "; "))
	}
	return tw.Flush()
}

func newRecursionFunctionsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "functions",
		Short: "List the built-in functions with their definitions and edge-case classes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := recursion.Std()
			type fn struct {
				Name      string     `json:"name"`
				Signature string     `json:"signature"`
				Body      string     `json:"body"`
				Classes   [][]string `json:"classes"`
			}
			var out []fn
			for _, f := range recursion.Builtins() {
				body, _ := recursion.Parse(f.Body)
				var classes [][]string
				bs, _ := env.Buckets(f.Name)
				for _, b := range bs {
					classes = append(classes, []string{b[0], b[1]})
				}
				out = append(out, fn{f.Name, f.Signature(), body.String(), classes})
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, out)
			}
			for _, f := range out {
				fmt.Fprintf(w, "Fixpoint %s :=\n  %s.\n", f.Signature, f.Body)
				for _, c := range f.Classes {
					fmt.Fprintf(w, "    class %-12s %s\n", c[0], c[1])
				}
				fmt.Fprintln(w)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRecursionTokenizerCmd() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "tokenizer --out DIR",
		Short: "Write the recursion tasks' tokenizer.json and tokenizer_config.json",
		Long: `tokenizer writes the word-level tokenizer of the recursion tasks (a Hugging
Face BPE tokenizer.json: every constructor, function name, keyword,
punctuation mark and label digit is one token, with or without the space
before it; <|endoftext|> is id 0) and its tokenizer_config.json into DIR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out is required: the folder for tokenizer.json")
			}
			files := map[string][]byte{"tokenizer.json": recursion.TokenizerJSON(), "tokenizer_config.json": recursion.TokenizerConfigJSON()}
			for _, name := range []string{"tokenizer.json", "tokenizer_config.json"} {
				if err := atomicfile.WriteFile(filepath.Join(out, name), files[name]); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			tok, err := recursion.Tokenizer()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, map[string]any{"dir": out, "vocab_size": tok.VocabSize(), "eos_token_id": 0})
			}
			_, err = fmt.Fprintf(w, "wrote %s (%d tokens, %s = 0)\n", filepath.Join(out, "tokenizer.json"), tok.VocabSize(), recursion.EOSToken)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write into (created if missing)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// parseFractions reads "name=0.1,other=0.05".
func parseFractions(flag, s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("--%s %q: expected CLASS=FRACTION, e.g. all_ones=0.1", flag, part)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f != f || f <= 0 || f > 1 {
			return nil, fmt.Errorf("--%s %s: %q is not a fraction in (0, 1]", flag, k, v)
		}
		out[strings.TrimSpace(k)] = f
	}
	return out, nil
}
