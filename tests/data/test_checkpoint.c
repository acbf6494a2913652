/* Checkpoints: stop at step k + resume == never stopped (bitwise, same
 * thread count); corrupt/truncated/mismatched files refused with nothing
 * changed; a failing write leaves the old file intact. */
#define _POSIX_C_SOURCE 200809L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)
#define CHECK_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { printf("FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); failures++; } } while (0)

#define V 300
#define NCTX 16
#define B 4
#define ACCUM 2
#define N_IDS 6000
static const char *ck_path = "build/test_ck.ttck";
static const char *ck_bad = "build/test_ck_bad.ttck";

/* a logger that remembers the last message */
static char last_msg[512];
static int n_msgs = 0;
static void rec_log(void *u, int level, tt_status code, const char *msg) {
    (void)u; (void)level; (void)code;
    n_msgs++;
    snprintf(last_msg, sizeof(last_msg), "%s", msg ? msg : "");
}

static int32_t ids[N_IDS];
static tt_tokenizer *tok = NULL;

/* a small real tokenizer from a tiktoken rank table built here: the 256
 * bytes, then every prefix (length >= 2) of a few words */
static const char *words[] = { "the ", "whale ", "sea ", "ship ", "and ", "captain ", "of ", "a ", "white ", "Ahab " };
static size_t b64(const unsigned char *in, size_t n, char *out) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    return o;
}
static tt_tokenizer *make_tokenizer(void) {
    static char table[16384];
    char toks[64][16];
    size_t n = 0, w, len;
    int rank = 0, nt = 0, i;
    unsigned char b;
    tt_tokenizer *t = NULL;
    for (i = 0; i < 256; i++) {
        b = (unsigned char)i;
        n += b64(&b, 1, table + n);
        n += (size_t)sprintf(table + n, " %d\n", rank++);
    }
    for (w = 0; w < 10; w++) {
        for (len = 2; len <= strlen(words[w]); len++) {
            int dup = 0;
            for (i = 0; i < nt; i++) if (strlen(toks[i]) == len && memcmp(toks[i], words[w], len) == 0) dup = 1;
            if (dup) continue;
            memcpy(toks[nt], words[w], len);
            toks[nt][len] = 0;
            nt++;
            n += b64((const unsigned char *)words[w], len, table + n);
            n += (size_t)sprintf(table + n, " %d\n", rank++);
        }
    }
    CHECK_OK(tt_tokenizer_load_tiktoken(NULL, table, n, &t));
    return t;
}

static void make_corpus(void) {
    static char text[80000];
    size_t n = 0, i, n_ids = 0;
    tt_rng r;
    tt_rng_seed(&r, 42);
    while (n + 16 < sizeof(text)) {
        const char *w = words[tt_rng_u32(&r) % 10];
        memcpy(text + n, w, strlen(w));
        n += strlen(w);
        if (tt_rng_u32(&r) % 8 == 0) text[n++] = '\n';
    }
    tok = make_tokenizer();
    CHECK(tok != NULL && tt_tokenizer_vocab_size(tok) <= V);
    {   /* the first N_IDS ids of the encoding */
        tt_status st = tt_tokenizer_encode(tok, text, n, 0, ids, N_IDS, &n_ids);
        CHECK((st == TT_OK || st == TT_ERR_BUFFER_TOO_SMALL) && n_ids >= N_IDS);
    }
    for (i = 0; i < N_IDS; i++) CHECK(ids[i] >= 0 && ids[i] < V);
}

static tt_model_config model_cfg(void) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = V; c.n_ctx = NCTX; c.n_layer = 2; c.d_model = 32; c.n_head = 2; c.max_batch = B;
    c.n_threads = 2; c.seed = 5;
    c.logger.fn = rec_log;
    return c;
}
static tt_adamw_config opt_cfg(void) {
    tt_adamw_config o;
    memset(&o, 0, sizeof(o));
    o.lr = 3e-3f; o.weight_decay = 0.1f; o.grad_clip = 1.0f; o.warmup_steps = 3;
    o.schedule = TT_LR_COSINE; o.total_steps = 14; o.min_lr = 3e-4f;
    return o;
}
static tt_loader *open_loader(void) {
    tt_loader_config lc;
    tt_loader *l = NULL;
    memset(&lc, 0, sizeof(lc));
    lc.batch = B; lc.seq_len = NCTX; lc.seed = 9;
    CHECK_OK(tt_loader_open_memory(ids, N_IDS, V, &lc, &l));
    return l;
}

/* one optimizer step with ACCUM micro-batches; the rng is stepped too, as a
 * program that samples would */
static float train_step(tt_model *m, tt_loader *l, const tt_adamw_config *o, tt_rng *rng) {
    int32_t in[B * NCTX], tg[B * NCTX];
    float loss = 0, sum = 0;
    int a;
    for (a = 0; a < ACCUM; a++) {
        CHECK_OK(tt_loader_next(l, in, tg));
        CHECK_OK(tt_model_forward(m, in, tg, B, NCTX, &loss));
        CHECK_OK(tt_model_backward(m, 1.0f / ACCUM));
        sum += loss;
    }
    CHECK_OK(tt_adamw_step(m, o, NULL));
    (void)tt_rng_u32(rng);
    return sum / ACCUM;
}

static int same_floats(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void test_resume(void) {
    const int K = 5, N = 14;
    tt_model_config c = model_cfg();
    tt_adamw_config o = opt_cfg();
    tt_model *ref = NULL, *m = NULL;
    tt_loader *l = NULL;
    tt_rng rng, rng_ref;
    float loss_ref[14], loss_res[14];
    tt_checkpoint_state st, back;
    tt_tokenizer *tok_back = NULL;
    tt_model_config fc;
    size_t P;
    int s, i, losses_same = 1;

    /* reference: N steps, never stopped */
    CHECK_OK(tt_model_create(&c, &ref));
    l = open_loader();
    tt_rng_seed(&rng_ref, 77);
    for (s = 0; s < N; s++) loss_ref[s] = train_step(ref, l, &o, &rng_ref);
    tt_loader_close(l);

    /* interrupted: K steps, save, throw everything away */
    CHECK_OK(tt_model_create(&c, &m));
    l = open_loader();
    tt_rng_seed(&rng, 77);
    for (s = 0; s < K; s++) loss_res[s] = train_step(m, l, &o, &rng);
    memset(&st, 0, sizeof(st));
    st.adamw = o; st.has_loader = 1; st.rng = rng; st.user[0] = 12345; st.user[7] = 7;
    tt_loader_get_state(l, &st.loader);
    CHECK_OK(tt_checkpoint_save_file(ck_path, m, tok, &st));
    tt_model_destroy(m); m = NULL;
    tt_loader_close(l);

    /* resume: the config comes from the file; parameters are not initialised */
    CHECK_OK(tt_checkpoint_read_config_file(ck_path, NULL, &fc));
    CHECK(fc.vocab_size == V && fc.n_ctx == NCTX && fc.n_layer == 2 && fc.d_model == 32 && fc.n_head == 2);
    fc.n_threads = c.n_threads; fc.no_init = 1; fc.logger = c.logger;
    CHECK_OK(tt_model_create(&fc, &m));
    memset(&back, 0, sizeof(back));
    CHECK_OK(tt_checkpoint_load_file(ck_path, m, NULL, &back, &tok_back));
    CHECK(tt_model_step(m) == (uint64_t)K);
    CHECK(back.user[0] == 12345 && back.user[7] == 7 && back.has_loader == 1);
    CHECK(back.rng.state == rng.state && back.rng.inc == rng.inc);
    CHECK(memcmp(&back.adamw, &o, sizeof(o)) == 0 || back.adamw.lr == o.lr); /* saved resolved */
    /* the embedded tokenizer round-trips */
    CHECK(tok_back != NULL);
    if (tok_back) {
        int32_t a[64], b2[64];
        size_t na = 0, nb = 0;
        const char *probe = "the white whale and the captain of a ship";
        CHECK(tt_tokenizer_vocab_size(tok_back) == tt_tokenizer_vocab_size(tok));
        CHECK_OK(tt_tokenizer_encode(tok, probe, strlen(probe), 0, a, 64, &na));
        CHECK_OK(tt_tokenizer_encode(tok_back, probe, strlen(probe), 0, b2, 64, &nb));
        CHECK(na == nb && memcmp(a, b2, na * sizeof(int32_t)) == 0);
        tt_tokenizer_destroy(tok_back);
    }
    l = open_loader();
    CHECK_OK(tt_loader_set_state(l, &back.loader));
    rng = back.rng;
    o = back.adamw;
    for (s = K; s < N; s++) loss_res[s] = train_step(m, l, &o, &rng);
    tt_loader_close(l);

    for (s = 0; s < N; s++) if (memcmp(&loss_ref[s], &loss_res[s], sizeof(float)) != 0) losses_same = 0;
    P = tt_model_num_params(m);
    CHECK(P == tt_model_num_params(ref));
    CHECK(losses_same);
    CHECK(same_floats(tt_model_params(ref), tt_model_params(m), P));
    CHECK(same_floats(tt_model_adam_m(ref), tt_model_adam_m(m), P));
    CHECK(same_floats(tt_model_adam_v(ref), tt_model_adam_v(m), P));
    CHECK(tt_model_step(ref) == tt_model_step(m) && rng.state == rng_ref.state);
    CHECK(loss_ref[N - 1] < loss_ref[0]);
    printf("resume: stop at %d, continue to %d: params/m/v/losses bitwise equal: %s (loss %.4f -> %.4f)\n", K, N,
           (losses_same && same_floats(tt_model_params(ref), tt_model_params(m), P)) ? "yes" : "NO",
           loss_ref[0], loss_ref[N - 1]);
    for (i = 0; i < 1; i++) tt_model_destroy(ref);
    tt_model_destroy(m);
}

/* read a whole file */
static unsigned char *slurp(const char *path, long *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); *n = ftell(f); fseek(f, 0, SEEK_SET);
    p = (unsigned char *)malloc((size_t)*n + 1);
    if (fread(p, 1, (size_t)*n, f) != (size_t)*n) { free(p); p = NULL; }
    fclose(f);
    return p;
}
static void spit(const char *path, const unsigned char *p, long n) {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, (size_t)n, f);
    fclose(f);
}

/* snapshot of everything load may change */
typedef struct snap { float *p, *m, *v; uint64_t step; size_t n; } snap;
static snap take(tt_model *m) {
    snap s;
    s.n = tt_model_num_params(m);
    s.p = (float *)malloc(s.n * 4); s.m = (float *)malloc(s.n * 4); s.v = (float *)malloc(s.n * 4);
    memcpy(s.p, tt_model_params(m), s.n * 4);
    memcpy(s.m, tt_model_adam_m(m), s.n * 4);
    memcpy(s.v, tt_model_adam_v(m), s.n * 4);
    s.step = tt_model_step(m);
    return s;
}
static int unchanged(tt_model *m, const snap *s) {
    return s->step == tt_model_step(m) && same_floats(s->p, tt_model_params(m), s->n) &&
           same_floats(s->m, tt_model_adam_m(m), s->n) && same_floats(s->v, tt_model_adam_v(m), s->n);
}
static void drop(snap *s) { free(s->p); free(s->m); free(s->v); }

static void test_corrupt(void) {
    tt_model_config c = model_cfg();
    tt_model *m = NULL, *other = NULL;
    tt_loader *l;
    tt_rng rng;
    tt_adamw_config o = opt_cfg();
    tt_checkpoint_state st, out_st;
    tt_tokenizer *out_tok;
    unsigned char *good, *bad;
    long n, k;
    int cases = 0, refused = 0, intact = 1, logged = 1, i;
    snap s;
    CHECK_OK(tt_model_create(&c, &m));
    l = open_loader();
    tt_rng_seed(&rng, 1);
    train_step(m, l, &o, &rng);
    memset(&st, 0, sizeof(st));
    st.adamw = o; st.has_loader = 1;
    tt_loader_get_state(l, &st.loader);
    CHECK_OK(tt_checkpoint_save_file(ck_path, m, tok, &st));
    good = slurp(ck_path, &n);
    CHECK(good != NULL && n > 1000);
    bad = (unsigned char *)malloc((size_t)n + 16);
    /* the live model now differs from the file: a load that wrongly
     * commits anything is visible */
    train_step(m, l, &o, &rng);
    s = take(m);
    memset(&out_st, 0x5a, sizeof(out_st));
    for (k = 0; k < 400; k++) {
        long len = n, at;
        tt_status r1, r2;
        memcpy(bad, good, (size_t)n);
        if (k < 48) {                      /* every header byte */
            at = k;
            bad[at] ^= (unsigned char)(1 + (k * 37) % 255);
        } else if (k % 3 == 0) {           /* truncation */
            len = (long)(tt_rng_u32(&rng) % (uint32_t)n);
        } else if (k % 3 == 1) {           /* one random byte */
            at = (long)(tt_rng_u32(&rng) % (uint32_t)n);
            bad[at] ^= (unsigned char)(1 + tt_rng_u32(&rng) % 255);
        } else {                           /* a burst of random bytes */
            at = (long)(tt_rng_u32(&rng) % (uint32_t)(n - 8));
            for (i = 0; i < 8; i++) bad[at + i] = (unsigned char)tt_rng_u32(&rng);
            if (memcmp(bad, good, (size_t)n) == 0) continue;
        }
        spit(ck_bad, bad, len);
        cases++;
        n_msgs = 0;
        out_tok = (tt_tokenizer *)&out_st; /* sentinel: must stay untouched */
        r1 = tt_checkpoint_load_file(ck_bad, m, NULL, &out_st, &out_tok);
        r2 = tt_checkpoint_read_config_file(ck_bad, NULL, &c);
        if (r1 != TT_OK && r2 != TT_OK) refused++;
        if (!unchanged(m, &s) || out_tok != (tt_tokenizer *)&out_st) intact = 0;
        if (r1 != TT_OK && n_msgs == 0) logged = 0;
    }
    /* appended bytes are refused too */
    memcpy(bad, good, (size_t)n);
    bad[n] = 0;
    spit(ck_bad, bad, n + 1);
    CHECK(tt_checkpoint_load_file(ck_bad, m, NULL, NULL, NULL) == TT_ERR_BAD_FORMAT);
    CHECK(tt_checkpoint_read_config_file(ck_bad, NULL, &c) == TT_ERR_BAD_FORMAT);
    CHECK(refused == cases);
    CHECK(intact);
    CHECK(logged);
    printf("corrupt/truncated checkpoints refused: %d/%d, model untouched: %s; last message: \"%s\"\n", refused,
           cases, intact ? "yes" : "NO", last_msg);

    /* mismatched shape */
    c = model_cfg();
    c.d_model = 64;
    CHECK_OK(tt_model_create(&c, &other));
    {
        snap so = take(other);
        CHECK(tt_checkpoint_load_file(ck_path, other, NULL, NULL, NULL) == TT_ERR_MISMATCH);
        CHECK(unchanged(other, &so));
        printf("mismatch message: \"%s\"\n", last_msg);
        drop(&so);
    }
    tt_model_destroy(other);
    /* the good file still loads */
    CHECK_OK(tt_checkpoint_load_file(ck_path, m, NULL, NULL, NULL));
    CHECK(tt_model_step(m) == 1);
    drop(&s);
    free(good); free(bad);
    tt_loader_close(l);
    tt_model_destroy(m);
}

/* memory tt_io */
typedef struct membuf { unsigned char *p; size_t n, cap, pos; } membuf;
static size_t mem_write(void *u, const void *b, size_t n) {
    membuf *m = (membuf *)u;
    if (m->n + n > m->cap) return 0;
    memcpy(m->p + m->n, b, n);
    m->n += n;
    return n;
}
static size_t mem_read(void *u, void *b, size_t n) {
    membuf *m = (membuf *)u;
    size_t k = m->n - m->pos < n ? m->n - m->pos : n;
    memcpy(b, m->p + m->pos, k);
    m->pos += k;
    return k;
}

static void test_failing_write(void) {
    tt_model_config c = model_cfg();
    tt_model *m = NULL, *m2 = NULL;
    tt_loader *l;
    tt_rng rng;
    tt_adamw_config o = opt_cfg();
    unsigned char *before, *after;
    long n0, n1;
    uint64_t cut[] = { 0, 1, 47, 48, 64, 200, 5000, 0 };
    struct rlimit orig, lim;
    int i, all_io = 1, all_same = 1;
    membuf mb;
    tt_io io;
    FILE *f;
    CHECK_OK(tt_model_create(&c, &m));
    l = open_loader();
    tt_rng_seed(&rng, 3);
    train_step(m, l, &o, &rng);
    CHECK_OK(tt_checkpoint_save_file(ck_path, m, tok, NULL));
    before = slurp(ck_path, &n0);
    train_step(m, l, &o, &rng); /* what a new save would write differs */
    cut[7] = (uint64_t)n0 - 1;
    /* a full disk at each cut: the kernel refuses writes past RLIMIT_FSIZE
     * bytes (EFBIG; SIGXFSZ ignored) */
    CHECK(getrlimit(RLIMIT_FSIZE, &orig) == 0);
    signal(SIGXFSZ, SIG_IGN);
    for (i = 0; i < 8; i++) {
        tt_status st;
        lim = orig;
        lim.rlim_cur = (rlim_t)cut[i];
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        st = tt_checkpoint_save_file(ck_path, m, tok, NULL);
        CHECK(setrlimit(RLIMIT_FSIZE, &orig) == 0);
        if (st != TT_ERR_IO) all_io = 0;
        after = slurp(ck_path, &n1);
        if (!after || n1 != n0 || memcmp(before, after, (size_t)n0) != 0) all_same = 0;
        free(after);
        f = fopen("build/test_ck.ttck.tmp", "rb");
        CHECK(f == NULL); /* the temp file is removed */
        if (f) fclose(f);
    }
    CHECK(all_io);
    CHECK(all_same);
    printf("file-size limit at 8 offsets: old file intact: %s\n", (all_io && all_same) ? "yes" : "NO");
    /* a save that succeeds replaces it */
    CHECK_OK(tt_checkpoint_save_file(ck_path, m, tok, NULL));
    after = slurp(ck_path, &n1);
    CHECK(after && memcmp(before, after, (size_t)(n0 < n1 ? n0 : n1)) != 0);
    free(after);
    /* tt_io in memory: save, load into another model */
    mb.cap = (size_t)n0 + 4096; mb.p = (unsigned char *)malloc(mb.cap); mb.n = 0; mb.pos = 0;
    io.read = mem_read; io.write = mem_write; io.user = &mb;
    CHECK_OK(tt_checkpoint_save(&io, m, NULL, NULL));
    c.no_init = 1;
    CHECK_OK(tt_model_create(&c, &m2));
    CHECK_OK(tt_checkpoint_load(&io, m2, NULL, NULL, NULL));
    CHECK(same_floats(tt_model_params(m), tt_model_params(m2), tt_model_num_params(m)));
    CHECK(tt_model_step(m2) == 2);
    /* a memory sink that runs out of room reports TT_ERR_IO */
    mb.n = 0; mb.cap = 100;
    CHECK(tt_checkpoint_save(&io, m, NULL, NULL) == TT_ERR_IO);
    free(mb.p);
    free(before);
    tt_loader_close(l);
    tt_model_destroy(m);
    tt_model_destroy(m2);
}

int main(void) {
    make_corpus();
    test_resume();
    test_corrupt();
    test_failing_write();
    tt_tokenizer_destroy(tok);
    remove(ck_path); remove(ck_bad);
    if (failures) { printf("%d failures\n", failures); return 1; }
    printf("test_checkpoint: all passed\n");
    return 0;
}
