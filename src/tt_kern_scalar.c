/* >>kern_scalar  reference kernels: always compiled, the ground truth every
 * SIMD variant is tested against. Plain loops, fixed summation order. */
#include "tt_internal.h"

/* C (M,N) = [C +] A (M,K) B (K,N), strided A and B (see tt_internal.h).
 * Per element the k-sum runs in increasing k. Loop order picks unit
 * strides where the layout has them. */
TT__PRIVATE void tt__gemm_scalar(int M, int N, int K, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                                 const float *B, ptrdiff_t rsb, ptrdiff_t csb, float *C, ptrdiff_t ldc,
                                 int accumulate) {
    int i, j, k;
    if (rsb == 1 && csa == 1) {
        /* both operands contiguous along k: dot products */
        for (i = 0; i < M; i++) {
            const float *a = A + (ptrdiff_t)i * rsa;
            for (j = 0; j < N; j++) {
                const float *b = B + (ptrdiff_t)j * csb;
                float s = accumulate ? C[(ptrdiff_t)i * ldc + j] : 0.0f;
                for (k = 0; k < K; k++) s += a[k] * b[k];
                C[(ptrdiff_t)i * ldc + j] = s;
            }
        }
        return;
    }
    /* rank-1 updates along k; rows of B contiguous when csb == 1 */
    for (i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (!accumulate) for (j = 0; j < N; j++) c[j] = 0.0f;
        for (k = 0; k < K; k++) {
            float a = A[(ptrdiff_t)i * rsa + (ptrdiff_t)k * csa];
            const float *b = B + (ptrdiff_t)k * rsb;
            for (j = 0; j < N; j++) c[j] += a * b[(ptrdiff_t)j * csb];
        }
    }
}
