/* Cortex-M4F (qemu-system-arm -M mps2-an386, make test-host-m4): the
 * TT_NO_MALLOC / TT_NO_STDIO / TT_NO_THREADS build trains a tiny model
 * (V=64, C=16, L=1, T=16, B=2) inside a static buffer for 50 AdamW steps
 * on a fixed periodic token stream, printing the losses through ARM
 * semihosting; it exits with failure unless the mean loss of the last 10
 * steps is below 60% of the first step's. No libc I/O: semihosting calls
 * only (startup and linker script in m4_start.c, m4.ld). */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"

enum { V = 64, T = 16, B = 2, STEPS = 50 };

/* ARM semihosting: r0 = operation, r1 = argument, BKPT 0xAB (Thumb) */
static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
static void puts_sh(const char *s) { semihost(0x04, s); } /* SYS_WRITE0 */
void m4_exit(int ok);
void m4_exit(int ok) {
    /* SYS_EXIT: ADP_Stopped_ApplicationExit (status 0) or RunTimeErrorUnknown */
    semihost(0x18, (const void *)(ok ? 0x20026 : 0x20023));
    for (;;) {}
}

/* "name 1.2345\n" for a non-negative float under 1000 */
static void put_num(const char *name, int step, float x) {
    char b[64];
    int n = 0, i;
    unsigned v = (unsigned)(x * 10000.0f + 0.5f), ip = v / 10000, fr = v % 10000;
    char d[12];
    for (i = 0; name[i]; i++) b[n++] = name[i];
    if (step >= 0) {
        i = 0;
        do { d[i++] = (char)('0' + step % 10); step /= 10; } while (step);
        while (i) b[n++] = d[--i];
    }
    b[n++] = ' ';
    i = 0;
    do { d[i++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    while (i) b[n++] = d[--i];
    b[n++] = '.';
    b[n++] = (char)('0' + fr / 1000); b[n++] = (char)('0' + fr / 100 % 10);
    b[n++] = (char)('0' + fr / 10 % 10); b[n++] = (char)('0' + fr % 10);
    b[n++] = '\n'; b[n] = 0;
    puts_sh(b);
}

static unsigned char mem[384 * 1024] __attribute__((aligned(64)));

int main(void);
int main(void) {
    tt_model_config c;
    tt_adamw_config ac;
    tt_model *m = 0;
    size_t need = 0;
    int32_t in[B * T], tg[B * T];
    float loss = 0, first = 0, last = 0;
    int s, i;
    /* a stream with period 23: each id follows from the one before */
    for (i = 0; i < B * T; i++) { in[i] = (int32_t)((i % 23) * 5 % V); tg[i] = (int32_t)(((i + 1) % 23) * 5 % V); }
    memset(&c, 0, sizeof(c));
    c.vocab_size = V; c.n_ctx = T; c.n_layer = 1; c.n_head = 2; c.d_model = 16; c.max_batch = B; c.seed = 1;
    if (tt_model_memory_size(&c, &need) != TT_OK || need > sizeof(mem)) { puts_sh("model does not fit\n"); m4_exit(0); }
    put_num("model bytes (KiB)", -1, (float)need / 1024.0f);
    if (tt_model_create_in(&c, mem, sizeof(mem), &m) != TT_OK) { puts_sh("create_in failed\n"); m4_exit(0); }
    memset(&ac, 0, sizeof(ac));
    ac.lr = 1e-2f;
    for (s = 0; s < STEPS; s++) {
        if (tt_model_forward_backward(m, in, tg, B, T, 1.0f, &loss) != TT_OK ||
            tt_adamw_step(m, &ac, 0) != TT_OK) { puts_sh("step failed\n"); m4_exit(0); }
        if (s == 0) first = loss;
        if (s >= STEPS - 10) last += loss / 10.0f;
        if (s % 5 == 0 || s == STEPS - 1) put_num("step ", s, loss);
    }
    put_num("first", -1, first);
    put_num("mean of last 10", -1, last);
    if (!(last < 0.6f * first)) { puts_sh("FAIL: the loss did not fall\n"); m4_exit(0); }
    puts_sh("m4_train: ok, the loss fell\n");
    m4_exit(1);
    return 0;
}
