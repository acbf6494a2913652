/* The library side of data parallel training, in one process (no MPI):
 * loader sharding, ZeRO-1 slices and memory, exact accumulation (the
 * single-process half of the determinism contract), comm config errors. */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)
#define CHECK_OK(expr) do { tt_status st_ = (expr); if (st_ != TT_OK) { printf("FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, tt_strerror(st_)); failures++; } } while (0)

/* never called: these tests make no collective call */
static int no_allreduce(void *u, float *x, size_t n) { (void)u; (void)x; (void)n; failures++; return 1; }
static int no_bcast(void *u, void *b, size_t n, int r) { (void)u; (void)b; (void)n; (void)r; failures++; return 1; }

/* S sharded loaders, step by step, give the windows one loader gives in S
 * consecutive batches (rank r = micro-batch r); every window once per epoch */
static void test_shards(int S, int B, int seq, uint64_t n_ids) {
    int32_t *ids = (int32_t *)malloc(n_ids * sizeof(int32_t));
    int32_t *in = (int32_t *)malloc((size_t)B * seq * 4), *tg = (int32_t *)malloc((size_t)B * seq * 4);
    int32_t *in1 = (int32_t *)malloc((size_t)B * seq * 4), *tg1 = (int32_t *)malloc((size_t)B * seq * 4);
    tt_loader *one = NULL, *sh[8];
    tt_loader_config c;
    uint64_t i, nw, seen_total = 0;
    unsigned char *seen;
    int r, step, steps, same = 1, dup = 0;
    for (i = 0; i < n_ids; i++) ids[i] = (int32_t)(i % 1000);
    memset(&c, 0, sizeof(c));
    c.batch = B; c.seq_len = seq; c.no_val = 1; c.seed = 7;
    CHECK_OK(tt_loader_open_memory(ids, n_ids, 1000, &c, &one));
    for (r = 0; r < S; r++) {
        c.shard_rank = r; c.shard_count = S;
        CHECK_OK(tt_loader_open_memory(ids, n_ids, 1000, &c, &sh[r]));
    }
    nw = tt_loader_get_info(one).n_train_windows;
    seen = (unsigned char *)calloc(nw, 1);
    steps = (int)(3 * nw / (uint64_t)(S * B)) + 2; /* runs over epoch boundaries */
    for (step = 0; step < steps; step++) {
        for (r = 0; r < S; r++) {
            CHECK_OK(tt_loader_next(one, in1, tg1));
            CHECK_OK(tt_loader_next(sh[r], in, tg));
            if (memcmp(in, in1, (size_t)B * seq * 4) != 0 || memcmp(tg, tg1, (size_t)B * seq * 4) != 0) same = 0;
        }
    }
    /* the first epoch, from the ranks' batches: each window at most once,
     * and all of them in the steps that fit entirely into it */
    for (r = 0; r < S; r++) {
        tt_loader_state s0;
        tt_loader_get_state(one, &s0);
        s0.epoch = 0; s0.index = 0;
        CHECK_OK(tt_loader_set_state(sh[r], &s0));
    }
    for (step = 0; step < (int)(nw / (uint64_t)(S * B)); step++) {
        for (r = 0; r < S; r++) {
            int b;
            CHECK_OK(tt_loader_next(sh[r], in, tg));
            for (b = 0; b < B; b++) {
                uint64_t k, hit = nw;
                for (k = 0; k < nw; k++) /* the window whose ids start like this row */
                    if (memcmp(ids + k * (uint64_t)seq, in + (size_t)b * seq, (size_t)seq * 4) == 0) { hit = k; break; }
                if (hit == nw || seen[hit]) dup++;
                else { seen[hit] = 1; seen_total++; }
            }
        }
    }
    CHECK(same);
    CHECK(dup == 0);
    CHECK(seen_total == (nw / (uint64_t)(S * B)) * (uint64_t)(S * B));
    printf("loader, %d shards x batch %d, %llu windows: rank r = micro-batch r of one loader over %d steps: %s; "
           "first epoch: %llu windows, none twice: %s\n", S, B, (unsigned long long)nw, steps, same ? "yes" : "NO",
           (unsigned long long)seen_total, dup == 0 ? "yes" : "NO");
    tt_loader_close(one);
    for (r = 0; r < S; r++) tt_loader_close(sh[r]);
    free(seen); free(ids); free(in); free(tg); free(in1); free(tg1);
}

static tt_model_config small_cfg(void) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = 97; c.n_ctx = 16; c.n_layer = 2; c.n_head = 2; c.d_model = 32; c.max_batch = 2; c.seed = 5;
    return c;
}

static void test_zero1_memory(void) {
    tt_model_config c = small_cfg();
    size_t full = 0, shard = 0, n = 0, next = 0, lo, hi;
    int r, S = 4, covered = 1;
    tt_model *m;
    CHECK_OK(tt_model_memory_size(&c, &full));
    CHECK_OK(tt_model_create(&c, &m));
    n = tt_model_num_params(m);
    tt_model_destroy(m);
    c.comm.size = S; c.comm.allreduce_sum = no_allreduce; c.comm.broadcast = no_bcast; c.zero1 = 1;
    for (r = 0; r < S; r++) {
        c.comm.rank = r;
        CHECK_OK(tt_model_create(&c, &m));
        tt_model_moment_slice(m, &lo, &hi);
        if (lo != next || hi < lo || lo % 16 != 0) covered = 0;
        next = hi;
        if (r == 1) CHECK_OK(tt_model_memory_size(&c, &shard));
        tt_model_destroy(m);
    }
    CHECK(covered && next == n);
    /* m and v: 2 * n floats become about 2 * n / S */
    CHECK(full - shard >= 2 * (n - n / (size_t)S - 16) * sizeof(float) - 256);
    printf("zero1, 4 ranks: slices tile [0, %zu) in multiples of 16: %s; model memory %zu -> %zu bytes (m, v: %zu -> ~%zu)\n",
           n, covered && next == n ? "yes" : "NO", full, shard, 2 * n * 4, 2 * n * 4 / (size_t)S);
}

/* accum_exact: k micro-batches accumulated = each alone from zero, summed
 * in order (what a rank-order allreduce over k ranks computes), bitwise;
 * and plain accumulation is not (so the check can fail) */
static void test_exact_accum(void) {
    tt_model_config c = small_cfg();
    tt_model *ex, *ref, *plain;
    int32_t tok[4][32], tgt[4][32];
    size_t n, i;
    float *sum;
    int k, K = 4, same_exact, same_plain;
    tt_rng rng;
    tt_rng_seed(&rng, 9);
    for (k = 0; k < K; k++)
        for (i = 0; i < 32; i++) { tok[k][i] = (int32_t)(tt_rng_u32(&rng) % 97); tgt[k][i] = (int32_t)(tt_rng_u32(&rng) % 97); }
    CHECK_OK(tt_model_create(&c, &ref));
    CHECK_OK(tt_model_create(&c, &plain));
    c.accum_exact = 1;
    CHECK_OK(tt_model_create(&c, &ex));
    n = tt_model_num_params(ref);
    sum = (float *)calloc(n, sizeof(float));
    for (k = 0; k < K; k++) {
        tt_model_zero_grad(ref);
        CHECK_OK(tt_model_forward_backward(ref, tok[k], tgt[k], 2, 16, 1.0f / (float)K, NULL));
        for (i = 0; i < n; i++) sum[i] = k == 0 ? tt_model_grads(ref)[i] : sum[i] + tt_model_grads(ref)[i];
        CHECK_OK(tt_model_forward_backward(ex, tok[k], tgt[k], 2, 16, 1.0f / (float)K, NULL));
        CHECK_OK(tt_model_forward_backward(plain, tok[k], tgt[k], 2, 16, 1.0f / (float)K, NULL));
    }
    same_exact = memcmp(sum, tt_model_grads(ex), n * 4) == 0;
    same_plain = memcmp(sum, tt_model_grads(plain), n * 4) == 0;
    CHECK(same_exact);
    CHECK(!same_plain);
    printf("accum_exact: 4 micro-batches = their gradients summed in order, bitwise: %s (plain accumulation: %s)\n",
           same_exact ? "yes" : "NO", same_plain ? "also equal (control failed)" : "differs, as expected");
    free(sum);
    tt_model_destroy(ex); tt_model_destroy(ref); tt_model_destroy(plain);
}

static void test_errors(void) {
    tt_model_config c = small_cfg();
    tt_model *m = NULL;
    tt_loader_config lc;
    tt_loader *l = NULL;
    int32_t ids[200];
    int i;
    c.zero1 = 1;
    CHECK(tt_model_create(&c, &m) == TT_ERR_INVALID_ARG);
    c.zero1 = 0; c.comm.size = 2; c.comm.rank = 2; c.comm.allreduce_sum = no_allreduce; c.comm.broadcast = no_bcast;
    CHECK(tt_model_create(&c, &m) == TT_ERR_INVALID_ARG);
    c.comm.rank = 1; c.comm.broadcast = NULL;
    CHECK(tt_model_create(&c, &m) == TT_ERR_INVALID_ARG);
    CHECK(m == NULL);
    for (i = 0; i < 200; i++) ids[i] = i % 10;
    memset(&lc, 0, sizeof(lc));
    lc.batch = 2; lc.seq_len = 8; lc.no_val = 1; lc.shard_count = 2; lc.shard_rank = 2;
    CHECK(tt_loader_open_memory(ids, 200, 10, &lc, &l) == TT_ERR_INVALID_ARG);
    lc.shard_rank = -1;
    CHECK(tt_loader_open_memory(ids, 200, 10, &lc, &l) == TT_ERR_INVALID_ARG);
    CHECK(l == NULL);
    printf("bad comm / shard configs refused: %s\n", failures ? "NO" : "yes");
}

int main(void) {
    test_shards(2, 3, 8, 1000);
    test_shards(4, 2, 5, 777);
    test_shards(3, 5, 4, 301); /* fewer windows than ranks x batch x 2 */
    test_zero1_memory();
    test_exact_accum();
    test_errors();
    if (failures) { printf("test_comm: %d FAILED\n", failures); return 1; }
    printf("test_comm: all passed\n");
    return 0;
}
