//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package search

// lockDir is a no-op where flock is not available; do not run two
// indexing runs on one index there.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
