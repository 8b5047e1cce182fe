// Command fmkit is a toolkit for studying open foundation models: evaluate
// them, run them natively, steer them, erase concepts from them, search their
// training data and size them for hardware. Run "fmkit --help" for the list
// of subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fmkit/fmkit/internal/cli"
)

func main() {
	os.Exit(run())
}

// run is the whole program: the one context every command works under is
// made here. The first SIGINT or SIGTERM cancels it, with a
// *cli.SignalError as its cause, and the command stops at its next check,
// keeping what it finished; the exit code is then 130 (SIGINT) or 143
// (SIGTERM). A second signal ends the process at once, for a user who does
// not want to wait for a checkpoint to be written.
func run() int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		sig := <-signals
		cancel(&cli.SignalError{Signal: sig})
		sig = <-signals
		os.Exit((&cli.SignalError{Signal: sig}).ExitCode())
	}()
	return cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
