package model

import (
	"fmt"
	"strconv"
	"strings"
)

// SiteKind is the kind of place in the forward pass a hook attaches to.
type SiteKind int

const (
	// AttnIn is a layer's attention input: the output of its input norm.
	AttnIn SiteKind = iota
	// MLPIn is a layer's MLP input: the output of its post-attention norm
	// (for GPT-NeoX's parallel residual, the norm of the layer input).
	MLPIn
	// ResidOut is the residual stream after the layer.
	ResidOut
	// FinalNormOut is the output of the final norm, the LM head's input.
	FinalNormOut
)

var siteSuffix = map[string]SiteKind{"attn_in": AttnIn, "mlp_in": MLPIn, "resid_out": ResidOut}

// Site names a hook site: layers.N.attn_in, layers.N.mlp_in,
// layers.N.resid_out or final_norm_out.
type Site struct {
	Kind  SiteKind
	Layer int // ignored for FinalNormOut
}

func (s Site) String() string {
	switch s.Kind {
	case AttnIn:
		return fmt.Sprintf("layers.%d.attn_in", s.Layer)
	case MLPIn:
		return fmt.Sprintf("layers.%d.mlp_in", s.Layer)
	case ResidOut:
		return fmt.Sprintf("layers.%d.resid_out", s.Layer)
	}
	return "final_norm_out"
}

// ParseSite parses a site name. The layer index is checked against a model
// by Forward, not here.
func ParseSite(name string) (Site, error) {
	if name == "final_norm_out" {
		return Site{Kind: FinalNormOut}, nil
	}
	parts := strings.Split(name, ".")
	if len(parts) == 3 && parts[0] == "layers" {
		n, err := strconv.Atoi(parts[1])
		kind, ok := siteSuffix[parts[2]]
		if err == nil && n >= 0 && ok {
			return Site{Kind: kind, Layer: n}, nil
		}
	}
	return Site{}, fmt.Errorf("model: hook site %q: expected layers.N.attn_in, layers.N.mlp_in, layers.N.resid_out or final_norm_out", name)
}

// Row identifies one row of a step's activations: which batch entry and
// sequence it belongs to, its absolute position in the sequence, and the
// token at that position.
type Row struct {
	Input int
	Seq   *Sequence
	Pos   int
	Token int
}

// Activations is what a hook sees: the rows of one site for the whole step,
// row-major [len(Rows), Hidden]. A hook may read Data, keep a copy, or
// modify it in place to change what the rest of the forward pass computes.
// Data and Rows are only valid during the call.
type Activations struct {
	Site   Site
	Hidden int
	Data   []float32
	Rows   []Row
}

// Row returns row i of the data.
func (a *Activations) Row(i int) []float32 { return a.Data[i*a.Hidden : (i+1)*a.Hidden] }

// Hook is called at a site during Forward. An error stops the forward pass
// and is returned by Forward.
type Hook func(a *Activations) error

// hookTable maps parsed sites to hooks for one forward pass.
type hookTable struct {
	layer   [][3]Hook // per layer: AttnIn, MLPIn, ResidOut
	final   Hook
	stop    Site
	hasStop bool
	start   int // the layer after which the pass starts (StartAfter), or -1
}

func (m *Model) hookTable(opts *ForwardOptions) (*hookTable, error) {
	t := &hookTable{start: -1}
	if opts == nil {
		return t, nil
	}
	check := func(name string) (Site, error) {
		s, err := ParseSite(name)
		if err != nil {
			return s, err
		}
		if s.Kind != FinalNormOut && s.Layer >= m.Config.Layers {
			return s, fmt.Errorf("model: hook site %q: the model has layers 0 to %d", name, m.Config.Layers-1)
		}
		return s, nil
	}
	for name, h := range opts.Hooks {
		s, err := check(name)
		if err != nil {
			return nil, err
		}
		if s.Kind == FinalNormOut {
			t.final = h
			continue
		}
		if t.layer == nil {
			t.layer = make([][3]Hook, m.Config.Layers)
		}
		t.layer[s.Layer][s.Kind] = h
	}
	if opts.StopAfter != "" {
		s, err := check(opts.StopAfter)
		if err != nil {
			return nil, err
		}
		t.stop, t.hasStop = s, true
	}
	if opts.StartAfter != "" {
		s, err := check(opts.StartAfter)
		if err != nil {
			return nil, err
		}
		if s.Kind != ResidOut {
			return nil, fmt.Errorf("model: StartAfter %q: expected a layers.N.resid_out site", opts.StartAfter)
		}
		if t.hasStop && t.stop.Kind != FinalNormOut && t.stop.Layer <= s.Layer {
			return nil, fmt.Errorf("model: StopAfter %q comes before StartAfter %q", opts.StopAfter, opts.StartAfter)
		}
		t.start = s.Layer
	}
	return t, nil
}

func (t *hookTable) at(l int, kind SiteKind) Hook {
	if t.layer == nil {
		return nil
	}
	return t.layer[l][kind]
}

// stopsAt reports whether the pass ends after the given site.
func (t *hookTable) stopsAt(s Site) bool {
	return t.hasStop && t.stop == s
}
