package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fmkit/fmkit/hub"
)

// builtinWayOut names the model and tasks that need no download.
const builtinWayOut = "the built-in model and tasks (--model builtin:recursion-tiny --tasks recursion)"

// offlineHint is what to add to an error that came from having no network
// (or no cached copy in offline mode), or "".
func offlineHint(err error) string {
	var (
		ue *hub.UnreachableError
		oe *hub.OfflineError
	)
	switch {
	case errors.As(err, &ue):
		return fmt.Sprintf("; without network, use a local model or dataset directory, HF_HUB_OFFLINE=1 with a cache filled beforehand (%s), or %s",
			hubDownloadLine(ue.Repo), builtinWayOut)
	case errors.As(err, &oe):
		return fmt.Sprintf("; fill the cache where there is network (%s), or use a local directory or %s", hubDownloadLine(oe.Repo), builtinWayOut)
	case errors.Is(err, hub.ErrOffline):
		return "; fill the cache where there is network (fmkit hub download REPO), or use a local directory or " + builtinWayOut
	}
	return ""
}

// hubDownloadLine is the command that caches repo.
func hubDownloadLine(r hub.Repo) string {
	line := "fmkit hub download " + r.ID
	if r.Revision != "" && r.Revision != "main" {
		line += "@" + r.Revision
	}
	if r.Type != hub.Model && r.Type != "" {
		line += " --repo-type " + string(r.Type)
	}
	return line
}

// downloadProgress returns a progress callback for Hub downloads: one
// updating line on a terminal, a line per finished file otherwise (logs
// and CI get no carriage returns).
func downloadProgress(w io.Writer) func(file string, done, total int64) {
	tty := isTerminal(w)
	var last time.Time
	return func(file string, done, total int64) {
		finished := done == total
		switch {
		case tty && (finished || time.Since(last) >= 200*time.Millisecond):
			last = time.Now()
			fmt.Fprintf(w, "\r\x1b[Kdownloading %s: %s", file, byteProgress(done, total))
			if finished {
				fmt.Fprintln(w)
			}
		case !tty && finished:
			fmt.Fprintf(w, "downloaded %s (%s)\n", file, byteSize(total))
		}
	}
}

func byteProgress(done, total int64) string {
	if total <= 0 {
		return byteSize(done)
	}
	return fmt.Sprintf("%s / %s (%.0f%%)", byteSize(done), byteSize(total), 100*float64(done)/float64(total))
}
