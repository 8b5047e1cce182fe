package model

import (
	"math"

	"github.com/fmkit/fmkit/tensor"
)

// queryBlock is the number of query rows one attention task handles. Keys
// beyond the block's last position are never scored, so causal masking
// wastes at most the upper triangle of one block.
const queryBlock = 64

// attnTask is one (batch entry, head, block of query rows) of a step.
type attnTask struct {
	input, head, i0, i1 int
}

// attention runs the projections, rotary embedding, cache writes and
// attention of layer l for every row, leaving the heads' outputs in att
// ([rows, heads·headDim]), which may overlap h: h is read only by the
// projections, which come first.
func (m *Model) attention(ws *workspace, batch []Input, l int, h, att []float32) {
	c := &m.Config
	T, W := len(ws.rows), m.layout.width
	lay := m.layout
	qkv := ws.qkv[:T*W]
	if T == 1 && len(m.layers[l].qkv) > 1 {
		ws.lins, ws.outs = ws.lins[:0], ws.outs[:0]
		off := 0
		for i := range m.layers[l].qkv {
			p := &m.layers[l].qkv[i]
			ws.lins, ws.outs = append(ws.lins, p), append(ws.outs, qkv[off:off+p.out])
			off += p.out
		}
		ws.ops = applyRow(ws.lins, ws.outs, h[:c.Hidden], ws.ops)
	} else {
		off := 0
		for i := range m.layers[l].qkv {
			p := &m.layers[l].qkv[i]
			p.apply(qkv[off:], W, h, c.Hidden, T)
			off += p.out
		}
	}
	d, nh, nkv := c.HeadDim, c.Heads, c.KVHeads

	// Rotate queries and keys, then store keys and values in the caches.
	parallelFor(T, 16, func(_, r int) {
		row := qkv[r*W : (r+1)*W]
		if m.rope != nil {
			half := m.rope.dim / 2
			cos, sin := ws.cos[r*half:(r+1)*half], ws.sin[r*half:(r+1)*half]
			for hd := 0; hd < nh; hd++ {
				rotate(row[lay.qBase+hd*lay.qStride:], cos, sin)
			}
			for j := 0; j < nkv; j++ {
				rotate(row[lay.kBase+j*lay.kStride:], cos, sin)
			}
		}
		rw := ws.rows[r]
		s, i := rw.Seq, rw.Pos-rw.Seq.parentLen
		for j := 0; j < nkv; j++ {
			o := s.kvOffset(l, j, i)
			copy(s.k[o:o+d], row[lay.kBase+j*lay.kStride:])
			copy(s.v[o:o+d], row[lay.vBase+j*lay.vStride:])
		}
	})

	scale := float32(1)
	if c.ScaleAttn {
		scale = float32(1 / math.Sqrt(float64(d)))
	}
	if c.ScaleByLayer {
		scale /= float32(l + 1)
	}
	group := nh / nkv
	ldo := nh * d
	parallelFor(len(ws.tasks), 1, func(worker, t int) {
		task := ws.tasks[t]
		in := batch[task.input]
		n0 := in.Seq.n
		lb := task.i1 - task.i0
		nk := n0 + task.i1 // keys visible to the block's last row
		first := ws.rowStart[task.input] + task.i0
		q := qkv[first*W+lay.qBase+task.head*lay.qStride:]
		j := task.head / group
		scores := ws.scratch[worker][:lb*nk]
		segs := ws.segs[task.input]
		for _, sg := range segs {
			if sg.start >= nk {
				break
			}
			cnt := min(sg.n, nk-sg.start)
			kb := sg.k[(l*nkv+j)*sg.cap*d:]
			tensor.Gemm(false, true, lb, cnt, d, scale, q, W, kb, d, 0, scores[sg.start:], nk)
		}
		for r := 0; r < lb; r++ {
			row := scores[r*nk : (r+1)*nk]
			valid := n0 + task.i0 + r + 1 // causal: positions 0..pos
			tensor.SoftmaxTo(row[:valid], row[:valid])
			clear(row[valid:])
		}
		out := att[first*ldo+task.head*d:]
		beta := float32(0)
		for _, sg := range segs {
			if sg.start >= nk {
				break
			}
			cnt := min(sg.n, nk-sg.start)
			vb := sg.v[(l*nkv+j)*sg.cap*d:]
			tensor.Gemm(false, false, lb, d, cnt, 1, scores[sg.start:], nk, vb, d, beta, out, ldo)
			beta = 1
		}
	})
}
