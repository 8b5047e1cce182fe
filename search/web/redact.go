package web

import (
	"strings"

	"github.com/fmkit/fmkit/search"
	"github.com/fmkit/fmkit/search/pii"
)

// Part is a piece of text as the page shows it: plain, a query match, or
// a redaction tag such as PI:EMAIL.
type Part struct {
	Text     string `json:"text"`
	Match    bool   `json:"match,omitempty"`
	Redacted bool   `json:"pii,omitempty"`
}

// redactParts redacts personal data across the pieces: it is found in
// their joined text (an address may span a highlighted word) and each
// find becomes one redacted piece that swallows whatever highlight it
// overlaps.
func (s *Server) redactParts(parts []search.SnippetPart) []Part {
	out := make([]Part, 0, len(parts))
	if s.opts.NoRedact {
		for _, p := range parts {
			out = append(out, Part{Text: p.Text, Match: p.Match})
		}
		return out
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	text := b.String()
	spans := pii.Detect(text, &s.opts.PII)
	if len(spans) == 0 {
		for _, p := range parts {
			out = append(out, Part{Text: p.Text, Match: p.Match})
		}
		return out
	}
	// Walk the pieces and the spans together over byte offsets; a span's
	// tag is written where the span begins, the rest of it skipped.
	pos, si, tagged := 0, 0, 0
	for _, p := range parts {
		start, end := pos, pos+len(p.Text)
		pos = end
		for start < end {
			for si < len(spans) && spans[si].End <= start {
				si++
			}
			if si < len(spans) && spans[si].Start <= start {
				if tagged <= si {
					out = append(out, Part{Text: spans[si].Kind.Tag(), Redacted: true})
					tagged = si + 1
				}
				start = min(end, spans[si].End)
				continue
			}
			stop := end
			if si < len(spans) && spans[si].Start < end {
				stop = spans[si].Start
			}
			out = appendPart(out, Part{Text: text[start:stop], Match: p.Match})
			start = stop
		}
	}
	return out
}

func appendPart(out []Part, p Part) []Part {
	if p.Text == "" {
		return out
	}
	return append(out, p)
}

// redactString redacts one string.
func (s *Server) redactString(text string) string {
	if s.opts.NoRedact {
		return text
	}
	return pii.Redact(text, &s.opts.PII)
}
