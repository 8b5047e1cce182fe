package shapes

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed gpus.yaml
var embeddedGPUs []byte

// Dtype names the element type of a GEMM's operands: fp64, fp32, tf32,
// fp16, bf16, fp8 or int8.
type Dtype string

// Bytes returns the size of one element, or 0 for an unknown dtype.
func (d Dtype) Bytes() int {
	switch d {
	case "fp64":
		return 8
	case "fp32", "tf32":
		return 4
	case "fp16", "bf16":
		return 2
	case "fp8", "int8":
		return 1
	}
	return 0
}

// GPU describes one accelerator: how many thread blocks it runs at once and
// how fast it multiplies matrices of each dtype.
type GPU struct {
	Name    string   `yaml:"name" json:"name"`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Vendor  string   `yaml:"vendor" json:"vendor"`
	Arch    string   `yaml:"arch" json:"arch"`
	// SMs is the number of streaming multiprocessors (NVIDIA) or compute
	// units (AMD): one wave of thread blocks.
	SMs          int     `yaml:"sms" json:"sms"`
	MemoryGB     float64 `yaml:"memory_gb" json:"memory_gb"`
	BandwidthGBs float64 `yaml:"bandwidth_gbs" json:"bandwidth_gbs"`
	// AlignBytes is the operand alignment (in bytes along m, n and k) at
	// which the matrix units run at full speed.
	AlignBytes int `yaml:"align_bytes" json:"align_bytes"`
	// TFLOPS holds the dense peak per dtype (TOPS for int8).
	TFLOPS map[Dtype]float64 `yaml:"tflops" json:"tflops"`
	Source string            `yaml:"source" json:"source"`
}

// Peak returns the dense peak TFLOPS of g for dtype d.
func (g GPU) Peak(d Dtype) (float64, error) {
	p, ok := g.TFLOPS[d]
	if !ok || p <= 0 {
		var have []string
		for k := range g.TFLOPS {
			have = append(have, string(k))
		}
		sort.Strings(have)
		return 0, fmt.Errorf("shapes: gpu %s has no %s peak; it has %s", g.Name, d, strings.Join(have, ", "))
	}
	return p, nil
}

// Machine returns the GEMM machine model of g for dtype d: its SMs, the
// cuBLAS-style tile candidates and the peak for d.
func (g GPU) Machine(d Dtype) (Machine, error) {
	peak, err := g.Peak(d)
	if err != nil {
		return Machine{}, err
	}
	return Machine{
		Name:       g.Name,
		Units:      g.SMs,
		PeakTFLOPS: peak,
		ElemBytes:  d.Bytes(),
		AlignBytes: g.AlignBytes,
		Tiles:      CUBLASTiles,
	}, nil
}

type gpuFile struct {
	GPUs []GPU `yaml:"gpus"`
}

// DefaultGPUs returns fmkit's built-in GPU table (gpus.yaml in this package,
// with the datasheet each figure comes from).
func DefaultGPUs() []GPU {
	gpus, err := ReadGPUs(bytes.NewReader(embeddedGPUs))
	if err != nil {
		panic("shapes: embedded gpus.yaml: " + err.Error()) // a build defect, caught by tests
	}
	return gpus
}

// ReadGPUs parses a GPU table in the gpus.yaml format and checks every
// entry, reporting all problems at once.
func ReadGPUs(r io.Reader) ([]GPU, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f gpuFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("shapes: gpu table is empty; expected a top-level gpus: list")
		}
		return nil, fmt.Errorf("shapes: gpu table: %w", err)
	}
	if len(f.GPUs) == 0 {
		return nil, errors.New("shapes: gpu table has no entries under the gpus key")
	}
	var problems []string
	seen := map[string]bool{}
	for i, g := range f.GPUs {
		where := fmt.Sprintf("gpus[%d]", i)
		if g.Name != "" {
			where = fmt.Sprintf("gpu %s", g.Name)
		}
		if g.Name == "" {
			problems = append(problems, where+": name is missing")
		}
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			key := strings.ToLower(n)
			if n != "" && seen[key] {
				problems = append(problems, fmt.Sprintf("%s: name %q is used twice", where, n))
			}
			seen[key] = true
		}
		if g.SMs <= 0 {
			problems = append(problems, fmt.Sprintf("%s: sms is %d, expected a positive count", where, g.SMs))
		}
		if g.AlignBytes <= 0 || g.AlignBytes&(g.AlignBytes-1) != 0 {
			problems = append(problems, fmt.Sprintf("%s: align_bytes is %d, expected a positive power of two", where, g.AlignBytes))
		}
		if len(g.TFLOPS) == 0 {
			problems = append(problems, where+": tflops is empty, expected peaks such as {fp16: 312}")
		}
		for d, p := range g.TFLOPS {
			if d.Bytes() == 0 {
				problems = append(problems, fmt.Sprintf("%s: tflops has unknown dtype %q (expected fp64, fp32, tf32, fp16, bf16, fp8 or int8)", where, d))
			}
			if p <= 0 {
				problems = append(problems, fmt.Sprintf("%s: tflops.%s is %g, expected a positive peak", where, d, p))
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("shapes: gpu table: " + strings.Join(problems, "; "))
	}
	return f.GPUs, nil
}

// MergeGPUs returns base with the entries of override replacing those of
// the same name and the others appended.
func MergeGPUs(base, override []GPU) []GPU {
	out := append([]GPU(nil), base...)
	for _, o := range override {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Name, o.Name) {
				out[i], replaced = o, true
				break
			}
		}
		if !replaced {
			out = append(out, o)
		}
	}
	return out
}

// FindGPU looks name up in gpus by name or alias, ignoring case.
func FindGPU(gpus []GPU, name string) (GPU, error) {
	var names []string
	for _, g := range gpus {
		if strings.EqualFold(g.Name, name) {
			return g, nil
		}
		for _, a := range g.Aliases {
			if strings.EqualFold(a, name) {
				return g, nil
			}
		}
		names = append(names, g.Name)
	}
	return GPU{}, fmt.Errorf("shapes: unknown gpu %q; expected one of %s", name, strings.Join(names, ", "))
}
