package cli

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// SignalError is the cause of a context cancelled by a signal (see
// context.WithCancelCause). Main turns it into the exit code 128 plus the
// signal's number, as shells report a process killed by it: 130 for
// SIGINT (Ctrl-C), 143 for SIGTERM.
type SignalError struct {
	Signal os.Signal
}

func (e *SignalError) Error() string {
	switch e.Signal {
	case os.Interrupt:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by signal " + e.Signal.String()
}

// ExitCode is 128 plus the signal's number (130 when the number is not
// known).
func (e *SignalError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// exitCode maps how a command ended to the process exit code: 128+n when
// a signal cancelled ctx (whether or not the command noticed in time), 130
// for any other cancellation, 1 for an error, 0 for success.
func exitCode(ctx context.Context, err error) int {
	var se *SignalError
	if errors.As(context.Cause(ctx), &se) {
		return se.ExitCode()
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}
