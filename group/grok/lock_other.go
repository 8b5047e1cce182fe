//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package grok

// lockRun is a no-op where flock is not available; do not train one run
// from two processes there.
func lockRun(dir string) (unlock func(), err error) { return func() {}, nil }
