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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
