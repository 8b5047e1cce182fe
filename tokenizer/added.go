package tokenizer

// AddedToken is an entry of tokenizer.json's "added_tokens": a string that
// is matched in the input before the model sees it and always becomes the
// one token ID.
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"` // match only between non-word characters
	LStrip     bool   `json:"lstrip"`      // swallow whitespace on the left
	RStrip     bool   `json:"rstrip"`      // swallow whitespace on the right
	Normalized bool   `json:"normalized"`  // match in the normalized text, not the raw input
	Special    bool   `json:"special"`     // dropped by Decode with skipSpecial
}

// trie finds added tokens with leftmost-longest semantics (the reference uses
// an Aho-Corasick automaton with MatchKind::LeftmostLongest).
type trie struct {
	first [256]bool // bytes that can start a token
	nodes []trieNode
}

type trieNode struct {
	edges []trieEdge // sorted by byte
	token int        // index into addedVocab.tokens, or -1
}

type trieEdge struct {
	b     byte
	child int32
}

func newTrie() *trie {
	return &trie{nodes: []trieNode{{token: -1}}}
}

func (t *trie) insert(s string, token int) {
	if s == "" {
		return
	}
	t.first[s[0]] = true
	n := 0
	for i := 0; i < len(s); i++ {
		n = t.child(n, s[i], true)
	}
	if t.nodes[n].token < 0 {
		t.nodes[n].token = token
	}
}

func (t *trie) child(n int, b byte, create bool) int {
	edges := t.nodes[n].edges
	lo, hi := 0, len(edges)
	for lo < hi {
		m := (lo + hi) / 2
		if edges[m].b < b {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(edges) && edges[lo].b == b {
		return int(edges[lo].child)
	}
	if !create {
		return -1
	}
	c := len(t.nodes)
	t.nodes = append(t.nodes, trieNode{token: -1})
	edges = append(edges, trieEdge{})
	copy(edges[lo+1:], edges[lo:])
	edges[lo] = trieEdge{b, int32(c)}
	t.nodes[n].edges = edges
	return c
}

// longestAt returns the token and end of the longest match starting at s[i].
func (t *trie) longestAt(s []byte, i int) (token, end int) {
	token = -1
	n := 0
	for j := i; j < len(s); j++ {
		n = t.child(n, s[j], false)
		if n < 0 {
			break
		}
		if tok := t.nodes[n].token; tok >= 0 {
			token, end = tok, j+1
		}
	}
	return token, end
}

// find returns the leftmost-longest match at or after position i.
func (t *trie) find(s []byte, i int) (token, start, end int) {
	if len(t.nodes) == 1 {
		return -1, 0, 0
	}
	for ; i < len(s); i++ {
		if !t.first[s[i]] {
			continue
		}
		if tok, e := t.longestAt(s, i); tok >= 0 {
			return tok, i, e
		}
	}
	return -1, 0, 0
}

// addedMatch is one split of a text by the added vocabulary: either an added
// token (token >= 0) or a stretch of other text.
type addedMatch struct {
	start, end int
	token      int // index into addedVocab.tokens, or -1
}

// split cuts s into added tokens and the text between them, applying the
// single_word, lstrip and rstrip rules as the reference does.
func (v *addedVocab) split(dst []addedMatch, s []byte, t *trie) []addedMatch {
	if len(s) == 0 {
		return dst
	}
	startOffset := 0
	pos := 0
	for pos < len(s) {
		tok, start, stop := t.find(s, pos)
		if tok < 0 {
			break
		}
		pos = stop // the automaton resumes after the match, used or not
		at := &v.tokens[tok]
		if at.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if at.LStrip {
			newStart := leftmostSpaceAtEnd(s[:start])
			start = max(newStart, startOffset)
		}
		if at.RStrip {
			stop += rightmostSpaceAtStart(s[stop:])
		}
		if startOffset < start {
			dst = append(dst, addedMatch{startOffset, start, -1})
		}
		dst = append(dst, addedMatch{start, stop, tok})
		startOffset = stop
	}
	if startOffset != len(s) {
		dst = append(dst, addedMatch{startOffset, len(s), -1})
	}
	return dst
}

func endsWithWord(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	i, _ := charBounds(s, len(s)-1)
	c, _ := classOf(s, i)
	return c&classWord != 0
}

func startsWithWord(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	c, _ := classOf(s, 0)
	return c&classWord != 0
}

// leftmostSpaceAtEnd returns where the trailing whitespace of s begins.
func leftmostSpaceAtEnd(s []byte) int {
	i := len(s)
	for i > 0 {
		a, _ := charBounds(s, i-1)
		if c, _ := classOf(s, a); c&classSpace == 0 {
			break
		}
		i = a
	}
	return i
}

// rightmostSpaceAtStart returns the length of the leading whitespace of s.
func rightmostSpaceAtStart(s []byte) int {
	i := 0
	for i < len(s) {
		c, n := classOf(s, i)
		if c&classSpace == 0 {
			break
		}
		i += n
	}
	return i
}

// addedVocab holds the added tokens and the two tries that find them: one
// over the raw input (normalized=false) and one over normalized text.
type addedVocab struct {
	tokens     []AddedToken
	byContent  map[string]int // content -> ID
	byID       map[int]int    // ID -> index into tokens
	special    map[string]bool
	raw        *trie
	normalized *trie
}
