// Package tasks holds fmkit's built-in task definitions as embedded YAML in
// lm-evaluation-harness's format, exactly as lm-eval defines them: KMMLU in
// all five variants (kmmlu, kmmlu_direct, kmmlu_hard, kmmlu_direct_hard,
// kmmlu_cot_hard) with their subject groups (metadata version 2.0), and the
// nine zero-shot tasks of the classifier-free guidance paper (arc_easy,
// arc_challenge, boolq, hellaswag, lambada_openai, piqa, sciq, triviaqa,
// winogrande; the group cfg_paper lists them); the math evaluations of
// Llemma: Minerva MATH (minerva_math, its seven subjects, minerva_math500)
// and GSM8k (gsm8k, gsm8k_cot, gsm8k_cot_self_consistency) as lm-eval
// defines them, and the Llemma evaluation fork's MATH and GSM8k, greedy
// and with majority voting (llemma_minerva_math, llemma_minerva_math_majk,
// llemma_gsm8k, llemma_gsm8k_majk), scored by package mathcheck; fmkit's
// structural-recursion tasks (groups recursion, recursion_icl and
// recursion_trace, one member task per edge-case class), whose documents
// package recursion generates (dataset_path fmkit:recursion); and KMMLU's
// published reference figures.
package tasks

import (
	"embed"
	"io/fs"
)

//go:embed all:kmmlu all:arc all:boolq all:hellaswag all:lambada all:piqa all:sciq all:triviaqa all:winogrande all:cfg all:minerva_math all:gsm8k all:llemma all:recursion
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
}
