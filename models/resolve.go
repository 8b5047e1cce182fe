package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/fmkit/fmkit/hub"
)

// ErrSpec is returned, wrapped with the spec and what was expected, for a
// model spec that names no model: an empty one, an empty or malformed
// hf: id, or a Hub id ORG/NAME without hf: that is no local directory.
var ErrSpec = errors.New("models: bad model spec")

// ResolveOptions configures Resolve. A nil *ResolveOptions means the
// defaults.
type ResolveOptions struct {
	// Hub downloads hf: models. The default is hub.FromEnvironment()
	// (HF_HOME, HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE apply).
	Hub *hub.Client
	// CacheDir is where built-in models unpack, as Dir's cacheDir. The
	// default is os.UserCacheDir()/fmkit/models.
	CacheDir string
	// Progress, if not nil, reports the download of each file of an hf:
	// model (done == total when a file is complete, or was cached).
	Progress func(file string, done, total int64)
}

// hubID is what a Hugging Face repository id looks like.
var hubID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// IsHubID reports whether s has the shape of a Hugging Face repository id
// (ORG/NAME), as opposed to a path with more or fewer parts.
func IsHubID(s string) bool { return hubID.MatchString(s) }

// Resolve turns a model spec into a local model directory (or GGUF file)
// in Hugging Face layout:
//
//   - builtin:NAME unpacks a model that ships inside fmkit (Dir), without
//     network;
//   - hf:ORG/NAME or hf:ORG/NAME@REVISION downloads the files the engine
//     reads (config, weights, tokenizer) into the Hugging Face cache,
//     resuming partial files, and returns the snapshot directory;
//   - anything else is a local path, returned as it is, except a Hub id
//     ORG/NAME that does not exist locally, which is an ErrSpec saying
//     "did you mean hf:ORG/NAME" (or, for DIR/NAME.gguf, that there is no
//     such file).
func Resolve(ctx context.Context, spec string, opts *ResolveOptions) (string, error) {
	var o ResolveOptions
	if opts != nil {
		o = *opts
	}
	if spec == "" {
		return "", fmt.Errorf("%w: empty; expected a model directory, builtin:%s or hf:ORG/NAME", ErrSpec, strings.Join(Names(), "|builtin:"))
	}
	if name, ok := strings.CutPrefix(spec, "builtin:"); ok {
		return Dir(name, o.CacheDir)
	}
	id, ok := strings.CutPrefix(spec, "hf:")
	if !ok {
		if _, err := os.Stat(spec); err != nil && IsHubID(spec) {
			// A missing GGUF file is a path, not a Hub repository.
			if strings.HasSuffix(strings.ToLower(spec), ".gguf") {
				return "", fmt.Errorf("%w %q: no such GGUF file", ErrSpec, spec)
			}
			return "", fmt.Errorf("%w %q: no such directory; did you mean hf:%s?", ErrSpec, spec, spec)
		}
		return spec, nil
	}
	repo := hub.Repo{Type: hub.Model, ID: id}
	if name, rev, ok := strings.Cut(id, "@"); ok {
		repo.ID, repo.Revision = name, rev
	}
	if !IsHubID(repo.ID) && !hubName.MatchString(repo.ID) {
		return "", fmt.Errorf("%w %q: expected hf:ORG/NAME or hf:ORG/NAME@REVISION", ErrSpec, spec)
	}
	client := o.Hub
	if client == nil {
		client = hub.FromEnvironment()
	}
	return client.Snapshot(ctx, repo, engineFiles, o.Progress)
}

// hubName is a legacy top-level Hub model name (gpt2, bert-base-uncased).
var hubName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// engineFiles are the files of a Hub model repository the engine reads:
// the configs, the tokenizer and the top-level safetensors weights.
func engineFiles(p string) bool {
	base := path.Base(p)
	switch base {
	case "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
		"special_tokens_map.json", "model.safetensors.index.json":
		return true
	}
	return strings.HasSuffix(base, ".safetensors") && !strings.Contains(p, "/")
}
