// Package tasks holds fmkit's built-in task definitions as embedded YAML in
// lm-evaluation-harness's format, exactly as lm-eval defines them: KMMLU in
// all five variants (kmmlu, kmmlu_direct, kmmlu_hard, kmmlu_direct_hard,
// kmmlu_cot_hard) with their subject groups (metadata version 2.0), and the
// nine zero-shot tasks of the classifier-free guidance paper (arc_easy,
// arc_challenge, boolq, hellaswag, lambada_openai, piqa, sciq, triviaqa,
// winogrande; the group cfg_paper lists them); and published reference
// figures for KMMLU and for guided LAMBADA.
package tasks

import (
	"embed"
	"io/fs"
)

//go:embed all:kmmlu all:arc all:boolq all:hellaswag all:lambada all:piqa all:sciq all:triviaqa all:winogrande all:cfg
var files embed.FS

// FS returns the built-in task YAMLs.
func FS() fs.FS { return files }

// Reference is a published figure for a benchmark.
type Reference struct {
	System string
	Score  float64 // percent
	Note   string
}

// References are the KMMLU paper's headline figures (Son et al., 2024,
// arXiv:2402.11548), for `fmkit tasks show kmmlu`. The paper reports the
// macro average over subjects; lm-eval's group score is the micro average.
var References = map[string][]Reference{
	"kmmlu": {
		{System: "Human (average test-taker)", Score: 62.6, Note: "average human accuracy over the questions that report it"},
		{System: "GPT-4", Score: 59.95, Note: "best proprietary model in the paper"},
		{System: "HyperCLOVA X", Score: 53.40, Note: "Korean-focused proprietary model"},
		{System: "Best public model (Qwen-72B)", Score: 50.54, Note: "5-shot"},
	},
	// Zero-shot LAMBADA accuracy without and with classifier-free guidance
	// (γ = 1.5, last-token unconditional branch), from Sanchez et al.,
	// "Stay on topic with Classifier-Free Guidance" (2023), arXiv:2306.17806.
	"lambada_openai": {
		{System: "GPT-2 small", Score: 32.6, Note: "γ = 1"},
		{System: "GPT-2 small, CFG γ = 1.5", Score: 44.6, Note: "+12.0"},
		{System: "Pythia-12B", Score: 70.4, Note: "γ = 1"},
		{System: "Pythia-12B, CFG γ = 1.5", Score: 80.6, Note: "+10.2"},
		{System: "LLaMA-7B", Score: 73.6, Note: "γ = 1"},
		{System: "LLaMA-7B, CFG γ = 1.5", Score: 81.3, Note: "+7.7, above PaLM-540B's 77.9"},
		{System: "LLaMA-13B", Score: 76.2, Note: "γ = 1"},
		{System: "LLaMA-13B, CFG γ = 1.5", Score: 82.2, Note: "+6.0"},
	},
}
