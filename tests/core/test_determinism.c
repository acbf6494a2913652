/* tests/core/test_determinism.c -- the same 5-step training run (forward,
 * backward, AdamW with clipping and decay) gives bitwise identical losses and
 * parameters at n_threads 1, 2, 3, 4, with a user parallel_for that runs tasks
 * in reverse order, and twice in a row at the same thread count. Runs with the
 * default kernels and with force_scalar.
 * `test_determinism quick` (for emulated runs, e.g. qemu-user): the default
 * kernels only, the small batches, at 1, 2, 3 threads and the user pool. */
#ifndef TT_TEST_SPLIT /* the Makefile links one shared implementation object */
#define TINYTRAIN_IMPLEMENTATION
#endif
#include "tinytrain.h"
#include "tt_test.h"

#define B 20  /* room for the big batches (B*T > 512: the lm head works in two chunks, wte packed once) */
#define T 32
#define STEPS 5

typedef struct run_out { float loss[STEPS]; float norm[STEPS]; float *params; size_t n; } run_out;

/* a user scheduler: runs the tasks serially, last first */
static int reverse_calls = 0;
static void reverse_parallel_for(void *pool, int n, void (*task)(void *arg, int i), void *arg) {
    int i;
    (void)pool;
    reverse_calls++;
    for (i = n - 1; i >= 0; i--) task(arg, i);
}

static void train(int n_threads, int user_pool, int force_scalar, int big, run_out *out) {
    tt_model_config cfg = TT_ZERO;
    tt_adamw_config opt = TT_ZERO;
    tt_model *m = NULL;
    int32_t tok[B * T], tgt[B * T];
    uint64_t seed = 99;
    int s, i;
    cfg.vocab_size = 67; cfg.n_ctx = 32; cfg.n_layer = 2; cfg.n_head = 4; cfg.d_model = 64;
    cfg.max_batch = big ? B : 4; cfg.n_threads = n_threads; cfg.force_scalar = force_scalar; cfg.seed = 5;
    if (user_pool) cfg.parallel.parallel_for = reverse_parallel_for;
    REQUIRE_OK(tt_model_create(&cfg, &m));
    opt.lr = 3e-3f; opt.weight_decay = 0.1f; opt.grad_clip = 0.5f; opt.warmup_steps = 2;
    opt.schedule = TT_LR_COSINE; opt.total_steps = STEPS;
    for (s = 0; s < STEPS; s++) {
        tt_step_stats st;
        for (i = 0; i < B * T; i++) { tok[i] = (int32_t)(test_rand(&seed) % 67u); tgt[i] = (int32_t)((tok[i] * 7 + 3) % 67); }
        /* B and T vary per step (as a last short batch would), so that row and
         * element ranges split over 3 threads fall off multiples of 8 */
        static const int bs[STEPS] = { 3, 3, 2, 1, 3 }, ts[STEPS] = { 24, 24, 24, 7, 19 };
        static const int bb[STEPS] = { 20, 20, 17, 20, 19 }, tb[STEPS] = { 32, 32, 32, 31, 30 };
        REQUIRE_OK(tt_model_forward(m, tok, tgt, big ? bb[s] : bs[s], big ? tb[s] : ts[s], &out->loss[s]));
        REQUIRE_OK(tt_model_backward(m, 1.0f));
        REQUIRE_OK(tt_adamw_step(m, &opt, &st));
        out->norm[s] = st.grad_norm;
    }
    out->n = tt_model_num_params(m);
    out->params = (float *)malloc(out->n * sizeof(float));
    if (!out->params) exit(1);
    memcpy(out->params, tt_model_params(m), out->n * sizeof(float));
    tt_model_destroy(m);
}

static int same(const run_out *a, const run_out *b) {
    return a->n == b->n && memcmp(a->loss, b->loss, sizeof a->loss) == 0 &&
           memcmp(a->norm, b->norm, sizeof a->norm) == 0 &&
           memcmp(a->params, b->params, a->n * sizeof(float)) == 0;
}

static void report(const char *what, const run_out *a, const run_out *b) {
    size_t k, nd = 0;
    int s;
    for (s = 0; s < STEPS; s++)
        if (memcmp(&a->loss[s], &b->loss[s], sizeof(float)) != 0)
            fprintf(stderr, "  %s: step %d loss %.9g vs %.9g\n", what, s, a->loss[s], b->loss[s]);
    for (k = 0; k < a->n && k < b->n; k++) if (memcmp(&a->params[k], &b->params[k], sizeof(float)) != 0) nd++;
    fprintf(stderr, "  %s: %zu of %zu parameters differ\n", what, nd, a->n);
}

int main(int argc, char **argv) {
    int fs, nt, big, quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    for (big = 0; big <= (quick ? 0 : 1); big++)
    for (fs = 0; fs <= (quick ? 0 : 1); fs++) {
        run_out ref, again, r;
        train(1, 0, fs, big, &ref);
        CHECK(ref.loss[STEPS - 1] < ref.loss[0]);
        train(1, 0, fs, big, &again);
        if (!same(&ref, &again)) { report("threads 1 twice", &ref, &again); CHECK(0); }
        free(again.params);
        for (nt = 2; nt <= (quick ? 3 : 4); nt++) {
            char what[64];
            train(nt, 0, fs, big, &r);
            snprintf(what, sizeof what, "threads %d vs 1 (scalar=%d)", nt, fs);
            if (!same(&ref, &r)) { report(what, &ref, &r); CHECK(0); }
            free(r.params);
        }
        if (!quick) {
            train(3, 0, fs, big, &r);
            train(3, 0, fs, big, &again);
            if (!same(&r, &again)) { report("threads 3 twice", &r, &again); CHECK(0); }
            free(r.params); free(again.params);
        }
        reverse_calls = 0;
        train(4, 1, fs, big, &r);
        CHECK(reverse_calls > 0); /* the user scheduler was used */
        if (!same(&ref, &r)) { report("user parallel_for (reverse order)", &ref, &r); CHECK(0); }
        free(r.params);
        printf("scalar=%d simd=%d %s: losses %.6f -> %.6f identical at 1,2,3%s threads and user pool\n", fs,
               tt_simd_width(), big ? "batches of 544-640 rows (lm head in 2 chunks)" : "batches of 7-72 rows",
               ref.loss[0], ref.loss[STEPS - 1], quick ? "" : ",4");
        free(ref.params);
    }
    return test_finish("test_determinism");
}
