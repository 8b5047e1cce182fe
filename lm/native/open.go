package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/gguf"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/models"
	"github.com/fmkit/fmkit/tokenizer"
)

// OpenOptions configures Open. A nil *OpenOptions means the defaults.
type OpenOptions struct {
	// Options configures the backend. Its Name defaults to the spec
	// given to Open.
	Options
	// DType converts the weight matrices on load, as model.Options.DType.
	// The default, model.Auto, keeps the checkpoint's dtypes.
	DType model.DType
	// BF16Activations rounds activations to bfloat16 in the products of
	// several rows with bfloat16 weights, as model.Options.BF16Activations.
	BF16Activations bool
	// TokenLevel opens the model without a tokenizer, as New with a nil
	// one: the backend answers only LoglikelihoodTokens and the model
	// needs no tokenizer files.
	TokenLevel bool
	// Resolve says where builtin: models unpack and hf: models come from,
	// and reports downloads (see models.Resolve).
	Resolve models.ResolveOptions
}

// ModelOptions returns the options of o that load the weights
// (model.Load's).
func (o *OpenOptions) ModelOptions() *model.Options {
	return &model.Options{DType: o.DType, BF16Activations: o.BF16Activations}
}

// Open returns a backend on the model that spec names: a model directory
// or GGUF file, builtin:NAME or hf:ORG/NAME[@REVISION] (see
// models.Resolve). It loads the weights (LoadModel) and the tokenizer
// beside them (LoadTokenizer). The backend owns the weights: Close
// releases them.
func Open(ctx context.Context, spec string, opts *OpenOptions) (*Model, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	m, err := LoadModel(ctx, spec, o.ModelOptions(), &o.Resolve)
	if err != nil {
		return nil, err
	}
	var tok Tokenizer
	if !o.TokenLevel {
		t, err := LoadTokenizer(m)
		if err != nil {
			m.Close()
			return nil, err
		}
		tok = t
	}
	if o.Name == "" {
		o.Name = spec
	}
	n, err := New(m, tok, &o.Options)
	if err != nil {
		m.Close()
		return nil, err
	}
	return n, nil
}

// LoadModel loads the weights of the model that spec names (see Open)
// with opts (nil: as stored), for callers that drive the engine without a
// backend. The caller closes the model.
func LoadModel(ctx context.Context, spec string, opts *model.Options, resolve *models.ResolveOptions) (*model.Model, error) {
	dir, err := models.Resolve(ctx, spec, resolve)
	if err != nil {
		return nil, err
	}
	return model.Load(dir, opts)
}

// LoadTokenizer returns the tokenizer of a loaded model: the Hugging Face
// tokenizer files beside its weights, or the vocabulary in the metadata of
// the GGUF file the weights came from (given by its path, or the one .gguf
// file of a directory without tokenizer.json).
func LoadTokenizer(m *model.Model) (*tokenizer.Tokenizer, error) {
	if file := m.GGUFFile(); file != "" && (file == m.Dir || !exists(filepath.Join(m.Dir, "tokenizer.json"))) {
		f, err := gguf.Open(file)
		if err != nil {
			return nil, fmt.Errorf("native: tokenizer of %s: %w", file, err)
		}
		defer f.Close()
		tok, err := tokenizer.FromGGUF(f)
		if err != nil {
			return nil, fmt.Errorf("native: tokenizer of %s: %w", file, err)
		}
		return tok, nil
	}
	tok, err := tokenizer.Load(m.Dir)
	if err != nil {
		return nil, fmt.Errorf("native: tokenizer of %s: %w", m.Dir, err)
	}
	return tok, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Close releases the weights of the engine model (Engine().Close()). A
// backend from Open owns them; one from New closes the model its caller
// passed in, so call it only where the backend was handed the model.
func (n *Model) Close() error { return n.m.Close() }
