/* >>kern_w16  AVX-512 kernels, 512-bit (TT_SIMD_WIDTH 16): the 6x64 SGEMM
 * micro-kernel (6 rows x 4 zmm, 24 accumulators), driven by tt_gemm.c.
 * (The elementwise kernels are written once for every width: tt_kern_vec.c.) */
#include "tt_kern.h"

#if TT_SIMD_WIDTH == 16

/* C[6 x 64] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*64 + c], fma in
 * increasing k (the contract in tt_kern.h). */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    __m512 c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    __m512 c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int k;
#define TT__LD4(r)                                                                                 \
    c##r##0 = _mm512_loadu_ps(C + r * ldc);      c##r##1 = _mm512_loadu_ps(C + r * ldc + 16);     \
    c##r##2 = _mm512_loadu_ps(C + r * ldc + 32); c##r##3 = _mm512_loadu_ps(C + r * ldc + 48)
#define TT__ST4(r)                                                                                 \
    _mm512_storeu_ps(C + r * ldc, c##r##0);      _mm512_storeu_ps(C + r * ldc + 16, c##r##1);     \
    _mm512_storeu_ps(C + r * ldc + 32, c##r##2); _mm512_storeu_ps(C + r * ldc + 48, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = _mm512_setzero_ps();
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = _mm512_setzero_ps();
    }
#define TT__ROW4(r, o)                                                                             \
    av = _mm512_set1_ps(a[6 * (o) + r]);                                                           \
    c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0); c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1);        \
    c##r##2 = _mm512_fmadd_ps(av, b2, c##r##2); c##r##3 = _mm512_fmadd_ps(av, b3, c##r##3)
#define TT__K6x64(o)                                                                               \
    do {                                                                                           \
        __m512 b0 = _mm512_load_ps(b + 64 * (o)), b1 = _mm512_load_ps(b + 64 * (o) + 16);          \
        __m512 b2 = _mm512_load_ps(b + 64 * (o) + 32), b3 = _mm512_load_ps(b + 64 * (o) + 48), av; \
        TT__KEEP_IN_REG(b0); TT__KEEP_IN_REG(b1); TT__KEEP_IN_REG(b2); TT__KEEP_IN_REG(b3);        \
        TT__ROW4(0, o); TT__ROW4(1, o); TT__ROW4(2, o);                                            \
        TT__ROW4(3, o); TT__ROW4(4, o); TT__ROW4(5, o);                                            \
    } while (0)
    for (k = 0; k + 4 <= kc; k += 4, a += 24, b += 256) {
        TT__K6x64(0); TT__K6x64(1); TT__K6x64(2); TT__K6x64(3);
    }
    for (; k < kc; k++, a += 6, b += 64) TT__K6x64(0);
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__K6x64
#undef TT__ROW4
#undef TT__LD4
#undef TT__ST4
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) { return "6x64 AVX-512 intrinsics"; }
#endif /* TT_SIMD_WIDTH == 16 */
