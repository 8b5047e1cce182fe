package pii

import (
	"math"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The patterns below find candidates; Go code around them checks what a
// regular expression without look-behind cannot: the character before a
// match, the words around it, checksums and value ranges. They are
// compiled once and never changed.

// e-mail addresses: a local part, @, dotted labels and a letter TLD.
var emailRE = regexp.MustCompile(`[A-Za-z0-9_%+\-][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}`)

// fileTLDs are file extensions that end names such as icon@2x.png.
var fileTLDs = map[string]bool{"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true,
	"pdf": true, "js": true, "css": true, "html": true, "htm": true, "txt": true, "zip": true, "gz": true, "json": true}

// written-out addresses: name at domain dot tld, with (at)/[at] forms.
var spelledEmailRE = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[a-z0-9\-]+\s*(?:\(dot\)|\[dot\]|\sdot\s)\s*(?:com|org|net|edu|gov|io|de|uk|fr|jp|ru|cn|it|nl|es|ca|au|info|biz|co)\b`)

func isEmailLocal(c byte) bool {
	return isAlnum(c) || strings.IndexByte("._%+-", c) >= 0
}

func appendEmails(dst []Span, text string) []Span {
	if strings.IndexByte(text, '@') >= 0 {
		dst = appendAddresses(dst, text)
	}
	if containsFold(text, "at") {
		for _, m := range spelledEmailRE.FindAllStringIndex(text, -1) {
			dst = append(dst, Span{m[0], m[1], Email})
		}
	}
	return dst
}

func appendAddresses(dst []Span, text string) []Span {
	for _, m := range emailRE.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		if s > 0 && isEmailLocal(text[s-1]) {
			continue
		}
		// git@github.com:owner/repo is an ssh location, not an address.
		if e+1 < len(text) && text[e] == ':' && !isSpace(text[e+1]) {
			continue
		}
		// icon@2x.png is a file name.
		if fileTLDs[strings.ToLower(text[strings.LastIndexByte(text[:e], '.')+1:e])] {
			continue
		}
		dst = append(dst, Span{s, e, Email})
	}
	return dst
}

// containsFold reports whether text contains the lower-case ASCII word w
// in any case.
func containsFold(text, w string) bool {
	for i := 0; i+len(w) <= len(text); i++ {
		if strings.EqualFold(text[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// handles: @ and 2 to 40 name characters.
var userRE = regexp.MustCompile(`@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,38}[A-Za-z0-9_])?`)

// codeWords are @words of programming languages and style sheets:
// decorators, annotations, at-rules and documentation tags.
var codeWords = map[string]bool{
	"override": true, "deprecated": true, "suppresswarnings": true, "functionalinterface": true, "safevarargs": true,
	"test": true, "before": true, "after": true, "interface": true, "inject": true, "autowired": true, "component": true,
	"service": true, "entity": true, "bean": true, "configuration": true, "nullable": true, "nonnull": true,
	"property": true, "staticmethod": true, "classmethod": true, "abstractmethod": true, "dataclass": true,
	"cached_property": true, "lru_cache": true, "wraps": true, "contextmanager": true, "pytest": true, "app": true,
	"media": true, "import": true, "font-face": true, "keyframes": true, "charset": true, "supports": true,
	"page": true, "namespace": true, "layer": true, "container": true, "tailwind": true, "apply": true,
	"param": true, "return": true, "returns": true, "throws": true, "exception": true, "see": true, "since": true,
	"link": true, "inheritdoc": true, "author": true, "version": true, "example": true, "type": true, "typedef": true,
	"brief": true, "file": true, "class": true, "struct": true, "property-read": true, "var": true, "todo": true,
	"implementation": true, "end": true, "synthesize": true, "objc": true, "functools": true, "router": true,
	"torch": true, "jit": true, "numba": true, "unittest": true, "mock": true, "patch": true, "typing": true,
	"abc": true, "dataclasses": true, "contextlib": true, "csrf_exempt": true, "login_required": true,
}

func appendUsers(dst []Span, text string) []Span {
	if strings.IndexByte(text, '@') < 0 {
		return dst
	}
	for _, m := range userRE.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		if s > 0 && (isEmailLocal(text[s-1]) || text[s-1] == '@') {
			continue // part of an address or of a word like icon@2x
		}
		name := text[s+1 : e]
		if e < len(text) && (text[e] == '(' || text[e] == '@') {
			continue // an annotation or decorator call
		}
		first, _, _ := strings.Cut(name, ".")
		if codeWords[strings.ToLower(name)] || codeWords[strings.ToLower(first)] || allDigits(name) {
			continue // code, or a time or price (@10:30, @5)
		}
		dst = append(dst, Span{s, e, User})
	}
	return dst
}

// IPv4 candidates; the octets are checked in code.
var ipv4RE = regexp.MustCompile(`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`)

// IPv6 candidates: runs of hex digits and colons (with an optional
// embedded IPv4 and zone), checked by netip.
var ipv6RE = regexp.MustCompile(`[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?`)

// versionWords before or after a dotted quad make it a version, section
// or release number rather than an address.
var versionBefore = regexp.MustCompile(`(?i)(?:\b(?:v|ver|version|versions|release|rel|build|firmware|update|updated|upgrade|patch|rev|revision|kernel|chrome|firefox|safari|edge|windows|macos|ios|android|python|node|java|go|section|sect|chapter|figure|fig|table|clause|article|art|rule|step|item|page|tag)\.?\s*|§\s*)$`)
var versionAfter = regexp.MustCompile(`(?i)^[\s\-]*(?:release|version|tag|build|beta|alpha|rc\d*|final|lts)\b`)

func appendIPs(dst []Span, text string) []Span {
	for _, m := range ipv4RE.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		if s > 0 && (isDigit(text[s-1]) || text[s-1] == '.' || isLetter(text[s-1])) {
			continue // part of a longer number or word (v1.2.3.4)
		}
		if e < len(text) && (isDigit(text[e]) || isLetter(text[e]) || (text[e] == '.' && e+1 < len(text) && isDigit(text[e+1]))) {
			continue // an OID or a longer version
		}
		addr, ok := parseIPv4(text[s:e])
		if !ok || !personalIP(addr) {
			continue
		}
		if versionBefore.MatchString(text[max(0, s-24):s]) || versionAfter.MatchString(text[e:min(len(text), e+20)]) {
			continue
		}
		dst = append(dst, Span{s, e, IPAddress})
	}
	if strings.Count(text, ":") < 2 {
		return dst
	}
	for _, m := range ipv6RE.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		for e > s && (text[e-1] == '.' || text[e-1] == ':') && !strings.HasSuffix(text[s:e], "::") {
			e-- // sentence punctuation
		}
		if s > 0 && (isAlnum(text[s-1]) || text[s-1] == ':') {
			continue
		}
		if e < len(text) && isAlnum(text[e]) {
			continue
		}
		cand := text[s:e]
		addr, err := netip.ParseAddr(cand)
		if err != nil || !addr.Is6() || !personalIP(addr) || hexDigits(cand) < 3 || !strings.ContainsAny(cand, "0123456789") {
			continue
		}
		dst = append(dst, Span{s, e, IPAddress})
	}
	return dst
}

// parseIPv4 reads a dotted quad with octets of 0 to 255 and no leading
// zeros (01.02.03.04 reads as a date or a code, and modern parsers
// reject it).
func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	for i, part := range strings.Split(s, ".") {
		if len(part) > 1 && part[0] == '0' {
			return netip.Addr{}, false
		}
		n := 0
		for j := 0; j < len(part); j++ {
			n = n*10 + int(part[j]-'0')
		}
		if n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), true
}

// personalIP leaves out addresses that name no host: loopback,
// unspecified, netmasks and broadcast.
func personalIP(a netip.Addr) bool {
	if a.IsLoopback() || a.IsUnspecified() {
		return false
	}
	if a.Is4() {
		b := a.As4()
		if b[0] == 255 {
			return false // a netmask or the broadcast address
		}
	}
	return true
}

func hexDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isHex(s[i]) {
			n++
		}
	}
	return n
}

// secretContext is an assignment or mention of a secret: the keyword, then
// "=" or ":" (a quote may follow) or "is", or a space; the value starts
// where the match ends.
var secretContext = regexp.MustCompile(`(?i)(?:password|passwd|pwd|passphrase|secret|token|api[_\-.]?key|apikey|access[_\-]?key|private[_\-]?key|client[_\-]?secret|auth[_\-]?key|storage[_\-]?key|_key)(?:["']?\s*[:=]\s*["']?|\s+is\s+|\s+)`)

// keyPrefixes are the fixed prefixes of well-known credential formats.
var keyPrefixes = []struct {
	prefix string
	min    int // the shortest credential with this prefix
}{
	{"AKIA", 20}, {"ASIA", 20}, {"ghp_", 36}, {"gho_", 36}, {"ghs_", 36}, {"ghu_", 36}, {"github_pat_", 40},
	{"glpat-", 26}, {"sk-", 24}, {"sk_live_", 24}, {"sk_test_", 24}, {"rk_live_", 24}, {"pk_live_", 24},
	{"xoxb-", 20}, {"xoxp-", 20}, {"xoxa-", 20}, {"xoxr-", 20}, {"AIza", 39}, {"npm_", 36}, {"hf_", 30}, {"eyJ", 30},
}

// isKeyChar reports the characters credentials are written with ("=" is
// only taken as base64 padding at the end, so that NAME=value splits).
func isKeyChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-+/.!@#$%^&*~", c) >= 0
}

// keyWords returns the runs of key characters, with trailing "=" padding.
func keyWords(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		if !isKeyChar(text[i]) {
			i++
			continue
		}
		s := i
		for i < len(text) && isKeyChar(text[i]) {
			i++
		}
		for i < len(text) && text[i] == '=' {
			i++
		}
		out = append(out, [2]int{s, i})
	}
	return out
}

// secretWords are lower-case pieces of every secret-sounding name, to skip
// the context pattern for text without any.
var secretWords = []string{"pass", "pwd", "secret", "token", "key"}

func appendKeys(dst []Span, text string) []Span {
	// Where values of secret-sounding names start, found in one pass.
	var valueAt map[int]bool
	lower := strings.ToLower(text)
	for _, w := range secretWords {
		if !strings.Contains(lower, w) {
			continue
		}
		for _, m := range secretContext.FindAllStringIndex(text, -1) {
			if valueAt == nil {
				valueAt = map[int]bool{}
			}
			valueAt[m[1]] = true
		}
		break
	}
	for _, m := range keyWords(text) {
		s, e := m[0], m[1]
		for e > s && strings.IndexByte(".,!", text[e-1]) >= 0 {
			e-- // sentence punctuation
		}
		w := text[s:e]
		if len(w) < 6 || strings.Contains(text[max(0, s-8):min(len(text), e+3)], "://") {
			continue // too short, or part of a URL
		}
		if isKey(w, valueAt[s]) {
			dst = append(dst, Span{s, e, Key})
		}
	}
	return dst
}

// isKey decides whether word w is a secret. After a secret keyword any
// value of two character classes counts; otherwise it needs a known
// credential prefix or a long random-looking part.
func isKey(w string, afterKeyword bool) bool {
	if afterKeyword && classes(w) >= 2 && !isPlaceholder(w) {
		return true
	}
	for _, p := range keyPrefixes {
		if strings.HasPrefix(w, p.prefix) && len(w) >= p.min && classes(w[len(p.prefix):]) >= 2 {
			return true
		}
	}
	if hasExtension(w) {
		return false
	}
	for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == '/' }) {
		if randomLooking(part) {
			return true
		}
	}
	return false
}

// randomLooking: at least 16 characters, digits mixed with both cases,
// not hexadecimal (hashes and ids are public), and spread out (Shannon
// entropy of at least 3.5 bits per character).
func randomLooking(s string) bool {
	if len(s) < 16 || allHex(s) {
		return false
	}
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		lower = lower || c >= 'a' && c <= 'z'
		upper = upper || c >= 'A' && c <= 'Z'
		digit = digit || isDigit(c)
	}
	return lower && upper && digit && entropy(s) >= 3.5
}

func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(s))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// classes counts the character classes of s: lower, upper, digit, other.
func classes(s string) int {
	var lower, upper, digit, other bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case isDigit(c):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

func isPlaceholder(w string) bool {
	l := strings.ToLower(strings.Trim(w, `"'<>`))
	return strings.Contains(l, "your") || strings.Contains(l, "xxxx") || strings.Contains(l, "****") || strings.Contains(l, "changeme")
}

// hasExtension reports a file name such as report_v2.pdf.
func hasExtension(w string) bool {
	i := strings.LastIndexByte(w, '.')
	if i < 0 || len(w)-i-1 < 2 || len(w)-i-1 > 4 {
		return false
	}
	for j := i + 1; j < len(w); j++ {
		if !(w[j] >= 'a' && w[j] <= 'z') {
			return false
		}
	}
	return true
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) || c == '_' }
func isHex(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// prevRune returns the rune before text[i], or 0 at the start.
func prevRune(text string, i int) rune {
	if i == 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

// wordBefore reports whether a letter or digit comes right before i.
func wordBefore(text string, i int) bool {
	r := prevRune(text, i)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
