package pii

import (
	"slices"
	"strings"
)

// Kind is a kind of personal data.
type Kind string

// The kinds, each redacted as "PI:" + kind.
const (
	Email     Kind = "EMAIL"
	IPAddress Kind = "IP_ADDRESS"
	User      Kind = "USER"
	Key       Kind = "KEY"
	Phone     Kind = "PHONE"
	ID        Kind = "ID"
)

// Tag is the text that replaces a span of kind k.
func (k Kind) Tag() string { return "PI:" + string(k) }

// Options choose the kinds to find. A nil *Options means the defaults:
// e-mail addresses, IP addresses, user handles and keys, the kinds the
// ROOTS search tool redacted.
type Options struct {
	// Phone adds telephone numbers. They are off by default: ROOTS turned
	// them off for their false positives (amounts, product numbers).
	Phone bool
	// ID adds identity and account numbers (social security and card
	// numbers, IBANs, passport-like codes, runs of 8 or more digits). Off
	// by default for the same reason.
	ID bool
}

// Span is personal data found at text[Start:End].
type Span struct {
	Start int  `json:"start"`
	End   int  `json:"end"`
	Kind  Kind `json:"kind"`
}

// priority orders kinds for overlapping finds: the more specific pattern
// wins (an e-mail address holds a user-like @part, an IBAN holds digits).
var priority = map[Kind]int{Email: 0, Key: 1, IPAddress: 2, User: 3, ID: 4, Phone: 5}

// Detect returns the personal data in text, sorted by start, without
// overlaps.
func Detect(text string, opts *Options) []Span {
	var o Options
	if opts != nil {
		o = *opts
	}
	var all []Span
	all = appendEmails(all, text)
	all = appendKeys(all, text)
	all = appendIPs(all, text)
	all = appendUsers(all, text)
	if o.ID {
		all = appendIDs(all, text)
	}
	if o.Phone {
		all = appendPhones(all, text)
	}
	// Keep the better of overlapping spans: higher priority, then longer.
	slices.SortStableFunc(all, func(a, b Span) int {
		if pa, pb := priority[a.Kind], priority[b.Kind]; pa != pb {
			return pa - pb
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	var kept []Span
	for _, s := range all {
		overlaps := false
		for _, k := range kept {
			if s.Start < k.End && k.Start < s.End {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, s)
		}
	}
	slices.SortFunc(kept, func(a, b Span) int { return a.Start - b.Start })
	return kept
}

// Redact replaces the personal data in text by tags such as PI:EMAIL.
func Redact(text string, opts *Options) string {
	spans := Detect(text, opts)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, s := range spans {
		b.WriteString(text[pos:s.Start])
		b.WriteString(s.Kind.Tag())
		pos = s.End
	}
	b.WriteString(text[pos:])
	return b.String()
}
