package ngram

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// ParseIDs reads a JSON array of token ids, such as [791, 4062, 13]. It
// reports whether s is a JSON array at all (ok) and, if it is, any element
// that is not an integer in [0, 2^32).
func ParseIDs(s string) (ids []uint32, ok bool, err error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, false, nil
	}
	var raw []json.RawMessage
	if json.Unmarshal([]byte(s), &raw) != nil {
		return nil, false, nil
	}
	ids = make([]uint32, len(raw))
	for i, r := range raw {
		var f float64
		if err := json.Unmarshal(r, &f); err != nil || f != math.Trunc(f) || f < 0 || f > math.MaxUint32 {
			return nil, true, fmt.Errorf("ngram: token id %d is %s, want an integer in [0, 2^32)", i, r)
		}
		ids[i] = uint32(f)
	}
	return ids, true, nil
}

// Query turns a query line into token ids: a JSON array of ids as it is,
// anything else as text tokenized with the index's tokenizer.
func (ix *Index) Query(s string) ([]uint32, error) {
	ids, ok, err := ParseIDs(s)
	if err != nil {
		return nil, err
	}
	if ok {
		return ids, ix.validate(ids)
	}
	return ix.Tokenize(s)
}
