package shapes

import (
	"fmt"
	"math/bits"
)

// Check is one sizing guideline applied to a shape.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

// microBatchGain is the predicted throughput gain from doubling the
// micro-batch above which the micro-batch guideline fails.
const microBatchGain = 0.01

// Guidelines applies the sizing rules of Anthony et al., "The Case for
// Co-Designing Model Architectures with Hardware" (arXiv 2401.14489), to s
// on m:
//
//  1. the vocabulary is divisible by 64;
//  2. the micro-batch is as large as possible (judged by the model: doubling
//     it must not raise predicted throughput by more than 1%);
//  3. b·s, h/a and h/t are divisible by a high power of two, taken here as
//     the machine's Tensor Core alignment in elements (64 for fp16 on an
//     A100, 8 on a V100);
//  4. (b·a)/t is an integer;
//  5. t is as small as possible (only t = 1 passes);
//  6. the MLP width f/t is divisible by that power of two too; for SwiGLU
//     the paper advises searching near 8h/3 (see Alternatives).
func Guidelines(s Shape, m Machine) []Check {
	s = s.WithDefaults()
	align := max(m.AlignBytes/max(m.ElemBytes, 1), 1)
	var c []Check

	pad := ceilDiv(s.Vocab, 64) * 64
	vocab := Check{Name: "vocabulary divisible by 64", Pass: s.Vocab%64 == 0}
	if vocab.Pass {
		vocab.Detail = fmt.Sprintf("v = %d = 64 × %d", s.Vocab, s.Vocab/64)
	} else {
		vocab.Detail = fmt.Sprintf("v = %d leaves %d over 64; pad it to %d (+%d rows)", s.Vocab, s.Vocab%64, pad, pad-s.Vocab)
	}
	c = append(c, vocab)

	base := Predict(s, m)
	doubled := s
	doubled.MicroBatch *= 2
	gain := Predict(doubled, m).ModelTFLOPS/base.ModelTFLOPS - 1
	c = append(c, Check{
		Name:   "micro-batch as large as possible",
		Pass:   gain <= microBatchGain,
		Detail: fmt.Sprintf("b = %d; doubling it to %d changes predicted throughput by %+.1f%% (memory permitting)", s.MicroBatch, 2*s.MicroBatch, 100*gain),
	})

	c = append(c, powerOfTwoCheck("b·s divisible by a high power of two", "b·s", s.MicroBatch*s.Seq, align))
	c = append(c, powerOfTwoCheck("h/a divisible by a high power of two", "h/a", s.HeadDim(), align))
	c = append(c, powerOfTwoCheck("h/t divisible by a high power of two", "h/t", s.Hidden/s.TP, align))

	ba := s.MicroBatch * s.Heads
	integer := Check{Name: "(b·a)/t is an integer", Pass: ba%s.TP == 0}
	if integer.Pass {
		integer.Detail = fmt.Sprintf("(b·a)/t = %d·%d/%d = %d", s.MicroBatch, s.Heads, s.TP, ba/s.TP)
	} else {
		integer.Detail = fmt.Sprintf("(b·a)/t = %d·%d/%d is not an integer; ranks get unequal attention work", s.MicroBatch, s.Heads, s.TP)
	}
	c = append(c, integer)

	tp := Check{Name: "t as small as possible", Pass: s.TP == 1}
	if tp.Pass {
		tp.Detail = "t = 1: no GEMM is split"
	} else {
		tp.Detail = fmt.Sprintf("t = %d divides every GEMM's N or K by %d; use the smallest t the model fits with (see fmkit shapes memory)", s.TP, s.TP)
	}
	c = append(c, tp)

	mlp := powerOfTwoCheck("MLP width f/t divisible by a high power of two", "f/t", s.FFN/s.TP, align)
	if s.SwiGLU {
		mlp.Detail += fmt.Sprintf("; SwiGLU: search widths near 8h/3 = %d for the fastest (see alternatives)", 8*s.Hidden/3)
	}
	c = append(c, mlp)
	return c
}

func powerOfTwoCheck(name, what string, v, want int) Check {
	p := largestPowerOfTwo(v)
	c := Check{Name: name, Pass: p >= want}
	if c.Pass {
		c.Detail = fmt.Sprintf("%s = %d is a multiple of %d (wanted %d)", what, v, p, want)
	} else {
		c.Detail = fmt.Sprintf("%s = %d: its largest power-of-two factor is %d, below the %d Tensor Cores want", what, v, p, want)
	}
	return c
}

// largestPowerOfTwo returns the largest power of two dividing v (0 for 0).
func largestPowerOfTwo(v int) int {
	if v <= 0 {
		return 0
	}
	return 1 << bits.TrailingZeros(uint(v))
}
