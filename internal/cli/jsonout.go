package cli

import (
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
