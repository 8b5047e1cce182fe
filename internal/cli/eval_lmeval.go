package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/hub"
	"github.com/fmkit/fmkit/models"
)

// lm-evaluation-harness's command line, as its users type it, mapped onto
// fmkit eval's: its snake_case flag names, --model hf|local-completions with
// --model_args, --tasks list.

// lmEvalFlagNames maps lm-eval's flag names that differ from fmkit's by
// more than "_" for "-".
var lmEvalFlagNames = map[string]string{
	"output-path":             "output",
	"use-cache":               "cache",
	"confirm-run-unsafe-code": "allow-code-execution",
}

// lmEvalNormalize is fmkit eval's flag-name normalizer: lm-eval's
// spellings reach the same flags (and stay out of --help).
func lmEvalNormalize(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	name = strings.ReplaceAll(name, "_", "-")
	if to, ok := lmEvalFlagNames[name]; ok {
		name = to
	}
	return pflag.NormalizedName(name)
}

// lmEvalModel turns lm-eval's --model TYPE --model_args K=V,... into
// fmkit's model spec and --dtype. A --model that is already an fmkit spec
// passes through (with no --model_args).
func lmEvalModel(ctx context.Context, modelType, modelArgs string, stderr io.Writer) (spec, dtype string, err error) {
	switch modelType {
	case "hf", "hf-auto", "huggingface":
		return lmEvalHF(modelArgs)
	case "local-completions", "local-chat-completions":
		spec, err := lmEvalLocal(ctx, modelType == "local-chat-completions", modelArgs, stderr)
		return spec, "", err
	case "vllm", "sglang", "openai-completions", "openai-chat-completions", "hf-multimodal", "vllm-vlm", "ggml", "gguf":
		return "", "", &usageError{fmt.Sprintf("--model %s: not an fmkit backend; run the model on fmkit's engine with --model hf --model_args pretrained=ORG/NAME, "+
			"or serve it (vllm serve, fmkit serve) and use --model local-completions --model_args base_url=http://HOST:PORT/v1/completions,model=NAME", modelType)}
	}
	if modelArgs != "" {
		return "", "", &usageError{fmt.Sprintf("--model_args goes with lm-eval's --model hf, local-completions or local-chat-completions, not --model %s", modelType)}
	}
	return modelType, "", nil
}

// parseModelArgs splits lm-eval's "k=v,k=v" (its simple_parse_args_string).
func parseModelArgs(s string) (map[string]string, error) {
	args := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return nil, &usageError{fmt.Sprintf("--model_args %s: %q is not key=value", s, part)}
		}
		args[k] = v
	}
	return args, nil
}

// unknownArgs reports model_args keys outside known, naming the supported
// ones.
func unknownArgs(modelType string, args map[string]string, known ...string) error {
	var bad []string
	for k := range args {
		if !contains(known, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return &usageError{fmt.Sprintf("--model %s --model_args: %s not supported (supported: %s)", modelType, strings.Join(bad, ", "), strings.Join(known, ", "))}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// lmEvalHF maps --model hf: pretrained (a Hub id or a local directory),
// revision and dtype. trust_remote_code is accepted and changes nothing:
// fmkit never runs a checkpoint's Python code.
func lmEvalHF(modelArgs string) (spec, dtype string, err error) {
	args, err := parseModelArgs(modelArgs)
	if err != nil {
		return "", "", err
	}
	if err := unknownArgs("hf", args, "pretrained", "revision", "dtype", "trust_remote_code"); err != nil {
		return "", "", err
	}
	pretrained := args["pretrained"]
	if pretrained == "" {
		return "", "", &usageError{"--model hf needs --model_args pretrained=ORG/NAME (or a local directory)"}
	}
	switch d := strings.TrimPrefix(args["dtype"], "torch."); d {
	case "", "auto":
	case "bfloat16", "float16", "float32", "half", "float":
		dtype = map[string]string{"bfloat16": "bf16", "float16": "f16", "half": "f16", "float32": "f32", "float": "f32"}[d]
	default:
		return "", "", &usageError{fmt.Sprintf("--model_args dtype=%s: expected auto, bfloat16, float16 or float32", args["dtype"])}
	}
	if _, err := os.Stat(pretrained); err == nil {
		if args["revision"] != "" {
			return "", "", &usageError{fmt.Sprintf("--model_args revision=%s: pretrained=%s is a local directory", args["revision"], pretrained)}
		}
		return pretrained, dtype, nil
	}
	spec = "hf:" + pretrained
	if r := args["revision"]; r != "" {
		spec += "@" + r
	}
	return spec, dtype, nil
}

// lmEvalLocal maps --model local-completions and local-chat-completions
// onto openai:URL,...: base_url is lm-eval's full endpoint URL, whose
// /completions or /chat/completions ending fmkit adds itself; tokenizer
// may be a Hub id, whose tokenizer files are fetched into the cache.
func lmEvalLocal(ctx context.Context, chat bool, modelArgs string, stderr io.Writer) (string, error) {
	modelType := "local-completions"
	if chat {
		modelType = "local-chat-completions"
	}
	args, err := parseModelArgs(modelArgs)
	if err != nil {
		return "", err
	}
	if err := unknownArgs(modelType, args, "base_url", "model", "tokenizer", "num_concurrent", "max_retries", "max_gen_toks",
		"batch_size", "seed", "max_length", "timeout", "tokenized_requests", "tokenizer_backend"); err != nil {
		return "", err
	}
	base := args["base_url"]
	if base == "" {
		return "", &usageError{fmt.Sprintf("--model %s needs --model_args base_url=http://HOST:PORT/v1/%s", modelType, map[bool]string{false: "completions", true: "chat/completions"}[chat])}
	}
	base = strings.TrimSuffix(base, "/")
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/chat/completions"), "/completions")
	parts := []string{base}
	if chat {
		parts = append(parts, "chat=true")
	}
	if b := args["tokenizer_backend"]; b != "" && b != "huggingface" && b != "None" {
		return "", &usageError{fmt.Sprintf("--model_args tokenizer_backend=%s: fmkit reads Hugging Face tokenizers only", b)}
	}
	rename := map[string]string{"num_concurrent": "concurrency"}
	for _, k := range []string{"model", "num_concurrent", "max_retries", "max_gen_toks", "batch_size", "seed", "max_length", "timeout"} {
		v, ok := args[k]
		if !ok {
			continue
		}
		if k == "timeout" {
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				v += "s" // lm-eval's timeout is in seconds
			}
		}
		if r, ok := rename[k]; ok {
			k = r
		}
		parts = append(parts, k+"="+v)
	}
	if tok := args["tokenizer"]; tok != "" {
		dir, err := resolveTokenizer(ctx, tok, stderr)
		if err != nil {
			return "", err
		}
		parts = append(parts, "tokenizer="+dir)
	}
	return "openai:" + strings.Join(parts, ","), nil
}

// resolveTokenizer returns a local tokenizer directory for a path or a Hub
// model id (only the tokenizer files are fetched).
func resolveTokenizer(ctx context.Context, name string, stderr io.Writer) (string, error) {
	if _, err := os.Stat(name); err == nil {
		return name, nil
	}
	id := strings.TrimPrefix(name, "hf:")
	if !models.IsHubID(id) {
		return "", fmt.Errorf("tokenizer=%s: no such directory, and not a Hub id ORG/NAME", name)
	}
	tokenizerFile := func(p string) bool {
		switch path.Base(p) {
		case "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json":
			return !strings.Contains(p, "/")
		}
		return false
	}
	dir, err := hub.FromEnvironment().Snapshot(ctx, hub.Repo{Type: hub.Model, ID: id}, tokenizerFile, downloadProgress(stderr))
	if err != nil {
		return "", fmt.Errorf("tokenizer=%s: %w", name, err)
	}
	return dir, nil
}
