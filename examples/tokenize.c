/* tokenize: train, encode and decode with tinytrain.h's byte-level BPE.
 *
 *   cc -O2 -std=c99 -I. examples/tokenize.c -o tokenize -lm -lpthread
 *
 *   tokenize --train a.txt b.txt --vocab 8192 --save tok.ttbp   train (files are documents)
 *   tokenize --load tok.ttbp --encode FILE                      ids, space-separated, one line
 *   tokenize --gpt2 r50k_base.tiktoken --encode FILE            GPT-2 ids (as tiktoken's "gpt2")
 *   tokenize --load tok.ttbp --encode FILE --ids-out ids.u32    ids as little-endian uint32
 *   tokenize --load tok.ttbp --decode "15496 11 995"            ids -> bytes on stdout
 *   tokenize --load tok.ttbp --decode-file ids.txt
 * Options: --threads N, --special STR (training; default <|endoftext|>),
 *          --min-freq N, --no-split, --allow-special (encode special strings
 *          as special ids), --stats (bytes/token, time, MB/s on stderr). */
#define _POSIX_C_SOURCE 199309L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>
#include <errno.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* malloc/realloc or a message and exit 1 */
static void *xrealloc(void *q, size_t n) {
    void *p = realloc(q, n ? n : 1);
    if (!p) { fprintf(stderr, "tokenize: out of memory (%zu bytes)\n", n); exit(1); }
    return p;
}

/* the whole file, or NULL after a one-line message (a directory, a read
 * error: not taken for an empty file) */
static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0, got;
    if (!f) { fprintf(stderr, "tokenize: cannot open %s: %s\n", path, strerror(errno)); return NULL; }
    do {
        if (len + 65536 > cap) {
            unsigned char *q;
            cap = (len + 65536) * 2;
            q = (unsigned char *)realloc(buf, cap);
            if (!q) { fprintf(stderr, "tokenize: out of memory reading %s\n", path); free(buf); fclose(f); return NULL; }
            buf = q;
        }
        errno = 0;
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) {
        fprintf(stderr, "tokenize: cannot read %s: %s\n", path, errno ? strerror(errno) : "read error");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *n = len;
    return buf;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int progress(void *user, uint64_t done, uint64_t total) {
    (void)user;
    fprintf(stderr, "\rtraining: %llu / %llu merges", (unsigned long long)done, (unsigned long long)total);
    if (done >= total) fprintf(stderr, "\n");
    return 0;
}

/* the library's last error detail, printed inside the CLI's one error line
 * (warnings and info go to stderr as they come) */
static char last_detail[512];
static void keep_detail(void *user, int level, tt_status code, const char *msg) {
    (void)user; (void)code;
    if (level == TT_LOG_ERROR) snprintf(last_detail, sizeof last_detail, "%s", msg ? msg : "");
    else fprintf(stderr, "tokenize: %s: %s\n", level == TT_LOG_WARN ? "warning" : "info", msg ? msg : "");
}

static int fail(const char *what, tt_status st) {
    if (last_detail[0]) fprintf(stderr, "tokenize: %s: %s (%s)\n", what, tt_strerror(st), last_detail);
    else fprintf(stderr, "tokenize: %s: %s\n", what, tt_strerror(st));
    return 1;
}

int main(int argc, char **argv) {
    const char *train_files[256], *save = NULL, *load = NULL, *gpt2 = NULL, *encode = NULL, *ids_out = NULL;
    const char *decode = NULL, *decode_file = NULL, *special = "<|endoftext|>";
    int n_train = 0, vocab = 0, threads = 1, min_freq = 0, no_split = 0, stats = 0, flags = 0, i;
    tt_tokenizer_config cfg;
    tt_tokenizer *tok = NULL;
    tt_status st;
    memset(&cfg, 0, sizeof(cfg));
    cfg.logger.fn = keep_detail;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--train")) { while (i + 1 < argc && argv[i + 1][0] != '-' && n_train < 256) train_files[n_train++] = argv[++i]; }
        else if (!strcmp(a, "--vocab") && more) vocab = atoi(argv[++i]);
        else if (!strcmp(a, "--save") && more) save = argv[++i];
        else if (!strcmp(a, "--load") && more) load = argv[++i];
        else if (!strcmp(a, "--gpt2") && more) gpt2 = argv[++i];
        else if (!strcmp(a, "--encode") && more) encode = argv[++i];
        else if (!strcmp(a, "--ids-out") && more) ids_out = argv[++i];
        else if (!strcmp(a, "--decode") && more) decode = argv[++i];
        else if (!strcmp(a, "--decode-file") && more) decode_file = argv[++i];
        else if (!strcmp(a, "--threads") && more) threads = atoi(argv[++i]);
        else if (!strcmp(a, "--special") && more) special = argv[++i];
        else if (!strcmp(a, "--min-freq") && more) min_freq = atoi(argv[++i]);
        else if (!strcmp(a, "--no-split")) no_split = 1;
        else if (!strcmp(a, "--allow-special")) flags |= TT_ENCODE_SPECIAL;
        else if (!strcmp(a, "--stats")) stats = 1;
        else {
            fprintf(stderr, "usage: %s (--train FILE... --vocab N [--save OUT] | --load TOK | --gpt2 RANKFILE)\n"
                            "          [--encode FILE [--ids-out OUT]] [--decode \"IDS\"] [--decode-file FILE]\n"
                            "          [--threads N] [--special STR] [--min-freq N] [--no-split] [--allow-special] [--stats]\n",
                    argv[0]);
            return 2;
        }
    }
    cfg.n_threads = threads;
    if (n_train) {
        tt_tokenizer_trainer *tr = NULL;
        double t0 = now_s();
        size_t total = 0;
        int k;
        cfg.vocab_size = vocab;
        cfg.min_frequency = min_freq;
        cfg.split_mode = no_split ? TT_SPLIT_NONE : TT_SPLIT_GPT2;
        cfg.special_tokens = &special;
        cfg.n_special = special[0] ? 1 : 0;
        cfg.progress = progress;
        if ((st = tt_tokenizer_trainer_create(&cfg, &tr)) != TT_OK) return fail("train", st);
        for (k = 0; k < n_train; k++) {
            size_t n = 0;
            unsigned char *text = slurp(train_files[k], &n);
            if (!text) { tt_tokenizer_trainer_destroy(tr); return 1; }
            st = tt_tokenizer_trainer_feed(tr, text, n);
            free(text);
            total += n;
            if (st != TT_OK) { tt_tokenizer_trainer_destroy(tr); return fail("train", st); }
        }
        st = tt_tokenizer_trainer_finish(tr, &tok);
        tt_tokenizer_trainer_destroy(tr);
        if (st != TT_OK) return fail("train", st);
        fprintf(stderr, "trained %d tokens on %.1f MB in %.2f s\n", tt_tokenizer_vocab_size(tok), total / 1e6, now_s() - t0);
    } else if (load) {
        if ((st = tt_tokenizer_load_file(&cfg, load, &tok)) != TT_OK) return fail(load, st);
    } else if (gpt2) {
        static const char *eot[] = { "<|endoftext|>" };
        cfg.special_tokens = eot;
        cfg.n_special = 1;
        if ((st = tt_tokenizer_load_tiktoken_file(&cfg, gpt2, &tok)) != TT_OK) return fail(gpt2, st);
    } else {
        fprintf(stderr, "tokenize: need --train, --load or --gpt2 (see --help)\n");
        return 2;
    }
    if (save && (st = tt_tokenizer_save_file(tok, save)) != TT_OK) return fail(save, st);

    if (encode) {
        size_t n = 0, n_ids = 0, k;
        unsigned char *text = slurp(encode, &n);
        int32_t *ids;
        double t0, dt;
        if (!text) return 1;
        ids = (int32_t *)xrealloc(NULL, (n + 1) * sizeof(int32_t));
        t0 = now_s();
        st = tt_tokenizer_encode(tok, text, n, flags, ids, n + 1, &n_ids);
        dt = now_s() - t0;
        if (st != TT_OK) return fail("encode", st);
        if (ids_out) { /* written to OUT.tmp, then renamed over OUT: an old OUT survives a failed write */
            size_t ln = strlen(ids_out);
            char *tmp = (char *)xrealloc(NULL, ln + 5);
            FILE *f;
            int bad = 0;
            memcpy(tmp, ids_out, ln);
            memcpy(tmp + ln, ".tmp", 5);
            f = fopen(tmp, "wb");
            if (!f) { fprintf(stderr, "tokenize: cannot write %s: %s\n", tmp, strerror(errno)); return 1; }
            for (k = 0; k < n_ids && !bad; k++) {
                unsigned char b[4];
                uint32_t v = (uint32_t)ids[k];
                b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
                bad = fwrite(b, 1, 4, f) != 4;
            }
            if (fclose(f) != 0) bad = 1;
            if (bad || rename(tmp, ids_out) != 0) {
                fprintf(stderr, "tokenize: cannot write %s: %s\n", ids_out, errno ? strerror(errno) : "write error");
                remove(tmp);
                return 1;
            }
            free(tmp);
        } else {
            for (k = 0; k < n_ids; k++) printf(k ? " %d" : "%d", ids[k]);
            printf("\n");
        }
        if (stats)
            fprintf(stderr, "%zu bytes -> %zu tokens, %.3f bytes/token, %.3f s, %.1f MB/s\n", n, n_ids,
                    n_ids ? (double)n / n_ids : 0.0, dt, dt > 0 ? n / 1e6 / dt : 0.0);
        free(text);
        free(ids);
    }
    if (decode || decode_file) {
        size_t n = 0, n_ids = 0, cap = 0, nb = 0;
        unsigned char *txt = decode ? (unsigned char *)decode : slurp(decode_file, &n);
        const char *p;
        int32_t *ids = NULL;
        unsigned char *out;
        if (!txt) return 1;
        if (decode) n = strlen(decode);
        /* decimal ids separated by white space; anything else is refused.
         * Parsed within [txt, txt + n): a --decode-file buffer has no NUL */
        for (p = (const char *)txt; p < (const char *)txt + n;) {
            const char *q, *end = (const char *)txt + n;
            long v = 0;
            if (is_space(*p)) { p++; continue; }
            for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
                if (v <= (long)INT32_MAX) v = v * 10 + (*q - '0');
            if (q == p || (q < end && !is_space(*q))) {
                for (q = p; q < end && q - p < 20 && !is_space(*q); q++) {}
                fprintf(stderr, "tokenize: decode: \"%.*s\" is not a token id (decimal ids separated by spaces)\n",
                        (int)(q - p), p);
                return 1;
            }
            if (v >= (long)tt_tokenizer_vocab_size(tok)) {
                fprintf(stderr, "tokenize: decode: id %.*s is out of range [0, %d)\n", (int)(q - p), p,
                        tt_tokenizer_vocab_size(tok));
                return 1;
            }
            if (n_ids == cap) { cap = cap ? cap * 2 : 1024; ids = (int32_t *)xrealloc(ids, cap * sizeof(int32_t)); }
            ids[n_ids++] = (int32_t)v;
            p = q;
        }
        if ((st = tt_tokenizer_decode(tok, ids, n_ids, NULL, 0, &nb)) != TT_OK) return fail("decode", st);
        out = (unsigned char *)xrealloc(NULL, nb + 1);
        if ((st = tt_tokenizer_decode(tok, ids, n_ids, out, nb, &nb)) != TT_OK) return fail("decode", st);
        fwrite(out, 1, nb, stdout);
        free(out);
        free(ids);
        if (!decode) free(txt);
    }
    tt_tokenizer_destroy(tok);
    if (fflush(stdout) != 0 || ferror(stdout)) { fprintf(stderr, "tokenize: cannot write the output: %s\n", strerror(errno)); return 1; }
    return 0;
}
