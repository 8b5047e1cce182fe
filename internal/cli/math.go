package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/mathcheck"
)

func newMathCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "math",
		Short: "Check and normalize math answers as the Minerva and Llemma evaluations do",
		Long: `Math answer scoring without Python: Minerva's answer normalization (the
default mode fixes its known substring bugs; --minerva-compat reproduces the
published function byte for byte) and a LaTeX equivalence checker (exact
arithmetic with radicals, random points for expressions with variables,
tuples, intervals, sets and matrices element by element).`,
	}
	cmd.AddCommand(newMathCheckCmd(), newMathNormalizeCmd())
	return cmd
}

// mathVerdict is one line of check's JSON output.
type mathVerdict struct {
	Equivalent bool   `json:"equivalent"`
	Reason     string `json:"reason"`
	TimedOut   bool   `json:"timed_out,omitempty"`
}

func newMathCheckCmd() *cobra.Command {
	var (
		gold, pred, pairs string
		asJSON, normalize bool
		compat            bool
		timeout           time.Duration
		goldSet, predSet  bool
	)
	cmd := &cobra.Command{
		Use:   "check (--gold G --pred P | --pairs FILE.jsonl)",
		Short: "Decide whether two answers are mathematically equivalent, and say why",
		Long: `check compares a gold answer with a predicted one and prints the verdict
and the reason ("equal exact values (1/2)", "different brackets", …).

--pairs FILE.jsonl reads one {"gold": …, "pred": …} object per line ("-" for
stdin) and prints one {"equivalent": …, "reason": …} per line.

--normalize applies the Minerva normalization to both answers first;
--minerva-compat scores as lm-evaluation-harness's published functions do:
the normalization with its bugs (with --normalize) and no string-equality
shortcut (identical answers must parse).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			goldSet, predSet = cmd.Flags().Changed("gold"), cmd.Flags().Changed("pred")
			if pairs != "" && (goldSet || predSet) {
				return errors.New("math check: give --pairs or --gold and --pred, not both")
			}
			if pairs == "" && (!goldSet || !predSet) {
				return errors.New("math check: --gold and --pred are required (or --pairs FILE.jsonl)")
			}
			opts := &mathcheck.Options{Timeout: timeout, NoStringShortcut: compat}
			if err := opts.Validate(); err != nil {
				return fmt.Errorf("math check: --timeout %v: must not be negative", timeout)
			}
			mode := mathcheck.Fixed
			if compat {
				mode = mathcheck.MinervaCompat
			}
			c := &answerChecker{checker: mathcheck.NewChecker(opts), normalize: normalize, mode: mode}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			if pairs != "" {
				return c.pairs(cmd, pairs, out)
			}
			v := c.check(gold, pred)
			if asJSON {
				return writeJSONLine(out, v)
			}
			yes := "no"
			if v.Equivalent {
				yes = "yes"
			}
			fmt.Fprintf(out, "equivalent: %s\nreason: %s\n", yes, v.Reason)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&gold, "gold", "", "the reference answer (LaTeX)")
	f.StringVar(&pred, "pred", "", "the predicted answer (LaTeX)")
	f.StringVar(&pairs, "pairs", "", `JSONL file of {"gold", "pred"} objects ("-" for stdin)`)
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&normalize, "normalize", false, "apply the Minerva normalization to both answers first")
	f.BoolVar(&compat, "minerva-compat", false, "score as the published functions do, bugs included")
	f.DurationVar(&timeout, "timeout", time.Second, "time limit of one comparison")
	return cmd
}

type answerChecker struct {
	checker   *mathcheck.Checker
	normalize bool
	mode      mathcheck.Mode
}

func (c *answerChecker) check(gold, pred string) mathVerdict {
	if c.normalize {
		gold, pred = mathcheck.Normalize(gold, c.mode), mathcheck.Normalize(pred, c.mode)
	}
	v := c.checker.Check(gold, pred)
	return mathVerdict{Equivalent: v.Equivalent, Reason: v.Reason, TimedOut: v.TimedOut}
}

// pairs checks a JSONL file line by line, writing each verdict as it is
// decided: a bad line stops the run after the lines before it are out.
func (c *answerChecker) pairs(cmd *cobra.Command, path string, out *bufio.Writer) error {
	var in io.Reader = cmd.InOrStdin()
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("math check: --pairs: %w", err)
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 16<<20)
	for line := 1; sc.Scan(); line++ {
		var p struct {
			Gold *string `json:"gold"`
			Pred *string `json:"pred"`
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil || p.Gold == nil || p.Pred == nil {
			return fmt.Errorf("math check: --pairs %s:%d: expected a JSON object with string fields \"gold\" and \"pred\"", path, line)
		}
		if err := writeJSONLine(out, c.check(*p.Gold, *p.Pred)); err != nil {
			return err
		}
		if err := cmd.Context().Err(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("math check: --pairs %s: %w", path, err)
	}
	return nil
}

func writeJSONLine(w *bufio.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func newMathNormalizeCmd() *cobra.Command {
	var (
		compat bool
		from   string
	)
	cmd := &cobra.Command{
		Use:   "normalize [--minerva-compat] [--from answer|solution|generation]",
		Short: "Normalize answers read as JSON strings, one per line, from stdin",
		Long: `normalize reads one JSON string per line on stdin and prints one JSON value
per line: the normalized answer, or null where nothing can be extracted.

--from answer (default) normalizes the string as given; --from solution
takes the last \boxed{…} (or \fbox{…}) of a reference solution; --from
generation takes the text of a model output between "Final Answer: The
final answer is" and ". I hope it is correct.".

--minerva-compat reproduces the published normalize_final_answer (and
last_boxed_only_string, remove_boxed) byte for byte, bugs included, and
prints null where they raise (an \fbox{…}).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := mathcheck.ParseSource(from)
			if err != nil {
				return fmt.Errorf("math normalize: --from %q: expected answer, solution or generation", from)
			}
			mode := mathcheck.Fixed
			if compat {
				mode = mathcheck.MinervaCompat
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			sc := bufio.NewScanner(cmd.InOrStdin())
			sc.Buffer(nil, 16<<20)
			for line := 1; sc.Scan(); line++ {
				var s string
				if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
					return fmt.Errorf("math normalize: stdin line %d: expected a JSON string", line)
				}
				var v any
				if a, err := mathcheck.Extract(s, src, mode); err == nil {
					v = a
				}
				if err := writeJSONLine(out, v); err != nil {
					return err
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("math normalize: read stdin: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&compat, "minerva-compat", false, "reproduce the published function byte for byte, bugs included")
	cmd.Flags().StringVar(&from, "from", "answer", "what each string is: answer, solution or generation")
	return cmd
}
