// Package model runs Hugging Face causal language models (GPT-NeoX/Pythia,
// Llama 2/3, Code Llama, Llemma, GPT-2) natively on the CPU, with key/value
// caches, batching of sequences of different lengths, layer hooks and
// sampling.
//
// # Loading
//
// Load reads a model directory in Hugging Face layout (config.json and
// safetensors weights, single or sharded), or a GGUF file (see below).
// Weights stay in their stored dtype (f32, bf16, f16, or llama.cpp's
// quantized q8_0, q4_0, q4_k, q5_k and q6_k) and are read in place from the
// memory-mapped files; Options.DType converts them at load time instead
// (quantizing with llama.cpp's reference quantizers). Activations and the
// KV cache are float32.
//
// # GGUF
//
// GGUF files of the architectures llama.cpp calls llama, gptneox and gpt2
// load through the same table as checkpoints: each architecture's ggufArch
// turns the metadata into config.json keys and pairs GGUF tensor names with
// Hugging Face ones, undoing llama.cpp's row layouts (rotary rows permuted
// in q and k, NeoX's regrouped qkv; GPT-2's Conv1D weights are bound as
// stored, [out, in]). WriteGGUF writes the reverse, as llama.cpp's
// convert_hf_to_gguf.py does.
//
// # Architectures
//
// Each architecture is one file (gptneox.go, llama.go, gpt2.go) with a
// config function, which reads its config.json keys with Hugging Face's
// defaults and sets the Config fields that say how it differs (Norm,
// GatedMLP, ParallelResidual, LearnedPositions, the biases, RotaryDim), and
// a bind function, which names its checkpoint's tensors; the table in
// arch.go registers both under the model_type. The forward pass reads only
// Config's fields, so a new architecture built from the same blocks is its
// file and one line of the table. Mistral and Qwen2 configs are read (for
// package shapes) but not run: ConfigModelTypes lists them,
// SupportedModelTypes does not.
//
// # Sequences and steps
//
// The engine's one mechanism is Forward: a step that appends new tokens to
// any number of Sequences in one pass. Each Input pairs a Sequence with its
// new tokens; inputs have any lengths and their sequences any cached
// lengths. Rows are packed without padding, and attention is causal within
// each sequence and never crosses sequences. Everything else is built from
// it:
//
//   - Scoring: one Input per text with Logits: AllLogits; the Logits callback
//     receives every position's next-token logits, chunk by chunk, so scoring
//     32×512 tokens never holds 16384×vocab floats.
//   - Incremental decoding: a prefill step with Logits: 1, then one-token
//     steps. Model.Generate does this with sampling and stopping.
//   - Prefix reuse: run the shared context once, then Fork the sequence once
//     per continuation. Forks share the parent's cache without copying it and
//     can run in one batch (the four choices of a multiple-choice question
//     cost one context pass).
//   - Classifier-free guidance: two sequences (conditional and
//     unconditional) as two Inputs of the same step; combine their logits in
//     the callback.
//   - Continuous batching: a server keeps one Sequence per request and calls
//     Forward with whichever requests have work; sequences join and leave
//     between steps, Reset or Release them when done.
//
// A Sequence's cache is allocated when it is created, for a fixed capacity
// (Model.CacheBytes says how much memory), so running out of memory happens
// there and not in the middle of a step.
//
// # Logits and log-probabilities
//
// ForwardOptions.Logits receives the raw logits of each requested row, or
// with ForwardOptions.LogProbs the next-token log-probabilities, computed
// by the engine on all cores.
//
// # Hooks
//
// ForwardOptions.Hooks attaches functions to named sites:
//
//	layers.N.attn_in     the attention input (after the input norm)
//	layers.N.mlp_in      the MLP's normalised input
//	layers.N.resid_out   the residual stream after layer N
//	final_norm_out       the final norm's output, the LM head's input
//
// A hook receives the whole step's activations at that site, [rows, hidden],
// with the sequence, position and token of every row, and may read them or
// modify them in place. ForwardOptions.StopAfter ends the pass after a site
// without advancing the sequences, so a caller can fit something to a site's
// activations and run the same tokens again with a new hook installed (layer
// by layer concept erasure does exactly that).
//
// # Running from a residual stream
//
// ForwardOptions.StartAfter ("layers.N.resid_out") with
// ForwardOptions.Residual starts a pass from a given residual stream after
// layer N instead of from the tokens: layers 0..N are skipped. With a hook
// that keeps layers.M.resid_out and StopAfter there, a caller carries the
// stream through the model a few layers per pass, running each layer once
// over a whole corpus (see Example_startAfter). Such passes do not advance
// the sequences, whose caches then lack the skipped layers.
//
// # Speed
//
// Float32 weight matrices are packed once at load into the layout the GEMM
// micro-kernel reads (tensor.PackB), so no step repacks them; the mapped
// originals are then evicted so that each weight is held once. 16-bit
// weights stay 16-bit (packing would widen them to twice the memory) and
// are widened inside the kernels: batch-1 decoding, which is bound by
// memory bandwidth, is fastest with bf16 weights, and batch scoring with
// f32 weights (Options.DType converts at load).
//
// # Concurrency and memory
//
// A Model is safe for concurrent use; each Forward takes its scratch space
// from a pool. A Sequence belongs to one Forward at a time. Matrix kernels
// use up to GOMAXPROCS goroutines, and so does attention.
package model
