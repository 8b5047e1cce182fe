package recursion

import (
	"fmt"
	"strings"
)

// Ranges bound the sizes of generated arguments. Zero fields take the
// defaults.
type Ranges struct {
	// MinLen and MaxLen bound the bits of each positive argument (xH has
	// one bit). The defaults are 1 and 12.
	MinLen, MaxLen int
	// MinNodes and MaxNodes bound the nodes of each tree argument and the
	// length of each list argument. The defaults are 1 and 8.
	MinNodes, MaxNodes int
	// MaxDepth bounds the depth of each tree argument (nodes on the
	// longest root-to-leaf path). The default is 5.
	MaxDepth int
	// Labels is how many different labels (0 to Labels−1) trees and lists
	// use. The default is 10, so that a label is one digit.
	Labels int
}

// DefaultRanges returns the ranges of the built-in tasks' training data
// and in-distribution test sets: positives of 1 to 12 bits, trees of 1 to
// 8 nodes and depth at most 5, labels 0 to 9.
func DefaultRanges() Ranges {
	return Ranges{MinLen: 1, MaxLen: 12, MinNodes: 1, MaxNodes: 8, MaxDepth: 5, Labels: 10}
}

// withDefaults fills in zero fields.
func (r Ranges) withDefaults() Ranges {
	d := DefaultRanges()
	if r.MinLen == 0 {
		r.MinLen = d.MinLen
	}
	if r.MaxLen == 0 {
		r.MaxLen = max(d.MaxLen, r.MinLen)
	}
	if r.MinNodes == 0 {
		r.MinNodes = d.MinNodes
	}
	if r.MaxNodes == 0 {
		r.MaxNodes = max(d.MaxNodes, r.MinNodes)
	}
	if r.MaxDepth == 0 {
		r.MaxDepth = max(d.MaxDepth, min(r.MinNodes, r.MaxNodes))
	}
	if r.Labels == 0 {
		r.Labels = d.Labels
	}
	return r
}

// validate lists every violation.
func (r Ranges) validate() []string {
	var errs []string
	if r.MinLen < 1 || r.MaxLen < r.MinLen {
		errs = append(errs, fmt.Sprintf("lengths %d..%d: expected 1 ≤ min ≤ max", r.MinLen, r.MaxLen))
	}
	if r.MaxLen > 4096 {
		errs = append(errs, fmt.Sprintf("max length %d: at most 4096 bits", r.MaxLen))
	}
	if r.MinNodes < 0 || r.MaxNodes < r.MinNodes || r.MaxNodes > 4096 {
		errs = append(errs, fmt.Sprintf("nodes %d..%d: expected 0 ≤ min ≤ max ≤ 4096", r.MinNodes, r.MaxNodes))
	}
	if r.MaxDepth < 1 {
		errs = append(errs, fmt.Sprintf("max depth %d: expected 1 or more", r.MaxDepth))
	}
	if r.MinNodes > 0 && r.MaxDepth > 0 && 1<<min(r.MaxDepth, 30)-1 < r.MinNodes {
		errs = append(errs, fmt.Sprintf("min nodes %d do not fit in depth %d", r.MinNodes, r.MaxDepth))
	}
	if r.Labels < 1 || r.Labels > 1_000_000 {
		errs = append(errs, fmt.Sprintf("labels %d: expected 1 to 1000000", r.Labels))
	}
	return errs
}

// Out-of-distribution test sizes: this many bits or levels beyond the
// training ranges.
const (
	longerBy = 4
	deeperBy = 3
)

// profile is the family of edge-case classes of a function, chosen by its
// parameter types.
type profile uint8

const (
	profileGeneric profile = iota
	profileSucc            // one positive argument
	profileAdd             // two positive arguments
	profileTree            // a tree as first argument
)

func profileOf(f Func) profile {
	switch {
	case len(f.Params) == 1 && f.Params[0].Type == Positive:
		return profileSucc
	case len(f.Params) == 2 && f.Params[0].Type == Positive && f.Params[1].Type == Positive:
		return profileAdd
	case f.Params[0].Type == Tree:
		return profileTree
	}
	return profileGeneric
}

// bucket is an edge-case class: a condition on features, and a way to
// draw inputs that meet it.
type bucket struct {
	name string
	doc  string
	// outOfRange buckets are drawn beyond the training ranges.
	outOfRange bool
	// contains says whether an input with these features belongs.
	contains func(f Features, r Ranges) bool
	// draw constructs an input of the bucket; nil means drawing from the
	// natural distribution until contains holds.
	draw func(d *drawer, g *rng) ([]*Term, error)
	// feasible says whether the ranges admit the bucket.
	feasible func(r Ranges) bool
}

func carryRange(lo, hi int) func(f Features, r Ranges) bool {
	return func(f Features, r Ranges) bool {
		return !f.AllOnes && !f.Grows && f.Carry >= lo && f.Carry <= hi && f.Len <= r.MaxLen
	}
}

// bucketsOf lists a profile's classes in report order.
func bucketsOf(p profile) []bucket {
	always := func(Ranges) bool { return true }
	switch p {
	case profileSucc:
		carry := func(name string, lo, hi int) bucket {
			return bucket{name: name, doc: fmt.Sprintf("%d to %d trailing 1 bits (a carry chain of that length), not all ones", lo, hi),
				contains: carryRange(lo, hi),
				draw:     func(d *drawer, g *rng) ([]*Term, error) { return d.succCarry(g, lo, hi) },
				feasible: func(r Ranges) bool { return lo+2 <= r.MaxLen },
			}
		}
		return []bucket{
			carry("carry_0", 0, 0), carry("carry_1", 1, 1), carry("carry_2_3", 2, 3), carry("carry_4_7", 4, 7), carry("carry_8plus", 8, 1<<30),
			{name: "all_ones", doc: "all bits 1: the successor needs a new most significant bit",
				contains: func(f Features, r Ranges) bool { return f.AllOnes && f.Len <= r.MaxLen },
				draw:     (*drawer).allOnes, feasible: func(r Ranges) bool { return r.MaxLen >= 2 }},
			{name: "longer", doc: fmt.Sprintf("%d to %d bits more than the longest training input", 1, longerBy), outOfRange: true,
				contains: func(f Features, r Ranges) bool { return f.Len > r.MaxLen },
				draw:     (*drawer).longer, feasible: always},
		}
	case profileAdd:
		carry := func(name string, lo, hi int) bucket {
			return bucket{name: name, doc: fmt.Sprintf("a longest run of %d to %d carries, no new bit", lo, hi),
				contains: carryRange(lo, hi),
				feasible: func(r Ranges) bool { return lo+2 <= r.MaxLen },
			}
		}
		return []bucket{
			carry("carry_0", 0, 0), carry("carry_1", 1, 1), carry("carry_2_3", 2, 3), carry("carry_4_7", 4, 7), carry("carry_8plus", 8, 1<<30),
			{name: "grows", doc: "the sum has a bit more than the longer operand",
				contains: func(f Features, r Ranges) bool { return f.Grows && f.Len <= r.MaxLen }, feasible: always},
			{name: "longer", doc: fmt.Sprintf("operands of %d to %d bits more than the longest training input", 1, longerBy), outOfRange: true,
				contains: func(f Features, r Ranges) bool { return f.Len > r.MaxLen },
				draw:     (*drawer).longer, feasible: always},
		}
	case profileTree:
		shape := func(name, doc string, draw func(d *drawer, g *rng) ([]*Term, error), feasible func(Ranges) bool) bucket {
			return bucket{name: name, doc: doc, draw: draw, feasible: feasible,
				contains: func(f Features, r Ranges) bool { return f.Shape == name && f.Depth <= r.MaxDepth }}
		}
		spineOK := func(r Ranges) bool { return min(r.MaxNodes, r.MaxDepth) >= max(2, r.MinNodes) }
		return []bucket{
			{name: "random", doc: "trees drawn from the training distribution",
				contains: func(f Features, r Ranges) bool { return f.Depth <= r.MaxDepth }, feasible: always},
			shape("left_spine", "every node's right child is a leaf", func(d *drawer, g *rng) ([]*Term, error) { return d.spine(g, "left") }, spineOK),
			shape("right_spine", "every node's left child is a leaf", func(d *drawer, g *rng) ([]*Term, error) { return d.spine(g, "right") }, spineOK),
			shape("zigzag", "every node has at most one child, on both sides", func(d *drawer, g *rng) ([]*Term, error) { return d.spine(g, "zigzag") },
				func(r Ranges) bool { return min(r.MaxNodes, r.MaxDepth) >= max(3, r.MinNodes) }),
			shape("perfect", "every level full", (*drawer).perfect, func(r Ranges) bool { return perfectDepths(r) != nil }),
			{name: "deeper", doc: fmt.Sprintf("depth %d to %d levels beyond the training trees", 1, deeperBy), outOfRange: true,
				contains: func(f Features, r Ranges) bool { return f.Depth > r.MaxDepth },
				draw:     (*drawer).deeper, feasible: always},
		}
	}
	return []bucket{{name: "random", doc: "inputs drawn from the training distribution",
		contains: func(Features, Ranges) bool { return true }, feasible: always}}
}

// classify names the class of an input drawn from the natural
// distribution: out-of-range classes first, then the first in-range class
// that contains it ("random" when none does).
func classify(bs []bucket, p profile, f Features, r Ranges) string {
	for _, b := range bs {
		if b.outOfRange && b.contains(f, r) {
			return b.name
		}
	}
	if p == profileSucc && f.AllOnes {
		return "all_ones"
	}
	if p == profileAdd && f.Grows {
		return "grows"
	}
	for _, b := range bs {
		if !b.outOfRange && b.name != "random" && b.contains(f, r) {
			return b.name
		}
	}
	return "random"
}

// Buckets returns the names of a function's edge-case classes, in report
// order, with what each means.
func (e *Env) Buckets(fn string) ([][2]string, error) {
	f, err := e.lookup(fn)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, b := range bucketsOf(profileOf(f.Func)) {
		out = append(out, [2]string{b.name, b.doc})
	}
	return out, nil
}

func findBucket(p profile, name string) (bucket, error) {
	var names []string
	for _, b := range bucketsOf(p) {
		if b.name == name {
			return b, nil
		}
		names = append(names, b.name)
	}
	return bucket{}, fmt.Errorf("%w: no edge-case class %q (have %s)", ErrOptions, name, strings.Join(names, ", "))
}

func perfectDepths(r Ranges) []int {
	var ds []int
	for d := 2; d <= r.MaxDepth && 1<<d-1 <= r.MaxNodes; d++ {
		if 1<<d-1 >= r.MinNodes {
			ds = append(ds, d)
		}
	}
	return ds
}
