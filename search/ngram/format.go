package ngram

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"

	"github.com/fmkit/fmkit/internal/atomicfile"
)

// FormatVersion is the version of the index layout this package writes.
const FormatVersion = 1

// The files of an index directory.
const (
	metaFile      = "ngram.json"     // the commit: written last
	tokensFile    = "tokens.bin"     // token ids, each document followed by the separator
	saFile        = "sa.bin"         // byte offsets into tokens.bin, in suffix order
	docsFile      = "docs.bin"       // uint64 token index of each document's start
	idsFile       = "ids.bin"        // document ids, concatenated
	idOffsetsFile = "ids.offsets"    // uint64 end offset of each id in ids.bin
	tokenizerFile = "tokenizer.json" // a copy of the tokenizer, when built from text
)

var (
	// ErrNotIndex is returned (wrapped) for a directory without an n-gram
	// index.
	ErrNotIndex = errors.New("ngram: not an n-gram index")
	// ErrCorrupt marks an index whose files disagree with its commit.
	ErrCorrupt = errors.New("ngram: index corrupted")
	// ErrNewerFormat marks an index written by a newer fmkit.
	ErrNewerFormat = errors.New("ngram: index format is newer than this fmkit supports")
)

// meta is ngram.json, the index's commit.
type meta struct {
	Format int `json:"format"`
	// VocabSize bounds the token ids: every id is below it.
	VocabSize int `json:"vocab_size"`
	// TokenBytes is 2 when every id and the separator 0xFFFF fit in 16
	// bits, otherwise 4 (separator 0xFFFFFFFF).
	TokenBytes int `json:"token_bytes"`
	// PointerBytes is ceil(log2(size of tokens.bin)/8), as infini-gram.
	PointerBytes int    `json:"pointer_bytes"`
	Tokens       int64  `json:"tokens"` // tokens in all, separators not counted
	Docs         int64  `json:"docs"`
	Tokenizer    string `json:"tokenizer,omitempty"` // where tokenizer.json was copied from
	Field        string `json:"field,omitempty"`     // the JSON field that was tokenized
}

// separator returns the token value that ends every document.
func (m *meta) separator() uint32 {
	if m.TokenBytes == 2 {
		return 0xFFFF
	}
	return 0xFFFFFFFF
}

// tokenBytesFor returns the token width for a vocabulary size.
func tokenBytesFor(vocab int) int {
	if vocab <= 0xFFFF {
		return 2
	}
	return 4
}

// pointerBytesFor returns ceil(log2(size)/8), at least 1.
func pointerBytesFor(size int64) int {
	if size <= 1 {
		return 1
	}
	return max(1, (bits.Len64(uint64(size-1))+7)/8)
}

func readMeta(dir string) (*meta, error) {
	data, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no %s", ErrNotIndex, dir, metaFile)
		}
		return nil, fmt.Errorf("ngram: %w", err)
	}
	var m meta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("ngram: %s: %w: %v", filepath.Join(dir, metaFile), ErrCorrupt, err)
	}
	if m.Format > FormatVersion {
		return nil, fmt.Errorf("ngram: index %s has format %d, this fmkit reads up to %d: %w", dir, m.Format, FormatVersion, ErrNewerFormat)
	}
	var bad []string
	if m.Format < 1 {
		bad = append(bad, fmt.Sprintf("format %d", m.Format))
	}
	if m.TokenBytes != 2 && m.TokenBytes != 4 || m.TokenBytes != tokenBytesFor(m.VocabSize) {
		bad = append(bad, fmt.Sprintf("token_bytes %d for vocab_size %d", m.TokenBytes, m.VocabSize))
	}
	if m.VocabSize < 1 {
		bad = append(bad, fmt.Sprintf("vocab_size %d", m.VocabSize))
	}
	if m.PointerBytes < 1 || m.PointerBytes > 8 {
		bad = append(bad, fmt.Sprintf("pointer_bytes %d", m.PointerBytes))
	}
	// Far above any corpus (infini-gram's largest is about 2^42 tokens),
	// and low enough that file sizes computed from them cannot overflow.
	const maxCount = 1 << 48
	if m.Tokens < 0 || m.Docs < 0 || m.Tokens > maxCount || m.Docs > maxCount {
		bad = append(bad, fmt.Sprintf("tokens %d, docs %d", m.Tokens, m.Docs))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("ngram: %s: %w: %v", filepath.Join(dir, metaFile), ErrCorrupt, bad)
	}
	return &m, nil
}

func writeMeta(dir string, m *meta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, metaFile), append(data, '\n'))
}

// putPointer writes p in little-endian order into b[:width].
func putPointer(b []byte, p uint64, width int) {
	for i := range width {
		b[i] = byte(p >> (8 * i))
	}
}

// pointerAt reads the i'th width-byte little-endian pointer of b.
func pointerAt(b []byte, i uint64, width int) uint64 {
	off := i * uint64(width)
	if width == 4 {
		return uint64(binary.LittleEndian.Uint32(b[off:]))
	}
	if width == 8 {
		return binary.LittleEndian.Uint64(b[off:])
	}
	var p uint64
	for j := width - 1; j >= 0; j-- {
		p = p<<8 | uint64(b[off+uint64(j)])
	}
	return p
}
