package model

import (
	"slices"
	"strings"
)

// architecture is one model_type: how its config.json reads and how its
// checkpoint binds to the engine's layers. Everything the forward pass does
// differently for it is said by the Config fields that config sets.
type architecture struct {
	// config reads the architecture's keys into c, with Hugging Face's
	// defaults inline, and notes invalid values with r.invalid.
	config func(r *reader, c *Config)
	// bind binds the checkpoint's tensors to m's layers. It is nil for an
	// architecture whose configs are read (for shapes and parameter counts)
	// but which the engine does not run.
	bind func(m *Model, b *binder)
	// gguf describes the architecture in GGUF files; nil for one that
	// llama.cpp's files do not hold (or fmkit does not run).
	gguf *ggufArch
}

// architectures is the one list of model types: ParseConfig, Load and
// SupportedModelTypes read it. An architecture is a file with its config
// and bind functions (gptneox.go, llama.go, gpt2.go) and a line here.
var architectures = map[string]architecture{
	"gpt2":     {config: gpt2Config, bind: bindGPT2, gguf: gpt2GGUF},
	"gpt_neox": {config: neoxConfig, bind: bindNeoX, gguf: neoxGGUF},
	"llama":    {config: llamaConfig, bind: bindLlama, gguf: llamaGGUF},
	"mistral":  {config: mistralConfig},
	"qwen2":    {config: qwen2Config},
}

// SupportedModelTypes lists the model_type values Load accepts, sorted.
func SupportedModelTypes() []string {
	return modelTypes(func(a architecture) bool { return a.bind != nil })
}

// ConfigModelTypes lists the model_type values ParseConfig reads, sorted:
// those Load accepts and those whose configs are read for their shapes
// only (mistral, qwen2).
func ConfigModelTypes() []string {
	return modelTypes(func(architecture) bool { return true })
}

func modelTypes(keep func(architecture) bool) []string {
	var names []string
	for name, a := range architectures {
		if keep(a) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// supportedText names the supported model types for error messages.
func supportedText() string {
	configOnly := modelTypes(func(a architecture) bool { return a.bind == nil })
	return "supported: " + strings.Join(SupportedModelTypes(), ", ") + "; configs only: " + strings.Join(configOnly, ", ")
}
