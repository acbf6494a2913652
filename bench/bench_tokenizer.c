/* bench_tokenizer: GPT-2 encoding speed vs tiktoken (same run), and BPE
 * training time / memory. Medians of 5 runs. Not a test.
 *
 *   cc -O2 -march=native -std=c99 -I. bench/bench_tokenizer.c -o build/bench_tokenizer -lm -lpthread
 *   build/bench_tokenizer [CORPUS] [RANKFILE]   (defaults: ../shared/corpora/english_mix.txt,
 *                                                ../shared/gpt2/r50k_base.tiktoken)
 * The tiktoken number comes from `node bench/tiktoken_bench.js` (npm
 * tiktoken@1.0.22 installed by .ci/npm.sh); it is skipped if node fails. */
#define _POSIX_C_SOURCE 200809L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#define RUNS 5

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof(double), cmp_d); return v[n / 2]; }
static long rss_kb(void) { struct rusage ru; getrusage(RUSAGE_SELF, &ru); return ru.ru_maxrss; }

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long sz;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)sz + 1);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) { fclose(f); free(buf); return NULL; }
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

int main(int argc, char **argv) {
    const char *corpus = argc > 1 ? argv[1] : "../shared/corpora/english_mix.txt";
    const char *ranks = argc > 2 ? argv[2] : "../shared/gpt2/r50k_base.tiktoken";
    static const char *eot[] = { "<|endoftext|>" };
    tt_tokenizer_config cfg;
    tt_tokenizer *tok;
    unsigned char *text;
    size_t n = 0, n_ids = 0;
    int32_t *ids;
    double t[RUNS], mbps1 = 0, mbps2 = 0, tk = 0;
    long rss0, rss1;
    int th, r;
    char cmd[2048];
    FILE *p;

    text = slurp(corpus, &n);
    if (!text) { fprintf(stderr, "cannot read %s\n", corpus); return 1; }
    printf("corpus %s: %.2f MB\n", corpus, n / 1e6);

    /* training: 32768 tokens, 2 threads; peak RSS growth of the first run */
    memset(&cfg, 0, sizeof(cfg));
    cfg.vocab_size = 32768; cfg.special_tokens = eot; cfg.n_special = 1;
    for (th = 2; th >= 1; th--) {
        cfg.n_threads = th;
        for (r = 0; r < RUNS; r++) {
            double t0;
            tt_status st;
            tok = NULL;
            rss0 = rss_kb();
            t0 = now_s();
            st = tt_tokenizer_train(&cfg, text, n, &tok);
            t[r] = now_s() - t0;
            rss1 = rss_kb();
            if (st != TT_OK) { fprintf(stderr, "train: %s\n", tt_strerror(st)); return 1; }
            if (r == 0 && th == 2) printf("train 32768 tokens: peak memory beyond the input %.1f MB (RSS %ld -> %ld KB)\n",
                                          (rss1 - rss0) / 1024.0, rss0, rss1);
            tt_tokenizer_destroy(tok);
        }
        printf("train 32768 tokens, %d thread%s: %.3f s (median of %d)\n", th, th > 1 ? "s" : "", median(t, RUNS), RUNS);
    }

    /* GPT-2 encoding */
    ids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
    for (th = 1; th <= 2; th++) {
        tt_status st;
        memset(&cfg, 0, sizeof(cfg));
        cfg.special_tokens = eot; cfg.n_special = 1; cfg.n_threads = th;
        tok = NULL;
        if ((st = tt_tokenizer_load_tiktoken_file(&cfg, ranks, &tok)) != TT_OK) { fprintf(stderr, "%s: %s\n", ranks, tt_strerror(st)); return 1; }
        for (r = 0; r < RUNS; r++) {
            double t0 = now_s();
            tt_tokenizer_encode(tok, text, n, 0, ids, n + 1, &n_ids);
            t[r] = now_s() - t0;
        }
        if (th == 1) mbps1 = n / 1e6 / median(t, RUNS); else mbps2 = n / 1e6 / median(t, RUNS);
        printf("gpt2 encode, %d thread%s: %.1f MB/s, %zu tokens, %.3f bytes/token (median of %d)\n", th, th > 1 ? "s" : "",
               th == 1 ? mbps1 : mbps2, n_ids, (double)n / n_ids, RUNS);
        tt_tokenizer_destroy(tok);
    }
    printf("2 threads / 1 thread: %.2fx\n", mbps2 / mbps1);

    snprintf(cmd, sizeof(cmd), "node bench/tiktoken_bench.js '%s' %d 2>/dev/null", corpus, RUNS);
    p = popen(cmd, "r");
    if (p) {
        char line[256];
        size_t tk_tokens = 0;
        if (fgets(line, sizeof(line), p) && sscanf(line, "tiktoken_mbps %lf tokens %zu", &tk, &tk_tokens) == 2) {
            printf("tiktoken (npm 1.0.22, 1 thread): %.2f MB/s, %zu tokens%s\n", tk, tk_tokens,
                   tk_tokens == n_ids ? " (same count)" : " (COUNT DIFFERS)");
            printf("ratio vs tiktoken: 1 thread %.1fx, 2 threads %.1fx\n", mbps1 / tk, mbps2 / tk);
        } else {
            printf("tiktoken: not available (run .ci/npm.sh)\n");
        }
        pclose(p);
    }
    free(ids);
    free(text);
    return 0;
}
