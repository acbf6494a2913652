/* Token files and the batch loader: round trips, corrupt files, windows
 * cover the split, seeded shuffles, no validation leak, position restore,
 * and memory that does not grow with the file. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)
#define CHECK_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { printf("FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); failures++; } } while (0)

static const char *dir = "build";
static char path_a[512], path_b[512];

/* counting allocator: live bytes and the peak */
static size_t live = 0, peak = 0;
/* aligned by over-allocating; the raw pointer is kept just below the block */
static void *count_alloc(void *u, size_t n, size_t al) {
    unsigned char *raw, *p;
    (void)u;
    if (al < sizeof(void *)) al = sizeof(void *);
    raw = (unsigned char *)malloc(n + al + sizeof(void *));
    if (!raw) return NULL;
    p = (unsigned char *)(((size_t)(raw + sizeof(void *)) + al - 1) & ~(al - 1));
    memcpy(p - sizeof(void *), &raw, sizeof(void *));
    live += n; if (live > peak) peak = live;
    return p;
}
static void count_free(void *u, void *p, size_t n) {
    void *raw;
    (void)u;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof(void *));
    live -= n;
    free(raw);
}

static size_t file_read(void *u, void *b, size_t n) { return fread(b, 1, n, (FILE *)u); }

static int32_t *iota_ids(uint64_t n) {
    int32_t *ids = (int32_t *)malloc(n * sizeof(int32_t));
    uint64_t i;
    for (i = 0; i < n; i++) ids[i] = (int32_t)i;
    return ids;
}

static void test_roundtrip(int32_t vocab, uint32_t width) {
    uint64_t n = 5003, i;
    int32_t *ids = (int32_t *)malloc(n * sizeof(int32_t)), *back = (int32_t *)malloc(n * sizeof(int32_t));
    tt_token_file_info info;
    FILE *f;
    tt_io io;
    long size;
    for (i = 0; i < n; i++) ids[i] = (int32_t)((i * 2654435761u) % (uint32_t)vocab);
    ids[0] = vocab - 1;
    CHECK_OK(tt_tokens_write_file(path_a, ids, n, vocab));
    CHECK_OK(tt_tokens_info_file(path_a, NULL, &info));
    CHECK(info.count == n && info.vocab_size == vocab && info.id_bytes == width);
    f = fopen(path_a, "rb");
    fseek(f, 0, SEEK_END); size = ftell(f); fseek(f, 0, SEEK_SET);
    CHECK(size == (long)(40 + n * width));
    io.read = file_read; io.write = NULL; io.user = f;
    CHECK_OK(tt_tokens_read_header(&io, NULL, &info));
    CHECK(tt_tokens_read_ids(&io, &info, NULL, back, n - 1) == TT_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(tt_tokens_read_ids(&io, &info, NULL, back, n));
    CHECK(memcmp(ids, back, n * sizeof(int32_t)) == 0);
    fclose(f);
    /* out-of-range ids are refused before anything is written */
    ids[7] = vocab;
    CHECK(tt_tokens_write_file(path_a, ids, n, vocab) == TT_ERR_INVALID_ARG);
    CHECK_OK(tt_tokens_info_file(path_a, NULL, &info)); /* old file intact */
    free(ids); free(back);
}

static void copy_file_mutated(const char *src, const char *dst, long flip_at, int xor_byte, long trunc_to) {
    FILE *f = fopen(src, "rb"), *g = fopen(dst, "wb");
    long i = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (trunc_to >= 0 && i >= trunc_to) break;
        if (i == flip_at) c ^= xor_byte;
        fputc(c, g);
        i++;
    }
    fclose(f); fclose(g);
}

static void test_corrupt(void) {
    uint64_t n = 3000;
    int32_t *ids = iota_ids(n);
    tt_loader_config cfg = {0};
    tt_loader *l = NULL;
    long size = 40 + (long)n * 2, k;
    int refused = 0, cases = 0;
    tt_rng rng;
    cfg.batch = 2; cfg.seq_len = 8;
    CHECK_OK(tt_tokens_write_file(path_a, ids, n, 4000));
    CHECK_OK(tt_loader_open_file(path_a, &cfg, &l));
    tt_loader_close(l);
    tt_rng_seed(&rng, 7);
    for (k = 0; k < 200; k++) {
        long at = (long)(tt_rng_u32(&rng) % (uint32_t)size);
        int trunc = (k % 4) == 3;
        l = NULL;
        copy_file_mutated(path_a, path_b, trunc ? -1 : at, 1 + (int)(tt_rng_u32(&rng) % 255), trunc ? at : -1);
        cases++;
        if (tt_loader_open_file(path_b, &cfg, &l) != TT_OK && l == NULL) refused++;
        else tt_loader_close(l);
    }
    CHECK(refused == cases);
    printf("corrupt token files refused: %d/%d\n", refused, cases);
    free(ids);
}

/* every training window once per epoch, targets shifted, nothing from val */
static void test_cover(int shuffle) {
    const uint64_t n = 10007;
    const int B = 5, T = 16;
    int32_t *ids = iota_ids(n), *in = (int32_t *)malloc(B * T * 4), *tg = (int32_t *)malloc(B * T * 4);
    tt_loader_config cfg = {0};
    tt_loader *l = NULL;
    tt_loader_info info;
    unsigned char *seen;
    uint64_t w, nw, epochs, batches, k, used = 0;
    int b, t, ok_shift = 1, ok_leak = 1, ok_grid = 1, in_order = 1;
    cfg.batch = B; cfg.seq_len = T; cfg.seed = 99; cfg.no_shuffle = !shuffle;
    CHECK_OK(tt_loader_open_memory(ids, n, (int32_t)n, &cfg, &l));
    info = tt_loader_get_info(l);
    CHECK(info.n_val_tokens == 1000 && info.n_train_tokens == n - 1000);
    nw = info.n_train_windows;
    CHECK(nw == (info.n_train_tokens - 1) / T);
    /* the windows tile the split: the last target of the last window is in it */
    CHECK((nw - 1) * T + T < info.n_train_tokens && (nw + 1) * T + 1 > info.n_train_tokens - 1);
    seen = (unsigned char *)calloc(nw * 3, 1);
    epochs = 3;
    batches = (nw * epochs) / B;
    for (k = 0; k < batches; k++) {
        CHECK_OK(tt_loader_next(l, in, tg));
        for (b = 0; b < B; b++) {
            uint64_t start = (uint64_t)in[b * T], e = used / nw;
            for (t = 0; t < T; t++) {
                if (tg[b * T + t] != in[b * T + t] + 1 || in[b * T + t] != (int32_t)start + t) ok_shift = 0;
                if ((uint64_t)tg[b * T + t] >= info.n_train_tokens) ok_leak = 0;
            }
            if (start % T) ok_grid = 0;
            else if (e < 3) seen[e * nw + start / T]++;
            if (start / T != used % nw) in_order = 0;
            used++;
        }
    }
    CHECK(ok_shift); CHECK(ok_leak); CHECK(ok_grid);
    for (w = 0; w < nw * (used / nw); w++) if (seen[w] != 1) { CHECK(seen[w] == 1); break; }
    CHECK(in_order == !shuffle);
    info = tt_loader_get_info(l);
    CHECK(info.epoch == used / nw && info.index == used % nw);
    /* validation: covers its split, never below it */
    {
        uint64_t nv = info.n_val_windows, nb = (nv + B - 1) / B, i;
        unsigned char *vs = (unsigned char *)calloc(nv, 1);
        int ok = 1;
        CHECK(nv == (uint64_t)((1000 - 1) / T));
        for (i = 0; i < nb; i++) {
            CHECK_OK(tt_loader_val_batch(l, i, in, tg));
            for (b = 0; b < B; b++) {
                uint64_t s = (uint64_t)in[b * T];
                if (s < info.n_train_tokens || (s - info.n_train_tokens) % T) { ok = 0; continue; }
                vs[(s - info.n_train_tokens) / T] = 1;
                for (t = 0; t < T; t++) if (tg[b * T + t] != in[b * T + t] + 1) ok = 0;
            }
        }
        CHECK(ok);
        for (i = 0; i < nv; i++) if (!vs[i]) { CHECK(vs[i]); break; }
        /* the first batch alone samples the whole split, not its first B windows */
        {
            int32_t lo = 0x7fffffff, hi = 0;
            CHECK_OK(tt_loader_val_batch(l, 0, in, tg));
            for (b = 0; b < B; b++) { if (in[b * T] < lo) lo = in[b * T]; if (in[b * T] > hi) hi = in[b * T]; }
            CHECK((uint64_t)(hi - lo) > info.n_val_tokens / 3);
        }
        /* val batches do not move the training position */
        CHECK(tt_loader_get_info(l).index == info.index);
        free(vs);
    }
    tt_loader_close(l);
    free(seen); free(ids); free(in); free(tg);
}

static uint64_t order_hash(uint64_t seed, int epochs_ahead, int no_val) {
    const uint64_t n = 4097;
    int32_t *ids = iota_ids(n), in[4 * 8], tg[4 * 8];
    tt_loader_config cfg = {0};
    tt_loader *l = NULL;
    uint64_t h = 1469598103934665603ULL, k, skip;
    cfg.batch = 4; cfg.seq_len = 8; cfg.seed = seed; cfg.no_val = no_val;
    CHECK_OK(tt_loader_open_memory(ids, n, (int32_t)n, &cfg, &l));
    skip = (uint64_t)epochs_ahead * tt_loader_get_info(l).n_train_windows / 4;
    for (k = 0; k < skip; k++) tt_loader_next(l, in, tg);
    for (k = 0; k < 20; k++) {
        int i;
        tt_loader_next(l, in, tg);
        for (i = 0; i < 32; i++) h = (h ^ (uint64_t)in[i]) * 1099511628211ULL;
    }
    tt_loader_close(l);
    free(ids);
    return h;
}

static void test_seeded(void) {
    CHECK(order_hash(5, 0, 0) == order_hash(5, 0, 0));
    CHECK(order_hash(5, 0, 0) != order_hash(6, 0, 0));
    CHECK(order_hash(5, 0, 0) != order_hash(5, 1, 0)); /* each epoch has its own order */
    CHECK(order_hash(5, 0, 1) == order_hash(5, 0, 1));
}

static void test_restore(void) {
    const uint64_t n = 7001;
    const int T = 12;
    int32_t *ids = iota_ids(n), a_in[6 * 12], a_tg[6 * 12], b_in[3 * 12], b_tg[3 * 12];
    tt_loader_config cfg = {0};
    tt_loader *l = NULL, *m = NULL;
    tt_loader_state s, bad;
    int k, same = 1;
    cfg.batch = 6; cfg.seq_len = T; cfg.seed = 3;
    CHECK_OK(tt_loader_open_memory(ids, n, (int32_t)n, &cfg, &l));
    for (k = 0; k < 97; k++) CHECK_OK(tt_loader_next(l, a_in, a_tg)); /* crosses an epoch */
    tt_loader_get_state(l, &s);
    CHECK(s.epoch >= 1);
    /* a second loader with B = 3 continues at the same window */
    cfg.batch = 3;
    CHECK_OK(tt_loader_open_memory(ids, n, (int32_t)n, &cfg, &m));
    CHECK_OK(tt_loader_set_state(m, &s));
    for (k = 0; k < 40; k++) {
        CHECK_OK(tt_loader_next(l, a_in, a_tg));
        CHECK_OK(tt_loader_next(m, b_in, b_tg));
        if (memcmp(a_in, b_in, sizeof(b_in)) || memcmp(a_tg, b_tg, sizeof(b_tg))) same = 0;
        CHECK_OK(tt_loader_next(m, b_in, b_tg));
        if (memcmp(a_in + 3 * T, b_in, sizeof(b_in)) || memcmp(a_tg + 3 * T, b_tg, sizeof(b_tg))) same = 0;
    }
    CHECK(same);
    /* mismatched states are refused and change nothing */
    bad = s; bad.n_tokens++;
    CHECK(tt_loader_set_state(m, &bad) == TT_ERR_MISMATCH);
    bad = s; bad.seq_len = T + 1;
    CHECK(tt_loader_set_state(m, &bad) == TT_ERR_MISMATCH);
    bad = s; bad.index = tt_loader_get_info(m).n_train_windows;
    CHECK(tt_loader_set_state(m, &bad) == TT_ERR_INVALID_ARG);
    {
        tt_loader_state now;
        tt_loader_get_state(m, &now);
        CHECK(now.epoch == tt_loader_get_info(l).epoch && now.index == tt_loader_get_info(l).index);
    }
    tt_loader_close(l); tt_loader_close(m);
    free(ids);
}

/* file loader (streaming) gives the same batches as the memory loader, in
 * u16 and u32 widths, and its memory does not grow with the file */
static void test_file_stream(void) {
    const int B = 4, T = 32;
    int32_t in1[4 * 32], tg1[4 * 32], in2[4 * 32], tg2[4 * 32];
    tt_loader_config cfg = {0};
    tt_loader *a = NULL, *b = NULL;
    int width, k, same = 1;
    size_t peak_small = 0, peak_big = 0;
    cfg.batch = B; cfg.seq_len = T; cfg.seed = 11;
    cfg.allocator.alloc = count_alloc; cfg.allocator.free = count_free;
    for (width = 0; width < 2; width++) {
        uint64_t n = width ? 300000 : 60000, i;
        int32_t vocab = width ? 70000 : 60000;
        int32_t *ids = (int32_t *)malloc(n * 4);
        for (i = 0; i < n; i++) ids[i] = (int32_t)((i * 7919u) % (uint32_t)vocab);
        CHECK_OK(tt_tokens_write_file(path_a, ids, n, vocab));
        peak = live = 0;
        CHECK_OK(tt_loader_open_file(path_a, &cfg, &a));
        if (width) peak_big = peak; else peak_small = peak;
        CHECK_OK(tt_loader_open_memory(ids, n, vocab, &cfg, &b));
        for (k = 0; k < 50; k++) {
            CHECK_OK(tt_loader_next(a, in1, tg1));
            CHECK_OK(tt_loader_next(b, in2, tg2));
            if (memcmp(in1, in2, sizeof(in1)) || memcmp(tg1, tg2, sizeof(tg1))) same = 0;
            CHECK_OK(tt_loader_val_batch(a, (uint64_t)k, in1, tg1));
            CHECK_OK(tt_loader_val_batch(b, (uint64_t)k, in2, tg2));
            if (memcmp(in1, in2, sizeof(in1)) || memcmp(tg1, tg2, sizeof(tg1))) same = 0;
        }
        tt_loader_close(a); tt_loader_close(b);
        free(ids);
    }
    CHECK(same);
    CHECK(live == 0);
    /* 5x the ids (and 2x the width) -> the same few hundred bytes */
    CHECK(peak_big <= peak_small + 1024 && peak_big < 4096);
    printf("loader memory: %zu bytes (60k u16 ids), %zu bytes (300k u32 ids)\n", peak_small, peak_big);
}

/* the streaming writer gives the same file as tt_tokens_write_file; abort
 * and a refused append leave the old file */
static void test_writer(void) {
    uint64_t n = 10000, i;
    int32_t *ids = (int32_t *)malloc(n * 4);
    tt_token_writer *w = NULL;
    unsigned char *a, *b;
    long na = 0, nb = 0;
    FILE *f;
    for (i = 0; i < n; i++) ids[i] = (int32_t)((i * 31) % 70000);
    CHECK_OK(tt_tokens_write_file(path_a, ids, n, 70000));
    CHECK_OK(tt_token_writer_open(path_b, 70000, NULL, &w));
    for (i = 0; i < n; i += 777) CHECK_OK(tt_token_writer_append(w, ids + i, (size_t)(n - i < 777 ? n - i : 777)));
    CHECK_OK(tt_token_writer_close(w));
    f = fopen(path_a, "rb"); fseek(f, 0, SEEK_END); na = ftell(f); fseek(f, 0, SEEK_SET);
    a = (unsigned char *)malloc((size_t)na); CHECK(fread(a, 1, (size_t)na, f) == (size_t)na); fclose(f);
    f = fopen(path_b, "rb"); fseek(f, 0, SEEK_END); nb = ftell(f); fseek(f, 0, SEEK_SET);
    b = (unsigned char *)malloc((size_t)nb); CHECK(fread(b, 1, (size_t)nb, f) == (size_t)nb); fclose(f);
    CHECK(na == nb && memcmp(a, b, (size_t)na) == 0);
    /* abort, and an out-of-range id, leave path_b as it was */
    w = NULL;
    CHECK_OK(tt_token_writer_open(path_b, 300, NULL, &w));
    CHECK(tt_token_writer_append(w, ids, 100) == TT_ERR_INVALID_ARG); /* ids up to 70000 > 300 */
    tt_token_writer_abort(w);
    f = fopen(path_b, "rb"); fseek(f, 0, SEEK_END); CHECK(ftell(f) == nb); fclose(f);
    CHECK(fopen("build/test_loader_b.tok.tmp", "rb") == NULL);
    CHECK(tt_token_writer_open(path_b, 0, NULL, &w) == TT_ERR_INVALID_ARG);
    free(a); free(b); free(ids);
}

static void test_bad_args(void) {
    int32_t ids[40] = {0};
    tt_loader_config cfg = {0};
    tt_loader *l = NULL;
    cfg.batch = 1; cfg.seq_len = 64;
    CHECK(tt_loader_open_memory(ids, 40, 10, &cfg, &l) == TT_ERR_INVALID_ARG && l == NULL);
    cfg.seq_len = 8; cfg.val_fraction = 0.6f;
    CHECK(tt_loader_open_memory(ids, 40, 10, &cfg, &l) == TT_ERR_INVALID_ARG);
    cfg.val_fraction = 0; ids[3] = 10;
    CHECK(tt_loader_open_memory(ids, 40, 10, &cfg, &l) == TT_ERR_INVALID_ARG);
    ids[3] = 0; cfg.batch = 0;
    CHECK(tt_loader_open_memory(ids, 40, 10, &cfg, &l) == TT_ERR_INVALID_ARG);
    cfg.batch = 1;
    CHECK(tt_loader_open_file("build/does-not-exist.tok", &cfg, &l) == TT_ERR_IO);
    CHECK(l == NULL);
}

int main(void) {
    snprintf(path_a, sizeof(path_a), "%s/test_loader_a.tok", dir);
    snprintf(path_b, sizeof(path_b), "%s/test_loader_b.tok", dir);
    test_roundtrip(300, 2);
    test_roundtrip(65536, 2);
    test_roundtrip(70000, 4);
    test_corrupt();
    test_cover(1);
    test_cover(0);
    test_seeded();
    test_restore();
    test_file_stream();
    test_writer();
    test_bad_args();
    remove(path_a); remove(path_b);
    if (failures) { printf("%d failures\n", failures); return 1; }
    printf("test_loader: all passed\n");
    return 0;
}
