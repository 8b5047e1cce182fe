package recursion

import (
	"fmt"
	"math/big"
	"strings"
)

// Features describe an input (and its answer) by the properties that make
// structural recursion easy or hard; Tags turns them into labels.
type Features struct {
	// Len is the number of bits of the longest positive argument.
	Len int `json:"len,omitempty"`
	// Carry is, for one positive argument, its number of trailing 1 bits
	// (the carry chain its successor propagates); for two, the longest run
	// of consecutive carries when they are added.
	Carry int `json:"carry"`
	// AllOnes says a positive argument is 2^k − 1 (all bits 1).
	AllOnes bool `json:"all_ones,omitempty"`
	// Grows says a positive answer has more bits than the longest
	// argument: the carry reached a new most significant bit.
	Grows bool `json:"grows,omitempty"`
	// Nodes, Depth and Shape describe the first tree argument: its node
	// count, the number of nodes on its longest root-to-leaf path, and one
	// of leaf, single, left_spine, right_spine, zigzag, perfect, other.
	Nodes int    `json:"nodes,omitempty"`
	Depth int    `json:"depth,omitempty"`
	Shape string `json:"shape,omitempty"`
}

// Tags lists the features as labels: "len:5", "carry:3", "all_ones",
// "grows", "nodes:7", "depth:3", "shape:perfect" (only those that apply).
func (f Features) Tags() []string {
	var tags []string
	if f.Len > 0 {
		tags = append(tags, fmt.Sprintf("len:%d", f.Len), fmt.Sprintf("carry:%d", f.Carry))
		if f.AllOnes {
			tags = append(tags, "all_ones")
		}
		if f.Grows {
			tags = append(tags, "grows")
		}
	}
	if f.Shape != "" {
		tags = append(tags, fmt.Sprintf("nodes:%d", f.Nodes), fmt.Sprintf("depth:%d", f.Depth), "shape:"+f.Shape)
	}
	return tags
}

// featuresOf computes the features of a call's arguments and answer.
func featuresOf(args []*Term, answer *Term) Features {
	var f Features
	var pos []string
	for _, a := range args {
		if !isPositive(a) {
			if f.Shape == "" && isTree(a) {
				f.Nodes, f.Depth = treeSize(a), treeDepth(a)
				f.Shape = treeShape(a)
			}
			continue
		}
		if bits, err := Bits(a); err == nil {
			pos = append(pos, bits)
			f.Len = max(f.Len, len(bits))
			if strings.Trim(bits, "1") == "" {
				f.AllOnes = true
			}
		}
	}
	switch len(pos) {
	case 1:
		f.Carry = trailingOnes(pos[0])
	case 2:
		f.Carry = longestCarry(pos[0], pos[1])
	}
	if len(pos) == 0 || !isPositive(answer) {
		return f
	}
	if bits, err := Bits(answer); err == nil && len(bits) > f.Len {
		f.Grows = true
	}
	return f
}

func trailingOnes(bits string) int {
	n := 0
	for i := len(bits) - 1; i >= 0 && bits[i] == '1'; i-- {
		n++
	}
	return n
}

// longestCarry is the longest run of bit positions that carry out when
// the two numbers are added.
func longestCarry(a, b string) int {
	x, _ := new(big.Int).SetString(a, 2)
	y, _ := new(big.Int).SetString(b, 2)
	n := max(len(a), len(b))
	carry, run, best := uint(0), 0, 0
	for i := 0; i < n; i++ {
		s := x.Bit(i) + y.Bit(i) + carry
		carry = s >> 1
		if carry == 1 {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// isPositive says whether t is headed by a constructor of positive (Bits
// checks the rest).
func isPositive(t *Term) bool {
	return t.Kind == Ctor && (t.Name == "xH" || t.Name == "xO" || t.Name == "xI")
}

func isTree(t *Term) bool {
	ty, err := TypeOf(t)
	return err == nil && ty == Tree
}

func treeSize(t *Term) int {
	if t.Name != "Node" {
		return 0
	}
	return 1 + treeSize(t.Args[1]) + treeSize(t.Args[2])
}

func treeDepth(t *Term) int {
	if t.Name != "Node" {
		return 0
	}
	return 1 + max(treeDepth(t.Args[1]), treeDepth(t.Args[2]))
}

// treeShape classifies a tree: leaf (no node), single (one node),
// left_spine and right_spine (every node's other child is a Leaf), zigzag
// (every node has at most one child, on both sides), perfect (every level
// full) or other.
func treeShape(t *Term) string {
	n, d := treeSize(t), treeDepth(t)
	switch {
	case n == 0:
		return "leaf"
	case n == 1:
		return "single"
	case n == d:
		left, right := true, true
		for u := t; ; {
			l, r := u.Args[1], u.Args[2]
			if l.Name == "Node" {
				right = false
				u = l
			} else if r.Name == "Node" {
				left = false
				u = r
			} else {
				break
			}
		}
		switch {
		case left:
			return "left_spine"
		case right:
			return "right_spine"
		}
		return "zigzag"
	case n == 1<<d-1:
		return "perfect"
	}
	return "other"
}
