package model

import (
	"runtime"

	"github.com/fmkit/fmkit/tensor"
)

// workspace is the scratch memory of one Forward call, sized for its number
// of rows and reused across calls so that steady-state decoding allocates
// nothing.
type workspace struct {
	rows     []Row
	ids, pos []int
	rowStart []int
	x        []float32 // the residual stream
	h        []float32 // norm outputs, then the heads' outputs, then the MLP output
	h2       []float32 // the MLP input of parallel-residual models
	proj     []float32 // the attention output (for sequential models then the MLP input)
	qkv      []float32
	up, gate []float32 // mlpRows rows of MLP hidden activations
	cos, sin []float32
	invFreq  []float32
	segs     [][]segment
	tasks    []attnTask
	scratch  [][]float32 // per attention worker: [queryBlock, keys]

	sel       []int
	selHidden []float32
	logits    []float32

	// Decoding steps batch the projections that share an input (applyRow).
	ops  []tensor.GemvOp
	lins []*linear
	outs [][]float32
}

func grow(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

// getWorkspace returns a workspace laid out for the batch: rows, attention
// tasks and buffers large enough for its total rows.
func (m *Model) getWorkspace(total int, batch []Input) *workspace {
	m.mu.Lock()
	var ws *workspace
	if n := len(m.workspaces); n > 0 {
		ws = m.workspaces[n-1]
		m.workspaces = m.workspaces[:n-1]
	} else {
		ws = &workspace{}
	}
	m.mu.Unlock()

	c := &m.Config
	H, I := c.Hidden, c.Intermediate
	ws.x = grow(ws.x, total*H)
	ws.h = grow(ws.h, total*max(H, c.Heads*c.HeadDim))
	if c.ParallelResidual {
		ws.h2 = grow(ws.h2, total*H)
	}
	ws.proj = grow(ws.proj, total*H)
	ws.qkv = grow(ws.qkv, total*m.layout.width)
	ws.up = grow(ws.up, min(total, mlpRows)*I)
	if c.GatedMLP {
		ws.gate = grow(ws.gate, min(total, mlpRows)*I)
	}
	if m.rope != nil {
		ws.cos = grow(ws.cos, total*m.rope.dim/2)
		ws.sin = grow(ws.sin, total*m.rope.dim/2)
	}
	ws.selHidden = grow(ws.selHidden, min(total, m.logitsRows())*H)
	ws.logits = grow(ws.logits, min(total, m.logitsRows())*c.Vocab)

	ws.rows, ws.ids, ws.pos, ws.rowStart = ws.rows[:0], ws.ids[:0], ws.pos[:0], ws.rowStart[:0]
	ws.tasks = ws.tasks[:0]
	for len(ws.segs) < len(batch) {
		ws.segs = append(ws.segs, nil)
	}
	maxKeys := 0
	for i, in := range batch {
		ws.rowStart = append(ws.rowStart, len(ws.rows))
		s := in.Seq
		for j, id := range in.Tokens {
			ws.rows = append(ws.rows, Row{Input: i, Seq: s, Pos: s.n + j, Token: id})
			ws.ids = append(ws.ids, id)
			ws.pos = append(ws.pos, s.n+j)
		}
		n := len(in.Tokens)
		ws.segs[i] = s.segments(ws.segs[i][:0], s.n+n)
		maxKeys = max(maxKeys, s.n+n)
		for hd := 0; hd < c.Heads; hd++ {
			for i0 := 0; i0 < n; i0 += queryBlock {
				ws.tasks = append(ws.tasks, attnTask{input: i, head: hd, i0: i0, i1: min(n, i0+queryBlock)})
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(ws.tasks)))
	for len(ws.scratch) < workers {
		ws.scratch = append(ws.scratch, nil)
	}
	rowsPerTask := min(queryBlock, total)
	for w := 0; w < workers; w++ {
		ws.scratch[w] = grow(ws.scratch[w], rowsPerTask*maxKeys)
	}
	return ws
}

func (m *Model) putWorkspace(ws *workspace) {
	// Drop references to sequences so a pooled workspace does not keep
	// released caches alive.
	clear(ws.rows[:cap(ws.rows)])
	for i := range ws.segs {
		clear(ws.segs[i][:cap(ws.segs[i])])
	}
	m.mu.Lock()
	m.workspaces = append(m.workspaces, ws)
	m.mu.Unlock()
}
