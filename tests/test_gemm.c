/* test_gemm.c - the two paths of lgc_sgemm (gemm.h, gemm_small.h).
 *
 * gemm_naive, the oracle, is checked by hand. Each single-precision entry
 * point, and each path forced through lgc_sgemm_on, is compared with
 * gemm_naive on the products the default models run and on odd ones
 * (1x1x1, sizes that are no multiple of a vector, every transpose, beta 0
 * and 1). The tolerance is the textbook
 * bound on a float dot product of K terms: (K + 2) eps times the sum of
 * the magnitudes |a||b| (+ |beta c|), computed by gemm_naive on |A|, |B|.
 * Built without libxsmm (make XSMM=0) the small path is OpenBLAS again,
 * and the same tests hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "gemm_small.h"
#include "rng.h"
#include "test_random.h"
#include "util.h"

typedef struct {
    int ta, tb, M, N, K;
} shape;

/* The products of one training step of the autoencoder and the judge (as
 * `bench` traces them), then odd ones; the odd ones run with every
 * transpose. */
static const shape model_shapes[] = {
    {0, 0, 16, 784, 9},    {0, 0, 32, 196, 144},  {0, 1, 16, 16, 1568},  {0, 1, 16, 1568, 16},
    {0, 0, 16, 196, 288},  {0, 0, 9, 784, 16},    {0, 1, 9, 16, 784},    {0, 1, 144, 32, 196},
    {1, 0, 1568, 16, 16},  {0, 0, 16, 16, 1568},  {1, 0, 16, 1568, 16},  {0, 0, 16, 1568, 16},
    {0, 1, 288, 16, 196},  {0, 1, 16, 9, 784},    {0, 0, 32, 784, 9},    {0, 0, 64, 196, 288},
    {0, 1, 16, 10, 128},   {1, 0, 10, 128, 16},   {0, 0, 16, 128, 10},   {0, 1, 576, 32, 196},
    {0, 0, 32, 196, 576},  {0, 1, 32, 9, 784},
};
static const shape odd_shapes[] = {
    {0, 0, 1, 1, 1}, {0, 0, 1, 17, 5}, {0, 0, 33, 1, 65}, {0, 0, 7, 5, 3},
    {0, 0, 13, 11, 9}, {0, 0, 65, 31, 17}, {0, 0, 100, 3, 129},
};

static float *abs_of(const float *x, size_t n)
{
    float *y = xmalloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        y[i] = fabsf(x[i]);
    return y;
}

/* got against want within (K + 2) eps (bound + beta |c0|), bound the
 * product of the magnitudes. */
static void assert_within_bound(const char *what, const float *got, int ldc, const float *want,
                                const float *bound, const float *c0, float beta, int M, int N,
                                int K)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const size_t w = (size_t)i * N + j;
            const double mag = bound[w] + (beta != 0.0f ? fabs(c0[w]) : 0.0);
            const double tol = (K + 2) * (double)FLT_EPSILON * mag + 1e-30;
            const double err = fabs((double)got[(size_t)i * ldc + j] - want[w]);
            if (!(err <= tol))
                fail_msg("%s: C[%d][%d] = %.9g, want %.9g (error %.3g > %.3g)", what, i, j,
                         (double)got[(size_t)i * ldc + j], (double)want[w], err, tol);
        }
}

/* One product on every entry point: lgc_sgemm, lgc_sgemm_ldc (into a C
 * wider than N, whose other columns must stay), and lgc_sgemm_on with
 * each path. beta 0 must not read C, so C is NaN there. */
static void check_product(rng_t *rng, int ta, int tb, int M, int N, int K, float beta)
{
    const size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
    float *A = randn(rng, na), *B = randn(rng, nb), *c0 = randn(rng, nc);
    float *absA = abs_of(A, na), *absB = abs_of(B, nb);
    float *want = xmalloc(nc * sizeof(float)), *bound = xmalloc(nc * sizeof(float));
    memcpy(want, c0, nc * sizeof(float));
    gemm_naive(ta, tb, M, N, K, A, B, beta, want);
    gemm_naive(ta, tb, M, N, K, absA, absB, 0.0f, bound);
    const int ldc = N + 3;
    float *C = xmalloc((size_t)M * ldc * sizeof(float));
    char what[128];
    for (int entry = 0; entry < 4; entry++) {
        const int wide = entry >= 1; /* all but lgc_sgemm write into ldc */
        const int c_ld = wide ? ldc : N;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < c_ld; j++)
                C[(size_t)i * c_ld + j] =
                    j >= N ? 42.0f : beta == 0.0f ? NAN : c0[(size_t)i * N + j];
        const char *name = entry == 0 ? "lgc_sgemm" : entry == 1 ? "lgc_sgemm_ldc"
                           : entry == 2                ? "lgc_sgemm_on(BLAS)"
                                                       : "lgc_sgemm_on(SMALL)";
        if (entry == 0)
            lgc_sgemm(ta, tb, M, N, K, A, B, beta, C);
        else if (entry == 1)
            lgc_sgemm_ldc(ta, tb, M, N, K, A, B, beta, C, ldc);
        else
            lgc_sgemm_on(entry == 2 ? GEMM_BLAS : GEMM_SMALL, ta, tb, M, N, K, A, B, beta, C,
                         ldc);
        snprintf(what, sizeof what, "%s %c%c M=%d N=%d K=%d beta=%g", name, ta ? 'T' : 'N',
                 tb ? 'T' : 'N', M, N, K, (double)beta);
        assert_within_bound(what, C, c_ld, want, bound, c0, beta, M, N, K);
        for (int i = 0; wide && i < M; i++)
            for (int j = N; j < ldc; j++)
                if (C[(size_t)i * ldc + j] != 42.0f)
                    fail_msg("%s: wrote column %d beyond N", what, j);
    }
    free(A), free(B), free(c0), free(absA), free(absB), free(want), free(bound), free(C);
}

/* Every shape of list with beta 0 and 1: with its own transposes, or with
 * all four when every_transpose. */
static void check_shapes(const shape *list, size_t n, int every_transpose, uint64_t seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        for (int t = 0; t < (every_transpose ? 4 : 1); t++) {
            const int ta = every_transpose ? t >> 1 : list[i].ta;
            const int tb = every_transpose ? t & 1 : list[i].tb;
            for (int beta = 0; beta < 2; beta++)
                check_product(&rng, ta, tb, list[i].M, list[i].N, list[i].K, (float)beta);
        }
}

static void model_products_match_naive(void **state)
{
    (void)state;
    check_shapes(model_shapes, sizeof model_shapes / sizeof model_shapes[0], 0, 11);
}

static void odd_products_match_naive(void **state)
{
    (void)state;
    check_shapes(odd_shapes, sizeof odd_shapes / sizeof odd_shapes[0], 1, 12);
    rng_t rng;
    rng_seed(&rng, 13);
    /* a beta OpenBLAS alone handles */
    check_product(&rng, 0, 1, 13, 11, 9, 0.5f);
}

/* gemm_naive itself, on products small enough to do by hand. */
static void gemm_naive_by_hand(void **state)
{
    (void)state;
    /* A (2,3), B (3,2): A.B = [[1*1+2*3+3*5, 1*2+2*4+3*6], [4*1+5*3+6*5, 4*2+5*4+6*6]] */
    const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 2, 3, 4, 5, 6};
    float C[4] = {1, 1, 1, 1};
    gemm_naive(0, 0, 2, 2, 3, A, B, 1.0f, C);
    const float want[4] = {23, 29, 50, 65};
    assert_memory_equal(C, want, sizeof want);
    /* A^T (3,2) . A (2,3) with A stored (2,3): trans_a, M = K_inner = 3 */
    float D[9];
    gemm_naive(1, 0, 3, 3, 2, A, A, 0.0f, D);
    const float want_ata[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
    assert_memory_equal(D, want_ata, sizeof want_ata);
}

/* The rule: with libxsmm, the convolutions of the default models take the
 * small path and what it cannot or should not run stays with OpenBLAS;
 * without libxsmm, everything does. */
static void rule_routes_by_shape(void **state)
{
    (void)state;
    const gemm_path small = gemm_small_built() ? GEMM_SMALL : GEMM_BLAS;
    assert_int_equal(lgc_sgemm_path(0, 0, 32, 196, 144, 1.0f), small);
    assert_int_equal(lgc_sgemm_path(0, 0, 32, 196, 576, 1.0f), small);
    assert_int_equal(lgc_sgemm_path(0, 0, 9, 784, 16, 0.0f), small);
    assert_int_equal(lgc_sgemm_path(0, 1, 576, 32, 196, 0.0f), small);
    assert_int_equal(lgc_sgemm_path(0, 0, 2048, 2048, 2048, 1.0f), GEMM_BLAS);
    assert_int_equal(lgc_sgemm_path(0, 0, 32, 196, 144, 0.5f), GEMM_BLAS);
    assert_int_equal(lgc_sgemm_path(1, 1, 32, 196, 144, 1.0f), GEMM_BLAS);
    assert_int_equal(lgc_sgemm_path(0, 1, 9, 16, 784, 1.0f), GEMM_BLAS);
}

/* gemm_small_run declines, leaving C alone, what it cannot run; built
 * without libxsmm it declines everything. */
static void small_declines_what_it_cannot_run(void **state)
{
    (void)state;
    const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 2, 3, 4, 5, 6};
    float C[4] = {7, 7, 7, 7};
    assert_int_equal(gemm_small_run(0, 0, 2, 2, 3, A, B, 0.5f, C, 2), 0);
    assert_int_equal(gemm_small_run(1, 1, 2, 2, 3, A, B, 1.0f, C, 2), 0);
    for (int i = 0; i < 4; i++)
        assert_true(C[i] == 7.0f);
    assert_int_equal(gemm_small_run(0, 0, 2, 2, 3, A, B, 1.0f, C, 2), gemm_small_built());
    if (gemm_small_built()) {
        const float want[4] = {7 + 22, 7 + 28, 7 + 49, 7 + 64};
        for (int i = 0; i < 4; i++)
            assert_true(C[i] == want[i]);
    }
}

/* Each thread keeps its own kernels and transpose scratch: the same
 * products run on several threads at once give the serial bytes. */
static void small_path_same_bytes_on_every_thread(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 13);
    enum { T = 4, M = 144, N = 32, K = 196 };
    float *A = randn(&rng, (size_t)M * K), *B = randn(&rng, (size_t)N * K);
    /* the transposed-B product (scratch) and the plain one, (M,N) each */
    float serial[2][M * N];
    lgc_sgemm_on(GEMM_SMALL, 0, 1, M, N, K, A, B, 0.0f, serial[0], N);
    lgc_sgemm_on(GEMM_SMALL, 0, 0, M, N, K, A, B, 0.0f, serial[1], N);
    float *out = xmalloc((size_t)T * sizeof serial);
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int t = 0; t < T; t++) {
        float *c = out + (size_t)t * 2 * M * N;
        for (int rep = 0; rep < 3; rep++) {
            lgc_sgemm_on(GEMM_SMALL, 0, 1, M, N, K, A, B, 0.0f, c, N);
            lgc_sgemm_on(GEMM_SMALL, 0, 0, M, N, K, A, B, 0.0f, c + (size_t)M * N, N);
        }
    }
    for (int t = 0; t < T; t++)
        assert_memory_equal(out + (size_t)t * 2 * M * N, serial, sizeof serial);
    free(A), free(B), free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_naive_by_hand),
        cmocka_unit_test(model_products_match_naive),
        cmocka_unit_test(odd_products_match_naive),
        cmocka_unit_test(rule_routes_by_shape),
        cmocka_unit_test(small_declines_what_it_cannot_run),
        cmocka_unit_test(small_path_same_bytes_on_every_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
