package hub

import (
	"errors"
	"fmt"
	"net"
)

// ErrUnreachable is wrapped by the errors of requests that never reached
// the Hub: its name did not resolve, or the connection was refused, timed
// out or had no route. Such failures are not retried, so that a machine
// without network learns it in seconds rather than after minutes of
// backoff; errors.Is(err, ErrUnreachable) tells a caller to offer the
// offline ways out.
var ErrUnreachable = errors.New("hub: network unreachable")

// UnreachableError is a request that could not reach the Hub endpoint.
type UnreachableError struct {
	// Repo is the repository a file or listing was fetched from.
	Repo Repo
	// What is being fetched, e.g. "model EleutherAI/pythia-70m@main".
	What string
	// Endpoint is the Hub's base URL.
	Endpoint string
	// Err is the network error: a *net.DNSError or a dial *net.OpError.
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("hub: cannot fetch %s from %s: the network is unreachable (%v)", e.What, e.Endpoint, e.Err)
}

// Is makes errors.Is(err, ErrUnreachable) true.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// Unwrap returns the network error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// networkFailure returns the part of err that says the endpoint could not
// be reached at all (a failed name lookup or a failed dial), or nil when the
// request got as far as a connection.
func networkFailure(err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op
	}
	return nil
}

// unreachable wraps err in an *UnreachableError naming what was fetched
// when err is a failure to reach the endpoint; other errors pass through.
func (c *Client) unreachable(err error, r Repo, what string) error {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return err
	}
	if cause := networkFailure(err); cause != nil {
		return &UnreachableError{Repo: r, What: what, Endpoint: c.endpoint(), Err: cause}
	}
	return err
}

// describe names a repository, and a file of it, for messages.
func describe(r Repo, file string) string {
	t := r.Type
	if t == "" {
		t = Model
	}
	s := fmt.Sprintf("%s %s@%s", t, r.ID, r.revision())
	if file != "" {
		s += " file " + file
	}
	return s
}
