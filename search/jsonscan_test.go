package search

import (
	"encoding/json"
	"testing"
)

// FuzzScanRecord checks the fast JSON record scanner against
// encoding/json: whenever it accepts a line, the line must be valid JSON
// and the id, contents and meta it read must be what encoding/json reads.
func FuzzScanRecord(f *testing.F) {
	for _, s := range []string{
		`{"id": "a", "contents": "text", "meta": {"lang": "en", "n": 3}}`,
		`{"contents": "t\u00e9\n\"q\"", "id": 12, "x": [1, {"y": null}], "meta": null}`,
		`{"id": "a", "contents": "\ud83d\ude00 \ud800"}`,
		`{"id":"a","contents":"x"} trailing`,
		`{"id": "a", "contents": "x", "z": tru}`,
		`{"id": "a", "id": "b", "contents": ""}`,
	} {
		f.Add([]byte(s))
	}
	fields := Fields{}
	fields.ensureDefaults()
	f.Fuzz(func(t *testing.T, line []byte) {
		var doc Document
		var buf []byte
		if !scanRecord(line, &fields, &doc, &buf) {
			return
		}
		if !json.Valid(line) {
			t.Fatalf("accepted invalid JSON %q", line)
		}
		var slow Document
		if err := parseRecordSlow(line, &fields, &slow); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", line, err)
		}
		if doc.ID != slow.ID || doc.Contents != slow.Contents || len(doc.Meta) != len(slow.Meta) {
			t.Fatalf("%q: fast %q %q %v, encoding/json %q %q %v", line, doc.ID, doc.Contents, doc.Meta, slow.ID, slow.Contents, slow.Meta)
		}
		for k, v := range slow.Meta {
			if doc.Meta[k] != v {
				t.Fatalf("%q: meta %s = %q, encoding/json %q", line, k, doc.Meta[k], v)
			}
		}
	})
}
