package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fmkit/fmkit/internal/memtest"
)

// checkOffsets verifies that offsets are within the text, that their starts
// never decrease, and that together they cover every byte of the text.
func checkOffsets(t *testing.T, name, text string, ids []int, offs []Offset) {
	t.Helper()
	checkOffsetOrder(t, name, text, ids, offs)
	covered := make([]bool, len(text))
	for _, o := range offs {
		for k := o.Start; k < o.End; k++ {
			covered[k] = true
		}
	}
	for k, c := range covered {
		if !c {
			t.Fatalf("%s %q: byte %d is covered by no token (offsets %v)", name, text, k, offs)
		}
	}
}

// checkOffsetOrder verifies that offsets are within the text and that their
// starts never decrease.
func checkOffsetOrder(t *testing.T, name, text string, ids []int, offs []Offset) {
	t.Helper()
	if len(ids) != len(offs) {
		t.Fatalf("%s: %d ids but %d offsets", name, len(ids), len(offs))
	}
	prev := 0
	for i, o := range offs {
		if o.Start < 0 || o.End > len(text) || o.Start > o.End {
			t.Fatalf("%s %q: token %d has offsets %v outside [0, %d]", name, text, i, o, len(text))
		}
		if o.Start < prev {
			t.Fatalf("%s %q: token %d starts at %d, before token %d (%d)", name, text, i, o.Start, i-1, prev)
		}
		prev = o.Start
	}
}

// FuzzEncode checks that Encode never panics on any input, that offsets are
// monotonic and cover the input, and that GPT-2's byte-level encoding
// round-trips through Decode.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"Hello world", "  \t\r\n", "<|endoftext|><s>", "가나다 😀", "\xff\xfe a", "e\u0301"} {
		f.Add(s)
	}
	gpt2 := loadTestTokenizer(f, "gpt2")
	llama2 := loadTestTokenizer(f, "llama2")
	// normalizers that delete text (Strip) leave bytes uncovered, so this
	// one is only checked for order and bounds
	normalizing := loadSynthetic(f, "synth-normalizers")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tc := range []struct {
			name string
			tok  *Tokenizer
		}{{"gpt2", gpt2}, {"llama2", llama2}} {
			ids, offs := tc.tok.EncodeWithOffsets(s, false)
			checkOffsets(t, tc.name, s, ids, offs)
			sids := tc.tok.Encode(s, true)
			if len(sids) < len(ids) {
				t.Fatalf("%s: fewer tokens with special tokens (%d) than without (%d)", tc.name, len(sids), len(ids))
			}
			_ = tc.tok.Decode(ids, true)
		}
		ids, offs := normalizing.EncodeWithOffsets(s, true)
		checkOffsetOrder(t, "synth-normalizers", s, ids, offs)
		_ = normalizing.Decode(ids, false)
		if utf8.ValidString(s) {
			if got := gpt2.Decode(gpt2.Encode(s, false), false); got != s {
				t.Fatalf("gpt2 round trip of %q gave %q", s, got)
			}
		}
	})
}

// FuzzParse checks that no tokenizer.json, however malformed, makes Parse
// or a parsed tokenizer panic.
func FuzzParse(f *testing.F) {
	for _, s := range synthJSONSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var tok *Tokenizer
		var err error
		if n := memtest.AllocatedBytes(func() { tok, err = Parse("fuzz.json", []byte(data)) }); n > uint64(512*len(data)+4<<20) {
			t.Fatalf("parsing %d bytes allocated %d", len(data), n)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tokenizer: fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		ids, offs := tok.EncodeWithOffsets("Hello, world! 123 가나 <s>", true)
		if len(ids) != len(offs) {
			t.Fatal("ids and offsets differ in length")
		}
		_ = tok.Decode(append(ids, -1, 1<<30), false)
	})
}

// synthJSONSeeds are small tokenizer.json files for the parser fuzzer.
var synthJSONSeeds = []string{
	`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"<unk>":3},"merges":["a b"],"unk_token":"<unk>"}}`,
	`{"added_tokens":[{"id":4,"content":"<s>","special":true,"normalized":false}],"normalizer":{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Lowercase"}]},"pre_tokenizer":{"type":"Metaspace","replacement":"▁","prepend_scheme":"first"},"decoder":{"type":"Metaspace","replacement":"▁"},"model":{"type":"BPE","vocab":{"▁":0,"a":1,"▁a":2,"<unk>":3},"merges":[["▁","a"]],"unk_token":"<unk>","fuse_unk":true}}`,
	`{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\s+|\\w+"},"behavior":"MergedWithNext","invert":true},"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{"<s>":{"id":"<s>","ids":[0],"tokens":["<s>"]}}},"model":{"vocab":{"<s>":0,"x":1},"merges":[]}}`,
	`{"model":{"type":"WordPiece","vocab":{}}}`,
	`[1,2,3]`,
}
