/* gemm.h - the one door to matrix multiplication.
 * All matrix products in lgc go through lgc_sgemm (OpenBLAS cblas_sgemm,
 * row-major). gemm_naive is the triple loop kept as the test oracle. */
#ifndef LGC_GEMM_H
#define LGC_GEMM_H

/* C (M,N) = op(A) (M,K) * op(B) (K,N) + beta * C, row-major, alpha = 1.
 * trans_a: A is stored (K,M) and used transposed; likewise trans_b: B is
 * stored (N,K). Leading dimensions are the stored row lengths. */
void lgc_sgemm(int trans_a, int trans_b, int M, int N, int K,
               const float *A, const float *B, float beta, float *C);
/* Benchmarks only: when set, fn is called with the shape of every
 * lgc_sgemm before it runs (from whichever thread runs it). NULL (the
 * default) turns it off. Not thread-safe to change while products run. */
typedef void (*gemm_observer)(void *ctx, int trans_a, int trans_b, int M, int N, int K,
                              float beta);
void lgc_sgemm_observe(gemm_observer fn, void *ctx);
/* Same contract, plain loops, for tests. */
void gemm_naive(int trans_a, int trans_b, int M, int N, int K,
                const float *A, const float *B, float beta, float *C);

#endif
