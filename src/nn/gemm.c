/* gemm.c - the one door to matrix multiplication.
 *
 * lgc_sgemm hands each product to OpenBLAS (row-major cblas_sgemm, alpha 1)
 * or, when lgc_sgemm_path's measured rule says so, to libxsmm's small
 * kernels (gemm_small.c), so layers state only which operand is transposed
 * and the leading dimensions are derived here in one place. The
 * double-precision products of the mixture fit are thin wrappers of the
 * same kind. gemm_naive is the same contract as a triple loop with double
 * accumulation: slow, obviously right, and kept in-tree as the oracle that
 * tests compare lgc_sgemm against. */
#include <assert.h>
#include <cblas.h>

#include "gemm.h"
#include "gemm_small.h"

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

/* The rule, from `make bench` on the development machine (Xeon Sapphire
 * Rapids, AVX-512; docs/DESIGN.md has the table, 2026-12-07): libxsmm beat
 * OpenBLAS by 1.1-2x on the products of the default models' convolutions,
 * one image at a time, where OpenBLAS's packing of both operands costs as
 * much as the arithmetic. It lost on
 *  - tiny products (the judge's 10-way dense layer, M*N*K = 20,480: 0.7x
 *    in two runs of three), whose cost is the call: below SMALL_MIN_MNK;
 *  - trans_b products with few rows of A, where transposing B (N*K floats)
 *    is not repaid over M rows (9x16x784: 0.7x): below SMALL_MIN_M_TRANS_B;
 * and it does not block for caches, so large products stay with OpenBLAS
 * (above SMALL_MAX_MNK; the largest product of the models is 3.6 M). */
enum { SMALL_MIN_MNK = 1 << 16, SMALL_MAX_MNK = 1 << 23, SMALL_MIN_M_TRANS_B = 64 };

gemm_path lgc_sgemm_path(int trans_a, int trans_b, int M, int N, int K, float beta)
{
    if (!gemm_small_built() || (beta != 0.0f && beta != 1.0f) || (trans_a && trans_b))
        return GEMM_BLAS;
    const double mnk = (double)M * N * K;
    if (mnk < SMALL_MIN_MNK || mnk > SMALL_MAX_MNK)
        return GEMM_BLAS;
    if (trans_b && M < SMALL_MIN_M_TRANS_B)
        return GEMM_BLAS;
    return GEMM_SMALL;
}

void lgc_sgemm_on(gemm_path path, int trans_a, int trans_b, int M, int N, int K,
                  const float *A, const float *B, float beta, float *C, int ldc)
{
    assert(M > 0 && N > 0 && K > 0 && ldc >= N);
    if (path == GEMM_SMALL && gemm_small_run(trans_a, trans_b, M, N, K, A, B, beta, C, ldc))
        return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, trans_a ? M : K, B,
                trans_b ? K : N, beta, C, ldc);
}

void lgc_sgemm_ldc(int trans_a, int trans_b, int M, int N, int K,
                   const float *A, const float *B, float beta, float *C, int ldc)
{
    assert(M > 0 && N > 0 && K > 0 && ldc >= N);
    if (observer)
        observer(observer_ctx, trans_a, trans_b, M, N, K, beta);
    lgc_sgemm_on(lgc_sgemm_path(trans_a, trans_b, M, N, K, beta), trans_a, trans_b, M, N, K,
                 A, B, beta, C, ldc);
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
