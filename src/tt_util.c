/* >>util  status strings, logging, RNG */
#include "tt_internal.h"

TTDEF const char *tt_strerror(tt_status status) {
    switch (status) {
#ifdef TT_NO_ERROR_STRINGS
#define TT__STATUS_CASE(name, value, text) case name: return #name;
#else
#define TT__STATUS_CASE(name, value, text) case name: return text;
#endif
    TT__STATUS_LIST(TT__STATUS_CASE)
#undef TT__STATUS_CASE
    default: break;
    }
    return "unknown tt_status";
}

TTDEF const char *tt_version_string(void) { return TT_VERSION_STRING; }
TTDEF int tt_simd_width(void) { return TT_SIMD_WIDTH; }

TT__PRIVATE void tt__log(const tt_logger *lg, int level, tt_status code, const char *msg) {
    if (lg && lg->fn) lg->fn(lg->user, level, code, msg);
}

/* "msg" followed by the decimal value, built without stdio */
TT__PRIVATE void tt__logf(const tt_logger *lg, int level, tt_status code, const char *msg, long long v) {
    char buf[256];
    size_t n = 0, i;
    char digits[24];
    int nd = 0, neg = v < 0;
    unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
    if (!lg || !lg->fn) return;
    while (msg && msg[n] && n < sizeof(buf) - 32) { buf[n] = msg[n]; n++; }
    do { digits[nd++] = (char)('0' + (int)(u % 10)); u /= 10; } while (u && nd < 22);
    if (neg) buf[n++] = '-';
    for (i = 0; i < (size_t)nd; i++) buf[n++] = digits[nd - 1 - (int)i];
    buf[n] = 0;
    lg->fn(lg->user, level, code, buf);
}

#ifndef TT_NO_STDIO
TTDEF void tt_log_stderr(void *user, int level, tt_status code, const char *msg) {
    static const char *names[] = { "error", "warning", "info" };
    (void)user;
    fprintf(stderr, "tinytrain %s: %s (%s)\n", (level >= 0 && level <= 2) ? names[level] : "log",
            msg ? msg : "", tt_strerror(code));
}
#endif

/* PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically
 * Good Algorithms for Random Number Generation", 2014), XSH-RR variant. */
TTDEF void tt_rng_seed(tt_rng *rng, uint64_t seed) {
    rng->state = 0u;
    rng->inc = (seed << 1u) | 1u;
    (void)tt_rng_u32(rng);
    rng->state += 0x853c49e6748fea9bULL ^ seed;
    (void)tt_rng_u32(rng);
}

TTDEF uint32_t tt_rng_u32(tt_rng *rng) {
    uint64_t old = rng->state;
    uint32_t xorshifted, rot;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

TTDEF float tt_rng_uniform(tt_rng *rng) {
    return (float)(tt_rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

TTDEF float tt_rng_normal(tt_rng *rng) {
    /* Box-Muller; u1 in (0,1] so the log is finite */
    float u1 = 1.0f - tt_rng_uniform(rng);
    float u2 = tt_rng_uniform(rng);
    return TT_SQRTF(-2.0f * TT_LOGF(u1)) * TT_COSF(6.28318530717958647692f * u2);
}
