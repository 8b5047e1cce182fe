// Package pii finds personal data in text and redacts it for display, as
// the ROOTS search tool did: e-mail addresses, IP addresses, user handles
// and key- or secret-like strings are replaced by tags such as PI:EMAIL,
// PI:IP_ADDRESS, PI:USER and PI:KEY; telephone and identity numbers
// (PI:PHONE, PI:ID) only when asked for, since ROOTS turned them off for
// their false positives.
//
// # Detectors
//
// Each kind is a regular expression for candidates plus checks in Go:
// the character before a match (Go's regular expressions have no
// look-behind), value ranges and checksums (IPv4 octets, IPv6 through
// net/netip, Luhn for cards, mod 97 for IBANs), and the words around it.
// Dotted quads after words such as "version", "release", "section" or
// "v", or followed by more dotted numbers, are version, section and OID
// numbers rather than addresses; loopback, unspecified and netmask
// addresses name no host. Handles exclude decorators, annotations, CSS
// at-rules and documentation tags (@property, @Override, @media,
// @param). Keys are values assigned to a secret-sounding name
// (password=, api_key:, "secret is"), well-known credential prefixes
// (AKIA, ghp_, sk-, xoxb-, AIza, eyJ) and long random-looking strings;
// hexadecimal strings such as commit hashes and checksums are left alone
// unless assigned to a secret.
//
// # Accuracy
//
// testdata/labelled.txt holds 170 hand-labelled lines of web, code and
// log text with the near misses of each kind (version numbers, dates,
// decorators, hashes, product codes); the tests measure precision and
// recall on it and print them.
package pii
