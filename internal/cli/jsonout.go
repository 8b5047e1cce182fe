package cli

import (
	"bytes"
	"encoding/json"
	"io"
)

// newJSONEncoder is the encoder of every --json output: "<", ">" and "&"
// stay as they are (snippets carry <b>, prompts carry anything), as in
// Python's json.dumps, instead of Go's \u003c escapes for HTML.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// marshalJSON is json.MarshalIndent without HTML escaping, and with the
// final newline.
func marshalJSON(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := newJSONEncoder(&b)
	enc.SetIndent("", indent)
	err := enc.Encode(v)
	return b.Bytes(), err
}
