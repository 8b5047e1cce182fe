// Runs llama.cpp's reference quantizers and dequantizers on the float32
// values in argv[2] and writes, for format argv[1], the quantized bytes to
// argv[3] and their dequantization (float32) to argv[4]. For "q8_K" (the activation
// format of the K-quants' dot products) argv[4] receives d (float32) and the
// block sums (int16) instead. Built by gen.sh against ggml-quants.c from
// node-llama-cpp's bundled llama.cpp source, which is never committed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml-common.h"
#include "ggml-quants.h"

// ggml-quants.c calls these only on paths the driver does not take (errors,
// importance-matrix quantization); the driver links ggml-quants.c alone.
void ggml_abort(const char *file, int line, const char *fmt, ...) {
	fprintf(stderr, "ggml_abort at %s:%d\n", file, line);
	abort();
}
size_t ggml_row_size(enum ggml_type type, int64_t ne) { (void)type; (void)ne; abort(); }
size_t ggml_type_size(enum ggml_type type) { (void)type; abort(); }
const char *ggml_type_name(enum ggml_type type) { (void)type; return "?"; }

static void *slurp(const char *path, size_t *n) {
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(1); }
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc(*n);
	if (fread(p, 1, *n, f) != *n) { perror(path); exit(1); }
	fclose(f);
	return p;
}

static void spill(const char *path, const void *p, size_t n) {
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) { perror(path); exit(1); }
	fclose(f);
}

int main(int argc, char **argv) {
	if (argc != 5) { fprintf(stderr, "usage: driver q8_0|q4_0|q4_K|q5_K|q6_K|q8_K in.f32 out.q out.f32\n"); return 2; }
	size_t nbytes;
	float *x = slurp(argv[2], &nbytes);
	int64_t n = nbytes / 4;
	float *y = calloc(n, 4);
	if (!strcmp(argv[1], "q8_0")) {
		block_q8_0 *q = calloc(n / QK8_0, sizeof *q);
		quantize_row_q8_0_ref(x, q, n);
		dequantize_row_q8_0(q, y, n);
		spill(argv[3], q, n / QK8_0 * sizeof *q);
	} else if (!strcmp(argv[1], "q4_0")) {
		block_q4_0 *q = calloc(n / QK4_0, sizeof *q);
		quantize_row_q4_0_ref(x, q, n);
		dequantize_row_q4_0(q, y, n);
		spill(argv[3], q, n / QK4_0 * sizeof *q);
	} else if (!strcmp(argv[1], "q4_K")) {
		block_q4_K *q = calloc(n / QK_K, sizeof *q);
		quantize_row_q4_K_ref(x, q, n);
		dequantize_row_q4_K(q, y, n);
		spill(argv[3], q, n / QK_K * sizeof *q);
	} else if (!strcmp(argv[1], "q5_K")) {
		block_q5_K *q = calloc(n / QK_K, sizeof *q);
		quantize_row_q5_K_ref(x, q, n);
		dequantize_row_q5_K(q, y, n);
		spill(argv[3], q, n / QK_K * sizeof *q);
	} else if (!strcmp(argv[1], "q6_K")) {
		block_q6_K *q = calloc(n / QK_K, sizeof *q);
		quantize_row_q6_K_ref(x, q, n);
		dequantize_row_q6_K(q, y, n);
		spill(argv[3], q, n / QK_K * sizeof *q);
	} else if (!strcmp(argv[1], "q8_K")) {
		int64_t nb = n / QK_K;
		block_q8_K *q = calloc(nb, sizeof *q);
		quantize_row_q8_K_ref(x, q, n);
		// qs as int8, then per block d (f32) and 16 bsums (int16).
		FILE *f = fopen(argv[3], "wb");
		for (int64_t i = 0; i < nb; i++) fwrite(q[i].qs, 1, QK_K, f);
		fclose(f);
		f = fopen(argv[4], "wb");
		for (int64_t i = 0; i < nb; i++) { fwrite(&q[i].d, 4, 1, f); fwrite(q[i].bsums, 2, QK_K / 16, f); }
		fclose(f);
		return 0;
	} else {
		fprintf(stderr, "unknown type %s\n", argv[1]);
		return 2;
	}
	spill(argv[4], y, n * 4);
	return 0;
}
