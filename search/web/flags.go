package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

// Flag is a result a reader marked as problematic.
type Flag struct {
	Time   time.Time `json:"time"`
	Corpus string    `json:"corpus"`
	ID     string    `json:"id"`
	Query  string    `json:"query,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// flagStore keeps the flags in memory and in a JSONL file, rewritten
// whole (atomically) on each new flag, so the file is never torn.
type flagStore struct {
	path  string
	mu    sync.Mutex
	flags []Flag
}

// maxFlags bounds the flags kept, so that the file stays small.
const maxFlags = 100000

func openFlags(path string) (*flagStore, error) {
	fs := &flagStore{path: path}
	if path == "" {
		return fs, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: flags: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for line := 1; dec.More(); line++ {
		var f Flag
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("web: flags file %s: record %d: %w", path, line, err)
		}
		fs.flags = append(fs.flags, f)
	}
	return fs, nil
}

// add records f and returns the number of flags.
func (s *flagStore) add(f Flag) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		return 0, errors.New("web: flags are not stored (no flags file)")
	}
	if len(s.flags) >= maxFlags {
		return 0, fmt.Errorf("web: the flags file holds %d flags, the most it keeps", maxFlags)
	}
	flags := append(s.flags, f)
	err := atomicfile.WriteFile(s.path, encodeFlags(flags))
	if err != nil {
		return 0, fmt.Errorf("web: flags: %w", err)
	}
	s.flags = flags
	return len(flags), nil
}

func (s *flagStore) list() []Flag {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Flag(nil), s.flags...)
}

func encodeFlags(flags []Flag) []byte {
	var out []byte
	for _, f := range flags {
		b, _ := json.Marshal(f)
		out = append(append(out, b...), '\n')
	}
	return out
}
