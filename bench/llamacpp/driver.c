// driver runs llama.cpp through its C API the way llama-bench does, for
// bench/engine_vs_llamacpp.sh: prefill of N random token ids, or greedy
// decoding of N tokens after a prompt of P random ids, on T threads. It
// prints one JSON line. The ids come from the same splitmix64 stream as
// bench/ggufbench's, so both engines see the same input.
//
// Mode ppl computes the perplexity of N random ids, or of the ids in
// IDSFILE (whitespace-separated; N is then their count), from every
// position's next-token log-probability, in float64, from logits for every
// row, and prints it as "ppl". Mode logits writes the logits after a prompt
// of P random ids to OUTFILE (little-endian float32).
//
// usage: driver MODEL.gguf prefill|decode|ppl|logits THREADS N P SEED LIBDIR [IDSFILE|OUTFILE]
#include <stdbool.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

static uint64_t splitmix64(uint64_t *s) {
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void quiet(enum ggml_log_level level, const char *text, void *data) {
	(void)data;
	if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static bool no_progress(float progress, void *data) {
	(void)progress;
	(void)data;
	return true;
}

static int argmax(const float *x, int n) {
	int best = 0;
	for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
	return best;
}

static void must(int rc, const char *what) {
	if (rc != 0) { fprintf(stderr, "driver: %s failed (%d)\n", what, rc); exit(1); }
}

int main(int argc, char **argv) {
	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: driver MODEL.gguf prefill|decode|ppl|logits THREADS N P SEED LIBDIR [IDSFILE|OUTFILE]\n");
		return 2;
	}
	const char *path = argv[1], *mode = argv[2];
	int threads = atoi(argv[3]), n = atoi(argv[4]), p = atoi(argv[5]);
	uint64_t seed = strtoull(argv[6], NULL, 10);
	llama_log_set(quiet, NULL);
	ggml_backend_load_all_from_path(argv[7]);
	llama_backend_init();

	struct llama_model_params mp = llama_model_default_params();
	mp.n_gpu_layers = 0;
	mp.progress_callback = no_progress;
	struct llama_model *model = llama_model_load_from_file(path, mp);
	if (!model) { fprintf(stderr, "driver: cannot load %s\n", path); return 1; }
	int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

	struct llama_context_params cp = llama_context_default_params();
	cp.n_ctx = 1024;
	cp.n_batch = 512;
	cp.n_ubatch = 512;
	cp.n_threads = threads;
	cp.n_threads_batch = threads;
	struct llama_context *ctx = llama_init_from_model(model, cp);
	if (!ctx) { fprintf(stderr, "driver: cannot create a context\n"); return 1; }

	bool logits_mode = strcmp(mode, "logits") == 0;
	if (logits_mode && argc != 9) { fprintf(stderr, "driver: mode logits needs OUTFILE\n"); return 2; }
	int total = strcmp(mode, "decode") == 0 || logits_mode ? p : n;
	llama_token *ids = malloc(sizeof(llama_token) * (total > 0 ? total : 1));
	for (int i = 0; i < total; i++) ids[i] = (llama_token)(splitmix64(&seed) % (uint64_t)vocab);
	if (argc == 9 && !logits_mode) {
		if (strcmp(mode, "ppl") != 0) { fprintf(stderr, "driver: IDSFILE is for mode ppl\n"); return 2; }
		FILE *f = fopen(argv[8], "r");
		if (!f) { fprintf(stderr, "driver: cannot open %s\n", argv[8]); return 1; }
		int cap = 256, id;
		n = 0;
		ids = realloc(ids, sizeof(llama_token) * cap);
		while (fscanf(f, "%d", &id) == 1) {
			if (id < 0 || id >= vocab) { fprintf(stderr, "driver: %s: id %d not below %d\n", argv[8], id, vocab); return 1; }
			if (n == cap) ids = realloc(ids, sizeof(llama_token) * (cap *= 2));
			ids[n++] = id;
		}
		fclose(f);
		if (n < 2) { fprintf(stderr, "driver: %s: %d ids, perplexity needs at least 2\n", argv[8], n); return 1; }
	}

	double t0, t1, c0, c1, ppl = 0;
	int tokens[16], ntok = 0;
	if (strcmp(mode, "ppl") == 0) {
		struct llama_batch b = llama_batch_init(n, 0, 1);
		for (int i = 0; i < n; i++) {
			b.token[i] = ids[i];
			b.pos[i] = i;
			b.n_seq_id[i] = 1;
			b.seq_id[i][0] = 0;
			b.logits[i] = 1;
		}
		b.n_tokens = n;
		t0 = now(); c0 = cpu_seconds();
		must(llama_decode(ctx, b), "decode");
		t1 = now(); c1 = cpu_seconds();
		double nll = 0;
		for (int i = 0; i + 1 < n; i++) {
			const float *l = llama_get_logits_ith(ctx, i);
			double m = l[0], sum = 0;
			for (int j = 1; j < vocab; j++) if (l[j] > m) m = l[j];
			for (int j = 0; j < vocab; j++) sum += exp(l[j] - m);
			nll -= l[ids[i + 1]] - m - log(sum);
		}
		ppl = exp(nll / (n - 1));
		llama_batch_free(b);
	} else if (logits_mode) {
		t0 = now(); c0 = cpu_seconds();
		must(llama_decode(ctx, llama_batch_get_one(ids, p)), "decode");
		t1 = now(); c1 = cpu_seconds();
		FILE *f = fopen(argv[8], "wb");
		if (!f || fwrite(llama_get_logits_ith(ctx, -1), sizeof(float), vocab, f) != (size_t)vocab || fclose(f) != 0) {
			fprintf(stderr, "driver: cannot write %s\n", argv[8]);
			return 1;
		}
	} else if (strcmp(mode, "prefill") == 0) {
		// One warm-up pass, as llama-bench makes, then the timed one.
		must(llama_decode(ctx, llama_batch_get_one(ids, n)), "warm-up decode");
		llama_memory_clear(llama_get_memory(ctx), true);
		t0 = now(); c0 = cpu_seconds();
		must(llama_decode(ctx, llama_batch_get_one(ids, n)), "decode");
		t1 = now(); c1 = cpu_seconds();
	} else {
		must(llama_decode(ctx, llama_batch_get_one(ids, p)), "prompt decode");
		llama_token tok = argmax(llama_get_logits_ith(ctx, -1), vocab);
		t0 = now(); c0 = cpu_seconds();
		for (int i = 0; i < n; i++) {
			if (ntok < 16) tokens[ntok++] = tok;
			must(llama_decode(ctx, llama_batch_get_one(&tok, 1)), "decode");
			tok = argmax(llama_get_logits_ith(ctx, -1), vocab);
		}
		t1 = now(); c1 = cpu_seconds();
	}
	printf("{\"peer\":\"llama.cpp\",\"mode\":\"%s\",\"tokens\":%d,\"seconds\":%.6f,\"tokens_per_s\":%.3f,\"cpu_seconds\":%.6f,\"ppl\":%.9g,\"greedy\":[", mode, n, t1 - t0, n / (t1 - t0), c1 - c0, ppl);
	for (int i = 0; i < ntok; i++) printf("%s%d", i ? "," : "", tokens[i]);
	printf("]}\n");
	llama_free(ctx);
	llama_model_free(model);
	llama_backend_free();
	return 0;
}
