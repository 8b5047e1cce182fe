// Tokenizes each string of a JSON array file with llama.cpp's vocabulary
// from a GGUF file (llama_tokenize, no special tokens added or parsed) and
// prints a JSON array of id arrays. Built by gen.sh against
// node-llama-cpp's prebuilt libllama; the strings are read with a minimal
// JSON string parser (\n, \t, \", \\, \uXXXX and UTF-8).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml-backend.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *data) {
	(void)data;
	if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static char *put_utf8(char *o, unsigned c) {
	if (c < 0x80) *o++ = c;
	else if (c < 0x800) { *o++ = 0xC0 | c >> 6; *o++ = 0x80 | (c & 63); }
	else if (c < 0x10000) { *o++ = 0xE0 | c >> 12; *o++ = 0x80 | (c >> 6 & 63); *o++ = 0x80 | (c & 63); }
	else { *o++ = 0xF0 | c >> 18; *o++ = 0x80 | (c >> 12 & 63); *o++ = 0x80 | (c >> 6 & 63); *o++ = 0x80 | (c & 63); }
	return o;
}

// next_string parses the JSON string starting at *p (after skipping to the
// next quote) into out and returns its length, or -1 at the end.
static int next_string(const char **p, char *out) {
	const char *s = strchr(*p, '"');
	if (!s) return -1;
	s++;
	char *o = out;
	while (*s != '"') {
		if (*s == '\\') {
			s++;
			switch (*s) {
			case 'n': *o++ = '\n'; s++; break;
			case 't': *o++ = '\t'; s++; break;
			case 'u': {
				unsigned c = strtoul((char[]){s[1], s[2], s[3], s[4], 0}, NULL, 16);
				s += 5;
				if (c >= 0xD800 && c < 0xDC00 && s[0] == '\\' && s[1] == 'u') {
					unsigned lo = strtoul((char[]){s[2], s[3], s[4], s[5], 0}, NULL, 16);
					c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				}
				o = put_utf8(o, c);
				break;
			}
			default: *o++ = *s++;
			}
		} else {
			*o++ = *s++;
		}
	}
	*p = s + 1;
	return (int)(o - out);
}

int main(int argc, char **argv) {
	if (argc != 4) { fprintf(stderr, "usage: tokenize VOCAB.gguf TEXTS.json LIBDIR\n"); return 2; }
	llama_log_set(quiet, NULL);
	ggml_backend_load_all_from_path(argv[3]);
	llama_backend_init();
	struct llama_model_params mp = llama_model_default_params();
	mp.vocab_only = true;
	struct llama_model *model = llama_model_load_from_file(argv[1], mp);
	if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
	const struct llama_vocab *vocab = llama_model_get_vocab(model);
	FILE *f = fopen(argv[2], "rb");
	static char buf[1 << 20], text[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	const char *p = strchr(buf, '[') + 1;
	llama_token ids[4096];
	printf("[");
	int len, first = 1;
	while ((len = next_string(&p, text)) >= 0) {
		int k = llama_tokenize(vocab, text, len, ids, 4096, false, false);
		printf("%s\n [", first ? "" : ",");
		for (int i = 0; i < k; i++) printf("%s%d", i ? ", " : "", ids[i]);
		printf("]");
		first = 0;
	}
	printf("\n]\n");
	return 0;
}
