package tokenizer

import (
	"os"
	"strings"
	"testing"
)

// benchTexts returns the texts to encode: the file named by
// FMKIT_TOKENIZER_BENCH_INPUT (documents separated by form feeds) or else
// the fixture corpus.
func benchTexts(b *testing.B) ([]string, int64) {
	var texts []string
	if path := os.Getenv("FMKIT_TOKENIZER_BENCH_INPUT"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		texts = strings.Split(string(data), "\f")
	} else {
		texts = loadCorpus(b)
	}
	var n int64
	for _, s := range texts {
		n += int64(len(s))
	}
	return texts, n
}

// benchTokenizer loads the tokenizer named by FMKIT_TOKENIZER_BENCH_FILE or
// the test tokenizer name.
func benchTokenizer(b *testing.B, name string) *Tokenizer {
	if path := os.Getenv("FMKIT_TOKENIZER_BENCH_FILE"); path != "" {
		tok, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	return loadTestTokenizer(b, name)
}

// BenchmarkEncode measures single-goroutine encode throughput (MB/s of
// UTF-8 input) on the corpus, for each tokenizer.
func BenchmarkEncode(b *testing.B) {
	for _, tt := range testTokenizers {
		b.Run(tt.name, func(b *testing.B) {
			tok := benchTokenizer(b, tt.name)
			texts, n := benchTexts(b)
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				for _, s := range texts {
					tok.Encode(s, false)
				}
			}
		})
	}
}

// BenchmarkEncodeBatch measures EncodeBatch on all cores.
func BenchmarkEncodeBatch(b *testing.B) {
	for _, tt := range testTokenizers {
		b.Run(tt.name, func(b *testing.B) {
			tok := benchTokenizer(b, tt.name)
			texts, n := benchTexts(b)
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				tok.EncodeBatch(texts, false)
			}
		})
	}
}

// BenchmarkLoad measures loading each tokenizer.json.
func BenchmarkLoad(b *testing.B) {
	for _, tt := range testTokenizers {
		b.Run(tt.name, func(b *testing.B) {
			dir := os.Getenv("FMKIT_TOKENIZER_BENCH_FILE")
			if dir == "" {
				dir = tokenizerDir(b, tt.name)
			}
			for b.Loop() {
				if _, err := Load(dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
