package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"

	"github.com/fmkit/fmkit/lm"
)

// Kind is the request type an entry answers.
type Kind uint8

// The request types of lm.Model.
const (
	Loglikelihood Kind = 1
	Rolling       Kind = 2
	Generate      Kind = 3
)

func (k Kind) String() string {
	switch k {
	case Loglikelihood:
		return "loglikelihood"
	case Rolling:
		return "loglikelihood_rolling"
	case Generate:
		return "generate_until"
	}
	return "unknown"
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for _, k := range []Kind{Loglikelihood, Rolling, Generate} {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// key is the SHA-256 of a request's canonical encoding.
type key [sha256.Size]byte

// keyVersion changes when the encoding below changes, so that old entries
// are never read with a new meaning.
const keyVersion = 1

// keyBuilder encodes a request canonically: every field length-prefixed, so
// that no two different requests share an encoding. It reuses its buffer.
type keyBuilder struct {
	buf []byte
}

func (b *keyBuilder) start(model string, k Kind) {
	b.buf = append(b.buf[:0], keyVersion, byte(k))
	b.str(model)
}

func (b *keyBuilder) str(s string) {
	b.buf = binary.AppendUvarint(b.buf, uint64(len(s)))
	b.buf = append(b.buf, s...)
}

func (b *keyBuilder) int(v int64) { b.buf = binary.AppendVarint(b.buf, v) }

func (b *keyBuilder) float(v float64) {
	b.buf = binary.LittleEndian.AppendUint64(b.buf, math.Float64bits(v))
}

func (b *keyBuilder) sum() key { return sha256.Sum256(b.buf) }

func (b *keyBuilder) loglikelihood(model string, r lm.LoglikelihoodRequest) key {
	b.start(model, Loglikelihood)
	b.str(r.Context)
	b.str(r.Continuation)
	return b.sum()
}

func (b *keyBuilder) rolling(model string, r lm.RollingRequest) key {
	b.start(model, Rolling)
	b.str(r.Text)
	return b.sum()
}

// generate keys a generation request. Greedy decoding ignores the sampling
// fields, so they are left out and greedy requests that differ only there
// share an answer. A sampled request is keyed by its seed and by copy, its
// position among identical requests of the same batch.
func (b *keyBuilder) generate(model string, r lm.GenerateRequest, copy int) key {
	b.start(model, Generate)
	b.str(r.Context)
	b.int(int64(len(r.Until)))
	for _, u := range r.Until {
		b.str(u)
	}
	b.int(int64(r.MaxTokens))
	if r.DoSample {
		b.buf = append(b.buf, 1)
		b.float(r.Temperature)
		b.float(r.TopP)
		b.int(int64(r.TopK))
		b.int(r.Seed)
		b.int(int64(copy))
	} else {
		b.buf = append(b.buf, 0)
	}
	return b.sum()
}

var errBadValue = errors.New("malformed cached value")

func encodeLoglikelihood(r lm.LoglikelihoodResult) []byte {
	v := binary.LittleEndian.AppendUint64(make([]byte, 0, 9), math.Float64bits(r.LogProb))
	if r.IsGreedy {
		return append(v, 1)
	}
	return append(v, 0)
}

func decodeLoglikelihood(v []byte) (lm.LoglikelihoodResult, error) {
	if len(v) != 9 || v[8] > 1 {
		return lm.LoglikelihoodResult{}, errBadValue
	}
	return lm.LoglikelihoodResult{
		LogProb:  math.Float64frombits(binary.LittleEndian.Uint64(v)),
		IsGreedy: v[8] == 1,
	}, nil
}

func encodeRolling(logprob float64) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, 8), math.Float64bits(logprob))
}

func decodeRolling(v []byte) (float64, error) {
	if len(v) != 8 {
		return 0, errBadValue
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v)), nil
}

func encodeGenerate(s string) []byte { return []byte(s) }

func decodeGenerate(v []byte) (string, error) { return string(v), nil }
