// Package cli implements the fmkit command line: one file per subcommand,
// each turning flags into a call of a library package and rendering the
// result as a table for people or JSON for programs. Nothing here is needed
// by a library user.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Main runs fmkit with args and returns the process exit code. Errors are
// printed as one line on stderr, prefixed with "fmkit: ".
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "fmkit: %v\n", err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	return 0
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fmkit",
		Short: "A toolkit for studying open foundation models",
		Long: `fmkit evaluates, runs, steers and dissects open foundation models, searches
their training data and sizes them for hardware, from one binary.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newActivationsCmd(),
		newBenchCmd(),
		newCacheCmd(),
		newDetokenizeCmd(),
		newEraseCmd(),
		newEvalCmd(),
		newForwardCmd(),
		newGenerateCmd(),
		newMathCmd(),
		newPinkElephantCmd(),
		newRecursionCmd(),
		newRiskCmd(),
		newScoreCmd(),
		newSearchCmd(),
		newServeCmd(),
		newShapesCmd(),
		newSnCmd(),
		newTasksCmd(),
		newTokenizeCmd(),
		newTrainCmd(),
		newVersionCmd(),
	)
	return root
}
