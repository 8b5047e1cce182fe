//go:build ignore

// Command seeds writes the committed seed corpora of fmkit's fuzz targets:
// for each target a few hostile inputs of the kinds issue 24 found (alias
// bombs, deep nesting, sizes that overflow, NaN, duplicate keys, huge
// claimed shapes), in testdata/fuzz/<Target>/ of its package, in the
// "go test fuzz v1" format. go test runs them as ordinary test cases;
// .ci/fuzz starts each fuzzer from them. Run from the repository root:
//
//	go run testdata/gen/fuzz/seeds.go
//
// It rewrites only the files named seed-*, so inputs the fuzzer found and
// committed beside them stay.
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// v is one argument of a fuzz input, as the corpus format writes it.
type v struct {
	typ string
	val any
}

func str(s string) v             { return v{"string", s} }
func byt(s string) v             { return v{"[]byte", s} }
func i64(n int64) v              { return v{"int64", n} }
func num(n int) v                { return v{"int", n} }
func u8(n uint8) v               { return v{"uint8", n} }
func rep(s string, n int) string { return strings.Repeat(s, n) }

func (a v) String() string {
	switch x := a.val.(type) {
	case string:
		return a.typ + "(" + strconv.Quote(x) + ")"
	default:
		return fmt.Sprintf("%s(%v)", a.typ, x)
	}
}

// laughs is the billion-laughs task file: levels levels of nine aliases.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("task: laughs\ndataset_path: json\na0: &a0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(rep(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	return b.String()
}

// ggufMeta is a GGUF version-3 file without tensors whose metadata is
// general.architecture arch and the uint32 values kv (key, value, ...),
// each key prefixed with "arch.".
func ggufMeta(arch string, kv ...any) string {
	var b strings.Builder
	u32 := func(n uint32) { binary.Write(&b, binary.LittleEndian, n) }
	u64 := func(n uint64) { binary.Write(&b, binary.LittleEndian, n) }
	str := func(s string) { u64(uint64(len(s))); b.WriteString(s) }
	b.WriteString("GGUF")
	u32(3)
	u64(0)                     // tensors
	u64(uint64(1 + len(kv)/2)) // key/values
	str("general.architecture")
	u32(8) // string
	str(arch)
	for i := 0; i+1 < len(kv); i += 2 {
		str(arch + "." + kv[i].(string))
		u32(4) // uint32
		u32(uint32(kv[i+1].(int)))
	}
	return b.String()
}

// npyHeader is a version-1 .npy header for dict, padded as numpy pads it.
func npyHeader(dict string) string {
	h := dict + " "
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	return "\x93NUMPY\x01\x00" + string([]byte{byte(len(h)), byte(len(h) >> 8)}) + h
}

var corpora = map[string]map[string][][]v{
	"data": {
		"FuzzReadCSV": {
			{str("a,b\n1,2\n")},
			{str("\"unclosed,1\n2,3\n")},
			{str(rep("x,", 10000) + "x\n1\n")},
		},
		"FuzzReadJSON": {
			{str(`{"a": 1}` + "\n" + `{"a": 1e400}`)},
			{str(rep("[", 10000) + rep("]", 10000))},
			{str(`[{"q": NaN}]`)},
		},
		"FuzzDecodeJSON": {
			{byt(`{"a": [1, 2, {"b": null}]}`)},
			{byt(rep(`{"a":`, 5000) + "1" + rep("}", 5000))},
		},
	},
	"erase": {
		"FuzzReadScrubDocs": {
			{str(`{"text": "a b", "labels": [0, 1]}` + "\n")},
			{str(`{"ids": [1, 2, 3], "labels": [0, 1]}` + "\n")},
			{str(`{"ids": [1, 2], "labels": [0, -9223372036854775808]}` + "\n")},
		},
	},
	"eval": {
		"FuzzTaskYAML": {
			{str(laughs(9))},
			{str("task: t\na: &a [x, *a]\n")},
			{str("task: t\nx: " + rep("[", 3000) + rep("]", 3000) + "\n")},
			{str("task: t\ngeneration_kwargs:\n  temperature: .nan\n  top_p: -.inf\n")},
		},
		"FuzzParseArgs": {
			{str("temperature=nan,top_p=inf")},
			{str("until=" + rep("[", 2000) + rep("]", 2000))},
			{str("max_gen_toks=99999999999999999999999")},
		},
	},
	"eval#2": {
		"FuzzSolidusEscapes": {
			{byt("v: \"" + rep("\\/", 5000) + "\"\n")},
		},
	},
	// Model responses are outside text: IFEval's checkers, sentence
	// splitter and language detector get long runs of one mark, deep
	// braces (json_format parses JSON), invalid UTF-8 and mixed scripts.
	"eval/ifeval": {
		"FuzzCheck": {
			{str(rep(".", 4000))},
			{str("```json\n" + rep("{\"a\":", 1000) + "1" + rep("}", 1000) + "\n```")},
			{str(rep("* item\n", 500) + rep("***\n", 200) + rep("\n\n", 500))},
			{str(rep("\xff\xfe", 1000) + " P.S. " + rep("SECTION 1 ", 300))},
		},
	},
	"eval/ifeval/internal/nltk": {
		"FuzzSentences": {
			{str(rep(".", 10000))},
			{str(rep("Mr. ", 3000))},
			{str(rep("\xff(", 2000) + "A.")},
		},
	},
	"eval/ifeval/internal/langdetect": {
		"FuzzDetect": {
			{str(rep("a", 20000))},
			{str(rep("\xff", 5000))},
			{str(rep("Привет こんにちは hello مرحبا ", 500))},
		},
	},
	"gguf": {
		"FuzzParse": {
			// GGUF v3 claiming 2^62 tensors and 2^62 metadata keys.
			{byt("GGUF\x03\x00\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x40" + "\x00\x00\x00\x00\x00\x00\x00\x40")},
			// One key whose string claims 2^63 bytes.
			{byt("GGUF\x03\x00\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x01\x00\x00\x00\x00\x00\x00\x00" + "\xff\xff\xff\xff\xff\xff\xff\x7f")},
		},
	},
	"group/grok": {
		"FuzzParseMetrics": {
			{byt("{\"epoch\": 9223372036854775807, \"train_loss\": NaN}\n")},
			{byt("{\"epoch\": 1, \"test_acc\": 1e400}\n")},
		},
	},
	"pinkelephant": {
		"FuzzMatcher": {
			// A name inside one long word: every candidate is rejected
			// and the search restarts a character later, so the time
			// grows with the text's length squared (100,000 characters
			// ran for minutes); kept small here.
			{str(rep("a", 20)), str(rep("a", 2000))},
			{str(".*+?[("), str("(((((")},
		},
		"FuzzDecodeDialogues": {
			{byt(`{"domain":"d","grey":"A","pink":"B","turns":` + rep("[", 2000) + rep("]", 2000) + `}`)},
			{byt(`{"domain":"d","grey":"A","pink":"B","turns":[{"role":"user","content":"` + rep("x", 20000) + `"}]}`)},
		},
	},
	"hub": {
		"FuzzTranslateGlob": {
			{str(rep("*", 5000) + "x"), str(rep("a", 5000))},
			{str(rep("[", 3000)), str("[")},
		},
	},
	"internal/py": {
		"FuzzDecodeEscapes": {
			{str(`\N{LATIN SMALL LETTER A}\U0010ffff\x41`)},
			{str(`\U00110000\ud800`)},
		},
	},
	"jinja": {
		"FuzzRender": {
			{str("{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}")},
			{str("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}")},
			{str("{% set l = [1, 2, 3] * 100000000 %}")},
			{str("{{ ('x' * 100000) | replace('', 'y' * 100000) }}")},
			{str(rep("{% if true %}", 500) + "x" + rep("{% endif %}", 500))},
		},
	},
	"lm/openai": {
		"FuzzParseSpec": {
			{str("http://localhost:8000/v1,model=m,tokenizer=dir,concurrency=-1")},
			{str(",,,=,")},
		},
		"FuzzScoreResponse": {
			{byt(`{"choices": [{"logprobs": {"token_logprobs": [null, -1e400, "NaN"], "tokens": ["a"]}}]}`)},
			{byt(`{"choices": [{"prompt_logprobs": [null, {"1": {"logprob": -0.5}}]}]}`)},
		},
		"FuzzRawArray": {
			{byt(rep("[", 10000))},
			{byt(`[1, "two", {"3": [4]}]`)},
		},
	},
	"mathcheck": {
		"FuzzCheck": {
			{str(`\frac{1}{2}`), str("0.5")},
			{str(rep(`\frac{1}{`, 500) + "2" + rep("}", 500)), str("1")},
			{str("1e999999999"), str("2^2^2^2^2^2^2^2^2^2")},
		},
		"FuzzNormalize": {
			{str(`\boxed{` + rep("{", 3000) + "x" + rep("}", 3000) + "}")},
			{str(rep(`\sqrt`, 5000) + "2")},
		},
	},
	"model": {
		"FuzzParseConfig": {
			{byt(`{"model_type": "llama", "hidden_size": 1e300, "num_attention_heads": 0}`)},
			{byt(`{"model_type": "gpt2", "n_layer": 1, "n_embd": 9223372036854775807, "n_head": 1, "vocab_size": 1}`)},
			{byt(`{"model_type": "gpt_neox", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "rotary_pct": NaN}`)},
			{byt(`{"model_type": "llama", "model_type": "gpt2"}`)},
		},
		"FuzzLoadGGUF": {
			// Four billion layers and no tensors: Load built a name table
			// per layer and ran out of memory.
			{byt(ggufMeta("llama", "block_count", 4000000000, "embedding_length", 32, "attention.head_count", 4, "feed_forward_length", 64, "vocab_size", 10, "context_length", 16))},
			{byt(ggufMeta("llama", "block_count", 1, "embedding_length", 32, "attention.head_count", 0, "feed_forward_length", 64, "vocab_size", 10, "context_length", 16))},
			{byt(ggufMeta("gpt2", "block_count", 1, "embedding_length", 4294967295, "attention.head_count", 1, "feed_forward_length", 4294967295, "vocab_size", 4294967295, "context_length", 4294967295))},
		},
	},
	"nn/train": {
		"FuzzReadJSONL": {
			{str(`{"ids": [2147483648, -1]}`)},
			{str(`{"ids": ` + rep("[", 1000) + rep("]", 1000) + `}`)},
		},
		"FuzzReadPreferences": {
			{str(`{"prompt_ids": [1], "chosen_ids": [2], "rejected_ids": [3]}`), num(0)},
			{str(`{"prompt_ids": [1, 2, 3, 4, 5, 6, 7, 8], "chosen_ids": [9, 9, 9], "rejected_ids": [1]}`), num(3)},
			{str(`{"prompt_ids": [1e30], "chosen_ids": [], "rejected_ids": [3]}`), num(0)},
		},
	},
	"npy": {
		"FuzzRead": {
			{byt(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"))},
			{byt(npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))},
			{byt(npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }") + "\x00\x00\xc0\x7f\x00\x00\x80\x7f")},
			{byt(npyHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"))},
		},
	},
	"recursion": {
		"FuzzParse": {
			{str(rep("S(", 5000) + "Z" + rep(")", 5000))},
			{str("succ(succ(")},
		},
		"FuzzParseCompact": {
			{str(rep("S", 100000) + "Z"), u8(0)},
			{str("[[[[[[]]]]]]"), u8(1)},
		},
	},
	"risk": {
		"FuzzParse": {
			{byt("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n")},
			{byt("title: " + rep("[", 3000) + rep("]", 3000) + "\n")},
		},
	},
	"safetensors": {
		"FuzzParseHeader": {
			{byt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`), i64(8)},
			{byt(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`), i64(4)},
			{byt(`{"a":{"dtype":"F16","shape":[1000000000],"data_offsets":[0,2000000000]}}`), i64(64)},
			{byt(`{"__metadata__":` + rep("[", 2000) + rep("]", 2000) + `}`), i64(0)},
		},
	},
	"search": {
		"FuzzParseQuery": {
			{str(rep("cat AND ", 5000) + "cat")},
			{str(rep("(", 100000) + "cat")},
			{str(rep("NOT ", 20000) + "cat")},
			{str(rep(`"a b" `, 2000))},
		},
		"FuzzScanRecord": {
			{byt(`{"id": "a", "contents": "x", "meta": {"k": ` + rep("[", 2000) + rep("]", 2000) + `}}`)},
			{byt(`{"id": "a", "id": "b", "contents": "x"}`)},
		},
		"FuzzBuild": {
			// the same id a thousand times, and as a number and a string
			{byt(rep(`{"id": "d", "contents": "x"}`+"\n", 1000) + `{"id": 1, "contents": "n"}` + "\n" + `{"id": "1", "contents": "s"}`)},
			// nesting 10,000 deep in meta, then a good record
			{byt(`{"id": "a", "contents": "x", "meta": ` + rep("[", 10000) + rep("]", 10000) + "}\n" + `{"id": "b", "contents": "y"}`)},
			// blank lines, CRLF, NUL bytes and invalid UTF-8, no final newline
			{byt("\r\n\n\t\n{\"id\": \"\x00\", \"contents\": \"\xff\xfe\"}\r\n{\"id\": \"\xff\", \"contents\": \"\"}")},
			// a 60 KB record and 200 bad lines, more than Build lists
			{byt(`{"id": "long", "contents": "` + rep("word ", 12000) + `"}` + "\n" + rep("{\n", 200))},
		},
	},
	"search/ngram": {
		"FuzzParseIDs": {
			{str("1,2," + rep("9", 40))},
			{str(rep(",", 10000))},
		},
		"FuzzSAIS": {
			{byt("")}, // the sentinel alone: sais left it unsorted (-1)
			{byt(rep("ab", 5000))},
			{byt(rep("\xff", 4096))},
		},
	},
	"search/pii": {
		"FuzzDetect": {
			{str("password=" + rep("a", 10000))},
			{str(rep("a@", 5000) + "example.com")},
		},
	},
	"search/web": {
		"FuzzRedactParts": {
			{str("mail me at a@example.com or call 555-0100"), num(-1), num(1 << 30)},
			{str(rep("é", 1000)), num(1), num(2)},
		},
	},
	"serve": {
		"FuzzRequests": {
			{str(`{"prompt": "hello", "temperature": 1e-320, "max_tokens": 4}`)},
			{str(`{"prompt": "hello", "guidance_scale": 100, "negative_prompt": "` + rep("x", 5000) + `"}`)},
			{str(`{"prompt": ` + rep("[", 2000) + rep("]", 2000) + `}`)},
			{str(`{"messages": [{"role": "user", "content": "` + rep("y", 60000) + `"}]}`)},
			{str(`{"prompt": "a", "n": 16, "max_tokens": 60, "logprobs": 20, "echo": true}`)},
		},
	},
	"shapes": {
		"FuzzReadGPUs": {
			{byt("gpus:\n  - name: x\n    sms: 9223372036854775807\n    tflops: {fp16: .nan}\n")},
			{byt("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n")},
		},
		"FuzzReadHFConfig": {
			{byt(`{"model_type": "llama", "hidden_size": 9223372036854775807, "num_attention_heads": 1, "num_hidden_layers": 1}`)},
			{byt(`{"model_type": "gpt2", "n_embd": -1}`)},
		},
		"FuzzParseRange": {
			{str("hidden=1:9223372036854775807:1")},
			{str("heads=-9223372036854775808:9223372036854775807")},
		},
	},
	"tokenizer": {
		"FuzzParse": {
			{str(`{"model":{"type":"BPE","vocab":{"a":0,"a":1},"merges":["a a","a a"]}}`)},
			{str(`{"model":{"type":"BPE","vocab":{"a":9223372036854775807},"merges":[]}}`)},
			{str(`{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(a*)*b"},"behavior":"Isolated"},"model":{"vocab":{"a":0},"merges":[]}}`)},
			{str(`{"normalizer":{"type":"Sequence","normalizers":` + rep("[", 1000) + rep("]", 1000) + `}}`)},
		},
		"FuzzEncode": {
			{str(rep(" ", 10000))},
			{str(rep("\xff\xfe", 1000))},
		},
		"FuzzScannerEquivalence": {
			{str(rep("a1 ", 3000))},
		},
	},
}

func main() {
	for key, targets := range corpora {
		pkg, _, _ := strings.Cut(key, "#") // "#2": a second entry for one package
		for target, inputs := range targets {
			dir := filepath.Join(pkg, "testdata", "fuzz", target)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				log.Fatal(err)
			}
			old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
			for _, p := range old {
				os.Remove(p)
			}
			for i, args := range inputs {
				var b strings.Builder
				b.WriteString("go test fuzz v1\n")
				for _, a := range args {
					b.WriteString(a.String() + "\n")
				}
				p := filepath.Join(dir, fmt.Sprintf("seed-%02d", i+1))
				if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
					log.Fatal(err)
				}
			}
		}
	}
}
