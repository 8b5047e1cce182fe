package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/models"
	"github.com/fmkit/fmkit/tokenizer"
)

// engineFlags are the flags shared by the native-engine commands.
type engineFlags struct {
	model   string
	dtype   string
	bf16Act bool
}

func (f *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "model directory in Hugging Face layout, or hf:ORG/NAME to download it into the Hugging Face cache")
	cmd.Flags().StringVar(&f.dtype, "dtype", "", "convert weight matrices to f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k (or bfloat16, float16, float32; default, auto: keep the checkpoint's dtype)")
	registerBF16Activations(cmd.Flags(), &f.bf16Act)
}

// registerBF16Activations adds --bf16-activations (model.Options.BF16Activations).
func registerBF16Activations(fs *pflag.FlagSet, v *bool) {
	fs.BoolVar(v, "bf16-activations", false, "with bf16 weights, round activations to bf16 in prefill and scoring, as llama.cpp does: faster on CPUs with AVX512_BF16 (VDPBF16PS), about 2^-9 less accurate")
}

// resolveModel turns --model into a local directory (models.Resolve):
// builtin:NAME unpacks a model that ships inside fmkit (no network),
// hf:ORG/NAME downloads one (resumable, into the Hugging Face cache;
// HF_HOME, HF_TOKEN and HF_HUB_OFFLINE apply) with progress on stderr.
func resolveModel(ctx context.Context, spec string, stderr io.Writer) (string, error) {
	if err := requireModel(spec); err != nil {
		return "", err
	}
	return resolveModelFlag(ctx, "--model", spec, stderr)
}

// resolveModelFlag is resolveModel for a model given by another flag
// (train's --init and --ref), which its errors name.
func resolveModelFlag(ctx context.Context, flag, spec string, stderr io.Writer) (string, error) {
	dir, err := models.Resolve(ctx, spec, &models.ResolveOptions{Progress: downloadProgress(stderr)})
	if err != nil {
		return "", flagModelError(flag, spec, err)
	}
	return dir, nil
}

// requireModel says what --model takes when it is missing.
func requireModel(spec string) error {
	if spec == "" {
		return fmt.Errorf("--model is required: a model directory, builtin:%s or hf:ORG/NAME", strings.Join(models.Names(), "|builtin:"))
	}
	return nil
}

// modelError names --model in an error opening it; a spec that names no
// model is a usage error (exit 2).
func modelError(spec string, err error) error { return flagModelError("--model", spec, err) }

// flagModelError is modelError for the model of another flag.
func flagModelError(flag, spec string, err error) error {
	if errors.Is(err, models.ErrSpec) {
		return &usageError{flag + ": " + err.Error()}
	}
	return fmt.Errorf("%s %s: %w", flag, spec, err)
}

// positionalModel takes the model as vLLM's serve does: a positional
// argument (a directory, or a Hub id ORG/NAME, which it downloads), in
// place of --model.
func (f *engineFlags) positionalModel(args []string) error {
	if len(args) == 0 {
		return nil
	}
	if f.model != "" {
		return &usageError{fmt.Sprintf("the model is given twice: %s and --model %s", args[0], f.model)}
	}
	f.model = args[0]
	if _, err := os.Stat(f.model); err != nil && models.IsHubID(f.model) {
		f.model = "hf:" + f.model
	}
	return nil
}

func (f *engineFlags) load(cmd *cobra.Command) (*model.Model, error) {
	return loadModel(cmd.Context(), f.model, f.dtype, f.bf16Act, cmd.ErrOrStderr())
}

// longDTypes are the torch and vLLM names of --dtype's types.
var longDTypes = map[string]string{"auto": "", "bfloat16": "bf16", "float16": "f16", "half": "f16", "float32": "f32", "float": "f32"}

// parseDType reads --dtype, in fmkit's names or torch's.
func parseDType(dtype string) (model.DType, error) {
	if short, ok := longDTypes[dtype]; ok {
		dtype = short
	}
	d, err := model.ParseDType(dtype)
	if err != nil {
		return "", fmt.Errorf("--dtype %q: expected f32, bf16, f16, q8_0, q4_0, q4_k, q5_k or q6_k (or bfloat16, float16, float32, auto)", dtype)
	}
	return d, nil
}

// openOptions checks --model and --dtype and turns them, with
// --bf16-activations, into native.OpenOptions, with download progress on
// stderr.
func openOptions(spec, dtype string, bf16Act bool, stderr io.Writer) (*native.OpenOptions, error) {
	if err := requireModel(spec); err != nil {
		return nil, err
	}
	d, err := parseDType(dtype)
	if err != nil {
		return nil, err
	}
	return &native.OpenOptions{DType: d, BF16Activations: bf16Act, Resolve: models.ResolveOptions{Progress: downloadProgress(stderr)}}, nil
}

// loadModel loads --model's weights (native.LoadModel) for the commands
// that drive the engine directly. The caller closes the model.
func loadModel(ctx context.Context, spec, dtype string, bf16Act bool, stderr io.Writer) (*model.Model, error) {
	o, err := openOptions(spec, dtype, bf16Act, stderr)
	if err != nil {
		return nil, err
	}
	m, err := native.LoadModel(ctx, spec, o.ModelOptions(), &o.Resolve)
	if err != nil {
		return nil, modelError(spec, err)
	}
	reportLoad(stderr, m)
	return m, nil
}

// reportLoad prints the notes of a freshly loaded model and a warning
// naming the checkpoint tensors it does not use.
func reportLoad(stderr io.Writer, m *model.Model) {
	for _, note := range m.Notes() {
		fmt.Fprintln(stderr, "note:", note)
	}
	if u := m.UnusedTensors(); len(u) > 0 {
		fmt.Fprintln(stderr, "warning:", unusedTensorsNote(u))
	}
}

// unusedTensorsNote says which checkpoint tensors the model leaves out (a
// value head, an adapter, another architecture's weights), naming the
// first few, so that a checkpoint that is not what the config says is not
// run silently.
func unusedTensorsNote(names []string) string {
	const shown = 3
	list := strings.Join(names[:min(len(names), shown)], ", ")
	if len(names) > shown {
		list += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	noun := "tensors"
	if len(names) == 1 {
		noun = "tensor"
	}
	return fmt.Sprintf("the model does not use %d checkpoint %s: %s", len(names), noun, list)
}

// loadTokenizer reads the tokenizer files that sit beside the weights, or
// the vocabulary of a GGUF file.
func loadTokenizer(m *model.Model) (*tokenizer.Tokenizer, error) {
	tok, err := native.LoadTokenizer(m)
	if err != nil {
		return nil, fmt.Errorf("text input needs the model's tokenizer: %w", err)
	}
	return tok, nil
}

// openNative opens --model (native.Open) with its tokenizer as an lm
// backend named after the spec, or, if tokenLevel, without one for token
// requests alone. The caller closes the returned model.
func openNative(ctx context.Context, spec, dtype string, bf16Act bool, stderr io.Writer, opts native.Options) (*native.Model, *model.Model, error) {
	return openBackend(ctx, spec, dtype, bf16Act, stderr, opts, false)
}

// openBackend is openNative, without the tokenizer if tokenLevel.
func openBackend(ctx context.Context, spec, dtype string, bf16Act bool, stderr io.Writer, opts native.Options, tokenLevel bool) (*native.Model, *model.Model, error) {
	o, err := openOptions(spec, dtype, bf16Act, stderr)
	if err != nil {
		return nil, nil, err
	}
	o.Options, o.TokenLevel = opts, tokenLevel
	b, err := native.Open(ctx, spec, o)
	if err != nil {
		return nil, nil, modelError(spec, err)
	}
	reportLoad(stderr, b.Engine())
	return b, b.Engine(), nil
}

// inputTokens returns the token ids given by exactly one of --ids and
// --text, tokenizing text with the model's tokenizer and its special tokens
// (BOS for Llama), as Hugging Face's tokenizer(text) does by default.
func inputTokens(m *model.Model, ids, text string) ([]int, error) {
	switch {
	case ids != "" && text != "":
		return nil, fmt.Errorf("--ids and --text: give one of them, not both")
	case ids != "":
		return parseIDs("--ids", ids)
	case text == "":
		return nil, fmt.Errorf("--ids or --text is required")
	}
	tok, err := loadTokenizer(m)
	if err != nil {
		return nil, err
	}
	tokens := tok.Encode(text, true)
	if len(tokens) == 0 {
		return nil, fmt.Errorf("--text %q: encodes to no tokens", text)
	}
	return tokens, nil
}

// loadWithInput loads --model and the tokens of --ids or --text, checked
// against the model's position limit, with a new sequence that has room for
// them. The caller closes the model.
func (f *engineFlags) loadWithInput(cmd *cobra.Command, ids, text string) (*model.Model, *model.Sequence, []int, error) {
	m, err := f.load(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	tokens, err := inputTokens(m, ids, text)
	if err != nil {
		m.Close()
		return nil, nil, nil, err
	}
	if lim := m.Config.PositionLimit(); len(tokens) > lim {
		m.Close()
		return nil, nil, nil, fmt.Errorf("input: %d tokens, the model accepts at most %d (max_position_embeddings)", len(tokens), lim)
	}
	seq, err := m.NewSequence(len(tokens))
	if err != nil {
		m.Close()
		return nil, nil, nil, err
	}
	return m, seq, tokens, nil
}

// parseIDs parses comma-separated token ids.
func parseIDs(flag, s string) ([]int, error) {
	var ids []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s %q: expected non-negative token ids separated by commas", flag, s)
		}
		ids = append(ids, n)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no token ids given", flag)
	}
	return ids, nil
}

// prefixTokenOption turns a --prefix-token flag (negative: unset) into
// native.Options.PrefixToken.
func prefixTokenOption(flag int) *int {
	if flag < 0 {
		return nil
	}
	return &flag
}
