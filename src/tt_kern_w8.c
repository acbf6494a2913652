/* >>kern_w8  AVX2 + FMA (256-bit): the 6x16 SGEMM micro-kernel of the
 * TT_SIMD_WIDTH 8 build, driven by tt_gemm.c. (The elementwise kernels are
 * written once for every width: tt_kern_vec.c.) */
#include "tt_kern.h"

#if TT_SIMD_WIDTH == 8
/* ---- 6x16 micro-kernel: 6 rows x 2 ymm, 12 accumulators ----
 * Two implementations of the same instructions per element (one
 * vfmadd231ps per k, increasing k), so they give bitwise the same C:
 *  - tt__sgemm_6x16_asm: the k loop in inline assembly (gcc/clang, x86-64).
 *    gcc 12 compiles the intrinsics loop with register rotations and one
 *    accumulator spilled to the stack every 4 k steps, which cost 5-6 % of
 *    the kernel's speed on Zen 3 (macro-kernel 88-90 % -> 94-96 % of peak).
 *  - tt__sgemm_6x16_intrin: intrinsics only; the build's kernel where inline
 *    asm is unavailable or TT_NO_ASM is defined (tests/kernels/test_gemm.c
 *    checks both against a plain fmaf chain). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(TT_NO_ASM)
#define TT__SGEMM_ASM 1
#else
#define TT__SGEMM_ASM 0
#endif

#define TT__K6x16_LOADC()                                                                          \
    do {                                                                                           \
        if (load_c) {                                                                              \
            c00 = _mm256_loadu_ps(C + 0 * ldc); c01 = _mm256_loadu_ps(C + 0 * ldc + 8);            \
            c10 = _mm256_loadu_ps(C + 1 * ldc); c11 = _mm256_loadu_ps(C + 1 * ldc + 8);            \
            c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);            \
            c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);            \
            c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);            \
            c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);            \
        } else {                                                                                   \
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps(); \
        }                                                                                          \
    } while (0)
/* one k step o of the intrinsics loop: 2 B loads, 6 A broadcasts, 12 FMAs */
#define TT__K6x16(o)                                                                               \
    do {                                                                                           \
        __m256 b0 = _mm256_load_ps(b + 16 * (o)), b1 = _mm256_load_ps(b + 16 * (o) + 8), av;       \
        TT__KEEP_IN_REG(b0); TT__KEEP_IN_REG(b1);                                                  \
        av = _mm256_broadcast_ss(a + 6 * (o) + 0);                                                 \
        c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 1);                                                 \
        c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 2);                                                 \
        c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 3);                                                 \
        c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 4);                                                 \
        c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);                    \
        av = _mm256_broadcast_ss(a + 6 * (o) + 5);                                                 \
        c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);                    \
    } while (0)
/* k from the current value to kc: by 4, then one at a time */
#define TT__K6x16_LOOP()                                                                           \
    do {                                                                                           \
        for (; k + 4 <= kc; k += 4, a += 24, b += 64) {                                            \
            TT__K6x16(0); TT__K6x16(1); TT__K6x16(2); TT__K6x16(3);                                \
        }                                                                                          \
        for (; k < kc; k++, a += 6, b += 16) TT__K6x16(0);                                         \
    } while (0)
#define TT__K6x16_STOREC()                                                                         \
    do {                                                                                           \
        _mm256_storeu_ps(C + 0 * ldc, c00); _mm256_storeu_ps(C + 0 * ldc + 8, c01);                \
        _mm256_storeu_ps(C + 1 * ldc, c10); _mm256_storeu_ps(C + 1 * ldc + 8, c11);                \
        _mm256_storeu_ps(C + 2 * ldc, c20); _mm256_storeu_ps(C + 2 * ldc + 8, c21);                \
        _mm256_storeu_ps(C + 3 * ldc, c30); _mm256_storeu_ps(C + 3 * ldc + 8, c31);                \
        _mm256_storeu_ps(C + 4 * ldc, c40); _mm256_storeu_ps(C + 4 * ldc + 8, c41);                \
        _mm256_storeu_ps(C + 5 * ldc, c50); _mm256_storeu_ps(C + 5 * ldc + 8, c51);                \
    } while (0)

TT__PRIVATE void tt__sgemm_6x16_intrin(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                       float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}

#if TT__SGEMM_ASM
/* one k step o (0..3) of the unrolled asm loop: the instructions of TT__K6x16
 * (B panel rows of 16 floats = 64 bytes, A steps of 6 floats = 24 bytes) */
#define TT__A6x16(o)                                                                               \
    "vmovaps " #o "*64(%[b]), %%ymm12\n\t"                                                         \
    "vmovaps " #o "*64+32(%[b]), %%ymm13\n\t"                                                      \
    "vbroadcastss " #o "*24+0(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c00]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c01]\n\t"                                                     \
    "vbroadcastss " #o "*24+4(%[a]), %%ymm15\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm15, %[c10]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c11]\n\t"                                                     \
    "vbroadcastss " #o "*24+8(%[a]), %%ymm14\n\t"                                                  \
    "vfmadd231ps %%ymm12, %%ymm14, %[c20]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c21]\n\t"                                                     \
    "vbroadcastss " #o "*24+12(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c30]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c31]\n\t"                                                     \
    "vbroadcastss " #o "*24+16(%[a]), %%ymm14\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm14, %[c40]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm14, %[c41]\n\t"                                                     \
    "vbroadcastss " #o "*24+20(%[a]), %%ymm15\n\t"                                                 \
    "vfmadd231ps %%ymm12, %%ymm15, %[c50]\n\t"                                                     \
    "vfmadd231ps %%ymm13, %%ymm15, %[c51]\n\t"

/* k in blocks of 4 in assembly, the last kc % 4 steps with intrinsics */
TT__PRIVATE void tt__sgemm_6x16_asm(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                    float *C, ptrdiff_t ldc, int load_c) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    int k = 0;
    TT__K6x16_LOADC();
    if (kc >= 4) {
        long n4 = kc / 4;
        k = kc & ~3;
        __asm__ volatile(
            ".p2align 5\n"
            "1:\n\t"
            TT__A6x16(0) TT__A6x16(1) TT__A6x16(2) TT__A6x16(3)
            "add $96, %[a]\n\t"
            "add $256, %[b]\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            : [a] "+r"(a), [b] "+r"(b), [n] "+r"(n4),
              [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
              [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
              [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)
            :
            : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    }
    TT__K6x16_LOOP();
    TT__K6x16_STOREC();
}
#undef TT__A6x16
#endif /* TT__SGEMM_ASM */
#undef TT__K6x16_LOADC
#undef TT__K6x16
#undef TT__K6x16_LOOP
#undef TT__K6x16_STOREC

TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b, float *C,
                                   ptrdiff_t ldc, int load_c) {
#if TT__SGEMM_ASM
    tt__sgemm_6x16_asm(kc, a, b, C, ldc, load_c);
#else
    tt__sgemm_6x16_intrin(kc, a, b, C, ldc, load_c);
#endif
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) {
    return TT__SGEMM_ASM ? "6x16 AVX2 inline asm" : "6x16 AVX2 intrinsics";
}
#endif /* TT_SIMD_WIDTH == 8 */
