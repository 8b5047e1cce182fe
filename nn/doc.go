// Package nn trains neural networks: float32 tensors that carry gradients,
// a tape for reverse-mode differentiation, the operations transformers are
// made of (each with its backward pass, on fmkit's GEMM and vector
// kernels), layers, losses and optimizers with PyTorch's semantics.
//
// # Tensors and the tape
//
// A Tensor is dense and row-major. Leaves (New, FromData, NewParam) own
// their storage; parameters are leaves that require gradients. Every
// operation is a method on a *Tape, which records it when one of its inputs
// requires a gradient:
//
//	g := nn.NewTape[float32]()
//	h := g.Linear(x, w, b)
//	loss := g.CrossEntropy(h, targets, nn.CrossEntropyOptions{})
//	g.Backward(loss) // w and b now hold gradients
//	g.Reset()
//
// The tape is also the arena its results live in: their buffers come from a
// pool that Reset refills, so a training loop allocates nothing once warm.
// Backward releases each intermediate result as soon as no earlier
// operation needs it. A nil *Tape computes without recording and allocates
// with make; a Tape with NoGrad set pools without recording.
//
// Float64 tensors run the same operations on plain Go loops and gonum's
// BLAS; they exist so that every gradient can be checked against finite
// differences.
//
// # Invariants
//
// Operations never modify their inputs. They panic on programmer errors
// (shapes that do not fit, ids outside a vocabulary), with a message that
// names the operation and both shapes; they never panic on values: NaN and
// ±Inf propagate.
//
// # Concurrency
//
// A Tape is not safe for concurrent use. Operations split their work over
// GOMAXPROCS goroutines themselves, in ways that do not depend on the number
// of goroutines where that would change results: reductions over rows sum
// in a fixed order, and dropout masks are a function of a key and the
// element's index.
package nn
