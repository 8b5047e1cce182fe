// Package testutil holds test doubles that several packages' tests share.
// Only _test.go files import it.
package testutil

import "strings"

// CharTokenizer is a test double for the 96-token vocabulary of the tiny
// checkpoints under model/testdata: printable ASCII byte b is token b-31
// and token 0 is the special BOS/EOS. The real tokenizer is tested in
// package tokenizer.
type CharTokenizer struct{}

// Encode maps each byte of s to its token, after BOS if addSpecial.
func (CharTokenizer) Encode(s string, addSpecial bool) []int {
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
func (CharTokenizer) Decode(ids []int, skipSpecial bool) string {
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
func (CharTokenizer) BOS() (int, bool) { return 0, true }

// EOS returns token 0.
func (CharTokenizer) EOS() (int, bool) { return 0, true }
