/* Seed corpora for the model-file, token-file and training fuzz targets:
 * real files the library writes. usage: make_model_seeds OUTDIR TEXT...
 * Writes OUTDIR/{checkpoint,safetensors,llmc,create_model,tokens,train}/NAME:
 * checkpoints of the tiny fuzz shape (fuzz_model.h) after two AdamW steps,
 * with and without a tokenizer trained on the TEXT files; its safetensors
 * and llm.c files (f32 and bf16); token files with 2- and 4-byte ids; and
 * training inputs (a control byte, then a piece of TEXT). */
#include "fuzz_model.h"

static const char *outdir;

static void put(const char *sub, const char *name, const void *p, size_t n) {
    char path[1024];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
    f = fopen(path, "wb");
    FUZZ_ASSERT(f && fwrite(p, 1, n, f) == n && fclose(f) == 0);
}
/* copy the file at src into OUTDIR/sub/name */
static void copy(const char *src, const char *sub, const char *name) {
    FILE *f = fopen(src, "rb");
    static uint8_t buf[1 << 20];
    size_t n;
    FUZZ_ASSERT(f != NULL);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    put(sub, name, buf, n);
}

int main(int argc, char **argv) {
    static const char *subs[] = { "checkpoint", "safetensors", "llmc", "create_model", "tokens", "train" };
    static uint8_t text[1 << 16];
    static int32_t ids[2048];
    char path[1024], tmp[1024];
    size_t ntext = 0, i, k;
    tt_model_config c = fuzz_tiny_config();
    tt_tokenizer_config tc;
    tt_tokenizer *tok = NULL;
    tt_model *m = NULL;
    tt_adamw_config ac;
    int32_t in[4], tg[4];
    float loss;
    int a;
    if (argc < 3) { fprintf(stderr, "usage: make_model_seeds OUTDIR TEXT...\n"); return 2; }
    outdir = argv[1];
    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        snprintf(path, sizeof(path), "mkdir -p %s/%s", outdir, subs[i]);
        FUZZ_ASSERT(system(path) == 0);
    }
    for (a = 2; a < argc && ntext < sizeof(text); a++) {
        FILE *f = fopen(argv[a], "rb");
        FUZZ_ASSERT(f != NULL);
        ntext += fread(text + ntext, 1, sizeof(text) - ntext, f);
        fclose(f);
    }
    memset(&tc, 0, sizeof(tc));
    tc.vocab_size = 300;
    FUZZ_ASSERT(tt_tokenizer_train(&tc, text, ntext, &tok) == TT_OK);
    FUZZ_ASSERT(tt_model_create(&c, &m) == TT_OK);
    memset(&ac, 0, sizeof(ac));
    for (k = 0; k < 2; k++) {
        for (i = 0; i < 4; i++) { in[i] = text[k * 4 + i] % 32; tg[i] = text[k * 4 + i + 1] % 32; }
        FUZZ_ASSERT(tt_model_forward_backward(m, in, tg, 1, 4, 1.0f, &loss) == TT_OK);
        FUZZ_ASSERT(tt_adamw_step(m, &ac, NULL) == TT_OK);
    }
    snprintf(tmp, sizeof(tmp), "%s/seed.tmpfile", outdir);
    FUZZ_ASSERT(tt_checkpoint_save_file(tmp, m, tok, NULL) == TT_OK);
    copy(tmp, "checkpoint", "with_tokenizer.ttck"); copy(tmp, "create_model", "with_tokenizer.ttck");
    FUZZ_ASSERT(tt_checkpoint_save_file(tmp, m, NULL, NULL) == TT_OK);
    copy(tmp, "checkpoint", "plain.ttck"); copy(tmp, "create_model", "plain.ttck");
    FUZZ_ASSERT(tt_model_save_safetensors_file(tmp, m, TT_DTYPE_F32) == TT_OK);
    copy(tmp, "safetensors", "f32.safetensors"); copy(tmp, "create_model", "f32.safetensors");
    FUZZ_ASSERT(tt_model_save_safetensors_file(tmp, m, TT_DTYPE_BF16) == TT_OK);
    copy(tmp, "safetensors", "bf16.safetensors");
    FUZZ_ASSERT(tt_model_save_llmc_file(tmp, m, TT_DTYPE_F32) == TT_OK);
    copy(tmp, "llmc", "f32.bin"); copy(tmp, "create_model", "f32.bin");
    FUZZ_ASSERT(tt_model_save_llmc_file(tmp, m, TT_DTYPE_BF16) == TT_OK);
    copy(tmp, "llmc", "bf16.bin");
    /* token files: the text encoded (V = 300, 2-byte ids) and a few ids of a
     * 70,000-token vocabulary (4-byte ids) */
    FUZZ_ASSERT(tt_tokenizer_encode(tok, text, 1500, 0, ids, 2048, &k) == TT_OK);
    FUZZ_ASSERT(tt_tokens_write_file(tmp, ids, k, tt_tokenizer_vocab_size(tok)) == TT_OK);
    copy(tmp, "tokens", "v300.tttk");
    FUZZ_ASSERT(tt_tokens_write_file(tmp, ids, 40, tt_tokenizer_vocab_size(tok)) == TT_OK);
    copy(tmp, "tokens", "short.tttk");
    for (i = 0; i < 64; i++) ids[i] = (int32_t)((i * 2654435761u) % 70000u);
    FUZZ_ASSERT(tt_tokens_write_file(tmp, ids, 64, 70000) == TT_OK);
    copy(tmp, "tokens", "v70000.tttk");
    remove(tmp);
    /* training inputs: control byte (vocab, split, threads), then text */
    for (i = 0; i < 12 && (i + 1) * 700 <= ntext; i++) {
        uint8_t buf[701];
        buf[0] = (uint8_t)(i * 37 + 5);
        memcpy(buf + 1, text + i * 700, 700);
        snprintf(path, sizeof(path), "text%02d", (int)i);
        put("train", path, buf, sizeof(buf));
    }
    tt_model_destroy(m);
    tt_tokenizer_destroy(tok);
    return 0;
}
