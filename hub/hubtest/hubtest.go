// Package hubtest serves a stand-in Hugging Face Hub for tests: one model
// repository, its file list at any revision and its files, as the Hub's
// tree API and resolve URLs give them to package hub.
package hubtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Repo is the repository the stand-in Hub serves.
type Repo struct {
	ID     string            // ORG/NAME
	Commit string            // the commit every revision resolves to
	Files  map[string]string // path -> content
}

// Server is a running stand-in Hub.
type Server struct {
	URL  string
	repo Repo

	mu     sync.Mutex
	listed []string
}

// Start serves repo until the test ends.
func Start(t testing.TB, repo Repo) *Server {
	s := &Server{repo: repo}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Listed returns the revisions whose file list was asked for, in order.
func (s *Server) Listed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.listed)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rev, ok := strings.CutPrefix(r.URL.Path, "/api/models/"+s.repo.ID+"/tree/"); ok {
		s.mu.Lock()
		s.listed = append(s.listed, rev)
		s.mu.Unlock()
		s.writeTree(w)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+s.repo.ID+"/resolve/")
	_, name, hasRev := strings.Cut(rest, "/")
	content, found := s.repo.Files[name]
	if !ok || !hasRev || !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("X-Repo-Commit", s.repo.Commit)
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(content)*31+len(name)))
	w.Header().Set("Content-Length", fmt.Sprint(len(content)))
	if r.Method == http.MethodGet {
		w.Write([]byte(content))
	}
}

// writeTree lists the files in name order, as the tree API's JSON array.
func (s *Server) writeTree(w http.ResponseWriter) {
	names := make([]string, 0, len(s.repo.Files))
	for name := range s.repo.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	w.Write([]byte("["))
	for i, name := range names {
		if i > 0 {
			w.Write([]byte(","))
		}
		fmt.Fprintf(w, `{"type":"file","path":%q,"size":%d}`, name, len(s.repo.Files[name]))
	}
	w.Write([]byte("]"))
}
