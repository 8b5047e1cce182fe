package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/model"
	"github.com/fmkit/fmkit/models"
	"github.com/fmkit/fmkit/tokenizer"
)

// engineFlags are the flags shared by the native-engine commands.
type engineFlags struct {
	model string
	dtype string
}

func (f *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.model, "model", "", "model directory in Hugging Face layout, or hf:ORG/NAME to download it into the Hugging Face cache")
	cmd.Flags().StringVar(&f.dtype, "dtype", "", "convert weight matrices to f32, bf16, f16, q8_0, q4_0 or q4_k (or bfloat16, float16, float32; default, auto: keep the checkpoint's dtype)")
}

// modelFiles are the files of a Hub model repository the engine reads.
func modelFiles(p string) bool {
	base := path.Base(p)
	switch base {
	case "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
		"special_tokens_map.json", "model.safetensors.index.json":
		return true
	}
	return strings.HasSuffix(base, ".safetensors") && !strings.Contains(p, "/")
}

// hubID is what a Hugging Face repository id looks like (ORG/NAME), to
// tell a --model that names one without hf: from a mistyped directory.
var hubID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// resolveModel turns --model into a local directory: builtin:NAME unpacks
// a model that ships inside fmkit (no network), hf:ORG/NAME downloads one
// (resumable, into the Hugging Face cache; HF_HOME, HF_TOKEN and
// HF_HUB_OFFLINE apply) with progress on stderr.
func resolveModel(ctx context.Context, spec string, stderr io.Writer) (string, error) {
	if spec == "" {
		return "", fmt.Errorf("--model is required: a model directory, builtin:%s or hf:ORG/NAME", strings.Join(models.Names(), "|builtin:"))
	}
	if name, ok := strings.CutPrefix(spec, "builtin:"); ok {
		dir, err := models.Dir(name, "")
		if err != nil {
			return "", fmt.Errorf("--model %s: %w", spec, err)
		}
		return dir, nil
	}
	id, ok := strings.CutPrefix(spec, "hf:")
	if !ok {
		if _, err := os.Stat(spec); err != nil && hubID.MatchString(spec) {
			return "", &usageError{fmt.Sprintf("--model %s: no such directory; did you mean hf:%s?", spec, spec)}
		}
		return spec, nil
	}
	repo := hub.Repo{Type: hub.Model, ID: id}
	if name, rev, ok := strings.Cut(id, "@"); ok {
		repo.ID, repo.Revision = name, rev
	}
	dir, err := hub.FromEnvironment().Snapshot(ctx, repo, modelFiles, downloadProgress(stderr))
	if err != nil {
		return "", fmt.Errorf("--model %s: %w", spec, err)
	}
	return dir, nil
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
	if _, err := os.Stat(f.model); err != nil && hubID.MatchString(f.model) {
		f.model = "hf:" + f.model
	}
	return nil
}

func (f *engineFlags) load(cmd *cobra.Command) (*model.Model, error) {
	return loadModel(cmd.Context(), f.model, f.dtype, cmd.ErrOrStderr())
}

// longDTypes are the torch and vLLM names of --dtype's types.
var longDTypes = map[string]string{"auto": "", "bfloat16": "bf16", "float16": "f16", "half": "f16", "float32": "f32", "float": "f32"}

func loadModel(ctx context.Context, spec, dtype string, stderr io.Writer) (*model.Model, error) {
	if short, ok := longDTypes[dtype]; ok {
		dtype = short
	}
	d, err := model.ParseDType(dtype)
	if err != nil {
		return nil, fmt.Errorf("--dtype %q: expected f32, bf16, f16, q8_0, q4_0 or q4_k (or bfloat16, float16, float32, auto)", dtype)
	}
	dir, err := resolveModel(ctx, spec, stderr)
	if err != nil {
		return nil, err
	}
	m, err := model.Load(dir, &model.Options{DType: d})
	if err != nil {
		return nil, err
	}
	for _, note := range m.Notes() {
		fmt.Fprintln(stderr, "note:", note)
	}
	if u := m.UnusedTensors(); len(u) > 0 {
		fmt.Fprintln(stderr, "warning:", unusedTensorsNote(u))
	}
	return m, nil
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
	if tok, ok, err := ggufFileTokenizer(m.Dir); ok {
		if err != nil {
			return nil, fmt.Errorf("text input needs the model's tokenizer: %w", err)
		}
		return tok, nil
	}
	tok, err := tokenizer.Load(m.Dir)
	if err != nil {
		return nil, fmt.Errorf("text input needs the model's tokenizer: %w", err)
	}
	return tok, nil
}

// openNative loads a model with its tokenizer as an lm backend named after
// the --model spec. The caller closes the returned model.
func openNative(ctx context.Context, spec, dtype string, stderr io.Writer, opts native.Options) (*native.Model, *model.Model, error) {
	m, err := loadModel(ctx, spec, dtype, stderr)
	if err != nil {
		return nil, nil, err
	}
	tok, err := loadTokenizer(m)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	if opts.Name == "" {
		opts.Name = spec
	}
	b, err := native.New(m, tok, &opts)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return b, m, nil
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
