package train

import (
	"errors"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
)

// FuzzReadJSONL feeds arbitrary bytes to the data reader: it must return
// sequences or an ErrData, never panic, and every sequence it returns must
// hold exactly the ids of one line.
func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"ids\": [1, 2, 3]}\n{\"ids\": []}\n",
		"{\"text\": \"hi\"}\n",
		"\n\n{\"ids\": [0]}",
		"{\"ids\": [1e3]}",
		"{\"ids\": [-1]}",
		"[]",
		"{\"ids\": [2147483648]}",
		"{\"ids\": null, \"text\": null}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := readJSONL(strings.NewReader(in), "fuzz.jsonl", nil)
		if err != nil {
			if !errors.Is(err, ErrData) {
				t.Fatalf("error is not ErrData: %v", err)
			}
			return
		}
		total := 0
		for i := range d.Len() {
			total += len(d.Seq(i))
			for _, id := range d.Seq(i) {
				if id < 0 {
					t.Fatalf("negative id %d", id)
				}
			}
		}
		if total != d.Tokens() {
			t.Fatalf("sequences hold %d tokens, Tokens says %d", total, d.Tokens())
		}
	})
}

// FuzzReadPreferences feeds arbitrary bytes to the DPO pairs reader (id
// fields; text fields without a tokenizer are an error): it must return
// pairs or an ErrData, never panic, with non-empty responses and ids in
// range, and allocate in proportion to its input.
func FuzzReadPreferences(f *testing.F) {
	for _, s := range []string{
		"{\"prompt_ids\": [1, 2], \"chosen_ids\": [3], \"rejected_ids\": [4]}\n",
		"{\"prompt_ids\": [], \"chosen_ids\": [3, 3], \"rejected_ids\": [4]}\n\n{\"prompt_ids\": [7], \"chosen_ids\": [1], \"rejected_ids\": [2]}",
		"{\"prompt\": \"hi\", \"chosen\": \"a\", \"rejected\": \"b\"}\n",
		"{\"prompt_ids\": [1], \"chosen_ids\": [], \"rejected_ids\": [2]}",
		"{\"prompt_ids\": [-1], \"chosen_ids\": [1e30], \"rejected_ids\": [2]}",
		"{\"prompt_ids\": [1], \"chosen_ids\": [2], \"rejected_ids\": [3], \"prompt\": \"x\"}",
	} {
		f.Add(s, 0)
	}
	f.Add("{\"prompt_ids\": [1, 2, 3, 4, 5, 6], \"chosen_ids\": [7, 8, 9], \"rejected_ids\": [10]}", 4)
	f.Fuzz(func(t *testing.T, in string, maxLength int) {
		if maxLength < 0 || maxLength > 1<<20 {
			return
		}
		var p *Preferences
		var err error
		n := memtest.AllocatedBytes(func() {
			p, err = readPreferences(strings.NewReader(in), "fuzz.jsonl", PreferenceOptions{EOS: -1, MaxLength: maxLength})
		})
		if limit := uint64(64*len(in) + 2<<20); n > limit {
			t.Fatalf("reading %d bytes allocated %d (limit %d)", len(in), n, limit)
		}
		if err != nil {
			if !errors.Is(err, ErrData) {
				t.Fatalf("error is not ErrData: %v", err)
			}
			return
		}
		for _, pair := range p.Pairs {
			for _, ids := range [][]int32{pair.Prompt, pair.Chosen, pair.Rejected} {
				for _, id := range ids {
					if id < 0 {
						t.Fatalf("line %d: negative id %d", pair.Line, id)
					}
				}
			}
			if maxLength > 0 && (len(pair.Prompt)+len(pair.Chosen) > maxLength || len(pair.Prompt)+len(pair.Rejected) > maxLength) {
				t.Fatalf("line %d: prompt %d + responses %d/%d exceed MaxLength %d", pair.Line, len(pair.Prompt), len(pair.Chosen), len(pair.Rejected), maxLength)
			}
		}
	})
}
