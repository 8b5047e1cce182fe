package nn

import "fmt"

// Tape records operations for reverse-mode differentiation, and is the
// arena their results live in.
//
// Every operation is a method on a *Tape. A nil *Tape is valid: operations
// then compute without recording and allocate their results with make, which
// is what a one-off inference call wants. A Tape with NoGrad set records
// nothing either but still serves results from its pool, so that a loop of
// evaluation batches allocates nothing once warm.
//
// A training step runs the forward pass on a tape, calls Backward once on
// the scalar loss, lets the optimizer use the leaves' gradients, and calls
// Reset. Backward releases each intermediate result as soon as no earlier
// operation needs it, so memory peaks at the end of the forward pass, as in
// PyTorch; read values you need from intermediate results before Backward, or
// mark them with Keep.
//
// A Tape is not safe for concurrent use; its operations use all cores
// themselves.
type Tape[T Float] struct {
	// NoGrad turns recording off: results never require gradients.
	NoGrad bool

	nodes []node[T]
	pool  pool[T]
	spent bool // Backward has run since the last Reset
}

// node is one recorded operation: its result and how to pass the result's
// gradient back to the inputs. Scratch holds pooled buffers the operation
// saved for its backward pass.
type node[T Float] struct {
	out      *Tensor[T]
	backward func()
	scratch  [][]T
}

// NewTape returns an empty recording tape.
func NewTape[T Float]() *Tape[T] { return &Tape[T]{} }

// recording reports whether an operation on inputs should be recorded.
func (g *Tape[T]) recording(inputs ...*Tensor[T]) bool {
	if g == nil || g.NoGrad {
		return false
	}
	for _, t := range inputs {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// result returns a new tensor of the given shape for an operation on inputs,
// registered on the tape. Its values are uninitialised when they come from
// the pool: operations write every element.
func (g *Tape[T]) result(shape []int, inputs ...*Tensor[T]) *Tensor[T] {
	if g != nil && g.spent {
		panic("nn: operation on a tape after Backward; call Reset first")
	}
	n := numel("result", shape)
	out := &Tensor[T]{shape: shape}
	if g == nil {
		out.data = make([]T, n)
		return out
	}
	out.data = g.pool.get(n)
	out.pooledData = true
	out.tape = g
	out.node = len(g.nodes)
	out.requiresGrad = g.recording(inputs...)
	g.nodes = append(g.nodes, node[T]{out: out})
	return out
}

// view returns a tensor of a new shape over in's storage, registered on the
// tape (it never owns the storage).
func (g *Tape[T]) view(in *Tensor[T], shape []int) *Tensor[T] {
	if g != nil && g.spent {
		panic("nn: operation on a tape after Backward; call Reset first")
	}
	out := &Tensor[T]{shape: shape, data: in.data, base: in}
	if in.base != nil {
		out.base = in.base
	}
	if g == nil {
		return out
	}
	out.tape = g
	out.node = len(g.nodes)
	out.requiresGrad = g.recording(in)
	g.nodes = append(g.nodes, node[T]{out: out})
	return out
}

// onBackward sets the backward function of out's operation. It does
// nothing when out does not require a gradient.
func (g *Tape[T]) onBackward(out *Tensor[T], f func()) {
	if out.requiresGrad {
		g.nodes[out.node].backward = f
	}
}

// scratch returns a pooled buffer of n elements that lives with out's node:
// it is released after the node's backward pass (or at Reset). With a nil
// tape it is plain memory.
func (g *Tape[T]) scratch(out *Tensor[T], n int) []T {
	if g == nil {
		return make([]T, n)
	}
	b := g.pool.get(n)
	nd := &g.nodes[out.node]
	nd.scratch = append(nd.scratch, b)
	return b
}

// temp returns a pooled buffer for use within one call; give it back with
// put.
func (g *Tape[T]) temp(n int) []T {
	if g == nil {
		return make([]T, n)
	}
	return g.pool.get(n)
}

// put returns a buffer from temp.
func (g *Tape[T]) put(b []T) {
	if g != nil {
		g.pool.put(b)
	}
}

// Backward computes the gradient of the one-element tensor loss with
// respect to every tensor on the tape that requires one, and adds it to the
// leaves' gradients. Intermediate results are released as it goes (see
// Tape). It panics if loss is not a one-element result of this tape, or if
// Backward already ran since the last Reset.
func (g *Tape[T]) Backward(loss *Tensor[T]) {
	if len(loss.data) != 1 {
		panic(fmt.Sprintf("nn: Backward of a tensor of shape %v; the loss must have one element", loss.shape))
	}
	g.BackwardFrom(loss, []T{1})
}

// BackwardFrom is Backward from a result of any shape with a given
// gradient (the vector of a vector-Jacobian product).
func (g *Tape[T]) BackwardFrom(root *Tensor[T], grad []T) {
	if g == nil || root.tape != g {
		panic("nn: Backward of a tensor that is not a result of this tape")
	}
	if g.spent {
		panic("nn: Backward twice on one tape; call Reset between passes")
	}
	if len(grad) != len(root.data) {
		panic(fmt.Sprintf("nn: BackwardFrom: %d gradient values for shape %v", len(grad), root.shape))
	}
	g.spent = true
	root.keep = true
	if root.requiresGrad {
		root.accumulate(grad)
	}
	for i := root.node; i >= 0; i-- {
		nd := &g.nodes[i]
		if nd.backward != nil && nd.out.grad != nil {
			nd.backward()
		}
		g.release(nd)
	}
}

// release gives back what a node no longer needs once its backward pass
// has run: its scratch, its result's gradient and (unless kept) its values.
func (g *Tape[T]) release(nd *node[T]) {
	for _, b := range nd.scratch {
		g.pool.put(b)
	}
	nd.scratch = nil
	nd.backward = nil
	out := nd.out
	if out.pooledGrad {
		g.pool.put(out.grad)
		out.grad, out.pooledGrad = nil, false
	}
	if out.pooledData && !out.keep {
		g.pool.put(out.data)
		out.data, out.pooledData = nil, false
	}
}

// Reset releases every result of the tape and makes it ready for the next
// pass. Results from before the Reset must not be used afterwards: their
// storage is reused.
func (g *Tape[T]) Reset() {
	for i := range g.nodes {
		nd := &g.nodes[i]
		nd.out.keep = false
		g.release(nd)
		nd.out.tape = nil
		g.nodes[i] = node[T]{}
	}
	g.nodes = g.nodes[:0]
	g.spent = false
	g.pool.trim()
}

// pool keeps buffers by length for reuse. A training loop asks for the same
// sizes every step, so after the first step it allocates nothing; trim drops
// what the last cycle did not use, so that changing shapes do not pile up.
type pool[T Float] struct {
	free map[int]*bucket[T]
}

type bucket[T Float] struct {
	bufs     [][]T
	out, max int // buffers handed out now, and at most during this cycle
}

func (p *pool[T]) get(n int) []T {
	if p.free == nil {
		p.free = make(map[int]*bucket[T])
	}
	b := p.free[n]
	if b == nil {
		b = &bucket[T]{}
		p.free[n] = b
	}
	b.out++
	b.max = max(b.max, b.out)
	if k := len(b.bufs); k > 0 {
		buf := b.bufs[k-1]
		b.bufs[k-1] = nil
		b.bufs = b.bufs[:k-1]
		return buf
	}
	return make([]T, n)
}

func (p *pool[T]) put(buf []T) {
	b := p.free[len(buf)]
	if b == nil {
		return // not ours (a zero-length buffer, say)
	}
	b.out--
	b.bufs = append(b.bufs, buf[:len(buf):len(buf)])
}

// trim keeps, for each size, as many free buffers as the cycle used at
// once, and starts a new cycle.
func (p *pool[T]) trim() {
	for n, b := range p.free {
		if b.max == 0 {
			delete(p.free, n)
			continue
		}
		for len(b.bufs) > b.max {
			b.bufs[len(b.bufs)-1] = nil
			b.bufs = b.bufs[:len(b.bufs)-1]
		}
		b.max = b.out
	}
}
