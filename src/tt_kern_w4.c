/* >>kern_w4  AArch64 Advanced SIMD (NEON, 128-bit): the 6x16 SGEMM
 * micro-kernel of the TT_SIMD_WIDTH 4 build, driven by tt_gemm.c. (The
 * elementwise kernels are written once for every width: tt_kern_vec.c.)
 *
 * Shape: 6 rows x 4 q registers of 4 columns = 24 accumulators, plus 4 for
 * the B row and 2 for the A column: 30 of the 32 vector registers. Per k,
 * 24 FMLA (by element: vfmaq_laneq_f32 multiplies a B vector by one lane of
 * the A vector, no broadcasts) for 4 loads of B and 2 of A. It is the AVX2
 * kernel's tile (MR 6, NR 16), so the driver packs the same panels and every
 * C element is the same chain of fused multiply-adds in increasing k: the
 * width-4 GEMM gives bitwise the width-8 and width-16 results. (BLIS uses 8x12 on ARMv8;
 * 6x16 keeps one packing layout for the three SIMD widths.) */
#include "tt_kern.h"

#if TT_SIMD_WIDTH == 4

/* C[6 x 16] = (load_c ? C : 0) + sum_k a[k*6 + r] * b[k*16 + c], fma in
 * increasing k (the contract in tt_kern.h). */
TT__PRIVATE void tt__sgemm_ukernel(int kc, const float *TT__RESTRICT a, const float *TT__RESTRICT b,
                                   float *C, ptrdiff_t ldc, int load_c) {
    float32x4_t c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
    float32x4_t c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
    int k;
#define TT__LD4(r)                                                                                 \
    c##r##0 = vld1q_f32(C + r * ldc);     c##r##1 = vld1q_f32(C + r * ldc + 4);                    \
    c##r##2 = vld1q_f32(C + r * ldc + 8); c##r##3 = vld1q_f32(C + r * ldc + 12)
#define TT__ST4(r)                                                                                 \
    vst1q_f32(C + r * ldc, c##r##0);     vst1q_f32(C + r * ldc + 4, c##r##1);                      \
    vst1q_f32(C + r * ldc + 8, c##r##2); vst1q_f32(C + r * ldc + 12, c##r##3)
    if (load_c) {
        TT__LD4(0); TT__LD4(1); TT__LD4(2); TT__LD4(3); TT__LD4(4); TT__LD4(5);
    } else {
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = vdupq_n_f32(0.0f);
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = vdupq_n_f32(0.0f);
    }
    /* rows 0-3 take their A value from lanes of a0, rows 4-5 from lanes of a1 */
#define TT__ROWQ(r)                                                                                \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, a0, r); c##r##1 = vfmaq_laneq_f32(c##r##1, b1, a0, r);  \
    c##r##2 = vfmaq_laneq_f32(c##r##2, b2, a0, r); c##r##3 = vfmaq_laneq_f32(c##r##3, b3, a0, r)
#define TT__ROWD(r, l)                                                                             \
    c##r##0 = vfmaq_lane_f32(c##r##0, b0, a1, l); c##r##1 = vfmaq_lane_f32(c##r##1, b1, a1, l);    \
    c##r##2 = vfmaq_lane_f32(c##r##2, b2, a1, l); c##r##3 = vfmaq_lane_f32(c##r##3, b3, a1, l)
#define TT__K6x16N(o)                                                                              \
    do {                                                                                           \
        float32x4_t b0 = vld1q_f32(b + 16 * (o)), b1 = vld1q_f32(b + 16 * (o) + 4);                \
        float32x4_t b2 = vld1q_f32(b + 16 * (o) + 8), b3 = vld1q_f32(b + 16 * (o) + 12);           \
        float32x4_t a0 = vld1q_f32(a + 6 * (o));                                                   \
        float32x2_t a1 = vld1_f32(a + 6 * (o) + 4);                                                \
        TT__ROWQ(0); TT__ROWQ(1); TT__ROWQ(2); TT__ROWQ(3);                                        \
        TT__ROWD(4, 0); TT__ROWD(5, 1);                                                            \
    } while (0)
    /* one k per iteration: unrolled by 4 (as the x86 kernels are), gcc 12
     * hoists the later steps' loads and spills accumulators to the stack
     * (-O2: 30+ stack accesses in the loop; none in this form, gcc or clang) */
    for (k = 0; k < kc; k++, a += 6, b += 16) TT__K6x16N(0);
    TT__ST4(0); TT__ST4(1); TT__ST4(2); TT__ST4(3); TT__ST4(4); TT__ST4(5);
#undef TT__K6x16N
#undef TT__ROWQ
#undef TT__ROWD
#undef TT__LD4
#undef TT__ST4
}
TT__PRIVATE const char *tt__sgemm_ukernel_name(void) { return "6x16 NEON intrinsics"; }
#endif /* TT_SIMD_WIDTH == 4 */
