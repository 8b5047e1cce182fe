// Package chartok is the character tokenizer of the tiny checkpoints under
// model/testdata: printable ASCII byte b is token b-31 and token 0 is the
// special BOS/EOS. Tests of the packages that need text in and out of
// those checkpoints (lm/native, lm/guided) share it; the real tokenizer is
// package tokenizer.
package chartok

import "strings"

// Tokenizer is the 96-token vocabulary of the tiny checkpoints.
type Tokenizer struct{}

// Encode maps each byte of s to its token, after BOS if addSpecial.
func (Tokenizer) Encode(s string, addSpecial bool) []int {
	var ids []int
	if addSpecial {
		ids = append(ids, 0)
	}
	for i := 0; i < len(s); i++ {
		ids = append(ids, int(s[i])-31)
	}
	return ids
}

// Decode maps tokens back to bytes; token 0 is "<eos>", or nothing if
// skipSpecial.
func (Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var b strings.Builder
	for _, id := range ids {
		if id == 0 {
			if !skipSpecial {
				b.WriteString("<eos>")
			}
			continue
		}
		b.WriteByte(byte(id + 31))
	}
	return b.String()
}

// BOS returns token 0.
func (Tokenizer) BOS() (int, bool) { return 0, true }

// EOS returns token 0.
func (Tokenizer) EOS() (int, bool) { return 0, true }
