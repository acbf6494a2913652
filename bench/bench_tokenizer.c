/* bench_tokenizer: GPT-2 encoding speed and BPE training time / memory,
 * against the references users pick today, in the same run on the same
 * corpus: PyPI tiktoken (encode_ordinary, and encode_ordinary_batch over
 * chunks at 1 and 2 threads) and Hugging Face tokenizers (GPT-2 byte-level
 * BPE encode_batch at 1 and 2 threads; BpeTrainer to the same vocabulary
 * size at 1 and 2 threads). Medians of 3 runs (the HF trainer: of 1). Not a
 * test.
 *
 *   cc -O2 -march=native -std=c99 -I. bench/bench_tokenizer.c -o build/bench_tokenizer -lm -lpthread
 *   build/bench_tokenizer [CORPUS] [RANKFILE]   (defaults: ../shared/corpora/english_mix.txt,
 *                                                ../shared/gpt2/r50k_base.tiktoken)
 * The reference numbers come from bench/tokenizer_refs.py run with
 * build/venv/bin/python (.ci/pip.sh installs tiktoken and tokenizers there);
 * they are skipped, saying so, when it is missing. */
#define _POSIX_C_SOURCE 200809L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#define RUNS 3
#define MAXREF 8

/* one REF line of bench/tokenizer_refs.py: its text and numbers by key */
typedef struct { char line[512]; } ref_line;
static int refs_run(const char *cmd, ref_line *out, int max) {
    FILE *p = popen(cmd, "r");
    char buf[512];
    int n = 0;
    if (!p) return 0;
    while (fgets(buf, sizeof(buf), p))
        if (strncmp(buf, "REF ", 4) == 0 && n < max) { strcpy(out[n].line, buf); n++; }
    pclose(p);
    return n;
}
static double ref_num(const ref_line *r, const char *key) {
    char k[64];
    const char *q;
    snprintf(k, sizeof(k), " %s=", key);
    q = strstr(r->line, k);
    return q ? atof(q + strlen(k)) : -1.0;
}
static int ref_is(const ref_line *r, const char *kv) { return strstr(r->line, kv) != NULL; }
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

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
    double t[RUNS], mbps1 = 0, mbps2 = 0, train_s[3] = { 0, 0, 0 };
    long rss0, rss1;
    int th, r, i, nr;
    char cmd[4096];
    const char *py = "build/venv/bin/python";
    const char *encjson = argc > 3 ? argv[3] : "../shared/gpt2/encoder.json";
    const char *vocabbpe = argc > 4 ? argv[4] : "../shared/gpt2/vocab.bpe";
    ref_line refs[MAXREF];
    tt_tokenizer *trained = NULL;
    FILE *pyf;

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
            if (!trained) trained = tok; else tt_tokenizer_destroy(tok);
        }
        train_s[th] = median(t, RUNS);
        printf("train 32768 tokens, %d thread%s: %.3f s (median of %d)\n", th, th > 1 ? "s" : "", train_s[th], RUNS);
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

    /* references, same corpus, same run */
    pyf = fopen(py, "rb");
    if (!pyf) {
        printf("references: %s not found (run .ci/pip.sh): tiktoken / HF tokenizers not measured\n", py);
    } else {
        double tk1 = 0, tk2 = 0, hf1 = 0, hf2 = 0;
        fclose(pyf);
        snprintf(cmd, sizeof(cmd), "%s bench/tokenizer_refs.py tiktoken '%s' '%s' %d", py, corpus, ranks, RUNS);
        nr = refs_run(cmd, refs, MAXREF);
        for (i = 0; i < nr; i++) {
            printf("%s", refs[i].line);
            if (ref_is(&refs[i], "call=encode_ordinary_batch threads=1")) tk1 = ref_num(&refs[i], "mbps");
            if (ref_is(&refs[i], "call=encode_ordinary_batch threads=2")) tk2 = ref_num(&refs[i], "mbps");
            if (ref_is(&refs[i], "call=encode_ordinary ") && ref_num(&refs[i], "tokens") != (double)n_ids)
                printf("  (token count differs from ours: %zu)\n", n_ids);
        }
        for (th = 1; th <= 2; th++) {
            snprintf(cmd, sizeof(cmd), "RAYON_NUM_THREADS=%d TT_GPT2_RANKS='%s' %s bench/tokenizer_refs.py hf-encode '%s' '%s' '%s' %d %d",
                     th, ranks, py, corpus, encjson, vocabbpe, RUNS, th);
            nr = refs_run(cmd, refs, MAXREF);
            for (i = 0; i < nr; i++) {
                printf("%s", refs[i].line);
                if (th == 1) hf1 = ref_num(&refs[i], "mbps"); else hf2 = ref_num(&refs[i], "mbps");
            }
        }
        printf("\nGPT-2 encode, MB/s        1 thread   2 threads\n");
        printf("  tinytrain.h            %9.2f   %9.2f\n", mbps1, mbps2);
        printf("  tiktoken (batch)       %9.2f   %9.2f   ratio %.1fx / %.1fx\n", tk1, tk2,
               tk1 > 0 ? mbps1 / tk1 : 0, tk2 > 0 ? mbps2 / tk2 : 0);
        printf("  HF tokenizers (batch)  %9.2f   %9.2f   ratio %.1fx / %.1fx\n", hf1, hf2,
               hf1 > 0 ? mbps1 / hf1 : 0, hf2 > 0 ? mbps2 / hf2 : 0);
        printf("\nBPE training to 32768 tokens, s\n");
        for (th = 1; th <= 2; th++) {
            char hexpath[256];
            snprintf(hexpath, sizeof(hexpath), "build/hf_vocab_%d.hex", th);
            snprintf(cmd, sizeof(cmd), "RAYON_NUM_THREADS=%d %s bench/tokenizer_refs.py hf-train '%s' 32768 %d '%s'",
                     th, py, corpus, th, hexpath);
            nr = refs_run(cmd, refs, MAXREF);
            for (i = 0; i < nr; i++) {
                double hs = ref_num(&refs[i], "seconds");
                printf("%s", refs[i].line);
                printf("  %d thread%s: tinytrain.h %.2f s, HF BpeTrainer %.2f s, ratio %.1fx\n", th, th > 1 ? "s" : "",
                       train_s[th], hs, train_s[th] > 0 ? hs / train_s[th] : 0);
            }
            if (th == 2 && trained) { /* how many of our learned tokens HF also learned */
                FILE *hf = fopen(hexpath, "r");
                char line[1024], **set = NULL;
                size_t nset = 0, cap = 0, shared = 0, ours = 0, k;
                int32_t id, V = tt_tokenizer_vocab_size(trained) - tt_tokenizer_n_special(trained);
                while (hf && fgets(line, sizeof(line), hf)) {
                    line[strcspn(line, "\n")] = 0;
                    if (nset == cap) {
                        char **q = (char **)realloc(set, (cap ? 2 * cap : 1024) * sizeof(char *));
                        if (!q) break;
                        set = q; cap = cap ? 2 * cap : 1024;
                    }
                    if (!(set[nset] = (char *)malloc(strlen(line) + 1))) break;
                    strcpy(set[nset++], line);
                }
                if (hf) fclose(hf);
                qsort(set, nset, sizeof(char *), cmp_str);
                for (id = 0; id < V; id++) {
                    const unsigned char *b = NULL;
                    char hex[1025], *key = hex;
                    size_t len = 0;
                    if (tt_tokenizer_token(trained, id, &b, &len) != TT_OK || len > 512) continue;
                    for (k = 0; k < len; k++) sprintf(hex + 2 * k, "%02x", b[k]);
                    hex[2 * len] = 0;
                    ours++;
                    if (bsearch(&key, set, nset, sizeof(char *), cmp_str)) shared++;
                }
                printf("  vocabularies: %zu of our %zu tokens are also in HF's %zu (%.1f %%)\n", shared, ours, nset,
                       ours ? 100.0 * shared / ours : 0);
                for (k = 0; k < nset; k++) free(set[k]);
                free(set);
            }
        }
    }
    if (trained) tt_tokenizer_destroy(trained);
    free(ids);
    free(text);
    return 0;
}
