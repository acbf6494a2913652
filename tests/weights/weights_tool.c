/* Helper for tests/weights/hf_check.py (the Python side holds the ground
 * truth: safetensors, transformers, tokenizers).
 *   weights_tool export DIR        a small random model (biases and
 *       LayerNorms random too) -> DIR/model.safetensors (F32),
 *       DIR/model_bf16.safetensors, DIR/ids.i32 and DIR/logits.f32 (logits
 *       of every position, from the training model's forward)
 *   weights_tool logits FILE N_HEAD IDS OUT   create_from_checkpoint(FILE)
 *       as an inference-only model, per-position logits of IDS -> OUT
 *   weights_tool tok CORPUS TEXT DIR   train a 1000-id tokenizer (with
 *       <|endoftext|>) on CORPUS, save DIR/encoder.json + DIR/vocab.bpe,
 *       encode TEXT -> DIR/ids.i32; checks that our own GPT-2 loader reads
 *       the pair back to the same ids */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIE(...) do { fprintf(stderr, "weights_tool: " __VA_ARGS__); fprintf(stderr, "\n"); exit(1); } while (0)
#define OK(expr) do { tt_status s_ = (expr); if (s_ != TT_OK) DIE("%s: %s", #expr, tt_strerror(s_)); } while (0)

static void *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    void *p;
    long e;
    if (!f) DIE("cannot open %s", path);
    fseek(f, 0, SEEK_END); e = ftell(f); fseek(f, 0, SEEK_SET);
    p = malloc((size_t)e + 1);
    if (fread(p, 1, (size_t)e, f) != (size_t)e) DIE("cannot read %s", path);
    fclose(f);
    *n = (size_t)e;
    return p;
}
static void spill(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) DIE("cannot write %s", path);
    fclose(f);
}
static char *join(const char *dir, const char *name) {
    static char buf[4][1024];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    return buf[k];
}

/* per-position logits of ids through a generator (in caller memory) */
static float *logits_of(tt_model *m, const int32_t *ids, int n) {
    size_t gb, V = (size_t)tt_model_get_config(m).vocab_size;
    void *mem;
    tt_generator *g;
    float *out = (float *)malloc((size_t)n * V * sizeof(float));
    OK(tt_generator_memory_size(m, &gb));
    mem = malloc(gb);
    OK(tt_generator_create_in(m, mem, gb, &g));
    OK(tt_generator_feed_logits(g, ids, n, out, (size_t)n * V));
    tt_generator_destroy(g);
    free(mem);
    return out;
}

static int cmd_export(const char *dir) {
    tt_model_config c;
    tt_model *m;
    int32_t ids[20];
    float *lg;
    size_t i, P;
    float *p;
    int n = 20, t;
    tt_rng rng;
    memset(&c, 0, sizeof(c));
    c.vocab_size = 100; c.n_ctx = 32; c.n_layer = 2; c.n_head = 4; c.d_model = 64; c.max_batch = 1; c.seed = 7;
    c.logger.fn = tt_log_stderr;
    OK(tt_model_create(&c, &m));
    P = tt_model_num_params(m);
    p = tt_model_params(m);
    tt_rng_seed(&rng, 99);
    for (i = 0; i < P; i++) if (p[i] == 0.0f || p[i] == 1.0f) p[i] += 0.1f * tt_rng_normal(&rng);
    memset(p + (size_t)c.vocab_size * c.d_model, 0, (size_t)(128 - c.vocab_size) * c.d_model * sizeof(float));
    for (t = 0; t < n; t++) ids[t] = (int32_t)((t * 53 + 7) % c.vocab_size);
    OK(tt_model_save_safetensors_file(join(dir, "model.safetensors"), m, TT_DTYPE_F32));
    OK(tt_model_save_safetensors_file(join(dir, "model_bf16.safetensors"), m, TT_DTYPE_BF16));
    /* reference logits from the training model's own forward (last position of each prefix) */
    lg = (float *)malloc((size_t)n * (size_t)c.vocab_size * sizeof(float));
    for (t = 1; t <= n; t++) {
        OK(tt_model_forward(m, ids, NULL, 1, t, NULL));
        OK(tt_model_logits(m, lg + (size_t)(t - 1) * c.vocab_size, (size_t)c.vocab_size));
    }
    spill(join(dir, "ids.i32"), ids, sizeof(ids));
    spill(join(dir, "logits.f32"), lg, (size_t)n * (size_t)c.vocab_size * sizeof(float));
    free(lg);
    tt_model_destroy(m);
    return 0;
}

static int cmd_logits(const char *file, int n_head, const char *ids_path, const char *out) {
    tt_model_config c;
    tt_model *m = NULL;
    size_t nb, V;
    int32_t *ids = (int32_t *)slurp(ids_path, &nb);
    int n = (int)(nb / 4);
    float *lg;
    memset(&c, 0, sizeof(c));
    c.n_head = n_head;
    c.inference_only = 1;
    c.logger.fn = tt_log_stderr;
    OK(tt_model_create_from_checkpoint(file, &c, &m));
    V = (size_t)tt_model_get_config(m).vocab_size;
    lg = logits_of(m, ids, n);
    spill(out, lg, (size_t)n * V * sizeof(float));
    free(lg);
    free(ids);
    tt_model_destroy(m);
    return 0;
}

static int cmd_tok(const char *corpus, const char *text_path, const char *dir) {
    static const char *const specials[1] = { "<|endoftext|>" };
    tt_tokenizer_config tc;
    tt_tokenizer *tok = NULL, *back = NULL;
    size_t n, nt, cap;
    char *text = (char *)slurp(corpus, &n), *sample = (char *)slurp(text_path, &nt);
    int32_t *ids, *ids2;
    size_t n_ids = 0, n_ids2 = 0;
    memset(&tc, 0, sizeof(tc));
    tc.vocab_size = 1000;
    tc.special_tokens = specials;
    tc.n_special = 1;
    if (n > 400000) n = 400000;
    OK(tt_tokenizer_train(&tc, text, n, &tok));
    OK(tt_tokenizer_save_gpt2_file(tok, join(dir, "encoder.json"), join(dir, "vocab.bpe")));
    cap = nt + 16;
    ids = (int32_t *)malloc(cap * 4);
    ids2 = (int32_t *)malloc(cap * 4);
    OK(tt_tokenizer_encode(tok, sample, nt, 0, ids, cap, &n_ids));
    spill(join(dir, "ids.i32"), ids, n_ids * 4);
    memset(&tc, 0, sizeof(tc));
    OK(tt_tokenizer_load_gpt2_file(&tc, join(dir, "encoder.json"), join(dir, "vocab.bpe"), &back));
    OK(tt_tokenizer_encode(back, sample, nt, 0, ids2, cap, &n_ids2));
    if (n_ids != n_ids2 || memcmp(ids, ids2, n_ids * 4) != 0) DIE("our own GPT-2 loader gives other ids");
    if (tt_tokenizer_vocab_size(back) != tt_tokenizer_vocab_size(tok) || tt_tokenizer_special_id(back, specials[0]) != 999)
        DIE("our own GPT-2 loader gives another vocabulary");
    printf("tok: %lu ids for %lu bytes; our load_gpt2 of the export gives the same ids\n", (unsigned long)n_ids,
           (unsigned long)nt);
    tt_tokenizer_destroy(tok);
    tt_tokenizer_destroy(back);
    free(ids); free(ids2); free(text); free(sample);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "export") == 0) return cmd_export(argv[2]);
    if (argc == 6 && strcmp(argv[1], "logits") == 0) return cmd_logits(argv[2], atoi(argv[3]), argv[4], argv[5]);
    if (argc == 5 && strcmp(argv[1], "tok") == 0) return cmd_tok(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: weights_tool export DIR | logits FILE N_HEAD IDS OUT | tok CORPUS TEXT DIR\n");
    return 2;
}
