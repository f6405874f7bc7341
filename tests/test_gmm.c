/* test_gmm.c - Gaussian mixtures: EM recovers a known mixture, BIC finds
 * its k, the BLAS log-likelihood matches a naive per-point loop, sampling
 * has the mixture's moments, degenerate data still give valid mixtures,
 * gmm_validate rejects broken parameters, and a seed reproduces a fit bit
 * for bit. (The timing of lgc's real workload lives in `make bench`.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmm.h"
#include "threads.h"
#include "util.h"

/* Fails with both values and the tolerance when |a - b| > tol. */
#define assert_close(a, b, tol)                                                           \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (tol);                                            \
        if (!(fabs(a_ - b_) <= t_)) {                                                     \
            print_error("%s = %.17g, %s = %.17g: |diff| %.3g > tolerance %.3g\n", #a, a_, \
                        #b, b_, fabs(a_ - b_), t_);                                       \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* --- mixtures with known parameters --- */

/* 3 components in 2-D, full covariance, means 12 apart (>= 5 standard
 * deviations of every component along the line between them). */
static void make_true3(gmm_t *g)
{
    static const double w[3] = {0.5, 0.3, 0.2};
    static const double mu[3][2] = {{0, 0}, {12, 0}, {0, 12}};
    static const double L[3][4] = {{1.0, 0, 0.6, 0.8}, {1.5, 0, -0.9, 0.5}, {0.7, 0, 0, 1.2}};
    gmm_init(g, 3, 2, GMM_COV_FULL);
    memcpy(g->weights, w, sizeof w);
    memcpy(g->means, mu, sizeof mu);
    memcpy(g->chol, L, sizeof L);
}

/* 3 components in 3-D, diagonal covariance, well separated. */
static void make_true3_diag(gmm_t *g)
{
    static const double w[3] = {0.4, 0.35, 0.25};
    static const double mu[3][3] = {{0, 0, 0}, {8, 8, 0}, {-8, 4, 6}};
    static const double s[3][3] = {{1.0, 0.5, 2.0}, {0.7, 1.3, 0.9}, {1.1, 1.1, 0.4}};
    gmm_init(g, 3, 3, GMM_COV_DIAG);
    memcpy(g->weights, w, sizeof w);
    memcpy(g->means, mu, sizeof mu);
    memcpy(g->chol, s, sizeof s);
}

/* k random components in d dimensions: means ~ N(0, spread^2), factors
 * with diagonal in [0.5, 1.5] and off-diagonal in [-0.5, 0.5]. */
static void make_random(gmm_t *g, int k, int d, gmm_cov cov, double spread, rng_t *rng)
{
    gmm_init(g, k, d, cov);
    double sum = 0;
    for (int j = 0; j < k; j++) {
        g->weights[j] = 0.5 + rng_uniform(rng);
        sum += g->weights[j];
        for (int c = 0; c < d; c++)
            g->means[j * d + c] = spread * rng_normal(rng);
        if (cov == GMM_COV_FULL) {
            double *L = g->chol + (size_t)j * d * d;
            for (int r = 0; r < d; r++)
                for (int c = 0; c <= r; c++)
                    L[r * d + c] = c == r ? 0.5 + rng_uniform(rng) : rng_uniform(rng) - 0.5;
        } else {
            for (int c = 0; c < d; c++)
                g->chol[j * d + c] = 0.5 + rng_uniform(rng);
        }
    }
    for (int j = 0; j < k; j++)
        g->weights[j] /= sum;
}

/* Sigma_j (d, d) of component j, written out from its factor. */
static void component_cov(double *S, const gmm_t *g, int j)
{
    int d = g->d;
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++) {
            double v = 0;
            if (g->cov == GMM_COV_FULL) {
                const double *L = g->chol + (size_t)j * d * d;
                for (int t = 0; t < d; t++)
                    v += L[r * d + t] * L[c * d + t];
            } else if (r == c) {
                v = g->chol[j * d + r] * g->chol[j * d + r];
            }
            S[r * d + c] = v;
        }
}

/* Draws n points from g with a fresh rng seeded by seed; caller frees. */
static float *sample_new(const gmm_t *g, int n, uint64_t seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    float *x = xmalloc((size_t)n * g->d * sizeof(float));
    gmm_sample(g, x, n, &rng);
    return x;
}

/* perm[t] = the fitted component whose mean is nearest to true component
 * t's; asserts the matching is one-to-one. */
static void match_components(int *perm, const gmm_t *truth, const gmm_t *fit)
{
    assert_int_equal(truth->k, fit->k);
    int d = truth->d;
    for (int t = 0; t < truth->k; t++) {
        double best = HUGE_VAL;
        for (int j = 0; j < fit->k; j++) {
            double d2 = 0;
            for (int c = 0; c < d; c++) {
                double v = truth->means[t * d + c] - fit->means[j * d + c];
                d2 += v * v;
            }
            if (d2 < best) {
                best = d2;
                perm[t] = j;
            }
        }
        for (int u = 0; u < t; u++)
            assert_int_not_equal(perm[u], perm[t]);
    }
}

/* --- naive log-likelihood, independent of Cholesky and BLAS --- */

/* Inverts A (d, d) by Gauss-Jordan with partial pivoting into inv and
 * returns det(A). A is destroyed. */
static double invert(double *inv, double *A, int d)
{
    double det = 1;
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++)
            inv[r * d + c] = r == c;
    for (int c = 0; c < d; c++) {
        int p = c;
        for (int r = c + 1; r < d; r++)
            if (fabs(A[r * d + c]) > fabs(A[p * d + c]))
                p = r;
        if (p != c) {
            for (int t = 0; t < d; t++) {
                double v = A[c * d + t];
                A[c * d + t] = A[p * d + t];
                A[p * d + t] = v;
                v = inv[c * d + t];
                inv[c * d + t] = inv[p * d + t];
                inv[p * d + t] = v;
            }
            det = -det;
        }
        double piv = A[c * d + c];
        det *= piv;
        for (int t = 0; t < d; t++) {
            A[c * d + t] /= piv;
            inv[c * d + t] /= piv;
        }
        for (int r = 0; r < d; r++) {
            if (r == c)
                continue;
            double f = A[r * d + c];
            for (int t = 0; t < d; t++) {
                A[r * d + t] -= f * A[c * d + t];
                inv[r * d + t] -= f * inv[c * d + t];
            }
        }
    }
    return det;
}

/* sum_i log sum_j w_j N(x_i | mu_j, Sigma_j), one point and component at a
 * time, from Sigma^{-1} and det(Sigma) (d <= 8). */
static double naive_loglik(const gmm_t *g, const float *x, int n)
{
    int d = g->d, k = g->k;
    double S[64], coef[16], sinv[16][64];
    assert_true(d <= 8 && k <= 16);
    for (int j = 0; j < k; j++) {
        component_cov(S, g, j);
        double det = invert(sinv[j], S, d);
        coef[j] = g->weights[j] / sqrt(pow(2 * 3.14159265358979323846, d) * det);
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
        double p = 0;
        for (int j = 0; j < k; j++) {
            double diff[8], q = 0;
            for (int c = 0; c < d; c++)
                diff[c] = x[i * d + c] - g->means[j * d + c];
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++)
                    q += diff[r] * sinv[j][r * d + c] * diff[c];
            p += coef[j] * exp(-0.5 * q);
        }
        total += log(p);
    }
    return total;
}

/* --- tests --- */

/* EM on 6000 points of make_true3 recovers weights within 0.02, means
 * within 0.1 and covariance entries within 0.15 (a few standard errors of
 * the estimates at ~1200+ points per component); its log-likelihood is the
 * one gmm_loglik computes. */
static void fit_recovers_full_mixture(void **state)
{
    (void)state;
    gmm_t truth, fit;
    make_true3(&truth);
    const int n = 6000;
    float *x = sample_new(&truth, n, 11);
    gmm_opts o;
    gmm_opts_default(&o);
    rng_t rng;
    rng_seed(&rng, 5);
    double ll;
    assert_int_equal(gmm_fit(&fit, &ll, x, n, 2, 3, &o, &rng), LGC_OK);
    assert_int_equal(gmm_validate(&fit, "fit"), LGC_OK);
    assert_close(ll, gmm_loglik(&fit, x, n), 1e-12 * fabs(ll));
    int perm[3];
    match_components(perm, &truth, &fit);
    for (int t = 0; t < 3; t++) {
        int j = perm[t];
        assert_close(fit.weights[j], truth.weights[t], 0.02);
        for (int c = 0; c < 2; c++)
            assert_close(fit.means[j * 2 + c], truth.means[t * 2 + c], 0.1);
        double St[4], Sf[4];
        component_cov(St, &truth, t);
        component_cov(Sf, &fit, j);
        for (int e = 0; e < 4; e++)
            assert_close(Sf[e], St[e], 0.15);
    }
    gmm_free(&fit);
    gmm_free(&truth);
    free(x);
}

static void select_finds_k(const gmm_t *truth, gmm_cov cov, uint64_t seed)
{
    const int n = 3000, kmax = 6;
    float *x = sample_new(truth, n, seed);
    gmm_opts o;
    gmm_opts_default(&o);
    o.cov = cov;
    rng_t rng;
    rng_seed(&rng, seed + 1);
    gmm_t best;
    double bic[6];
    int k = gmm_select(&best, bic, x, n, truth->d, kmax, &o, &rng);
    for (int j = 0; j < kmax; j++)
        print_message("  k=%d BIC %.2f\n", j + 1, bic[j]);
    assert_int_equal(k, truth->k);
    assert_int_equal(best.k, truth->k);
    for (int j = 0; j < kmax; j++) {
        assert_true(isfinite(bic[j]));
        assert_true(bic[j] >= bic[k - 1]);
    }
    assert_int_equal(gmm_validate(&best, "best"), LGC_OK);
    gmm_free(&best);
    free(x);
}

static void select_finds_true_k_full(void **state)
{
    (void)state;
    gmm_t truth;
    make_true3(&truth);
    select_finds_k(&truth, GMM_COV_FULL, 21);
    gmm_free(&truth);
}

/* Sampled from a diagonal mixture: a correlated one would rightly need more
 * diagonal components than it has. */
static void select_finds_true_k_diag(void **state)
{
    (void)state;
    gmm_t truth;
    make_true3_diag(&truth);
    select_finds_k(&truth, GMM_COV_DIAG, 31);
    gmm_free(&truth);
}

static void check_loglik_naive(const gmm_t *g, uint64_t seed)
{
    const int n = 500;
    float *x = sample_new(g, n, seed);
    double fast = gmm_loglik(g, x, n), slow = naive_loglik(g, x, n);
    assert_true(isfinite(slow));
    /* gmm_loglik whitens and sums squares in float (gmm_fit.c): a point's
     * Mahalanobis term, of order d, is good to about 1e-6 nats; a wrong
     * formula is off by far more */
    assert_close(fast, slow, 1e-6 * n);
    free(x);
}

static void loglik_matches_naive(void **state)
{
    (void)state;
    gmm_t g;
    make_true3(&g);
    check_loglik_naive(&g, 41);
    gmm_free(&g);
    make_true3_diag(&g);
    check_loglik_naive(&g, 42);
    gmm_free(&g);
    /* a dense 5x5 factor exercises the triangular solve's orientation */
    rng_t rng;
    rng_seed(&rng, 43);
    make_random(&g, 4, 5, GMM_COV_FULL, 2.0, &rng);
    check_loglik_naive(&g, 44);
    gmm_free(&g);
    make_random(&g, 2, 5, GMM_COV_DIAG, 2.0, &rng);
    check_loglik_naive(&g, 45);
    gmm_free(&g);
}

/* BIC = p ln n - 2 ln L with p written out by hand: full 2-D has
 * (k-1) + 2k + 3k = 6k - 1 parameters, diagonal 3-D (k-1) + 3k + 3k = 7k - 1.
 * For k = 1 the log-likelihood comes from gmm_fit (k = 1 converges to the
 * sample mean and covariance from any seed); for the chosen k from
 * gmm_loglik of the returned mixture. */
static void bic_matches_formula(void **state)
{
    (void)state;
    const int n = 1000;
    for (int v = 0; v < 2; v++) {
        gmm_t truth;
        gmm_cov cov = v == 0 ? GMM_COV_FULL : GMM_COV_DIAG;
        if (cov == GMM_COV_FULL)
            make_true3(&truth);
        else
            make_true3_diag(&truth);
        int d = truth.d;
        float *x = sample_new(&truth, n, 51 + v);
        gmm_opts o;
        gmm_opts_default(&o);
        o.cov = cov;
        rng_t rng;
        rng_seed(&rng, 61);
        gmm_t best, one;
        double bic[4], ll1;
        int k = gmm_select(&best, bic, x, n, d, 4, &o, &rng);
        assert_true(k >= 1 && k <= 4);
        double p_best = cov == GMM_COV_FULL ? 6 * k - 1 : 7 * k - 1;
        double p_one = cov == GMM_COV_FULL ? 5 : 6;
        double want = p_best * log(n) - 2 * gmm_loglik(&best, x, n);
        assert_close(bic[k - 1], want, 1e-12 * fabs(want));
        rng_seed(&rng, 999);
        assert_int_equal(gmm_fit(&one, &ll1, x, n, d, 1, &o, &rng), LGC_OK);
        want = p_one * log(n) - 2 * ll1;
        assert_close(bic[0], want, 1e-12 * fabs(want));
        gmm_free(&one);
        gmm_free(&best);
        gmm_free(&truth);
        free(x);
    }
}

/* Mean and covariance of 200000 draws against sum_j w_j mu_j and
 * sum_j w_j (Sigma_j + mu_j mu_j^T) - m m^T. Tolerances are about five
 * standard errors: 0.06 for means, 2% of the scale sqrt(S_rr S_cc) for
 * covariances. */
static void check_moments(const gmm_t *g, uint64_t seed)
{
    const int n = 200000, d = g->d;
    float *x = sample_new(g, n, seed);
    double m[8] = {0}, S[64] = {0}, sm[8] = {0}, ss[64] = {0}, Sj[64];
    for (int j = 0; j < g->k; j++) {
        component_cov(Sj, g, j);
        const double *mu = g->means + j * d;
        for (int r = 0; r < d; r++) {
            m[r] += g->weights[j] * mu[r];
            for (int c = 0; c < d; c++)
                S[r * d + c] += g->weights[j] * (Sj[r * d + c] + mu[r] * mu[c]);
        }
    }
    for (int r = 0; r < d; r++)
        for (int c = 0; c < d; c++)
            S[r * d + c] -= m[r] * m[c];
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d; r++)
            sm[r] += x[i * d + r];
    for (int r = 0; r < d; r++)
        sm[r] /= n;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
                ss[r * d + c] += (x[i * d + r] - sm[r]) * (x[i * d + c] - sm[c]);
    for (int r = 0; r < d; r++) {
        assert_close(sm[r], m[r], 0.06);
        for (int c = 0; c < d; c++)
            assert_close(ss[r * d + c] / n, S[r * d + c],
                         0.02 * sqrt(S[r * d + r] * S[c * d + c]));
    }
    free(x);
}

static void sample_moments_match(void **state)
{
    (void)state;
    gmm_t g;
    make_true3(&g);
    check_moments(&g, 71);
    gmm_free(&g);
    make_true3_diag(&g);
    check_moments(&g, 72);
    gmm_free(&g);
    /* one dense component, where the spread between means cannot hide an
     * error in L z (such as using L^T) */
    rng_t rng;
    rng_seed(&rng, 73);
    make_random(&g, 1, 3, GMM_COV_FULL, 1.0, &rng);
    check_moments(&g, 74);
    gmm_free(&g);
}

/* Fits k components to x (n, d) with both covariance types and checks
 * the result is a valid mixture with a finite log-likelihood. */
static void fit_is_valid(const float *x, int n, int d, int k)
{
    for (int v = 0; v < 2; v++) {
        gmm_opts o;
        gmm_opts_default(&o);
        o.cov = v == 0 ? GMM_COV_FULL : GMM_COV_DIAG;
        rng_t rng;
        rng_seed(&rng, 81);
        gmm_t g;
        double ll;
        assert_int_equal(gmm_fit(&g, &ll, x, n, d, k, &o, &rng), LGC_OK);
        assert_int_equal(gmm_validate(&g, "degenerate"), LGC_OK);
        assert_true(isfinite(ll));
        assert_close(ll, gmm_loglik(&g, x, n), 1e-12 * fabs(ll));
        gmm_free(&g);
    }
}

static void degenerate_all_identical(void **state)
{
    (void)state;
    enum { n = 50, d = 4 };
    static const float p[d] = {1.5f, -2.0f, 0.25f, 3.0f};
    float x[n * d];
    for (int i = 0; i < n; i++)
        memcpy(x + i * d, p, sizeof p);
    fit_is_valid(x, n, d, 3);
    /* every k explains the data equally well, so BIC's penalty picks 1 */
    for (int v = 0; v < 2; v++) {
        gmm_opts o;
        gmm_opts_default(&o);
        o.cov = v == 0 ? GMM_COV_FULL : GMM_COV_DIAG;
        rng_t rng;
        rng_seed(&rng, 82);
        gmm_t best;
        double bic[5];
        assert_int_equal(gmm_select(&best, bic, x, n, d, 5, &o, &rng), 1);
        assert_int_equal(gmm_validate(&best, "identical"), LGC_OK);
        for (int c = 0; c < d; c++)
            assert_close(best.means[c], p[c], 1e-12);
        gmm_free(&best);
    }
}

static void degenerate_fewer_points_than_dims(void **state)
{
    (void)state;
    enum { n = 3, d = 8, kmax = 5 };
    float x[n * d];
    rng_t rng;
    rng_seed(&rng, 83);
    for (int e = 0; e < n * d; e++)
        x[e] = (float)rng_normal(&rng);
    for (int k = 1; k <= n; k++)
        fit_is_valid(x, n, d, k);
    gmm_opts o;
    gmm_opts_default(&o);
    gmm_t best;
    double bic[kmax];
    int k = gmm_select(&best, bic, x, n, d, kmax, &o, &rng);
    assert_true(k >= 1 && k <= n);
    assert_int_equal(gmm_validate(&best, "n < d"), LGC_OK);
    for (int j = 0; j < n; j++)
        assert_true(isfinite(bic[j]));
    for (int j = n; j < kmax; j++)
        assert_true(isinf(bic[j]) && bic[j] > 0);
    gmm_free(&best);
}

static void degenerate_k_above_distinct_points(void **state)
{
    (void)state;
    enum { n = 20, d = 3 };
    float x[n * d];
    for (int i = 0; i < n; i++)
        for (int c = 0; c < d; c++)
            x[i * d + c] = i % 2 ? 1.0f + c : -2.0f;
    fit_is_valid(x, n, d, 5);
    fit_is_valid(x, n, d, n);
}

static void fit_rejects_bad_input(void **state)
{
    (void)state;
    gmm_opts o;
    gmm_opts_default(&o);
    rng_t rng;
    rng_seed(&rng, 84);
    float x[6] = {0, 1, 2, 3, 4, 5};
    gmm_t g;
    double ll;
    assert_true(gmm_fit(&g, &ll, x, 0, 2, 1, &o, &rng) < 0);
    assert_null(g.weights);
    assert_true(gmm_fit(&g, &ll, x, 3, 2, 4, &o, &rng) < 0);
    assert_true(gmm_fit(&g, &ll, x, 3, 2, 0, &o, &rng) < 0);
    x[3] = NAN;
    assert_int_equal(gmm_fit(&g, &ll, x, 3, 2, 2, &o, &rng), LGC_ENUMERIC);
    assert_null(g.weights);
    assert_non_null(strstr(lgc_errmsg(), "not finite"));
}

/* Each mutation of a valid mixture must be rejected with LGC_EFORMAT and a
 * message naming the file. */
static void expect_invalid(const gmm_t *g)
{
    lgc_fail(LGC_OK, "%s", ""); /* clear, so the message checked is this call's */
    assert_int_equal(gmm_validate(g, "m.lgc"), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "m.lgc: "));
}

static void validate_rejects(void **state)
{
    (void)state;
    enum { k = 2, d = 3 };
    static const double w[k] = {0.4, 0.6};
    static const double mu[k * d] = {0, 1, 2, 3, 4, 5};
    static const double L[k * d * d] = {1, 0, 0, 0.5, 2, 0, -0.3, 0.1, 0.7,
                                        1.2, 0, 0, 0, 0.9, 0, 0.2, 0.2, 1.1};
    gmm_t g;
    gmm_init(&g, k, d, GMM_COV_FULL);
#define RESET()                                  \
    do {                                         \
        memcpy(g.weights, w, sizeof w);          \
        memcpy(g.means, mu, sizeof mu);          \
        memcpy(g.chol, L, sizeof L);             \
    } while (0)
    RESET();
    assert_int_equal(gmm_validate(&g, "m.lgc"), LGC_OK);
    g.weights[1] = 0.5; /* sums to 0.9 */
    expect_invalid(&g);
    RESET();
    g.weights[0] = -0.1; /* sums to 1 but negative */
    g.weights[1] = 1.1;
    expect_invalid(&g);
    RESET();
    g.means[4] = NAN;
    expect_invalid(&g);
    RESET();
    g.chol[d * d + 4] = 0; /* zero diagonal */
    expect_invalid(&g);
    RESET();
    g.chol[8] = -0.7; /* negative diagonal */
    expect_invalid(&g);
    RESET();
    g.chol[1] = 0.1; /* upper triangle */
    expect_invalid(&g);
    RESET();
    g.chol[d * d + 3] = INFINITY;
    expect_invalid(&g);
#undef RESET
    gmm_free(&g);

    gmm_init(&g, k, d, GMM_COV_DIAG);
    memcpy(g.weights, w, sizeof w);
    memcpy(g.means, mu, sizeof mu);
    for (int e = 0; e < k * d; e++)
        g.chol[e] = 1;
    assert_int_equal(gmm_validate(&g, "m.lgc"), LGC_OK);
    g.chol[4] = 0;
    expect_invalid(&g);
    gmm_free(&g);
}

static void same_seed_same_fit(void **state)
{
    (void)state;
    gmm_t truth;
    make_true3(&truth);
    const int n = 2000;
    float *x = sample_new(&truth, n, 91);
    float *x2 = sample_new(&truth, n, 91);
    assert_memory_equal(x, x2, (size_t)n * 2 * sizeof(float));
    gmm_opts o;
    gmm_opts_default(&o);
    gmm_t a, b;
    double bic_a[5], bic_b[5];
    rng_t rng;
    rng_seed(&rng, 92);
    int ka = gmm_select(&a, bic_a, x, n, 2, 5, &o, &rng);
    rng_seed(&rng, 92);
    int kb = gmm_select(&b, bic_b, x, n, 2, 5, &o, &rng);
    assert_int_equal(ka, kb);
    assert_memory_equal(bic_a, bic_b, sizeof bic_a);
    assert_memory_equal(a.weights, b.weights, (size_t)a.k * sizeof(double));
    assert_memory_equal(a.means, b.means, (size_t)a.k * 2 * sizeof(double));
    assert_memory_equal(a.chol, b.chol, (size_t)a.k * 4 * sizeof(double));
    gmm_free(&a);
    gmm_free(&b);
    gmm_free(&truth);
    free(x);
    free(x2);
}

/* k-means++ must take every distinct value before repeating one: D^2
 * sampling cannot pick a row at distance 0, and once all unchosen rows
 * coincide with centres it falls back to a uniform draw without looping. */
static void kmeanspp_handles_duplicates(void **state)
{
    (void)state;
    static const float x[6] = {1, 1, 1, 1, 5, -3}; /* n = 6, d = 1 */
    for (uint64_t seed = 1; seed <= 50; seed++) {
        rng_t rng;
        rng_seed(&rng, seed);
        double c[4];
        kmeanspp_init(c, x, 6, 1, 4, &rng);
        int n1 = 0, n5 = 0, n3 = 0;
        for (int j = 0; j < 4; j++) {
            n1 += c[j] == 1;
            n5 += c[j] == 5;
            n3 += c[j] == -3;
        }
        assert_int_equal(n1, 2);
        assert_int_equal(n5, 1);
        assert_int_equal(n3, 1);
    }
    static const float same[5 * 2] = {2, 7, 2, 7, 2, 7, 2, 7, 2, 7};
    rng_t rng;
    rng_seed(&rng, 3);
    double c[5 * 2];
    kmeanspp_init(c, same, 5, 2, 5, &rng);
    for (int j = 0; j < 5; j++) {
        assert_true(c[2 * j] == 2);
        assert_true(c[2 * j + 1] == 7);
    }
}

int main(void)
{
    /* As each class's fit runs in lgc compress: one thread, BLAS inside it. */
    threads_set(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_recovers_full_mixture),
        cmocka_unit_test(select_finds_true_k_full),
        cmocka_unit_test(select_finds_true_k_diag),
        cmocka_unit_test(loglik_matches_naive),
        cmocka_unit_test(bic_matches_formula),
        cmocka_unit_test(sample_moments_match),
        cmocka_unit_test(degenerate_all_identical),
        cmocka_unit_test(degenerate_fewer_points_than_dims),
        cmocka_unit_test(degenerate_k_above_distinct_points),
        cmocka_unit_test(fit_rejects_bad_input),
        cmocka_unit_test(validate_rejects),
        cmocka_unit_test(same_seed_same_fit),
        cmocka_unit_test(kmeanspp_handles_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
