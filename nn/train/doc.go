// Package train runs training loops over package nn: causal language
// modelling (LM) for now, with the data handling, checkpoints and resume
// that make a run reproducible and interruptible.
//
// # Data
//
// ReadFile reads JSON Lines ({"text": ...} encoded with a tokenizer, or
// {"ids": [...]}) or plain text cut by line, paragraph or document. With
// Options.Shuffle (the default) every sequence, each text followed by the
// model's EOS, is packed into SeqLen-token blocks as Hugging Face's run_clm
// does, and the blocks are visited in a new seeded order each epoch;
// without it each sequence is one example, in file order, right-padded
// within its batch (padding predicts nothing and, under the causal mask,
// changes nothing).
//
// # Steps
//
// An optimizer step takes GradAccum micro-batches. The loss is the mean
// next-token cross-entropy over all tokens the step predicts, so the
// gradient equals that of one batch of all the micro-batches. Gradients are
// clipped by global norm, the learning rate follows a Hugging Face schedule,
// and the step is stopped, keeping the weights from before it, if the loss
// or the gradient norm is not finite.
//
// # Checkpoints
//
// Out/checkpoint-STEP holds the model in Hugging Face layout, the
// optimizer's state (optimizer.safetensors) and the run's position
// (trainer_state.json); it is written under a temporary name and renamed, so
// it is complete or absent. Resume restores all three, after which the run
// continues bit for bit as if it had not stopped: shuffling and dropout are
// functions of the seed, the epoch and the step, not of a generator's
// history.
package train
