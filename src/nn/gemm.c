/* gemm.c - the one door to matrix multiplication.
 *
 * lgc_sgemm hands every product to OpenBLAS (row-major cblas_sgemm, alpha 1),
 * so layers state only which operand is transposed and the BLAS leading
 * dimensions are derived here in one place. The double-precision products
 * of the mixture fit are thin wrappers of the same kind. gemm_naive is the same contract
 * as a triple loop with double accumulation: slow, obviously right, and kept
 * in-tree as the oracle that tests compare lgc_sgemm against. */
#include <assert.h>
#include <cblas.h>

#include "gemm.h"

static gemm_observer observer;
static void *observer_ctx;

void lgc_sgemm_observe(gemm_observer fn, void *ctx)
{
    observer = fn;
    observer_ctx = ctx;
}

/* C (M,N) = op(A) (M,K) . op(B) (K,N) + beta C.
 * A stored (M,K), or (K,M) when trans_a; B stored (K,N), or (N,K) when trans_b.
 * beta 0 makes C write-only (BLAS does not read it). */
void lgc_sgemm(int trans_a, int trans_b, int M, int N, int K,
               const float *A, const float *B, float beta, float *C)
{
    lgc_sgemm_ldc(trans_a, trans_b, M, N, K, A, B, beta, C, N);
}

void lgc_sgemm_ldc(int trans_a, int trans_b, int M, int N, int K,
                   const float *A, const float *B, float beta, float *C, int ldc)
{
    assert(M > 0 && N > 0 && K > 0 && ldc >= N);
    if (observer)
        observer(observer_ctx, trans_a, trans_b, M, N, K, beta);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, trans_a ? M : K, B,
                trans_b ? K : N, beta, C, ldc);
}

void lgc_dgemm(int trans_a, int trans_b, int M, int N, int K,
               const double *A, const double *B, double beta, double *C)
{
    assert(M > 0 && N > 0 && K > 0);
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1.0, A, trans_a ? M : K, B,
                trans_b ? K : N, beta, C, N);
}

void lgc_dgemv(int M, int N, const double *A, const double *x, double *y)
{
    assert(M > 0 && N > 0);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, M, N, 1.0, A, N, x, 1, 0.0, y, 1);
}

/* Row-major "lower, transposed": C = alpha A^T A with A (K,N), lda N. */
void lgc_dsyrk_lower(int N, int K, double alpha, const double *A, double *C)
{
    assert(N > 0 && K >= 0);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, N, K, alpha, A, N, 0.0, C, N);
}

/* Same contract as lgc_sgemm. */
void gemm_naive(int trans_a, int trans_b, int M, int N, int K,
                const float *A, const float *B, float beta, float *C)
{
    assert(M > 0 && N > 0 && K > 0);
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double acc = 0.0;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                float b = trans_b ? B[(size_t)j * K + k] : B[(size_t)k * N + j];
                acc += (double)a * b;
            }
            float *c = &C[(size_t)i * N + j];
            *c = beta == 0.0f ? (float)acc : (float)(acc + (double)beta * *c);
        }
    }
}
