// Package guided implements classifier-free guidance (CFG) for language
// models, as in Sanchez et al., "Stay on topic with Classifier-Free
// Guidance" (2023), for generation and for scoring.
//
// # The method
//
// Every next-token distribution is computed twice: conditioned on the prompt
// c, and on an unconditional prompt c̄. In log-probability space the guided
// distribution is
//
//	log P̂(w | c) = log P(w | c̄) + γ·(log P(w | c) − log P(w | c̄))
//
// with both branches log-softmaxed first and no renormalisation afterwards,
// as in transformers' UnbatchedClassifierFreeGuidanceLogitsProcessor. γ = 1
// is ordinary decoding, γ = 0 the unconditional branch alone, γ > 1 pushes
// the text towards the prompt. The paper uses γ = 1.5 for zero-shot
// benchmarks and code, about 3 for steering with a system or negative
// prompt, and finds reasoning and code degrading above 2.
//
// # The unconditional branch
//
// Options.Uncond selects c̄: LastToken (the prompt's last token, the paper's
// setting for benchmarks and the default), Empty (the prefix token alone:
// BOS, else EOS) or Negative (a negative prompt, to steer away from it).
// The branch has its own cache and is fed every generated token; for
// scoring it is followed by the same continuation tokens as the prompt.
//
// # Generation and scoring
//
// Model implements lm.Model. Generation applies guidance before the
// sampler's repetition penalty, temperature, top-k, top-p and min-p; a
// prompt samples from its own seeded stream, so batched and unbatched
// generation agree. Loglikelihood sums the guided log-probabilities of the
// continuation's tokens; is_greedy says whether greedy guided decoding would
// produce them. Rolling loglikelihood has no prompt to guide by and is
// supported only at γ = 1, where every request passes through to the
// backend unchanged, so that γ = 1 reproduces unguided results bit for bit.
//
// # The backend
//
// Guidance needs the whole next-token distribution of both branches and a
// key/value cache per branch, so it runs over lm/native, the one backend
// that has them: New takes a *native.Model, which answers unguided
// requests, tokenises, and whose engine (model.Model) runs the branches as
// sequences. An HTTP backend returns only the top few log-probabilities and
// cannot be guided.
//
// # Cost
//
// The two branches of every request run in the same batched engine steps,
// not one after the other: guided scoring and decoding cost about twice the
// unguided work in one pass instead of two passes.
// LogProbsTo is the per-token arithmetic for callers (such as a server
// doing continuous batching) that run the branches themselves.
package guided
