/* Every file format, written and read on this host, to compare hosts of the
 * other byte order (make test-host-s390x): the formats are specified
 * little-endian, so a big-endian host must write the same bytes and read
 * the other host's files back to the same values.
 *   formats write DIR   write the files of a fixed model, tokenizer, token
 *                       stream and training state into DIR
 *   formats check DIR   read every file in DIR (written here or elsewhere)
 *                       and compare with the values `write` starts from
 * The parameters are small multiples of 1/64 (exact in bfloat16) set from an
 * integer hash, so no float arithmetic differs between hosts; the tokenizer
 * is trained from a fixed text (integer counting only). */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)
#define CHECK_OK(e) do { tt_status s_ = (e); if (s_ != TT_OK) { printf("FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #e, tt_strerror(s_)); failures++; } } while (0)

enum { V = 300, NTEXT = 6000, NIDS = 70 };
static char text[NTEXT];
static char path[1024];
static const char *dir;

static const char *at(const char *name) {
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}
static float val(uint32_t i, uint32_t salt) {
    uint32_t h = (i + 1) * 2654435761u ^ salt * 40503u;
    h ^= h >> 15;
    return (float)((int)(h % 255u) - 127) / 64.0f;
}
static void make_text(void) {
    static const char *sy[] = { "th", "e", "an", "d", "in", "g", "qu", "ick", " ", " ", ", ", ".\n", "12", "'s",
                                "\xc3\xa9", "\xe4\xbd\xa0", "ow", "er", "<|endoftext|>" };
    size_t k = 0;
    uint32_t r = 1;
    while (k < NTEXT - 1) {
        const char *w;
        r = r * 1103515245u + 12345u;
        w = sy[(r >> 16) % (sizeof(sy) / sizeof(sy[0]))];
        while (*w && k < NTEXT - 1) text[k++] = *w++;
    }
}
static tt_model_config shape(void) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = 40; c.n_ctx = 8; c.n_layer = 2; c.n_head = 2; c.d_model = 8; c.max_batch = 2; c.seed = 9;
    return c;
}
/* the expected parameters (padded wte rows 0), m (0 when !moments), v */
static void expected(tt_model *m, float *p, float *am, float *av, int moments) {
    int i, n = tt_model_num_tensors(m);
    size_t P = tt_model_num_params(m), k;
    memset(p, 0, P * sizeof(float)); memset(am, 0, P * sizeof(float)); memset(av, 0, P * sizeof(float));
    for (i = 0; i < n; i++) {
        tt_tensor_info ti;
        size_t real;
        memset(&ti, 0, sizeof(ti));
        if (tt_model_tensor(m, i, &ti) != TT_OK) continue;
        real = i == 0 ? (size_t)40 * (size_t)ti.shape[1] : ti.numel; /* tensor 0 is wte */
        for (k = 0; k < real; k++) {
            size_t o = ti.offset + k;
            p[o] = val((uint32_t)o, 1);
            if (moments) { am[o] = val((uint32_t)o, 2); av[o] = val((uint32_t)o, 3) < 0 ? -val((uint32_t)o, 3) : val((uint32_t)o, 3); }
        }
    }
}
static void state(tt_checkpoint_state *s) {
    int i;
    memset(s, 0, sizeof(*s));
    s->adamw.lr = 3e-4f; s->adamw.beta1 = 0.8f; s->adamw.beta2 = 0.99f; s->adamw.eps = 1e-7f;
    s->adamw.weight_decay = 0.05f; s->adamw.grad_clip = 2.0f; s->adamw.warmup_steps = 7; s->adamw.total_steps = 1000;
    s->adamw.min_lr = 1e-5f; s->adamw.schedule = TT_LR_COSINE;
    s->has_loader = 1;
    s->loader.epoch = 3; s->loader.index = 5; s->loader.seed = 0x123456789abcdefULL; s->loader.n_tokens = 5000;
    s->loader.n_train_tokens = 4500; s->loader.seq_len = 8; s->loader.shuffle = 1;
    tt_rng_seed(&s->rng, 77);
    for (i = 0; i < 8; i++) s->user[i] = 0x0102030405060708ULL * (uint64_t)(i + 1);
}
static tt_tokenizer *tokenizer(void) {
    static const char *eot[] = { "<|endoftext|>" };
    tt_tokenizer_config tc;
    tt_tokenizer *t = NULL;
    memset(&tc, 0, sizeof(tc));
    tc.vocab_size = V; tc.special_tokens = eot; tc.n_special = 1;
    CHECK_OK(tt_tokenizer_train(&tc, text, NTEXT - 1, &t));
    return t;
}
static void ids_of(int32_t *ids, int32_t vocab, int n) {
    int i;
    for (i = 0; i < n; i++) ids[i] = (int32_t)((uint32_t)(i * 2654435761u) % (uint32_t)vocab);
}
static size_t encode(const tt_tokenizer *t, int32_t *ids) {
    size_t n = 0;
    CHECK_OK(tt_tokenizer_encode(t, text, NTEXT - 1, TT_ENCODE_SPECIAL, ids, NTEXT, &n));
    return n;
}
static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

int main(int argc, char **argv) {
    tt_model_config c = shape();
    tt_model *m = NULL;
    tt_tokenizer *tok;
    tt_checkpoint_state st, got;
    float *p, *am, *av;
    size_t P;
    int32_t ids[NIDS], back[NIDS], *e1, *e2;
    if (argc != 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "check"))) {
        fprintf(stderr, "usage: formats write|check DIR\n");
        return 2;
    }
    dir = argv[2];
    make_text();
    tok = tokenizer();
    CHECK_OK(tt_model_create(&c, &m));
    if (!m || !tok) return 1;
    P = tt_model_num_params(m);
    p = (float *)malloc(P * sizeof(float)); am = (float *)malloc(P * sizeof(float)); av = (float *)malloc(P * sizeof(float));
    e1 = (int32_t *)malloc(NTEXT * sizeof(int32_t)); e2 = (int32_t *)malloc(NTEXT * sizeof(int32_t));
    state(&st);
    if (!strcmp(argv[1], "write")) {
        expected(m, p, am, av, 1);
        memcpy(tt_model_params(m), p, P * sizeof(float));
        memcpy(tt_model_adam_m(m), am, P * sizeof(float));
        memcpy(tt_model_adam_v(m), av, P * sizeof(float));
        tt_model_set_step(m, 12345);
        CHECK_OK(tt_checkpoint_save_file(at("model.ttck"), m, tok, &st));
        CHECK_OK(tt_model_save_safetensors_file(at("f32.safetensors"), m, TT_DTYPE_F32));
        CHECK_OK(tt_model_save_safetensors_file(at("bf16.safetensors"), m, TT_DTYPE_BF16));
        CHECK_OK(tt_model_save_llmc_file(at("f32.bin"), m, TT_DTYPE_F32));
        CHECK_OK(tt_model_save_llmc_file(at("bf16.bin"), m, TT_DTYPE_BF16));
        CHECK_OK(tt_tokenizer_save_file(tok, at("tok.ttbp")));
        {
            char enc[1024];
            snprintf(enc, sizeof(enc), "%s/encoder.json", dir);
            CHECK_OK(tt_tokenizer_save_gpt2_file(tok, enc, at("vocab.bpe")));
        }
        ids_of(ids, 300, NIDS);
        CHECK_OK(tt_tokens_write_file(at("u16.tttk"), ids, NIDS, 300));
        ids_of(ids, 70000, NIDS);
        CHECK_OK(tt_tokens_write_file(at("u32.tttk"), ids, NIDS, 70000));
    } else {
        tt_tokenizer *t2 = NULL, *t3 = NULL;
        tt_token_file_info info;
        tt_loader_config lc;
        tt_loader *l = NULL;
        size_t n1, n2;
        char enc[1024];
        /* checkpoint: everything back */
        CHECK_OK(tt_checkpoint_load_file(at("model.ttck"), m, NULL, &got, &t2));
        expected(m, p, am, av, 1);
        CHECK(same(tt_model_params(m), p, P) && same(tt_model_adam_m(m), am, P) && same(tt_model_adam_v(m), av, P));
        CHECK(tt_model_step(m) == 12345);
        CHECK(got.has_loader == 1 && memcmp(&got.loader, &st.loader, sizeof(st.loader)) == 0);
        CHECK(memcmp(&got.rng, &st.rng, sizeof(st.rng)) == 0 && memcmp(got.user, st.user, sizeof(st.user)) == 0);
        CHECK(got.adamw.lr == st.adamw.lr && got.adamw.beta1 == st.adamw.beta1 && got.adamw.beta2 == st.adamw.beta2 &&
              got.adamw.eps == st.adamw.eps && got.adamw.weight_decay == st.adamw.weight_decay &&
              got.adamw.warmup_steps == st.adamw.warmup_steps && got.adamw.total_steps == st.adamw.total_steps &&
              got.adamw.schedule == st.adamw.schedule && got.adamw.min_lr == st.adamw.min_lr);
        n1 = encode(tok, e1);
        CHECK(t2 != NULL && encode(t2, e2) == n1 && memcmp(e1, e2, n1 * sizeof(int32_t)) == 0);
        tt_tokenizer_destroy(t2); t2 = NULL;
        /* weights: parameters only */
        memset(tt_model_params(m), 0, P * sizeof(float));
        CHECK_OK(tt_model_load_safetensors_file(at("f32.safetensors"), m));
        CHECK(same(tt_model_params(m), p, P));
        memset(tt_model_params(m), 0, P * sizeof(float));
        CHECK_OK(tt_model_load_safetensors_file(at("bf16.safetensors"), m));
        CHECK(same(tt_model_params(m), p, P));
        memset(tt_model_params(m), 0, P * sizeof(float));
        CHECK_OK(tt_model_load_llmc_file(at("f32.bin"), m));
        CHECK(same(tt_model_params(m), p, P));
        memset(tt_model_params(m), 0, P * sizeof(float));
        CHECK_OK(tt_model_load_llmc_file(at("bf16.bin"), m));
        CHECK(same(tt_model_params(m), p, P));
        /* tokenizers: TTBP and the GPT-2 export encode the text the same */
        CHECK_OK(tt_tokenizer_load_file(NULL, at("tok.ttbp"), &t2));
        CHECK(t2 && encode(t2, e2) == n1 && memcmp(e1, e2, n1 * sizeof(int32_t)) == 0);
        snprintf(enc, sizeof(enc), "%s/encoder.json", dir);
        CHECK_OK(tt_tokenizer_load_gpt2_file(NULL, enc, at("vocab.bpe"), &t3));
        n2 = t3 ? encode(t3, e2) : 0;
        CHECK(t3 && n2 == n1 && memcmp(e1, e2, n1 * sizeof(int32_t)) == 0);
        /* token files: header, ids, and the loader over them */
        ids_of(ids, 300, NIDS);
        CHECK_OK(tt_tokens_info_file(at("u16.tttk"), NULL, &info));
        CHECK(info.count == NIDS && info.vocab_size == 300 && info.id_bytes == 2);
        memset(&lc, 0, sizeof(lc));
        lc.batch = 1; lc.seq_len = NIDS - 1; lc.no_val = 1; lc.no_shuffle = 1;
        CHECK_OK(tt_loader_open_file(at("u16.tttk"), &lc, &l));
        CHECK(l && tt_loader_next(l, back, back + 1) == TT_OK && memcmp(back, ids, (NIDS - 1) * sizeof(int32_t)) == 0);
        tt_loader_close(l); l = NULL;
        ids_of(ids, 70000, NIDS);
        CHECK_OK(tt_tokens_info_file(at("u32.tttk"), NULL, &info));
        CHECK(info.count == NIDS && info.vocab_size == 70000 && info.id_bytes == 4);
        CHECK_OK(tt_loader_open_file(at("u32.tttk"), &lc, &l));
        CHECK(l && tt_loader_next(l, back, back + 1) == TT_OK && memcmp(back, ids, (NIDS - 1) * sizeof(int32_t)) == 0);
        tt_loader_close(l);
        tt_tokenizer_destroy(t2); tt_tokenizer_destroy(t3);
    }
    tt_model_destroy(m);
    tt_tokenizer_destroy(tok);
    free(p); free(am); free(av); free(e1); free(e2);
    if (failures) { printf("formats %s %s: %d failures\n", argv[1], dir, failures); return 1; }
    printf("formats %s %s: ok\n", argv[1], dir);
    return 0;
}
