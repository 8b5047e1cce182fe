package recursion

import (
	"errors"
	"fmt"
)

// drawer draws the arguments of one function within ranges.
type drawer struct {
	fn Func
	r  Ranges
}

// errDraw means a bucket's inputs could not be found: the ranges leave it
// empty or nearly so.
var errDraw = errors.New("no input found")

// maxTries bounds rejection sampling per input.
const maxTries = 200_000

// natural draws every argument from the training distribution: positives
// of a uniform bit length with uniform bits, trees of a uniform node count
// and random-binary-search-tree shape within the depth bound, lists of a
// uniform length, uniform labels.
func (d *drawer) natural(g *rng) ([]*Term, error) {
	args := make([]*Term, len(d.fn.Params))
	for i, p := range d.fn.Params {
		switch p.Type {
		case Positive:
			args[i] = randomPositive(g, g.between(d.r.MinLen, d.r.MaxLen))
		case Tree:
			t, err := d.randomTree(g, d.r.MinNodes, d.r.MaxNodes, 1, d.r.MaxDepth)
			if err != nil {
				return nil, err
			}
			args[i] = t
		case List:
			n := g.between(d.r.MinNodes, d.r.MaxNodes)
			labels := make([]int, n)
			for j := range labels {
				labels[j] = g.intn(d.r.Labels)
			}
			args[i] = NatList(labels)
		case Nat:
			args[i] = N(g.intn(d.r.Labels))
		}
	}
	return args, nil
}

// randomPositive returns a positive of exactly n bits, the others uniform.
func randomPositive(g *rng, n int) *Term {
	bits := make([]byte, n)
	bits[0] = '1'
	for i := 1; i < n; i++ {
		bits[i] = '0'
		if g.bit() {
			bits[i] = '1'
		}
	}
	t, _ := PosFromBits(string(bits))
	return t
}

// succCarry draws a number with lo..hi trailing 1 bits followed by a 0.
func (d *drawer) succCarry(g *rng, lo, hi int) ([]*Term, error) {
	hi = min(hi, d.r.MaxLen-2)
	if hi < lo {
		return nil, fmt.Errorf("%w: %d trailing 1 bits need %d bits, more than %d", errDraw, lo, lo+2, d.r.MaxLen)
	}
	k := g.between(lo, hi)
	n := g.between(max(d.r.MinLen, k+2), d.r.MaxLen)
	bits := make([]byte, n) // most significant first
	for i := range bits {
		switch {
		case i == 0:
			bits[i] = '1'
		case i >= n-k:
			bits[i] = '1'
		case i == n-k-1:
			bits[i] = '0'
		default:
			bits[i] = '0'
			if g.bit() {
				bits[i] = '1'
			}
		}
	}
	t, _ := PosFromBits(string(bits))
	return []*Term{t}, nil
}

func (d *drawer) allOnes(g *rng) ([]*Term, error) {
	n := g.between(max(2, d.r.MinLen), d.r.MaxLen)
	bits := make([]byte, n)
	for i := range bits {
		bits[i] = '1'
	}
	t, _ := PosFromBits(string(bits))
	return []*Term{t}, nil
}

// longer draws every positive argument 1 to longerBy bits beyond MaxLen.
func (d *drawer) longer(g *rng) ([]*Term, error) {
	args, err := d.natural(g)
	if err != nil {
		return nil, err
	}
	for i, p := range d.fn.Params {
		if p.Type == Positive {
			args[i] = randomPositive(g, g.between(d.r.MaxLen+1, d.r.MaxLen+longerBy))
		}
	}
	return args, nil
}

// shapeNode is a placeholder label; labelTree fills labels in.
const shapeNode = -1

func node(l, r *Term) *Term { return C("Node", N(shapeNode), l, r) }

// randomShape returns a random-binary-search-tree shape of n nodes: the
// root's left subtree gets a uniform share of the other n−1.
func randomShape(g *rng, n int) *Term {
	if n == 0 {
		return C("Leaf")
	}
	k := g.intn(n)
	return node(randomShape(g, k), randomShape(g, n-1-k))
}

// randomTree draws a labelled tree of minN..maxN nodes whose depth is in
// minD..maxD.
func (d *drawer) randomTree(g *rng, minN, maxN, minD, maxD int) (*Term, error) {
	for try := 0; try < maxTries; try++ {
		n := g.between(minN, maxN)
		t := randomShape(g, n)
		if dep := treeDepth(t); (dep >= minD || n == 0) && dep <= maxD {
			return d.labelTree(g, t), nil
		}
	}
	return nil, fmt.Errorf("%w: no tree of %d to %d nodes has depth %d to %d often enough", errDraw, minN, maxN, minD, maxD)
}

// labelTree gives the nodes labels in pre-order: distinct ones while
// there are enough, uniform ones otherwise.
func (d *drawer) labelTree(g *rng, shape *Term) *Term {
	n := treeSize(shape)
	var labels []int
	if n <= d.r.Labels {
		labels = g.perm(d.r.Labels)[:n]
	} else {
		for range n {
			labels = append(labels, g.intn(d.r.Labels))
		}
	}
	i := 0
	var fill func(t *Term) *Term
	fill = func(t *Term) *Term {
		if t.Name != "Node" {
			return t
		}
		v := labels[i]
		i++
		l := fill(t.Args[1])
		return C("Node", N(v), l, fill(t.Args[2]))
	}
	return fill(shape)
}

// spine draws a left spine, right spine or zigzag (a path with turns on
// both sides) as the first argument.
func (d *drawer) spine(g *rng, kind string) ([]*Term, error) {
	args, err := d.natural(g)
	if err != nil {
		return nil, err
	}
	least := 2
	if kind == "zigzag" {
		least = 3
	}
	lo, hi := max(least, d.r.MinNodes), min(d.r.MaxNodes, d.r.MaxDepth)
	if hi < lo {
		return nil, fmt.Errorf("%w: a %s needs %d nodes, the ranges allow %d", errDraw, kind, lo, hi)
	}
	n := g.between(lo, hi)
	sides := make([]bool, n-1) // true: the child is on the left
	for {
		for i := range sides {
			switch kind {
			case "left":
				sides[i] = true
			case "right":
				sides[i] = false
			default:
				sides[i] = g.bit()
			}
		}
		if kind != "zigzag" || !allSame(sides) {
			break
		}
	}
	t := node(C("Leaf"), C("Leaf"))
	for i := len(sides) - 1; i >= 0; i-- {
		if sides[i] {
			t = node(t, C("Leaf"))
		} else {
			t = node(C("Leaf"), t)
		}
	}
	args[0] = d.labelTree(g, t)
	return args, nil
}

func allSame(b []bool) bool {
	for _, x := range b {
		if x != b[0] {
			return false
		}
	}
	return true
}

func (d *drawer) perfect(g *rng) ([]*Term, error) {
	args, err := d.natural(g)
	if err != nil {
		return nil, err
	}
	depths := perfectDepths(d.r)
	if len(depths) == 0 {
		return nil, fmt.Errorf("%w: no perfect tree fits %d to %d nodes and depth %d", errDraw, d.r.MinNodes, d.r.MaxNodes, d.r.MaxDepth)
	}
	var build func(depth int) *Term
	build = func(depth int) *Term {
		if depth == 0 {
			return C("Leaf")
		}
		return node(build(depth-1), build(depth-1))
	}
	args[0] = d.labelTree(g, build(depths[g.intn(len(depths))]))
	return args, nil
}

// deeper draws a first tree 1 to deeperBy levels deeper than MaxDepth.
func (d *drawer) deeper(g *rng) ([]*Term, error) {
	args, err := d.natural(g)
	if err != nil {
		return nil, err
	}
	minD, maxD := d.r.MaxDepth+1, d.r.MaxDepth+deeperBy
	t, err := d.randomTree(g, minD, max(d.r.MaxNodes, minD)+deeperBy+1, minD, maxD)
	if err != nil {
		return nil, err
	}
	args[0] = t
	return args, nil
}
