package train

import (
	"errors"
	"strings"
	"testing"
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
