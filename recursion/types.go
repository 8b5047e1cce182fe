package recursion

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Type is one of the package's datatypes.
type Type uint8

// The datatypes. Positive is Coq's positive (binary numbers, least
// significant bit outermost); Tree is a binary tree whose nodes carry a
// label; List is a list of labels; Nat is a label, written as a numeral.
const (
	NoType Type = iota
	Positive
	Tree
	List
	Nat
)

func (t Type) String() string {
	switch t {
	case Positive:
		return "positive"
	case Tree:
		return "tree"
	case List:
		return "list"
	case Nat:
		return "nat"
	}
	return "?"
}

// ParseType reads a type name as String prints it.
func ParseType(s string) (Type, error) {
	for _, t := range []Type{Positive, Tree, List, Nat} {
		if s == t.String() {
			return t, nil
		}
	}
	return NoType, fmt.Errorf("recursion: unknown type %q (expected positive, tree, list or nat)", s)
}

// ctorSig is a constructor's argument types and result type.
type ctorSig struct {
	args   []Type
	result Type
	// short is its one-letter name in the compact notation.
	short byte
}

// constructor returns the signature of a constructor name.
//
//	Inductive positive := xI : positive -> positive | xO : positive -> positive | xH : positive.
//	Inductive tree     := Leaf : tree | Node : nat -> tree -> tree -> tree.
//	Inductive list     := nil : list | cons : nat -> list -> list.
//
// The label comes first in Node so that the labels of a tree appear in
// pre-order when it is written out.
func constructor(name string) (ctorSig, bool) {
	switch name {
	case "xH":
		return ctorSig{nil, Positive, 'H'}, true
	case "xO":
		return ctorSig{[]Type{Positive}, Positive, 'O'}, true
	case "xI":
		return ctorSig{[]Type{Positive}, Positive, 'I'}, true
	case "Leaf":
		return ctorSig{nil, Tree, 'L'}, true
	case "Node":
		return ctorSig{[]Type{Nat, Tree, Tree}, Tree, 'N'}, true
	case "nil":
		return ctorSig{nil, List, 'E'}, true
	case "cons":
		return ctorSig{[]Type{Nat, List}, List, 'C'}, true
	}
	return ctorSig{}, false
}

// constructorsOf lists a datatype's constructors in declaration order.
func constructorsOf(t Type) []string {
	switch t {
	case Positive:
		return []string{"xI", "xO", "xH"}
	case Tree:
		return []string{"Leaf", "Node"}
	case List:
		return []string{"nil", "cons"}
	}
	return nil
}

// ErrType is returned for a term that does not have the expected type.
var ErrType = errors.New("recursion: ill-typed term")

// TypeOf returns the type of a value (constructors and numbers), or an
// error wrapping ErrType that says what is wrong.
func TypeOf(v *Term) (Type, error) {
	switch v.Kind {
	case Num:
		if v.N < 0 {
			return NoType, fmt.Errorf("%w: negative number %d", ErrType, v.N)
		}
		return Nat, nil
	case Ctor:
		sig, ok := constructor(v.Name)
		if !ok {
			return NoType, fmt.Errorf("%w: unknown constructor %s", ErrType, v.Name)
		}
		if len(v.Args) != len(sig.args) {
			return NoType, fmt.Errorf("%w: %s takes %d arguments, got %d", ErrType, v.Name, len(sig.args), len(v.Args))
		}
		for i, a := range v.Args {
			at, err := TypeOf(a)
			if err != nil {
				return NoType, err
			}
			if at != sig.args[i] {
				return NoType, fmt.Errorf("%w: argument %d of %s is a %s, expected a %s", ErrType, i+1, v.Name, at, sig.args[i])
			}
		}
		return sig.result, nil
	}
	return NoType, fmt.Errorf("%w: %s is not a value (constructors and numbers only)", ErrType, v)
}

// Pos returns the positive for n ≥ 1.
func Pos(n uint64) *Term {
	if n == 0 {
		panic("recursion: Pos(0): positive numbers start at 1")
	}
	return PosBig(new(big.Int).SetUint64(n))
}

// PosBig returns the positive for n ≥ 1; it panics on n < 1.
func PosBig(n *big.Int) *Term {
	if n.Sign() <= 0 {
		panic("recursion: PosBig: positive numbers start at 1")
	}
	bits := n.BitLen()
	t := C("xH")
	for i := bits - 2; i >= 0; i-- {
		if n.Bit(i) == 1 {
			t = C("xI", t)
		} else {
			t = C("xO", t)
		}
	}
	return t
}

// PosFromBits returns the positive whose binary digits, most significant
// first, are bits (which must start with 1): "110" is xO (xI xH).
func PosFromBits(bits string) (*Term, error) {
	if bits == "" || bits[0] != '1' || strings.Trim(bits, "01") != "" {
		return nil, fmt.Errorf("recursion: %q: expected binary digits starting with 1", bits)
	}
	t := C("xH")
	for i := 1; i < len(bits); i++ {
		if bits[i] == '1' {
			t = C("xI", t)
		} else {
			t = C("xO", t)
		}
	}
	return t, nil
}

// Bits returns the binary digits of a positive, most significant first.
func Bits(p *Term) (string, error) {
	var rev []byte
	for t := p; ; t = t.Args[0] {
		if t.Kind != Ctor {
			return "", fmt.Errorf("%w: %s is not a positive", ErrType, p)
		}
		switch {
		case t.Name == "xH" && len(t.Args) == 0:
			rev = append(rev, '1')
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			return string(rev), nil
		case t.Name == "xO" && len(t.Args) == 1:
			rev = append(rev, '0')
		case t.Name == "xI" && len(t.Args) == 1:
			rev = append(rev, '1')
		default:
			return "", fmt.Errorf("%w: %s is not a positive", ErrType, p)
		}
	}
}

// BigOf returns the number a positive stands for.
func BigOf(p *Term) (*big.Int, error) {
	bits, err := Bits(p)
	if err != nil {
		return nil, err
	}
	n, _ := new(big.Int).SetString(bits, 2)
	return n, nil
}

// NatList returns the list term of labels.
func NatList(labels []int) *Term {
	t := C("nil")
	for i := len(labels) - 1; i >= 0; i-- {
		t = C("cons", N(labels[i]), t)
	}
	return t
}

// Labels returns the labels of a list term.
func Labels(l *Term) ([]int, error) {
	var out []int
	for t := l; ; t = t.Args[1] {
		switch {
		case t.Kind == Ctor && t.Name == "nil" && len(t.Args) == 0:
			return out, nil
		case t.Kind == Ctor && t.Name == "cons" && len(t.Args) == 2 && t.Args[0].Kind == Num:
			out = append(out, t.Args[0].N)
		default:
			return nil, fmt.Errorf("%w: %s is not a list of labels", ErrType, l)
		}
	}
}
