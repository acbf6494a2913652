/* examples/generate.c -- sample text from a model file, or score a text
 * (mean loss and perplexity), with an inference-only model: parameters and a
 * KV cache, no training memory.
 *
 *   cc -O2 -march=native -I. examples/generate.c -o generate -lm -lpthread
 *   ./generate build/demo/checkpoint.ttck --prompt "#include <" --tokens 100
 *   ./generate model.safetensors --n-head 12 --gpt2 encoder.json vocab.bpe --prompt "Hello"
 *   ./generate gpt2_124M.bin --gpt2 encoder.json vocab.bpe --score book.txt
 *   ./generate build/demo/checkpoint.ttck --export-hf hf/ --export-llmc model.bin
 *
 * MODEL is a tinytrain checkpoint (its tokenizer is used unless another is
 * given), a safetensors file (Hugging Face GPT-2; --n-head unless the file
 * records it) or an llm.c .bin. Without a tokenizer the prompt is id 0 and
 * ids are printed. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static void usage(void) {
    fprintf(stderr,
            "usage: generate MODEL [--n-head N] [--tokenizer FILE.ttbp | --gpt2 ENCODER.json VOCAB.bpe]\n"
            "                [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K] [--top-p X] [--seed N]\n"
            "                [--threads N] [--score TEXTFILE] [--export-hf DIR] [--export-llmc FILE]\n"
            "--export-hf writes DIR/model.safetensors, DIR/config.json and (with a tokenizer)\n"
            "DIR/vocab.json + DIR/merges.txt, which transformers' from_pretrained(DIR) loads\n");
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *p;
    long e;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (e = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    p = (char *)malloc((size_t)e + 1);
    if (p && fread(p, 1, (size_t)e, f) != (size_t)e) { free(p); p = NULL; }
    fclose(f);
    if (p) { p[e] = 0; *n = (size_t)e; }
    return p;
}

typedef struct printer { const tt_tokenizer *tok; tt_tokenizer_decoder dec; } printer;
static int on_token(void *user, int32_t id) {
    printer *pr = (printer *)user;
    char buf[256];
    size_t n = 0;
    if (!pr->tok) { printf(" %d", (int)id); fflush(stdout); return 0; }
    if (tt_tokenizer_decode_stream(pr->tok, &pr->dec, &id, 1, 0, buf, sizeof(buf), &n) == TT_OK) {
        fwrite(buf, 1, n, stdout);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *export_hf = NULL, *export_llmc = NULL, *model_path = NULL, *tok_path = NULL, *enc_path = NULL, *bpe_path = NULL, *prompt = NULL, *score = NULL;
    int n_head = 0, tokens = 200, top_k = 40, threads = 1, i;
    double temperature = 0.8, top_p = 0.0;
    unsigned long seed = 1337;
    tt_model_config base;
    tt_tokenizer_config tc;
    tt_model *m = NULL;
    tt_tokenizer *tok = NULL;
    tt_generator *g = NULL;
    tt_status st;
    tt_model_config mc;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--n-head") == 0 && more) n_head = atoi(argv[++i]);
        else if (strcmp(a, "--tokenizer") == 0 && more) tok_path = argv[++i];
        else if (strcmp(a, "--gpt2") == 0 && i + 2 < argc) { enc_path = argv[++i]; bpe_path = argv[++i]; }
        else if (strcmp(a, "--prompt") == 0 && more) prompt = argv[++i];
        else if (strcmp(a, "--tokens") == 0 && more) tokens = atoi(argv[++i]);
        else if (strcmp(a, "--temperature") == 0 && more) temperature = atof(argv[++i]);
        else if (strcmp(a, "--top-k") == 0 && more) top_k = atoi(argv[++i]);
        else if (strcmp(a, "--top-p") == 0 && more) top_p = atof(argv[++i]);
        else if (strcmp(a, "--seed") == 0 && more) seed = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--threads") == 0 && more) threads = atoi(argv[++i]);
        else if (strcmp(a, "--score") == 0 && more) score = argv[++i];
        else if (strcmp(a, "--export-hf") == 0 && more) export_hf = argv[++i];
        else if (strcmp(a, "--export-llmc") == 0 && more) export_llmc = argv[++i];
        else if (a[0] != '-' && !model_path) model_path = a;
        else { usage(); return 2; }
    }
    if (!model_path || tokens < 0 || threads < 1) { usage(); return 2; }

    /* the model: one call, one read of the file, no training memory */
    memset(&base, 0, sizeof(base));
    base.n_head = n_head;
    base.n_threads = threads;
    base.inference_only = 1;
    base.logger.fn = tt_log_stderr;
    if ((st = tt_model_create_from_checkpoint(model_path, &base, &m)) != TT_OK) {
        fprintf(stderr, "generate: cannot load %s: %s\n", model_path, tt_strerror(st));
        return 1;
    }
    mc = tt_model_get_config(m);

    /* the tokenizer: given, or the one inside a tinytrain checkpoint */
    memset(&tc, 0, sizeof(tc));
    tc.logger.fn = tt_log_stderr;
    if (tok_path) st = tt_tokenizer_load_file(&tc, tok_path, &tok);
    else if (enc_path) st = tt_tokenizer_load_gpt2_file(&tc, enc_path, bpe_path, &tok);
    else {
        FILE *f = fopen(model_path, "rb");
        char magic[4] = { 0, 0, 0, 0 };
        if (f) { if (fread(magic, 1, 4, f) != 4) magic[0] = 0; fclose(f); }
        st = TT_OK;
        if (memcmp(magic, TT_CHECKPOINT_MAGIC, 4) == 0) { /* a second read, for the tokenizer only */
            tt_model_config cc = mc;
            tt_model *tmp = NULL;
            cc.n_threads = 1;
            if (tt_model_create(&cc, &tmp) == TT_OK) st = tt_checkpoint_load_file(model_path, tmp, &tc, NULL, &tok);
            tt_model_destroy(tmp);
        }
    }
    if (st != TT_OK) { fprintf(stderr, "generate: tokenizer: %s\n", tt_strerror(st)); return 1; }
    if (tok && tt_tokenizer_vocab_size(tok) > mc.vocab_size) {
        fprintf(stderr, "generate: the tokenizer has %d ids, the model %d\n", (int)tt_tokenizer_vocab_size(tok), (int)mc.vocab_size);
        return 1;
    }
    if ((st = tt_generator_create(m, &g)) != TT_OK) { fprintf(stderr, "generate: %s\n", tt_strerror(st)); return 1; }
    printf("model: %s, vocab %d, n_ctx %d, %d layers, %d heads, d_model %d, %zu parameters\n", model_path,
           (int)mc.vocab_size, (int)mc.n_ctx, (int)mc.n_layer, (int)mc.n_head, (int)mc.d_model, tt_model_num_params(m));

    if (export_hf || export_llmc) {
        char path[4096];
        FILE *f;
        if (export_llmc && (st = tt_model_save_llmc_file(export_llmc, m, TT_DTYPE_F32)) != TT_OK) {
            fprintf(stderr, "generate: cannot write %s: %s\n", export_llmc, tt_strerror(st));
            return 1;
        }
        if (export_hf) {
            snprintf(path, sizeof(path), "%s/model.safetensors", export_hf);
            if ((st = tt_model_save_safetensors_file(path, m, TT_DTYPE_F32)) != TT_OK) {
                fprintf(stderr, "generate: cannot write %s: %s\n", path, tt_strerror(st));
                return 1;
            }
            snprintf(path, sizeof(path), "%s/config.json", export_hf);
            if (!(f = fopen(path, "w"))) { fprintf(stderr, "generate: cannot write %s\n", path); return 1; }
            fprintf(f, "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\", \"vocab_size\": %d, "
                       "\"n_positions\": %d, \"n_embd\": %d, \"n_layer\": %d, \"n_head\": %d, "
                       "\"activation_function\": \"gelu_new\", \"layer_norm_epsilon\": 1e-05, \"tie_word_embeddings\": true}\n",
                    (int)mc.vocab_size, (int)mc.n_ctx, (int)mc.d_model, (int)mc.n_layer, (int)mc.n_head);
            fclose(f);
            if (tok) {
                char p2[4096];
                snprintf(path, sizeof(path), "%s/vocab.json", export_hf);
                snprintf(p2, sizeof(p2), "%s/merges.txt", export_hf);
                if ((st = tt_tokenizer_save_gpt2_file(tok, path, p2)) != TT_OK) {
                    fprintf(stderr, "generate: cannot export the tokenizer: %s\n", tt_strerror(st));
                    return 1;
                }
            }
        }
        printf("exported%s%s%s%s\n", export_hf ? " to " : "", export_hf ? export_hf : "", export_llmc ? " and " : "",
               export_llmc ? export_llmc : "");
    } else if (score) {
        /* perplexity: windows of n_ctx ids overlapping by one, so every id
         * after the first is scored once */
        size_t n = 0, n_ids = 0, at;
        char *text = slurp(score, &n);
        int32_t *ids;
        float *loss;
        double sum = 0.0;
        size_t count = 0;
        if (!text) { fprintf(stderr, "generate: cannot read %s\n", score); return 1; }
        if (!tok) { fprintf(stderr, "generate: --score needs a tokenizer\n"); return 1; }
        ids = (int32_t *)malloc((n + 1) * sizeof(int32_t));
        loss = (float *)malloc((size_t)mc.n_ctx * sizeof(float));
        if (tt_tokenizer_encode(tok, text, n, 0, ids, n + 1, &n_ids) != TT_OK || n_ids < 2) {
            fprintf(stderr, "generate: the text encodes to fewer than 2 ids\n");
            return 1;
        }
        for (at = 0; at + 1 < n_ids; at += (size_t)mc.n_ctx - 1) {
            int w = (int)(n_ids - at < (size_t)mc.n_ctx ? n_ids - at : (size_t)mc.n_ctx), k;
            if (w < 2) break;
            tt_generator_reset(g);
            if ((st = tt_generator_score(g, ids + at, w, loss)) != TT_OK) { fprintf(stderr, "generate: %s\n", tt_strerror(st)); return 1; }
            for (k = 0; k < w - 1; k++) sum += loss[k];
            count += (size_t)(w - 1);
        }
        printf("score: %s: %zu bytes, %zu ids, mean loss %.4f nats/token, perplexity %.3f, %.4f bits/byte\n", score, n,
               n_ids, sum / (double)count, exp(sum / (double)count), sum / log(2.0) / (double)n);
        free(ids); free(loss); free(text);
    } else {
        tt_sample_config sc;
        printer pr;
        int32_t *prompt_ids, *out;
        size_t np = 0, plen = prompt ? strlen(prompt) : 0;
        int got = 0;
        memset(&sc, 0, sizeof(sc));
        sc.temperature = (float)temperature; sc.top_k = top_k; sc.top_p = (float)top_p; sc.seed = seed;
        memset(&pr, 0, sizeof(pr));
        pr.tok = tok;
        sc.on_token = on_token; sc.user = &pr;
        prompt_ids = (int32_t *)malloc((plen + 1) * sizeof(int32_t));
        out = (int32_t *)malloc(((size_t)tokens + 1) * sizeof(int32_t));
        if (tok && plen) tt_tokenizer_encode(tok, prompt, plen, 0, prompt_ids, plen + 1, &np);
        if (np == 0) { prompt_ids[0] = 0; np = 1; }
        if (np > (size_t)mc.n_ctx) { memmove(prompt_ids, prompt_ids + np - mc.n_ctx, (size_t)mc.n_ctx * 4); np = (size_t)mc.n_ctx; }
        if (tok && plen) fwrite(prompt, 1, plen, stdout);
        st = tt_generate(g, prompt_ids, (int)np, &sc, out, tokens, &got);
        if (tok) { char buf[8]; size_t k = 0; tt_tokenizer_decode_stream(tok, &pr.dec, NULL, 0, 1, buf, sizeof(buf), &k); fwrite(buf, 1, k, stdout); }
        printf("\n");
        if (st != TT_OK) { fprintf(stderr, "generate: %s\n", tt_strerror(st)); return 1; }
        free(prompt_ids); free(out);
    }
    tt_generator_destroy(g);
    tt_tokenizer_destroy(tok);
    tt_model_destroy(m);
    return 0;
}
