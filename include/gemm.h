/* gemm.h - the one door to matrix multiplication.
 * All matrix products in lgc go through these functions (row-major;
 * OpenBLAS, or libxsmm for small single-precision ones): lgc_sgemm for
 * the networks, the double-precision ones for the mixture fit. gemm_naive
 * is the triple loop kept as the test oracle. */
#ifndef LGC_GEMM_H
#define LGC_GEMM_H

/* C (M,N) = op(A) (M,K) * op(B) (K,N) + beta * C, row-major, alpha = 1.
 * trans_a: A is stored (K,M) and used transposed; likewise trans_b: B is
 * stored (N,K). Leading dimensions are the stored row lengths. */
void lgc_sgemm(int trans_a, int trans_b, int M, int N, int K,
               const float *A, const float *B, float beta, float *C);
/* lgc_sgemm into the first N columns of a wider C whose rows are ldc >= N
 * floats apart; the other columns are left alone. */
void lgc_sgemm_ldc(int trans_a, int trans_b, int M, int N, int K,
                   const float *A, const float *B, float beta, float *C, int ldc);
/* Which code runs a single-precision product: OpenBLAS, or libxsmm's
 * small kernels (gemm_small.h). */
typedef enum { GEMM_BLAS, GEMM_SMALL } gemm_path;
/* The path lgc_sgemm takes for this product, a fixed rule of the shape
 * (gemm.c): never GEMM_SMALL when built without libxsmm (make XSMM=0). */
gemm_path lgc_sgemm_path(int trans_a, int trans_b, int M, int N, int K, float beta);
/* lgc_sgemm_ldc on the given path, for tests and benchmarks; GEMM_SMALL
 * falls back to OpenBLAS for a product libxsmm cannot run. */
void lgc_sgemm_on(gemm_path path, int trans_a, int trans_b, int M, int N, int K,
                  const float *A, const float *B, float beta, float *C, int ldc);
/* Benchmarks only: when set, fn is called with the shape of every
 * lgc_sgemm and lgc_sgemm_ldc before it runs (from whichever thread runs
 * it). NULL (the default) turns it off. Not thread-safe to change while
 * products run. */
typedef void (*gemm_observer)(void *ctx, int trans_a, int trans_b, int M, int N, int K,
                              float beta);
void lgc_sgemm_observe(gemm_observer fn, void *ctx);
/* Double precision, for sums over thousands of points (the mixture fit).
 * lgc_dgemm: the contract of lgc_sgemm. lgc_dgemv: y (M) = A (M,N) x (N).
 * lgc_dsyrk_lower: the lower triangle of C (N,N) = alpha A^T A for A
 * stored (K,N); C's strictly upper triangle is not written. */
void lgc_dgemm(int trans_a, int trans_b, int M, int N, int K,
               const double *A, const double *B, double beta, double *C);
void lgc_dgemv(int M, int N, const double *A, const double *x, double *y);
void lgc_dsyrk_lower(int N, int K, double alpha, const double *A, double *C);
/* The contract of lgc_sgemm, plain loops, for tests. */
void gemm_naive(int trans_a, int trans_b, int M, int N, int K,
                const float *A, const float *B, float beta, float *C);

#endif
