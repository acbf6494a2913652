/* test_cuda_model.c -- the whole model through the CUDA backend
 * (examples/cuda/tt_cuda.cu) against the same model on the CPU path.
 *
 * A small GPT (V 300, C 64, L 2, NH 4, T 32, B 4, seed 7; T 16, B 2 in the
 * emulation) trains 20 AdamW
 * steps on a fixed token stream twice, once on the CPU (one thread) and
 * once with cfg.backend = the CUDA table (TF32 off). Even steps use
 * tt_model_forward_backward, odd steps tt_model_forward + tt_model_backward
 * (the lm head's separate forward and backward modes). Checked:
 *   - every step's loss agrees within 1e-4 relative, its gradient norm
 *     within 1e-3 relative (sums of squares in another order);
 *   - a second CUDA run of the 20 steps, with cfg.recompute = 1 (LayerNorm
 *     and GELU outputs recomputed in the backward: the backend's gelu_fwd),
 *     gives bitwise the same losses and gradient norms (the backend's
 *     determinism and recompute's contract; in the emulation, which is
 *     sequential, it still catches reads of undefined buffer contents);
 *   - a checkpoint saved from the CUDA model loads into a CPU model with
 *     bitwise the same parameters and AdamW moments (CRC-32 of each block)
 *     and step; the CPU-trained parameters are within a small distance of
 *     them (printed); one more step of both then agrees within 1e-4;
 *   - the same file loads into a new CUDA model (upload): its parameters
 *     read back bitwise, a loss-only forward agrees with a CPU model
 *     loaded from the file, and after the same step from the same state
 *     it and the first CUDA model give bitwise the same loss;
 *   - tt_generate (greedy, 8 ids) runs on the CUDA model, and feeding the
 *     prompt and those ids one at a time gives logits within 1e-4 (per
 *     element, relative to 1 + |x|) of a CPU model with the same weights.
 * Tolerances: fp32 throughout; the CPU and CUDA kernels sum in different
 * orders, so agreement is up to rounding, amplified a little by 20 AdamW
 * steps.
 *
 * Without a GPU (`nvidia-smi` fails) it prints "SKIP: no GPU" and exits 0.
 * Built with -DTT_CUDA_TEST_EMULATED and linked with tt_cuda.cu compiled
 * for the CPU against tests/cuda/emu/ (make test-cuda-model-emu) it runs
 * every check with no GPU: that tests the model's use of the table and
 * the kernels' logic, not the GPU's rounding or speed.
 * Usage: test_cuda_model [device]   (default 0) */
#define _POSIX_C_SOURCE 200809L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
#include "tt_cuda.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef TT_CUDA_TEST_EMULATED
/* the emulation runs every GPU thread as a coroutine: a smaller batch
 * (about 10 s of CPU instead of 50) */
enum { T = 16, B = 2 };
#else
enum { T = 32, B = 4 };
#endif
enum { V = 300, C = 64, L = 2, NH = 4, STEPS = 20, N_DATA = 4096, N_PROMPT = 8, N_GEN = 8 };

static int g_fail = 0;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            g_fail++;                                                        \
        }                                                                    \
    } while (0)

static void logger(void *user, int level, tt_status code, const char *msg) {
    (void)user;
    fprintf(stderr, "  [log %d %s] %s\n", level, tt_strerror(code), msg);
}

/* a fixed token stream with some structure (each id mostly follows from the
 * one before), so that the loss moves in 20 steps */
static int32_t g_data[N_DATA];
static void make_data(void) {
    tt_rng rng;
    int i;
    tt_rng_seed(&rng, 99);
    g_data[0] = 1;
    for (i = 1; i < N_DATA; i++) {
        uint32_t r = tt_rng_u32(&rng);
        g_data[i] = (r % 4 == 0) ? (int32_t)(r / 4 % V) : (int32_t)((g_data[i - 1] * 7 + 3) % V);
    }
}
static void batch(int step, int32_t *tok, int32_t *tgt) {
    int b, t;
    for (b = 0; b < B; b++) {
        int off = ((step * B + b) * 211) % (N_DATA - T - 1);
        for (t = 0; t < T; t++) {
            tok[b * T + t] = g_data[off + t];
            tgt[b * T + t] = g_data[off + t + 1];
        }
    }
}

static tt_model_config model_cfg(const tt_backend *be) {
    tt_model_config c;
    memset(&c, 0, sizeof(c));
    c.vocab_size = V; c.d_model = C; c.n_layer = L; c.n_head = NH; c.n_ctx = T; c.max_batch = B;
    c.n_threads = 1; c.seed = 7;
    c.logger.fn = logger;
    c.backend = be;
    return c;
}
static tt_adamw_config adamw_cfg(void) {
    tt_adamw_config o;
    memset(&o, 0, sizeof(o));
    o.lr = 3e-3f; o.weight_decay = 0.1f; o.grad_clip = 1.0f; o.warmup_steps = 2;
    o.schedule = TT_LR_COSINE; o.total_steps = STEPS + 1; o.min_lr = 3e-4f;
    return o;
}

static int rel_ok(double a, double ref, double tol) { return fabs(a - ref) <= tol * fabs(ref); }

/* one training step (fused on even steps); loss and gradient norm out */
static tt_status train_step(tt_model *m, int step, float *loss, float *gnorm) {
    int32_t tok[B * T], tgt[B * T];
    tt_adamw_config o = adamw_cfg();
    tt_step_stats ss;
    tt_status st;
    batch(step, tok, tgt);
    if (step % 2 == 0) {
        st = tt_model_forward_backward(m, tok, tgt, B, T, 1.0f, loss);
    } else {
        st = tt_model_forward(m, tok, tgt, B, T, loss);
        if (st == TT_OK) st = tt_model_backward(m, 1.0f);
    }
    if (st == TT_OK) st = tt_adamw_step(m, &o, &ss);
    *gnorm = st == TT_OK ? ss.grad_norm : NAN;
    return st;
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double w = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= w)) w = d; /* NaN sticks */
    }
    return w;
}

/* a loss-only forward on the batch after the last training step */
static float eval_loss(tt_model *m) {
    int32_t tok[B * T], tgt[B * T];
    float loss = NAN;
    batch(STEPS + 5, tok, tgt);
    CHECK(tt_model_forward(m, tok, tgt, B, T, &loss) == TT_OK, "evaluation forward");
    return loss;
}

/* the generator part: greedy ids from the CUDA model, then the same ids fed
 * to both models one at a time, logits compared */
static void check_generation(tt_model *gpu, tt_model *cpu) {
    tt_generator *gg = NULL, *gc = NULL;
    tt_sample_config sc;
    int32_t prompt[N_PROMPT], out[N_GEN];
    int n_out = 0, i, k;
    double worst = 0.0;
    memset(&sc, 0, sizeof(sc));
    sc.greedy = 1;
    for (i = 0; i < N_PROMPT; i++) prompt[i] = g_data[100 + i];
    CHECK(tt_generator_create(gpu, &gg) == TT_OK, "generator on the CUDA model");
    CHECK(tt_generator_create(cpu, &gc) == TT_OK, "generator on the CPU model");
    if (!gg || !gc) goto done;
    CHECK(tt_generate(gg, prompt, N_PROMPT, &sc, out, N_GEN, &n_out) == TT_OK, "tt_generate on the CUDA model");
    CHECK(n_out == N_GEN, "tt_generate wrote %d ids, not %d", n_out, N_GEN);
    for (i = 0; i < n_out; i++) CHECK(out[i] >= 0 && out[i] < V, "generated id %d out of range", (int)out[i]);
    printf("generated (CUDA, greedy):");
    for (i = 0; i < n_out; i++) printf(" %d", (int)out[i]);
    printf("\n");
    tt_generator_reset(gg);
    for (i = 0; i < N_PROMPT + n_out; i++) {
        int32_t id = i < N_PROMPT ? prompt[i] : out[i - N_PROMPT];
        const float *lg, *lc;
        if (tt_generator_feed(gg, &id, 1) != TT_OK || tt_generator_feed(gc, &id, 1) != TT_OK) {
            CHECK(0, "generator feed at position %d", i);
            break;
        }
        lg = tt_generator_logits(gg);
        lc = tt_generator_logits(gc);
        if (!lg || !lc) { CHECK(0, "no logits at position %d", i); break; }
        for (k = 0; k < V; k++) {
            double e = fabs((double)lg[k] - (double)lc[k]) / (1.0 + fabs((double)lc[k]));
            if (!(e <= worst)) worst = e;
        }
        /* the CUDA generator's greedy choice is the argmax of its logits */
        if (i >= N_PROMPT - 1 && i + 1 < N_PROMPT + n_out) {
            int best = 0;
            for (k = 1; k < V; k++) if (lg[k] > lg[best]) best = k;
            CHECK(best == out[i + 1 - N_PROMPT], "generated id %d is not the argmax %d of its logits",
                  (int)out[i + 1 - N_PROMPT], best);
        }
    }
    printf("generation: %d positions fed one at a time, logits max rel err %.3g (tol 1e-4)\n", N_PROMPT + n_out, worst);
    CHECK(worst <= 1e-4, "generation logits differ from the CPU model's by %g", worst);
done:
    tt_generator_destroy(gg);
    tt_generator_destroy(gc);
}

int main(int argc, char **argv) {
    int device = argc > 1 ? atoi(argv[1]) : 0, s;
    tt_cuda_options opt;
    tt_backend be;
    tt_model_config ccpu, cgpu;
    tt_model *cpu = NULL, *gpu = NULL, *gpu2 = NULL, *loaded = NULL, *gload = NULL;
    float lc[STEPS], lg[STEPS], nc[STEPS], ng[STEPS];
    double worst_loss = 0.0, worst_norm = 0.0;
    char path[256];
    const char *tmp = getenv("TMPDIR");
    size_t n;
    tt_status st;
    int fd;

    memset(&opt, 0, sizeof(opt));
    opt.logger.fn = logger;
    opt.tf32 = 0;
    opt.workspace_bytes = 16u << 20;
#ifdef TT_CUDA_TEST_EMULATED
    printf("CPU emulation of CUDA (tests/cuda/emu): the model's use of the table and kernel logic, not a GPU\n");
#else
    if (system("nvidia-smi > /dev/null 2>&1") != 0) {
        printf("SKIP: no GPU (nvidia-smi failed): the model comparison needs one (make test-cuda-model-emu runs it "
               "on the CPU emulation)\n");
        return 0;
    }
#endif
    st = tt_cuda_backend_create(device, &opt, &be);
    if (st != TT_OK) {
        printf("FAIL: tt_cuda_backend_create(%d): %s\n", device, tt_strerror(st));
        return 1;
    }
    make_data();
    ccpu = model_cfg(NULL);
    cgpu = model_cfg(&be);
    CHECK(tt_model_create(&ccpu, &cpu) == TT_OK, "CPU model");
    st = tt_model_create(&cgpu, &gpu);
    CHECK(st == TT_OK, "model on %s: %s", be.name, tt_strerror(st));
    if (!cpu || !gpu) goto out;
    n = tt_model_num_params(cpu);
    CHECK(tt_model_num_params(gpu) == n, "parameter counts differ");
    CHECK(tt_model_download(gpu) == TT_OK, "tt_model_download"); /* host copies of the device buffers */
    CHECK(max_abs_diff(tt_model_params(cpu), tt_model_params(gpu), n) == 0.0,
          "the initial parameters differ (same seed)");
    printf("model: V=%d C=%d L=%d NH=%d T=%d B=%d, %zu params; CPU vs %s (fp32 GEMM)\n", V, C, L, NH, T, B, n,
           be.name);

    /* 20 steps on each */
    for (s = 0; s < STEPS; s++) {
        CHECK(train_step(cpu, s, &lc[s], &nc[s]) == TT_OK, "CPU step %d", s);
        CHECK(train_step(gpu, s, &lg[s], &ng[s]) == TT_OK, "CUDA step %d", s);
        printf("  step %2d %s  loss cpu %.6f cuda %.6f  grad norm cpu %.5f cuda %.5f\n", s,
               s % 2 ? "fwd+bwd" : "fused  ", lc[s], lg[s], nc[s], ng[s]);
        CHECK(rel_ok(lg[s], lc[s], 1e-4), "step %d: loss %.7g on CUDA, %.7g on the CPU (beyond 1e-4 relative)", s,
              lg[s], lc[s]);
        CHECK(rel_ok(ng[s], nc[s], 1e-3), "step %d: grad norm %.7g on CUDA, %.7g on the CPU (beyond 1e-3)", s, ng[s],
              nc[s]);
        if (fabs(lg[s] - lc[s]) / fabs(lc[s]) > worst_loss || lg[s] != lg[s]) worst_loss = fabs(lg[s] - lc[s]) / fabs(lc[s]);
        if (fabs(ng[s] - nc[s]) / fabs(nc[s]) > worst_norm || ng[s] != ng[s]) worst_norm = fabs(ng[s] - nc[s]) / fabs(nc[s]);
    }
    printf("losses: max rel diff %.3g (tol 1e-4); grad norms: %.3g (tol 1e-3); loss %.4f -> %.4f\n", worst_loss,
           worst_norm, lc[0], lc[STEPS - 1]);
    CHECK(lc[STEPS - 1] < lc[0], "the CPU loss did not fall in %d steps", STEPS);

    /* determinism: a second CUDA model, the same 20 steps, the same bits */
    {
        tt_model_config c2 = cgpu;
        c2.recompute = 1;
        CHECK(tt_model_create(&c2, &gpu2) == TT_OK, "second CUDA model (recompute)");
    }
    if (gpu2) {
        int same = 1;
        for (s = 0; s < STEPS; s++) {
            float l2, n2;
            CHECK(train_step(gpu2, s, &l2, &n2) == TT_OK, "second CUDA run, step %d", s);
            if (memcmp(&l2, &lg[s], sizeof(float)) != 0 || memcmp(&n2, &ng[s], sizeof(float)) != 0) same = 0;
        }
        printf("second CUDA run (recompute): losses and grad norms %s\n", same ? "bitwise the same" : "DIFFER");
        CHECK(same, "two CUDA runs of the same steps differ (the backend must be deterministic, recompute bitwise)");
        tt_model_destroy(gpu2);
    }

    /* checkpoint: CUDA -> file -> CPU and CUDA */
    snprintf(path, sizeof(path), "%s/tt_cuda_model_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp %s", path);
    if (fd < 0) goto out;
    close(fd);
    CHECK(tt_checkpoint_save_file(path, gpu, NULL, NULL) == TT_OK, "checkpoint save from the CUDA model");
    ccpu.no_init = 1;
    cgpu.no_init = 1;
    CHECK(tt_model_create(&ccpu, &loaded) == TT_OK, "CPU model for the checkpoint");
    if (loaded) {
        float a = NAN, b = NAN, na = NAN, nb = NAN;
        uint32_t crc[3][2];
        CHECK(tt_checkpoint_load_file(path, loaded, NULL, NULL, NULL) == TT_OK, "checkpoint load into a CPU model");
        CHECK(tt_model_download(gpu) == TT_OK, "tt_model_download after training");
        crc[0][0] = tt_crc32(0, tt_model_params(gpu), n * sizeof(float));
        crc[0][1] = tt_crc32(0, tt_model_params(loaded), n * sizeof(float));
        crc[1][0] = tt_crc32(0, tt_model_adam_m(gpu), n * sizeof(float));
        crc[1][1] = tt_crc32(0, tt_model_adam_m(loaded), n * sizeof(float));
        crc[2][0] = tt_crc32(0, tt_model_adam_v(gpu), n * sizeof(float));
        crc[2][1] = tt_crc32(0, tt_model_adam_v(loaded), n * sizeof(float));
        printf("checkpoint -> CPU model: CRC-32 params %08x/%08x, m %08x/%08x, v %08x/%08x (CUDA/loaded)\n",
               (unsigned)crc[0][0], (unsigned)crc[0][1], (unsigned)crc[1][0], (unsigned)crc[1][1], (unsigned)crc[2][0],
               (unsigned)crc[2][1]);
        CHECK(crc[0][0] == crc[0][1] && crc[1][0] == crc[1][1] && crc[2][0] == crc[2][1],
              "the checkpoint's parameters or moments differ from the CUDA model's");
        CHECK(tt_model_step(loaded) == STEPS && tt_model_step(gpu) == STEPS, "step counter %llu/%llu, not %d",
              (unsigned long long)tt_model_step(loaded), (unsigned long long)tt_model_step(gpu), STEPS);
        printf("CPU-trained vs CUDA-trained parameters: max abs diff %.3g (20 steps of lr <= 3e-3)\n",
               max_abs_diff(tt_model_params(cpu), tt_model_params(loaded), n));
        CHECK(max_abs_diff(tt_model_params(cpu), tt_model_params(loaded), n) <= 1e-3,
              "the CUDA-trained parameters are far from the CPU-trained ones");
        /* one more step of both from the same state */
        CHECK(train_step(gpu, STEPS, &a, &na) == TT_OK, "CUDA step after the checkpoint");
        CHECK(train_step(loaded, STEPS, &b, &nb) == TT_OK, "step of the loaded CPU model");
        printf("step %d after the checkpoint: loss cuda %.6f, loaded cpu %.6f\n", STEPS, a, b);
        CHECK(rel_ok(a, b, 1e-4), "step %d: loss %.7g on CUDA, %.7g on the loaded CPU model", STEPS, a, b);
        CHECK(rel_ok(na, nb, 1e-3), "step %d: grad norm %.7g on CUDA, %.7g on the loaded CPU model", STEPS, na, nb);
    }
    CHECK(tt_model_create(&cgpu, &gload) == TT_OK, "CUDA model for the checkpoint");
    if (gload) {
        tt_model *ref = NULL;
        float a, b;
        CHECK(tt_checkpoint_load_file(path, gload, NULL, NULL, NULL) == TT_OK, "checkpoint load into a CUDA model");
        /* gpu has taken one more step; a fresh load of the file into a CPU
         * model is the reference for what gload must hold */
        CHECK(tt_model_create(&ccpu, &ref) == TT_OK, "CPU reference model");
        if (ref) {
            CHECK(tt_checkpoint_load_file(path, ref, NULL, NULL, NULL) == TT_OK, "second load into a CPU model");
            /* the load uploaded; overwrite the host copies with what the
             * device holds, so the CRC below reads the device's values */
            memset(tt_model_params(gload), 0, n * sizeof(float));
            memset(tt_model_adam_m(gload), 0xff, n * sizeof(float)); /* NaN until downloaded */
            memset(tt_model_adam_v(gload), 0xff, n * sizeof(float));
            CHECK(tt_model_download(gload) == TT_OK, "tt_model_download of the loaded CUDA model");
            CHECK(tt_crc32(0, tt_model_params(gload), n * 4) == tt_crc32(0, tt_model_params(ref), n * 4),
                  "a checkpoint loaded into a CUDA model reads back different parameters");
            CHECK(tt_crc32(0, tt_model_adam_m(gload), n * 4) == tt_crc32(0, tt_model_adam_m(ref), n * 4) &&
                  tt_crc32(0, tt_model_adam_v(gload), n * 4) == tt_crc32(0, tt_model_adam_v(ref), n * 4),
                  "a checkpoint loaded into a CUDA model reads back different AdamW moments");
            a = eval_loss(gload);
            b = eval_loss(ref);
            printf("checkpoint -> CUDA model: loss-only forward %.6f (CPU model from the same file %.6f)\n", a, b);
            CHECK(rel_ok(a, b, 1e-4), "loss %.7g on the loaded CUDA model, %.7g on the CPU", a, b);
            /* the same weights through the same backend: the same bits */
            CHECK(train_step(gload, STEPS, &a, &b) == TT_OK, "step on the loaded CUDA model");
            tt_model_destroy(ref);
        }
    }
    if (loaded && gload) {
        /* gload and gpu both took step STEPS from the checkpoint's state,
         * loaded too; gload's eval and gpu's must now agree bitwise */
        float a = eval_loss(gload), b = eval_loss(gpu);
        CHECK(memcmp(&a, &b, sizeof(float)) == 0, "after the same step from the same state, two CUDA models "
                  "give losses %.9g and %.9g", a, b);
        check_generation(gpu, loaded);
    }
    remove(path);

out:
    tt_model_destroy(gload);
    tt_model_destroy(loaded);
    tt_model_destroy(gpu);
    tt_model_destroy(cpu);
    tt_cuda_backend_destroy(&be);
    if (g_fail) {
        printf("FAIL: %d check(s) failed\n", g_fail);
        return 1;
    }
    printf("OK: 20 steps through the CUDA backend match the CPU path; checkpoint and generation agree\n");
    return 0;
}
