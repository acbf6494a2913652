/* Weight interop without Python: safetensors and llm.c round trips (fp32
 * bitwise, bf16 = round-to-nearest-even of every value), layouts checked by
 * value (Conv1D transposes, llm.c order), corrupt / truncated / fuzzed /
 * mismatched files refused with the model unchanged, inference_only models
 * (no training memory, training calls refused), per-position logits and
 * per-token losses equal to the training path, create_from_checkpoint for
 * all three kinds, the generator in caller memory. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)
#define CHECK_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { printf("FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); failures++; } } while (0)
#define REQUIRE_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { printf("FATAL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); exit(1); } } while (0)

#define V 100   /* not a multiple of 64: wte has padded rows */
#define NCTX 16
#define NL 2
#define NH 2
#define C 32

static char last_msg[512];
static int n_msgs = 0;
static void rec_log(void *u, int level, tt_status code, const char *msg) {
    (void)u; (void)level; (void)code;
    n_msgs++;
    snprintf(last_msg, sizeof(last_msg), "%s", msg ? msg : "");
}

/* ---- memory io ---- */
typedef struct membuf { unsigned char *p; size_t n, cap, pos; } membuf;
static size_t mb_write(void *u, const void *buf, size_t n) {
    membuf *m = (membuf *)u;
    if (m->n + n > m->cap) {
        size_t c = (m->n + n) * 2 + 1024;
        unsigned char *q = (unsigned char *)realloc(m->p, c);
        if (!q) return 0;
        m->p = q; m->cap = c;
    }
    memcpy(m->p + m->n, buf, n);
    m->n += n;
    return n;
}
static size_t mb_read(void *u, void *buf, size_t n) {
    membuf *m = (membuf *)u;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return k;
}
static tt_io mb_io(membuf *m) { tt_io io; io.read = mb_read; io.write = mb_write; io.user = m; return io; }
static void mb_free(membuf *m) { free(m->p); memset(m, 0, sizeof(*m)); }

static tt_model_config base_cfg(uint64_t seed) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = V; c.n_ctx = NCTX; c.n_layer = NL; c.n_head = NH; c.d_model = C; c.max_batch = 2;
    c.seed = seed;
    c.logger.fn = rec_log;
    return c;
}
static tt_model *make_model(uint64_t seed) {
    tt_model_config c = base_cfg(seed);
    tt_model *m = NULL;
    size_t i, P;
    float *p;
    REQUIRE_OK(tt_model_create(&c, &m));
    /* make biases and LayerNorms non-trivial too (init sets them to 0 / 1) */
    P = tt_model_num_params(m);
    p = tt_model_params(m);
    for (i = 0; i < P; i++) if (p[i] == 0.0f || p[i] == 1.0f) p[i] += 0.01f * (float)((i * 7919u + seed) % 101) - 0.5f;
    {   /* the padded wte rows stay zero, as training keeps them */
        tt_tensor_info ti;
        tt_model_tensor(m, 0, &ti);
        memset(p + (size_t)V * C, 0, (ti.numel - (size_t)V * C) * sizeof(float));
    }
    return m;
}

/* bf16 round to nearest even, written differently from the library: pick
 * the nearer of the two bf16 neighbours by comparing in double */
static float bf16_ref(float x) {
    uint32_t u, lo, hi;
    float flo, fhi;
    double dl, dh;
    memcpy(&u, &x, 4);
    lo = u & 0xffff0000u;
    hi = lo + 0x10000u;
    memcpy(&flo, &lo, 4);
    memcpy(&fhi, &hi, 4);
    dl = fabs((double)x - (double)flo);
    dh = fabs((double)fhi - (double)x);
    if (dl < dh) return flo;
    if (dh < dl) return fhi;
    return ((lo >> 16) & 1u) ? fhi : flo;
}

static int params_equal(tt_model *a, tt_model *b) {
    return tt_model_num_params(a) == tt_model_num_params(b) &&
           memcmp(tt_model_params(a), tt_model_params(b), tt_model_num_params(a) * sizeof(float)) == 0;
}

/* ---- tiny independent safetensors reader: offset of a tensor's data and
 * its shape, by string search in the header ---- */
static int st_find(const membuf *f, const char *name, size_t *data_off, long *rows, long *cols) {
    uint64_t n = 0;
    int i;
    char key[256], *hdr, *at, *sh, *of;
    long b0, b1;
    for (i = 0; i < 8; i++) n |= (uint64_t)f->p[i] << (8 * i);
    hdr = (char *)malloc((size_t)n + 1);
    memcpy(hdr, f->p + 8, (size_t)n);
    hdr[n] = 0;
    snprintf(key, sizeof(key), "\"%s\"", name);
    at = strstr(hdr, key);
    if (!at) { free(hdr); return 0; }
    sh = strstr(at, "\"shape\"");
    of = strstr(at, "\"data_offsets\"");
    *cols = 0;
    if (sscanf(sh, "\"shape\":[%ld,%ld]", rows, cols) < 1) { free(hdr); return 0; }
    if (sscanf(of, "\"data_offsets\":[%ld,%ld]", &b0, &b1) != 2) { free(hdr); return 0; }
    *data_off = 8 + (size_t)n + (size_t)b0;
    free(hdr);
    return 1;
}
static float get_f32(const unsigned char *p) {
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static const float *tensor_ptr(tt_model *m, const char *name, tt_tensor_info *out) {
    int i;
    for (i = 0; i < tt_model_num_tensors(m); i++) {
        tt_model_tensor(m, i, out);
        if (strcmp(out->name, name) == 0) return tt_model_params(m) + out->offset;
    }
    return NULL;
}

static void test_safetensors_roundtrip(void) {
    tt_model *a = make_model(11), *b = make_model(22);
    membuf f = {0, 0, 0, 0};
    tt_io io = mb_io(&f);
    size_t P = tt_model_num_params(a), i, off;
    long rows, cols;
    tt_tensor_info ti;
    const float *w;
    int ok;
    /* fp32: bitwise */
    CHECK_OK(tt_model_save_safetensors(&io, a, TT_DTYPE_F32));
    CHECK(!params_equal(a, b));
    CHECK_OK(tt_model_load_safetensors(&io, b));
    CHECK(params_equal(a, b));
    /* data starts 8-byte aligned */
    {
        uint64_t n = 0;
        for (i = 0; i < 8; i++) n |= (uint64_t)f.p[i] << (8 * i);
        CHECK((8 + n) % 8 == 0);
        CHECK(f.p[8] == '{');
    }
    /* layouts by value: Conv1D (in, out) = ours (out, in) transposed; the
     * square attn.c_proj included, wte without padded rows */
    {
        static const char *mats[4] = { "h.1.attn.c_attn.weight", "h.1.attn.c_proj.weight", "h.0.mlp.c_fc.weight",
                                       "h.0.mlp.c_proj.weight" };
        int k;
        for (k = 0; k < 4; k++) {
            char full[128];
            long r, c;
            snprintf(full, sizeof(full), "transformer.%s", mats[k]);
            w = tensor_ptr(a, mats[k], &ti);
            CHECK(w != NULL);
            ok = st_find(&f, full, &off, &rows, &cols);
            CHECK(ok && rows == ti.shape[1] && cols == ti.shape[0]);
            if (!ok) continue;
            for (r = 0; r < rows; r++)
                for (c = 0; c < cols; c++)
                    if (get_f32(f.p + off + 4 * (size_t)(r * cols + c)) != w[c * rows + r]) { CHECK(0 && "transposed value"); r = rows; break; }
        }
        ok = st_find(&f, "transformer.wte.weight", &off, &rows, &cols);
        CHECK(ok && rows == V && cols == C);
        ok = st_find(&f, "lm_head.weight", &off, &rows, &cols);
        CHECK(!ok);
        w = tensor_ptr(a, "h.1.ln_2.bias", &ti);
        ok = st_find(&f, "transformer.h.1.ln_2.bias", &off, &rows, &cols);
        CHECK(ok && rows == C && cols == 0 && get_f32(f.p + off + 4 * 5) == w[5]);
    }
    /* bf16: every value is the round-to-nearest-even of the original */
    mb_free(&f);
    io = mb_io(&f);
    CHECK_OK(tt_model_save_safetensors(&io, a, TT_DTYPE_BF16));
    CHECK_OK(tt_model_load_safetensors(&io, b));
    {
        const float *pa = tt_model_params(a), *pb = tt_model_params(b);
        size_t bad = 0, changed = 0;
        for (i = 0; i < P; i++) {
            float r = bf16_ref(pa[i]);
            if (memcmp(&pb[i], &r, 4) != 0) bad++;
            if (pb[i] != pa[i]) changed++;
        }
        CHECK(bad == 0);
        CHECK(changed > P / 2); /* it really is bf16 */
    }
    /* bf16 -> bf16 again is the identity */
    {
        tt_model *c = make_model(33);
        membuf g = {0, 0, 0, 0};
        tt_io gio = mb_io(&g);
        CHECK_OK(tt_model_save_safetensors(&gio, b, TT_DTYPE_BF16));
        CHECK_OK(tt_model_load_safetensors(&gio, c));
        CHECK(params_equal(b, c));
        CHECK(g.n == f.n && memcmp(g.p, f.p, f.n) == 0); /* same bytes again */
        mb_free(&g);
        tt_model_destroy(c);
    }
    mb_free(&f);
    tt_model_destroy(a);
    tt_model_destroy(b);
}

static void test_llmc_roundtrip(void) {
    tt_model *a = make_model(44), *b = make_model(55);
    membuf f = {0, 0, 0, 0};
    tt_io io = mb_io(&f);
    size_t P = tt_model_num_params(a), i, Vp = 128;
    int32_t h[8];
    CHECK_OK(tt_model_save_llmc(&io, a, TT_DTYPE_F32));
    for (i = 0; i < 8; i++)
        h[i] = (int32_t)((uint32_t)f.p[4 * i] | ((uint32_t)f.p[4 * i + 1] << 8) | ((uint32_t)f.p[4 * i + 2] << 16) |
                         ((uint32_t)f.p[4 * i + 3] << 24));
    CHECK(h[0] == 20240326 && h[1] == 3 && h[2] == NCTX && h[3] == V && h[4] == NL && h[5] == NH && h[6] == C && h[7] == (int32_t)Vp);
    /* size: header + every parameter with wte padded to 128 rows */
    {
        tt_tensor_info t0;
        tt_model_tensor(a, 0, &t0);
        CHECK(f.n == 1024 + 4 * (P - t0.numel + Vp * C));
        /* order by value: wpe right after the padded wte, ln_f.bias last */
        {
            tt_tensor_info ti;
            const float *wpe = tensor_ptr(a, "wpe.weight", &ti), *lnfb;
            CHECK(get_f32(f.p + 1024 + 4 * (Vp * C + 3)) == wpe[3]);
            lnfb = tensor_ptr(a, "ln_f.bias", &ti);
            CHECK(get_f32(f.p + f.n - 4) == lnfb[C - 1]);
            CHECK(get_f32(f.p + 1024 + 4 * (V * C)) == 0.0f);
        }
    }
    CHECK_OK(tt_model_load_llmc(&io, b));
    CHECK(params_equal(a, b));
    mb_free(&f);
    io = mb_io(&f);
    CHECK_OK(tt_model_save_llmc(&io, a, TT_DTYPE_BF16));
    CHECK(f.p[4] == 5);
    CHECK_OK(tt_model_load_llmc(&io, b));
    {
        const float *pa = tt_model_params(a), *pb = tt_model_params(b);
        size_t bad = 0;
        for (i = 0; i < P; i++) if (pb[i] != bf16_ref(pa[i])) bad++;
        CHECK(bad == 0);
    }
    mb_free(&f);
    tt_model_destroy(a);
    tt_model_destroy(b);
}

/* every failing load must leave the parameters exactly as they were */
static int refused_unchanged(tt_model *m, const membuf *src, size_t n, int llmc, tt_status *out) {
    membuf f;
    tt_io io;
    float *before;
    size_t P = tt_model_num_params(m);
    tt_status st;
    int same;
    f.p = src->p; f.n = n; f.cap = n; f.pos = 0;
    io.read = mb_read; io.write = NULL; io.user = &f;
    before = (float *)malloc(P * sizeof(float));
    memcpy(before, tt_model_params(m), P * sizeof(float));
    st = llmc ? tt_model_load_llmc(&io, m) : tt_model_load_safetensors(&io, m);
    same = memcmp(before, tt_model_params(m), P * sizeof(float)) == 0;
    if (st == TT_OK) memcpy(tt_model_params(m), before, P * sizeof(float)); /* restore for the next probe */
    free(before);
    if (out) *out = st;
    return st == TT_OK || same;
}

/* copy of a file with one string replaced by another of the same length */
static membuf edited(const membuf *f, const char *from, const char *to, int nth) {
    membuf g;
    size_t i, L = strlen(from);
    int seen = 0;
    g.p = (unsigned char *)malloc(f->n); memcpy(g.p, f->p, f->n); g.n = g.cap = f->n; g.pos = 0;
    for (i = 0; i + L <= f->n; i++) {
        if (memcmp(f->p + i, from, L) == 0 && seen++ == nth) { memcpy(g.p + i, to, L); return g; }
    }
    printf("FAIL: edit target '%s' not found\n", from);
    failures++;
    return g;
}

static void test_refusals(int llmc) {
    tt_model *a = make_model(66), *m = make_model(77);
    membuf f = {0, 0, 0, 0};
    tt_io io = mb_io(&f);
    tt_status st;
    size_t n, hdr_end;
    int k, refused = 0, trials = 0;
    uint64_t rng = 12345;
    if (llmc) CHECK_OK(tt_model_save_llmc(&io, a, TT_DTYPE_F32));
    else CHECK_OK(tt_model_save_safetensors(&io, a, TT_DTYPE_BF16));
    /* llm.c: the 8 ints that mean something (llm.c ignores the other 248) */
    hdr_end = llmc ? 32 : 8 + (size_t)(f.p[0] | (f.p[1] << 8) | (f.p[2] << 16));
    /* truncated at every length up to the header's end + 64, then sampled */
    for (n = 0; n < f.n; n += (n < (llmc ? 1024 : hdr_end) + 64 ? 1 : 97)) {
        n_msgs = 0;
        CHECK(refused_unchanged(m, &f, n, llmc, &st));
        if (st == TT_OK) { printf("FAIL: truncated file (%lu of %lu bytes) loaded\n", (unsigned long)n, (unsigned long)f.n); failures++; break; }
        if (n_msgs == 0) { printf("FAIL: refusal without a log message at %lu\n", (unsigned long)n); failures++; break; }
    }
    /* the whole file loads (the probes are not vacuous) */
    CHECK(refused_unchanged(m, &f, f.n, llmc, &st) && st == TT_OK);
    /* fuzzed: random bytes of the header replaced (and some of the data);
     * every refusal leaves the model unchanged */
    for (k = 0; k < 3000; k++) {
        membuf g;
        int j, nb = 1 + k % 4;
        g.p = (unsigned char *)malloc(f.n); memcpy(g.p, f.p, f.n); g.n = g.cap = f.n; g.pos = 0;
        for (j = 0; j < nb; j++) {
            size_t at;
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            at = (size_t)(rng >> 33) % (k % 10 == 9 ? f.n : hdr_end);
            g.p[at] = (unsigned char)(rng >> 20);
        }
        CHECK(refused_unchanged(m, &g, g.n, llmc, &st));
        trials++;
        if (st != TT_OK) refused++;
        free(g.p);
    }
    printf("%s fuzz: %d of %d corrupted files refused, all refusals left the model unchanged\n",
           llmc ? "llm.c" : "safetensors", refused, trials);
    CHECK(refused > trials / 4);
    if (!llmc) {
        /* header length past the end */
        membuf g;
        g.p = (unsigned char *)malloc(f.n); memcpy(g.p, f.p, f.n); g.n = g.cap = f.n; g.pos = 0;
        g.p[0] = 0xff; g.p[1] = 0xff; g.p[2] = 0x0f;
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_BAD_FORMAT);
        g.p[0] = 0; g.p[1] = 0; g.p[2] = 0; g.p[3] = 0; g.p[4] = 0; g.p[5] = 0; g.p[6] = 0; g.p[7] = 0x80;
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_BAD_FORMAT);
        free(g.p);
        /* wrong dtype (same element size, so only the dtype is wrong) */
        g = edited(&f, "\"BF16\"", "\"I16\" ", 3);
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_UNSUPPORTED);
        free(g.p);
        g = edited(&f, "\"BF16\"", "\"F16\" ", 0);
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_UNSUPPORTED);
        free(g.p);
        /* metadata config differs */
        g = edited(&f, "\"n_head\":\"2\"", "\"n_head\":\"4\"", 0);
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_MISMATCH);
        free(g.p);
        /* a tensor renamed: unknown name */
        g = edited(&f, "ln_f.bias", "ln_q.bias", 0);
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_MISMATCH);
        free(g.p);
        /* transposed shape of the square matrix's neighbour: c_fc (C,4C) -> (4C,C) */
        {
            char from[64], to[64];
            snprintf(from, sizeof(from), "[%d,%d]", C, 4 * C);
            snprintf(to, sizeof(to), "[%d,%d]", 4 * C, C);
            g = edited(&f, from, to, 0);
            CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st == TT_ERR_MISMATCH);
            free(g.p);
        }
        /* overlapping data offsets */
        g = edited(&f, "\"data_offsets\":[0,", "\"data_offsets\":[2,", 0);
        CHECK(refused_unchanged(m, &g, g.n, 0, &st) && st != TT_OK);
        free(g.p);
    } else {
        membuf g;
        g.p = (unsigned char *)malloc(f.n); memcpy(g.p, f.p, f.n); g.n = g.cap = f.n; g.pos = 0;
        g.p[4] = 4; /* version */
        CHECK(refused_unchanged(m, &g, g.n, 1, &st) && st == TT_ERR_UNSUPPORTED);
        g.p[4] = 3; g.p[0] ^= 1; /* magic */
        CHECK(refused_unchanged(m, &g, g.n, 1, &st) && st == TT_ERR_BAD_FORMAT);
        g.p[0] ^= 1; g.p[20] = 4; /* heads */
        CHECK(refused_unchanged(m, &g, g.n, 1, &st) && st == TT_ERR_MISMATCH);
        g.p[20] = NH; g.p[28] = 64; /* Vp < V */
        CHECK(refused_unchanged(m, &g, g.n, 1, &st) && st == TT_ERR_BAD_FORMAT);
        free(g.p);
    }
    /* another model shape */
    {
        tt_model_config c = base_cfg(5);
        tt_model *o = NULL;
        c.d_model = 48;
        REQUIRE_OK(tt_model_create(&c, &o));
        CHECK(refused_unchanged(o, &f, f.n, llmc, &st) && st == TT_ERR_MISMATCH);
        tt_model_destroy(o);
        c = base_cfg(5);
        c.n_ctx = 8;
        REQUIRE_OK(tt_model_create(&c, &o));
        CHECK(refused_unchanged(o, &f, f.n, llmc, &st) && st == TT_ERR_MISMATCH);
        tt_model_destroy(o);
    }
    mb_free(&f);
    tt_model_destroy(a);
    tt_model_destroy(m);
}

static int write_file(const char *path, const membuf *f, size_t extra) {
    FILE *fp = fopen(path, "wb");
    if (!fp) return 0;
    fwrite(f->p, 1, f->n, fp);
    while (extra--) fputc(0, fp);
    fclose(fp);
    return 1;
}

static void test_files_and_create(void) {
    tt_model *a = make_model(88), *b = make_model(99), *m = NULL;
    tt_model_config c;
    membuf f = {0, 0, 0, 0};
    tt_io io = mb_io(&f);
    const char *st_path = "build/test_weights.safetensors", *lc_path = "build/test_weights.bin",
               *ck_path = "build/test_weights.ttck", *bad = "build/test_weights_bad.bin";
    tt_status st;
    CHECK_OK(tt_model_save_safetensors_file(st_path, a, TT_DTYPE_F32));
    CHECK_OK(tt_model_save_llmc_file(lc_path, a, TT_DTYPE_F32));
    tt_model_set_step(a, 7);
    CHECK_OK(tt_checkpoint_save_file(ck_path, a, NULL, NULL));
    CHECK_OK(tt_model_load_safetensors_file(st_path, b));
    CHECK(params_equal(a, b));
    /* trailing bytes refused by the file forms */
    CHECK_OK(tt_model_save_llmc(&io, a, TT_DTYPE_F32));
    CHECK(write_file(bad, &f, 4));
    memset(tt_model_params(b), 0, tt_model_num_params(b) * sizeof(float));
    CHECK(tt_model_load_llmc_file(bad, b) == TT_ERR_BAD_FORMAT);
    CHECK(tt_model_params(b)[3] == 0.0f);
    CHECK_OK(tt_model_load_llmc_file(lc_path, b));
    CHECK(params_equal(a, b));
    CHECK(tt_model_load_llmc_file("build/no_such_file.bin", b) == TT_ERR_IO);
    /* create_from_checkpoint: all three kinds, training and inference-only */
    {
        const char *paths[3] = { st_path, lc_path, ck_path };
        int k, inf;
        for (inf = 0; inf < 2; inf++) {
            for (k = 0; k < 3; k++) {
                memset(&c, 0, sizeof(c));
                c.logger.fn = rec_log;
                c.inference_only = inf;
                m = NULL;
                st = tt_model_create_from_checkpoint(paths[k], &c, &m);
                CHECK(st == TT_OK);
                if (st != TT_OK) { printf("  kind %d: %s\n", k, last_msg); continue; }
                CHECK(params_equal(a, m));
                CHECK(tt_model_get_config(m).n_head == NH && tt_model_get_config(m).n_ctx == NCTX);
                if (k == 2 && !inf) CHECK(tt_model_step(m) == 7);
                CHECK((tt_model_grads(m) == NULL) == (inf == 1));
                tt_model_destroy(m);
            }
        }
        /* a base shape that disagrees, and an unknown file */
        memset(&c, 0, sizeof(c));
        c.d_model = 64;
        m = NULL;
        CHECK(tt_model_create_from_checkpoint(st_path, &c, &m) == TT_ERR_MISMATCH && m == NULL);
        CHECK(tt_model_create_from_checkpoint(bad, NULL, &m) == TT_ERR_BAD_FORMAT && m == NULL);
        CHECK(tt_model_create_from_checkpoint("src/tt_api.h", NULL, &m) != TT_OK && m == NULL);
    }
    mb_free(&f);
    tt_model_destroy(a);
    tt_model_destroy(b);
}

static double rel_err(float a, float b) {
    double d = fabs((double)a - (double)b), s = fabs((double)a) + fabs((double)b);
    return s > 0 ? d / (s > 1e-3 ? s : 1e-3) : 0.0;
}

static void test_inference(void) {
    tt_model *tr = make_model(123), *inf = NULL;
    tt_model_config c = base_cfg(1);
    size_t full = 0, small = 0, gbytes = 0;
    membuf f = {0, 0, 0, 0};
    tt_io io = mb_io(&f);
    int32_t ids[NCTX + 1];
    float logits[NCTX * V], ref[V], losses[NCTX], tl[NCTX], loss;
    void *gmem;
    tt_generator *g = NULL;
    int t, i;
    double worst = 0.0;
    for (i = 0; i <= NCTX; i++) ids[i] = (int32_t)((i * 37 + 11) % V);
    c.max_batch = 8;
    REQUIRE_OK(tt_model_memory_size(&c, &full));
    c.inference_only = 1;
    REQUIRE_OK(tt_model_memory_size(&c, &small));
    printf("memory: training model %lu bytes, inference-only %lu bytes\n", (unsigned long)full, (unsigned long)small);
    /* at least gradients, AdamW m and v (3 x 4 bytes per parameter) are gone */
    CHECK(full - small >= 12 * tt_model_num_params(tr));
    REQUIRE_OK(tt_model_create(&c, &inf));
    CHECK(tt_model_grads(inf) == NULL && tt_model_adam_m(inf) == NULL && tt_model_adam_v(inf) == NULL);
    CHECK(tt_model_forward(inf, ids, ids + 1, 1, 4, &loss) == TT_ERR_UNSUPPORTED);
    CHECK(tt_model_forward(inf, ids, NULL, 1, 4, NULL) == TT_ERR_UNSUPPORTED);
    CHECK(tt_model_backward(inf, 1.0f) == TT_ERR_UNSUPPORTED);
    CHECK(tt_model_forward_backward(inf, ids, ids + 1, 1, 4, 1.0f, &loss) == TT_ERR_UNSUPPORTED);
    CHECK(tt_adamw_step(inf, NULL, NULL) == TT_ERR_UNSUPPORTED);
    CHECK(tt_checkpoint_save(&io, inf, NULL, NULL) == TT_ERR_UNSUPPORTED);
    tt_model_zero_grad(inf); /* no-op, no crash */
    CHECK_OK(tt_model_save_safetensors(&io, tr, TT_DTYPE_F32));
    CHECK_OK(tt_model_load_safetensors(&io, inf));
    CHECK(params_equal(tr, inf));
    /* generator in caller memory */
    CHECK_OK(tt_generator_memory_size(inf, &gbytes));
    gmem = malloc(gbytes);
    CHECK(tt_generator_create_in(inf, (char *)gmem + 1, gbytes - 64, &g) == TT_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(tt_generator_create_in(inf, gmem, gbytes, &g));
    /* per-position logits == the training model's last-position logits of every prefix */
    CHECK(tt_generator_feed_logits(g, ids, NCTX, logits, (size_t)NCTX * V - 1) == TT_ERR_BUFFER_TOO_SMALL);
    CHECK(tt_generator_pos(g) == 0);
    CHECK_OK(tt_generator_feed_logits(g, ids, NCTX, logits, (size_t)NCTX * V));
    for (t = 1; t <= NCTX; t++) {
        CHECK_OK(tt_model_forward(tr, ids, NULL, 1, t, NULL));
        CHECK_OK(tt_model_logits(tr, ref, V));
        for (i = 0; i < V; i++) {
            double e = rel_err(ref[i], logits[(size_t)(t - 1) * V + i]);
            if (e > worst) worst = e;
        }
    }
    printf("per-position logits vs training forward: max rel err %.3g\n", worst);
    CHECK(worst < 1e-4);
    /* per-token losses: generator score == training model's per-row losses */
    tt_generator_reset(g);
    CHECK_OK(tt_generator_score(g, ids, NCTX, losses));
    CHECK_OK(tt_model_forward(tr, ids, ids + 1, 1, NCTX - 1, &loss));
    CHECK(tt_model_token_losses(tr, tl, NCTX - 2) == TT_ERR_BUFFER_TOO_SMALL);
    CHECK_OK(tt_model_token_losses(tr, tl, NCTX));
    worst = 0.0;
    {
        double sum = 0.0;
        for (i = 0; i < NCTX - 1; i++) {
            double e = rel_err(tl[i], losses[i]);
            if (e > worst) worst = e;
            sum += tl[i];
        }
        CHECK((float)(sum / (NCTX - 1)) == loss); /* the mean forward returned */
    }
    printf("per-token losses, generator score vs training forward: max rel err %.3g\n", worst);
    CHECK(worst < 1e-4);
    /* the generator's last logits after score are those of the last position */
    CHECK(tt_generator_logits(g) != NULL && rel_err(tt_generator_logits(g)[5], logits[(size_t)(NCTX - 1) * V + 5]) < 1e-4);
    {
        tt_sample_config sc;
        int32_t out[40];
        int n = 0;
        memset(&sc, 0, sizeof(sc));
        sc.top_k = 10;
        CHECK_OK(tt_generate(g, ids, 3, &sc, out, 40, &n));
        CHECK(n == 40);
    }
    tt_generator_destroy(g); /* frees nothing: caller memory */
    free(gmem);
    mb_free(&f);
    tt_model_destroy(tr);
    tt_model_destroy(inf);
}

int main(void) {
    test_safetensors_roundtrip();
    test_llmc_roundtrip();
    test_refusals(0);
    test_refusals(1);
    test_files_and_create();
    test_inference();
    if (failures) { printf("test_weights: %d failures\n", failures); return 1; }
    printf("test_weights: all passed\n");
    return 0;
}
