/* gemm_small.c - small single-precision products through libxsmm.
 *
 * libxsmm is column-major. A row-major C (M,N) is the column-major C^T
 * (N,M), and C^T = op(B)^T . op(A)^T, so each product is handed over as
 * m = N, n = M, with B as libxsmm's first operand and A as its second:
 * trans_a becomes libxsmm's TRANS_B. libxsmm's TRANS_A (our trans_b) has
 * no JIT kernel in version 1.17, so B is transposed into a per-thread
 * scratch first; gemm.c's rule sends such products here only when M is
 * large enough to repay that copy.
 *
 * Kernels are looked up once per shape and thread: libxsmm's own registry
 * costs 200-300 ns a call, as much as 7% of an image's 16x784x9 product,
 * so each thread keeps the last few shapes it used. One kernel per shape
 * and no threads inside: the result of a product depends only on its shape
 * and operands, whatever thread runs it. */
#include "gemm_small.h"

#ifdef LGC_XSMM
#include <immintrin.h>
#include <libxsmm.h>

#include "util.h"

typedef struct {
    int trans_a, M, N, K, ldc, beta0;
    libxsmm_smmfunction kernel; /* NULL: libxsmm has none for the shape */
} cached_kernel;

/* A network runs about a dozen distinct shapes per thread. */
enum { KERNEL_CACHE_SIZE = 32 };
static _Thread_local cached_kernel kernel_cache[KERNEL_CACHE_SIZE];
static _Thread_local int kernel_cache_used, kernel_cache_next;

/* B (K,N) stored row-major with rows N apart, after any transpose. */
static libxsmm_smmfunction kernel_for(int trans_a, int M, int N, int K, int ldc, int beta0)
{
    for (int i = 0; i < kernel_cache_used; i++) {
        const cached_kernel *c = &kernel_cache[i];
        if (c->trans_a == trans_a && c->M == M && c->N == N && c->K == K && c->ldc == ldc &&
            c->beta0 == beta0)
            return c->kernel;
    }
    const libxsmm_blasint m = N, n = M, k = K, lda = N, ldb = trans_a ? M : K, ldcc = ldc;
    const float alpha = 1.0f, beta = beta0 ? 0.0f : 1.0f;
    const int flags = (trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) |
                      (beta0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    libxsmm_smmfunction kernel =
        libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldcc, &alpha, &beta, &flags, NULL);
    kernel_cache[kernel_cache_next] =
        (cached_kernel){trans_a, M, N, K, ldc, beta0, kernel};
    kernel_cache_next = (kernel_cache_next + 1) % KERNEL_CACHE_SIZE;
    if (kernel_cache_used < KERNEL_CACHE_SIZE)
        kernel_cache_used++;
    return kernel;
}

/* Grown to the largest transposed B a thread has needed, kept for the
 * thread's life. */
static _Thread_local float *scratch;
static _Thread_local size_t scratch_floats;

/* B stored (N,K) row-major -> (K,N) row-major in the thread's scratch. */
static const float *transposed(const float *B, int N, int K)
{
    const size_t need = (size_t)N * K;
    if (need > scratch_floats) {
        scratch = xrealloc(scratch, need * sizeof(float));
        scratch_floats = need;
    }
    /* column-major view: B is (K,N) with ld K, the copy (N,K) with ld N */
    libxsmm_otrans(scratch, B, sizeof(float), K, N, K, N);
    return scratch;
}

/* libxsmm's AVX kernels return with the upper halves of the vector
 * registers dirty, and every SSE instruction after that (lgc is built for
 * portable x86-64: its own loops and libm are SSE) then waits on them:
 * the autoencoder's loss, expf and log1pf ran 10x slower, and a training
 * step 30% slower, until this. */
__attribute__((target("avx"))) static void clear_upper_halves(void) { _mm256_zeroupper(); }

int gemm_small_built(void) { return 1; }

int gemm_small_run(int trans_a, int trans_b, int M, int N, int K, const float *A,
                   const float *B, float beta, float *C, int ldc)
{
    if ((beta != 0.0f && beta != 1.0f) || (trans_a && trans_b))
        return 0;
    libxsmm_smmfunction kernel = kernel_for(trans_a, M, N, K, ldc, beta == 0.0f);
    if (!kernel)
        return 0;
    kernel(trans_b ? transposed(B, N, K) : B, A, C);
    if (__builtin_cpu_supports("avx"))
        clear_upper_halves();
    return 1;
}

#else /* built without libxsmm: every product stays with OpenBLAS */

int gemm_small_built(void) { return 0; }

int gemm_small_run(int trans_a, int trans_b, int M, int N, int K, const float *A,
                   const float *B, float beta, float *C, int ldc)
{
    (void)trans_a, (void)trans_b, (void)M, (void)N, (void)K, (void)A, (void)B, (void)beta,
        (void)C, (void)ldc;
    return 0;
}

#endif
