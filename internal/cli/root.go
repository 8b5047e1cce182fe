package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Main runs fmkit with args and returns the process exit code. Errors are
// printed as one line on stderr, prefixed with "fmkit: ". ctx is the one
// context of the whole run: cmd/fmkit cancels it on SIGINT or SIGTERM with
// a *SignalError as the cause, every long-running command stops at its
// next check and keeps what it finished, and the exit code is 130 (SIGINT)
// or 143 (SIGTERM).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return mainWith(ctx, newRootCmd(), args, stdout, stderr)
}

// mainWith is Main on a given command tree (tests set its stdin).
func mainWith(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	checkUsage(root)
	err := root.ExecuteContext(ctx)
	var se *SignalError
	switch {
	case err != nil && errors.As(context.Cause(ctx), &se):
		fmt.Fprintf(stderr, "fmkit: %v: %v\n", se, err)
	case err != nil:
		fmt.Fprintf(stderr, "fmkit: %v%s\n", err, offlineHint(err))
	}
	if isUsage(err) {
		return exitUsage
	}
	return exitCode(ctx, err)
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fmkit",
		Short: "A toolkit for studying open foundation models",
		Long: `fmkit evaluates, runs, steers and dissects open foundation models, searches
their training data and sizes them for hardware, from one binary.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetVersionTemplate("fmkit {{.Version}}\n")
	root.AddCommand(
		newActivationsCmd(),
		newBenchCmd(),
		newCacheCmd(),
		newConvertCmd(),
		newDetokenizeCmd(),
		newEraseCmd(),
		newEvalCmd(),
		newForwardCmd(),
		newGenerateCmd(),
		newHubCmd(),
		newMathCmd(),
		newPinkElephantCmd(),
		newQuantizeCmd(),
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
