/* test_layers.c - the layer functions of layers.h and gemm.h.
 *
 * Every backward is checked against a central finite difference of its own
 * forward, on tiny random shapes: layers through the scalar
 * L = sum(r .* out) with a fixed random r (so dL/dout = r), losses through
 * their returned value. Backward buffers are pre-filled with random values
 * so the check also proves they ACCUMULATE. Fast code is compared with a
 * naive twin: the double-precision products with plain loops,
 * conv3x3_forward with a direct 7-loop convolution that lives only here
 * (lgc_sgemm against gemm_naive is test_gemm.c's). A last test proves the gradient check can fail:
 * deliberately wrong gradients must be rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"
#include "rng.h"
#include "test_random.h"
#include "util.h"

/* --- helpers --- */

static float *copy_of(const float *x, size_t n)
{
    float *y = xmalloc(n * sizeof *y);
    memcpy(y, x, n * sizeof *y);
    return y;
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* got - base, elementwise into a new array: the part a backward added. */
static float *added(const float *got, const float *base, size_t n)
{
    float *d = xmalloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = got[i] - base[i];
    return d;
}

/* Fails with the worst element, the max abs/rel error and the tolerance
 * when |a - b| > tol for a pair of scalars. */
#define assert_close(a, b, tol)                                                           \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (tol);                                            \
        if (!(fabs(a_ - b_) <= t_)) {                                                     \
            print_error("%s = %.17g, %s = %.17g: |diff| %.3g > tolerance %.3g\n", #a, a_, \
                        #b, b_, fabs(a_ - b_), t_);                                       \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* Comparison of an array against a reference. An element is bad when
 * |got - want| > atol + rtol |want| (or either is NaN). max_rel is over
 * elements with |want| > atol, where a relative error means something. */
typedef struct {
    size_t n_bad, worst;
    double max_abs, max_rel;
} cmp_result;

static cmp_result compare(const float *got, const double *want, size_t n, double atol,
                          double rtol)
{
    cmp_result r = {0, 0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)got[i] - want[i]);
        if (!(d <= atol + rtol * fabs(want[i])))
            r.n_bad++;
        if (!(d <= r.max_abs)) {
            r.max_abs = d;
            r.worst = i;
        }
        if (fabs(want[i]) > atol && d / fabs(want[i]) > r.max_rel)
            r.max_rel = d / fabs(want[i]);
    }
    return r;
}

static void assert_all_close(const char *what, const float *got, const double *want, size_t n,
                             double atol, double rtol)
{
    const cmp_result r = compare(got, want, n, atol, rtol);
    if (r.n_bad) {
        print_error("%s: %zu of %zu elements off; max abs err %.3g, max rel err %.3g "
                    "(worst [%zu]: got %.9g, want %.9g); tolerance %.3g + %.3g*|want|\n",
                    what, r.n_bad, n, r.max_abs, r.max_rel, r.worst, (double)got[r.worst],
                    want[r.worst], atol, rtol);
        fail();
    }
}

static void assert_all_close_f(const char *what, const float *got, const float *want, size_t n,
                               double atol, double rtol)
{
    double *w = xmalloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = want[i];
    assert_all_close(what, got, w, n, atol, rtol);
    free(w);
}

/* --- finite differences --- */

typedef double (*objective_fn)(void *ctx);

/* Step of the central difference. Inputs are O(1), and the objective is
 * computed in double from float forwards whose outputs carry ~1e-7
 * relative rounding; divided by 2H that leaves an error of up to ~2e-4
 * (seen on conv3x3, whose outputs are O(5) and each input feeds 9*OC of
 * them). The truncation error O(H^2) is ~1e-5 for the smooth nonlinear
 * layers and zero for the linear ones (dense, conv, pool and upsample are
 * linear in each single input while the argmax is stable). */
#define H_FD 1e-2f
/* Tolerance of every gradient check: several times the largest error
 * observed (1.5e-4 abs), and still far below a 1% error in one element of
 * an O(1) gradient (see gradcheck_rejects_wrong_gradients). */
#define GRAD_ATOL 1e-3
#define GRAD_RTOL 1e-3

/* g[i] = (f(x + h e_i) - f(x - h e_i)) / (2h), perturbing x in place and
 * restoring it. The divisor is the float step actually taken. */
static double *numeric_grad(float *x, size_t n, objective_fn f, void *ctx)
{
    double *g = xmalloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        const float x0 = x[i], xp = x0 + H_FD, xm = x0 - H_FD;
        x[i] = xp;
        const double fp = f(ctx);
        x[i] = xm;
        const double fm = f(ctx);
        x[i] = x0;
        g[i] = (fp - fm) / ((double)xp - xm);
    }
    return g;
}

/* Checks that an analytic gradient (got - base, since backwards
 * accumulate onto base) matches the central difference w.r.t. x. */
static void check_grad(const char *what, const float *got, const float *base, float *x,
                       size_t n, objective_fn f, void *ctx)
{
    double *num = numeric_grad(x, n, f, ctx);
    float *ana = added(got, base, n);
    assert_all_close(what, ana, num, n, GRAD_ATOL, GRAD_RTOL);
    free(ana);
    free(num);
}

/* --- double-precision products --- */

static double *randn_d(rng_t *rng, size_t n)
{
    double *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = rng_normal(rng);
    return x;
}

/* The double-precision products of the mixture fit against plain loops. */
static void double_products_match_loops(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 3);
    enum { M = 6, N = 4, K = 11 };
    double *A = randn_d(&rng, (size_t)M * K), *B = randn_d(&rng, (size_t)K * N);
    double *x = randn_d(&rng, K);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double C[M * N];
            for (int i = 0; i < M * N; i++)
                C[i] = 1.0;
            lgc_dgemm(ta, tb, M, N, K, A, B, 0.5, C);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    double want = 0.5;
                    for (int k = 0; k < K; k++)
                        want += (ta ? A[k * M + i] : A[i * K + k]) *
                                (tb ? B[j * K + k] : B[k * N + j]);
                    assert_true(fabs(C[i * N + j] - want) < 1e-12);
                }
        }
    double y[M];
    lgc_dgemv(M, K, A, x, y);
    for (int i = 0; i < M; i++) {
        double want = 0;
        for (int k = 0; k < K; k++)
            want += A[i * K + k] * x[k];
        assert_true(fabs(y[i] - want) < 1e-12);
    }
    /* B (K, N): the lower triangle of 0.25 B^T B; the upper one untouched */
    double S[N * N];
    for (int i = 0; i < N * N; i++)
        S[i] = 42.0;
    lgc_dsyrk_lower(N, K, 0.25, B, S);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double want = 0;
            for (int k = 0; k < K; k++)
                want += 0.25 * B[k * N + i] * B[k * N + j];
            if (j <= i)
                assert_true(fabs(S[i * N + j] - want) < 1e-12);
            else
                assert_true(S[i * N + j] == 42.0);
        }
    free(A);
    free(B);
    free(x);
}

/* --- im2col / col2im --- */

static void im2col_matches_definition(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 2);
    static const int shapes[][4] = {{2, 3, 5, 4}, {1, 1, 1, 1}, {2, 2, 1, 5}, {2, 2, 6, 1},
                                    {1, 2, 2, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int B = shapes[s][0], C = shapes[s][1], H = shapes[s][2], W = shapes[s][3];
        const int HW = H * W, N = B * HW;
        const size_t n_col = (size_t)B * C * 9 * H * W;
        float *in = randn(&rng, (size_t)B * C * HW);
        float *col = randn(&rng, n_col); /* garbage that must be overwritten */
        im2col3x3(col, in, B, C, H, W);
        double *want = xmalloc(n_col * sizeof *want);
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    for (int b = 0; b < B; b++)
                        for (int y = 0; y < H; y++)
                            for (int x = 0; x < W; x++) {
                                const int sy = y + ky - 1, sx = x + kx - 1;
                                const int inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
                                want[(size_t)(c * 9 + ky * 3 + kx) * N + b * HW + y * W + x] =
                                    inside ? in[((b * C + c) * H + sy) * W + sx] : 0.0;
                            }
        assert_all_close("im2col3x3", col, want, n_col, 0.0, 0.0);
        free(want);
        free(col);
        free(in);
    }
}

/* <im2col(x), y> == <x, col2im(y)>, and col2im adds onto din. */
static void col2im_is_adjoint(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 3);
    static const int shapes[][4] = {{2, 3, 5, 4}, {1, 1, 1, 1}, {3, 2, 1, 6},
                                    {2, 2, 6, 1}, {1, 3, 2, 2}, {2, 4, 7, 7}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int B = shapes[s][0], C = shapes[s][1], H = shapes[s][2], W = shapes[s][3];
        const size_t n_in = (size_t)B * C * H * W, n_col = (size_t)B * C * 9 * H * W;
        float *x = randn(&rng, n_in), *y = randn(&rng, n_col);
        float *col = xmalloc(n_col * sizeof *col);
        float *base = randn(&rng, n_in), *din = copy_of(base, n_in);
        im2col3x3(col, x, B, C, H, W);
        col2im3x3(din, y, B, C, H, W);
        float *adj = added(din, base, n_in);
        const double lhs = dot(col, y, n_col), rhs = dot(x, adj, n_in);
        assert_close(lhs, rhs, 1e-5 * (1.0 + fabs(lhs)));
        free(adj);
        free(din);
        free(base);
        free(col);
        free(y);
        free(x);
    }
}

/* --- conv3x3 --- */

/* The naive twin: out (B,OC,H,W) by seven loops, accumulated in double. */
static void conv3x3_direct(float *out, const float *in, const float *w, const float *b, int B,
                           int C, int H, int W, int OC)
{
    for (int n = 0; n < B; n++)
        for (int oc = 0; oc < OC; oc++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    double acc = b[oc];
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                const int sy = y + ky - 1, sx = x + kx - 1;
                                if (sy < 0 || sy >= H || sx < 0 || sx >= W)
                                    continue;
                                acc += (double)in[((n * C + c) * H + sy) * W + sx] *
                                       w[((oc * C + c) * 3 + ky) * 3 + kx];
                            }
                    out[((n * OC + oc) * H + y) * W + x] = (float)acc;
                }
}

static void conv3x3_sizes(void **state)
{
    (void)state;
    /* the larger of im2col's col (C*9, HW) and, for kn2row or the backward
     * through im2col(dY), (9*OC, HW) plus two (9*OC, C) matrices */
    assert_int_equal(conv3x3_col_size(3, 4, 5, 4), (size_t)4 * 9 * (5 * 4 + 2 * 3));
    assert_int_equal(conv3x3_col_size(8, 2, 5, 4), (size_t)8 * 9 * 5 * 4);
    assert_int_equal(conv3x3_col_size(3, 2, 1, 1), (size_t)2 * 9 * (1 + 2 * 3));
}

static void conv3x3_forward_matches_direct(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 4);
    /* 4 OC <= C runs the kn2row path, else im2col (conv3x3.c); both at
     * the edges H = 1 and W = 1. */
    static const int shapes[][5] = {{2, 3, 5, 4, 2},  {3, 4, 7, 6, 5},    {1, 1, 1, 1, 1},
                                    {2, 5, 1, 4, 2},  {2, 4, 3, 1, 1},    {2, 1, 1, 3, 3},
                                    {2, 8, 1, 4, 2},  {2, 9, 3, 1, 2},
                                    {2, 32, 14, 14, 16}, {4, 16, 14, 14, 32}, {1, 16, 28, 28, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int B = shapes[s][0], C = shapes[s][1], H = shapes[s][2], W = shapes[s][3],
                  OC = shapes[s][4];
        const size_t n_out = (size_t)B * OC * H * W;
        float *in = randn(&rng, (size_t)B * C * H * W), *w = randn(&rng, (size_t)OC * C * 9);
        float *b = randn(&rng, (size_t)OC);
        float *col = xmalloc(conv3x3_col_size(C, OC, H, W) * sizeof *col);
        float *got = xmalloc(n_out * sizeof *got), *want = xmalloc(n_out * sizeof *want);
        conv3x3_forward(got, in, w, b, col, B, C, H, W, OC);
        conv3x3_direct(want, in, w, b, B, C, H, W, OC);
        char what[80];
        snprintf(what, sizeof what, "conv3x3 B=%d C=%d H=%d W=%d OC=%d", B, C, H, W, OC);
        assert_all_close_f(what, got, want, n_out, 1e-4, 1e-5);
        free(want);
        free(got);
        free(col);
        free(b);
        free(w);
        free(in);
    }
}

typedef struct {
    float *out, *in, *w, *b, *col;
    float *r;
    int B, C, H, W, OC;
} conv_case;

static double conv_objective(void *ctx)
{
    conv_case *k = ctx;
    conv3x3_forward(k->out, k->in, k->w, k->b, k->col, k->B, k->C, k->H, k->W, k->OC);
    return dot(k->r, k->out, (size_t)k->B * k->OC * k->H * k->W);
}

static void conv_case_init(conv_case *k, rng_t *rng, int B, int C, int H, int W, int OC)
{
    k->B = B, k->C = C, k->H = H, k->W = W, k->OC = OC;
    k->in = randn(rng, (size_t)B * C * H * W);
    k->w = randn(rng, (size_t)OC * C * 9);
    k->b = randn(rng, (size_t)OC);
    k->r = randn(rng, (size_t)B * OC * H * W);
    k->out = xmalloc((size_t)B * OC * H * W * sizeof *k->out);
    k->col = xmalloc(conv3x3_col_size(C, OC, H, W) * sizeof *k->col);
}

static void conv_case_free(conv_case *k)
{
    free(k->col);
    free(k->out);
    free(k->r);
    free(k->b);
    free(k->w);
    free(k->in);
}

static void conv3x3_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 5);
    /* every forward (kn2row when 4 OC <= C, else im2col) and backward
     * (through im2col of dY when OC <= 2C, else col2im; without din when
     * OC < C) formulation, each also at the edges H = 1, W = 1 */
    static const int cases[][5] = {{2, 3, 5, 4, 2}, {2, 2, 4, 3, 3}, {3, 4, 6, 5, 1},
                                   {2, 3, 1, 4, 2}, {2, 3, 4, 1, 1}, {2, 2, 1, 1, 5},
                                   {2, 3, 1, 1, 3}, {2, 8, 3, 4, 2}, {2, 2, 3, 3, 7}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int B = cases[t][0], C = cases[t][1], H = cases[t][2], W = cases[t][3],
                  OC = cases[t][4];
        conv_case k;
        conv_case_init(&k, &rng, B, C, H, W, OC);
        const size_t n_in = (size_t)B * C * H * W, n_w = (size_t)OC * C * 9, n_b = OC;
        float *din0 = randn(&rng, n_in), *dw0 = randn(&rng, n_w), *db0 = randn(&rng, n_b);
        float *din = copy_of(din0, n_in), *dw = copy_of(dw0, n_w), *db = copy_of(db0, n_b);
        conv3x3_backward(din, dw, db, k.r, k.in, k.w, k.col, k.B, k.C, k.H, k.W, k.OC);
        check_grad("conv3x3 din", din, din0, k.in, n_in, conv_objective, &k);
        check_grad("conv3x3 dw", dw, dw0, k.w, n_w, conv_objective, &k);
        check_grad("conv3x3 db", db, db0, k.b, n_b, conv_objective, &k);

        /* din = NULL skips the input gradient and leaves dw, db unchanged. */
        float *dw2 = copy_of(dw0, n_w), *db2 = copy_of(db0, n_b);
        conv3x3_backward(NULL, dw2, db2, k.r, k.in, k.w, k.col, k.B, k.C, k.H, k.W, k.OC);
        assert_all_close_f("conv3x3 dw with din NULL", dw2, dw, n_w, 1e-6, 1e-6);
        assert_all_close_f("conv3x3 db with din NULL", db2, db, n_b, 1e-6, 1e-6);

        /* dw = db = NULL (constant parameters) gives the same din. */
        float *din2 = copy_of(din0, n_in);
        conv3x3_backward(din2, NULL, NULL, k.r, k.in, k.w, k.col, k.B, k.C, k.H, k.W, k.OC);
        assert_all_close_f("conv3x3 din with dw NULL", din2, din, n_in, 1e-6, 1e-6);
        free(din2);
        free(db2);
        free(dw2);
        free(db);
        free(dw);
        free(din);
        free(db0);
        free(dw0);
        free(din0);
        conv_case_free(&k);
    }
}

/* --- dense --- */

typedef struct {
    float *out, *in, *w, *b;
    float *r;
    int B, F, O;
} dense_case;

static double dense_objective(void *ctx)
{
    dense_case *k = ctx;
    dense_forward(k->out, k->in, k->w, k->b, k->B, k->F, k->O);
    return dot(k->r, k->out, (size_t)k->B * k->O);
}

static void dense_case_init(dense_case *k, rng_t *rng, int B, int F, int O)
{
    k->B = B, k->F = F, k->O = O;
    k->in = randn(rng, (size_t)B * F);
    k->w = randn(rng, (size_t)O * F);
    k->b = randn(rng, (size_t)O);
    k->r = randn(rng, (size_t)B * O);
    k->out = xmalloc((size_t)B * O * sizeof *k->out);
}

static void dense_case_free(dense_case *k)
{
    free(k->out);
    free(k->r);
    free(k->b);
    free(k->w);
    free(k->in);
}

static void dense_forward_matches_loops(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 6);
    dense_case k;
    dense_case_init(&k, &rng, 3, 7, 5);
    dense_forward(k.out, k.in, k.w, k.b, k.B, k.F, k.O);
    double want[3 * 5];
    for (int n = 0; n < k.B; n++)
        for (int o = 0; o < k.O; o++) {
            double acc = k.b[o];
            for (int f = 0; f < k.F; f++)
                acc += (double)k.in[n * k.F + f] * k.w[o * k.F + f];
            want[n * k.O + o] = acc;
        }
    assert_all_close("dense out", k.out, want, (size_t)k.B * k.O, 1e-5, 1e-5);
    dense_case_free(&k);
}

static void dense_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 7);
    dense_case k;
    dense_case_init(&k, &rng, 3, 7, 5);
    const size_t n_in = 3 * 7, n_w = 5 * 7, n_b = 5;
    float *din0 = randn(&rng, n_in), *dw0 = randn(&rng, n_w), *db0 = randn(&rng, n_b);
    float *din = copy_of(din0, n_in), *dw = copy_of(dw0, n_w), *db = copy_of(db0, n_b);
    dense_backward(din, dw, db, k.r, k.in, k.w, k.B, k.F, k.O);
    check_grad("dense din", din, din0, k.in, n_in, dense_objective, &k);
    check_grad("dense dw", dw, dw0, k.w, n_w, dense_objective, &k);
    check_grad("dense db", db, db0, k.b, n_b, dense_objective, &k);

    float *dw2 = copy_of(dw0, n_w), *db2 = copy_of(db0, n_b);
    dense_backward(NULL, dw2, db2, k.r, k.in, k.w, k.B, k.F, k.O);
    assert_all_close_f("dense dw with din NULL", dw2, dw, n_w, 0.0, 0.0);
    assert_all_close_f("dense db with din NULL", db2, db, n_b, 0.0, 0.0);
    float *din2 = copy_of(din0, n_in);
    dense_backward(din2, NULL, NULL, k.r, k.in, k.w, k.B, k.F, k.O);
    assert_all_close_f("dense din with dw NULL", din2, din, n_in, 0.0, 0.0);
    free(din2);
    free(db2);
    free(dw2);
    free(db);
    free(dw);
    free(din);
    free(db0);
    free(dw0);
    free(din0);
    dense_case_free(&k);
}

/* --- maxpool2 / upsample2 --- */

typedef struct {
    float *out, *in;
    int *argmax;
    float *r;
    int B, C, H, W;
} pool_case;

static double pool_objective(void *ctx)
{
    pool_case *k = ctx;
    maxpool2_forward(k->out, k->argmax, k->in, k->B, k->C, k->H, k->W);
    return dot(k->r, k->out, (size_t)k->B * k->C * k->H * k->W / 4);
}

/* Inputs are a shuffled ramp with spacing 0.1 > 2 H_FD, so a finite-
 * difference step never changes which element of a window wins. */
static float *distinct_values(rng_t *rng, size_t n)
{
    int *perm = xmalloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = (int)i;
    rng_shuffle(rng, perm, (int)n);
    float *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.1f * (float)(perm[i] - (int)n / 2);
    free(perm);
    return x;
}

static void maxpool2_forward_picks_max(void **state)
{
    (void)state;
    /* one (4,4) plane; windows are the four 2x2 quadrants */
    const float in[16] = {1, 5, 2, 2, /* the top-right window is a 4-way tie: */
                          3, 4, 2, 2, /* the first element (offset 2) wins */
                          -1, -2, 0, 9,
                          -3, -4, 8, 7};
    float out[4];
    int argmax[4];
    maxpool2_forward(out, argmax, in, 1, 1, 4, 4);
    const float want[4] = {5, 2, -1, 9};
    assert_all_close_f("maxpool2 out", out, want, 4, 0.0, 0.0);
    assert_int_equal(argmax[0], 1);
    assert_int_equal(argmax[1], 2);
    assert_int_equal(argmax[2], 8);
    assert_int_equal(argmax[3], 11);
}

static void maxpool2_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 8);
    const int B = 2, C = 3, H = 6, W = 4;
    const size_t n_in = (size_t)B * C * H * W, n_out = n_in / 4;
    pool_case k = {xmalloc(n_out * sizeof(float)), NULL, xmalloc(n_out * sizeof(int)), NULL,
                   B, C, H, W};
    k.in = distinct_values(&rng, n_in);
    k.r = randn(&rng, n_out);
    float *din0 = randn(&rng, n_in), *din = copy_of(din0, n_in);
    pool_objective(&k);
    maxpool2_backward(din, k.r, k.argmax, B, C, H, W);
    check_grad("maxpool2 din", din, din0, k.in, n_in, pool_objective, &k);
    free(din);
    free(din0);
    free(k.r);
    free(k.argmax);
    free(k.in);
    free(k.out);
}

/* The layers without parameters that map planes to planes of another
 * size (upsample2, avgpool2): forward (out, in, B, C, H, W), backward
 * (din, dout, B, C, H, W), out n_out floats. */
typedef void (*resample_forward_fn)(float *, const float *, int, int, int, int);
typedef void (*resample_backward_fn)(float *, const float *, int, int, int, int);

typedef struct {
    float *out, *in;
    float *r;
    int B, C, H, W;
    size_t n_out;
    resample_forward_fn forward;
} resample_case;

static double resample_objective(void *ctx)
{
    resample_case *k = ctx;
    k->forward(k->out, k->in, k->B, k->C, k->H, k->W);
    return dot(k->r, k->out, k->n_out);
}

/* Checks backward's input gradient on random (B,C,H,W) input. */
static void check_resample_grad(const char *what, resample_forward_fn forward,
                                resample_backward_fn backward, rng_t *rng, int B, int C, int H,
                                int W, size_t n_out)
{
    const size_t n_in = (size_t)B * C * H * W;
    resample_case k = {xmalloc(n_out * sizeof(float)), NULL, NULL, B, C, H, W, n_out, forward};
    k.in = randn(rng, n_in);
    k.r = randn(rng, n_out);
    float *din0 = randn(rng, n_in), *din = copy_of(din0, n_in);
    backward(din, k.r, B, C, H, W);
    check_grad(what, din, din0, k.in, n_in, resample_objective, &k);
    free(din);
    free(din0);
    free(k.r);
    free(k.in);
    free(k.out);
}

static void upsample2_forward_copies_blocks(void **state)
{
    (void)state;
    const float in[6] = {1, 2, 3, 4, 5, 6}; /* (1,1,2,3) */
    float out[24];
    upsample2_forward(out, in, 1, 1, 2, 3);
    const float want[24] = {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
                            4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6};
    assert_all_close_f("upsample2 out", out, want, 24, 0.0, 0.0);
}

static void upsample2_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 9);
    const int B = 2, C = 3, H = 3, W = 2;
    check_resample_grad("upsample2 din", upsample2_forward, upsample2_backward, &rng, B, C, H, W,
                        (size_t)B * C * H * W * 4);
}

/* --- avgpool2 --- */

static void avgpool2_forward_averages_windows(void **state)
{
    (void)state;
    /* one (3,5) plane: floored to a (1,2) output; the last row and the
     * last column feed nothing */
    const float in[15] = {1, 3, 5, 7, 100,
                          2, 6, 0, 4, 100,
                          100, 100, 100, 100, 100};
    float out[2];
    avgpool2_forward(out, in, 1, 1, 3, 5);
    const float want[2] = {3, 4};
    assert_all_close_f("avgpool2 out", out, want, 2, 0.0, 0.0);
}

static void avgpool2_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 16);
    /* even, odd, and the smallest input (2x2 -> 1x1) */
    static const int cases[][4] = {{2, 3, 6, 4}, {2, 2, 5, 7}, {1, 2, 2, 3}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int B = cases[t][0], C = cases[t][1], H = cases[t][2], W = cases[t][3];
        check_resample_grad("avgpool2 din", avgpool2_forward, avgpool2_backward, &rng, B, C, H,
                            W, (size_t)B * C * (H / 2) * (W / 2));
    }
}

/* --- instance norm --- */

/* The buffers of one case are views into one allocation, buf. */
typedef struct {
    float *buf;
    float *out, *in, *scale, *shift, *mean, *rstd;
    float *r;
    int B, C, H, W;
} norm_case;

static double norm_objective(void *ctx)
{
    norm_case *k = ctx;
    instance_norm_forward(k->out, k->mean, k->rstd, k->in, k->scale, k->shift, k->B, k->C, k->H,
                          k->W);
    return dot(k->r, k->out, (size_t)k->B * k->C * k->H * k->W);
}

/* in, r, scale and shift random; in's planes off centre (mean 0.5, sd 2),
 * so that the mean matters. */
static void norm_case_init(norm_case *k, rng_t *rng, int B, int C, int H, int W)
{
    const size_t n = (size_t)B * C * H * W, planes = (size_t)B * C;
    k->B = B, k->C = C, k->H = H, k->W = W;
    k->buf = xmalloc((3 * n + 2 * (size_t)C + 2 * planes) * sizeof *k->buf);
    k->in = k->buf;
    k->r = k->in + n;
    k->scale = k->r + n;
    k->shift = k->scale + C;
    k->out = k->shift + C;
    k->mean = k->out + n;
    k->rstd = k->mean + planes;
    for (size_t i = 0; i < n; i++)
        k->in[i] = 2.0f * (float)rng_normal(rng) + 0.5f;
    for (size_t i = 0; i < n + 2 * (size_t)C; i++) /* r, scale, shift */
        k->r[i] = (float)rng_normal(rng);
}

/* Every output plane has mean shift[c] and standard deviation |scale[c]|
 * (up to eps), and the cache holds each input plane's mean and rstd. */
static void instance_norm_forward_normalises(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 17);
    const int B = 2, C = 3, H = 4, W = 5, N = H * W;
    norm_case k;
    norm_case_init(&k, &rng, B, C, H, W);
    norm_objective(&k);
    for (int p = 0; p < B * C; p++) {
        const float *x = k.in + (size_t)p * N, *y = k.out + (size_t)p * N;
        double mx = 0, my = 0, vx = 0, vy = 0;
        for (int i = 0; i < N; i++)
            mx += x[i], my += y[i];
        mx /= N, my /= N;
        for (int i = 0; i < N; i++)
            vx += (x[i] - mx) * (x[i] - mx), vy += (y[i] - my) * (y[i] - my);
        vx /= N, vy /= N;
        const double sc = k.scale[p % C];
        assert_close(my, k.shift[p % C], 1e-5);
        assert_close(vy, sc * sc * vx / (vx + INSTANCE_NORM_EPS), 1e-5 * (1 + sc * sc));
        assert_close(k.mean[p], mx, 1e-5);
        assert_close(k.rstd[p], 1 / sqrt(vx + INSTANCE_NORM_EPS), 1e-5);
    }
    /* a constant plane comes out as its shift, not NaN */
    float flat[4] = {3, 3, 3, 3}, one = 1.0f, shift = 0.25f, out[4], mean, rstd;
    instance_norm_forward(out, &mean, &rstd, flat, &one, &shift, 1, 1, 2, 2);
    const float want[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    assert_all_close_f("instance norm of a constant plane", out, want, 4, 0.0, 0.0);
    free(k.buf);
}

static void instance_norm_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 18);
    /* planes of 15 and 2 pixels */
    static const int cases[][4] = {{2, 3, 5, 3}, {3, 2, 1, 2}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int B = cases[t][0], C = cases[t][1], H = cases[t][2], W = cases[t][3];
        norm_case k;
        norm_case_init(&k, &rng, B, C, H, W);
        const size_t n = (size_t)B * C * H * W;
        float *din0 = randn(&rng, n), *ds0 = randn(&rng, (size_t)C), *db0 = randn(&rng, (size_t)C);
        float *din = copy_of(din0, n), *ds = copy_of(ds0, (size_t)C), *db = copy_of(db0, (size_t)C);
        norm_objective(&k); /* fills the cache */
        instance_norm_backward(din, ds, db, k.r, k.in, k.mean, k.rstd, k.scale, B, C, H, W);
        check_grad("instance norm din", din, din0, k.in, n, norm_objective, &k);
        check_grad("instance norm dscale", ds, ds0, k.scale, (size_t)C, norm_objective, &k);
        check_grad("instance norm dshift", db, db0, k.shift, (size_t)C, norm_objective, &k);

        /* din = NULL leaves the parameter gradients as they were; dscale =
         * dshift = NULL gives the same din */
        norm_objective(&k);
        float *ds2 = copy_of(ds0, (size_t)C), *db2 = copy_of(db0, (size_t)C), *din2 = copy_of(din0, n);
        instance_norm_backward(NULL, ds2, db2, k.r, k.in, k.mean, k.rstd, k.scale, B, C, H, W);
        instance_norm_backward(din2, NULL, NULL, k.r, k.in, k.mean, k.rstd, k.scale, B, C, H, W);
        assert_all_close_f("instance norm dscale with din NULL", ds2, ds, (size_t)C, 1e-6, 1e-6);
        assert_all_close_f("instance norm dshift with din NULL", db2, db, (size_t)C, 1e-6, 1e-6);
        assert_all_close_f("instance norm din with dscale NULL", din2, din, n, 1e-6, 1e-6);
        free(din2);
        free(db2);
        free(ds2);
        free(db);
        free(ds);
        free(din);
        free(db0);
        free(ds0);
        free(din0);
        free(k.buf);
    }
}

/* --- activations --- */

typedef struct {
    float *out, *in;
    float *r;
    size_t n;
    void (*forward)(float *, const float *, size_t);
} act_case;

static double act_objective(void *ctx)
{
    act_case *k = ctx;
    k->forward(k->out, k->in, k->n);
    return dot(k->r, k->out, k->n);
}

static void relu_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 10);
    const size_t n = 64;
    act_case k = {xmalloc(n * sizeof(float)), NULL, NULL, n, relu_forward};
    k.in = randn(&rng, n);
    k.r = randn(&rng, n);
    /* Keep every input at least 0.1 > H_FD away from the kink at 0. */
    for (size_t i = 0; i < n; i++)
        k.in[i] += k.in[i] >= 0.0f ? 0.1f : -0.1f;
    float *din0 = randn(&rng, n), *din = copy_of(din0, n);
    act_objective(&k);
    for (size_t i = 0; i < n; i++)
        assert_true(k.out[i] == (k.in[i] > 0.0f ? k.in[i] : 0.0f));
    relu_backward(din, k.r, k.out, n);
    check_grad("relu din", din, din0, k.in, n, act_objective, &k);
    /* relu_mask writes the same gradient, also in place: forward and
     * backward on one buffer, as the network runs it */
    float *mask = randn(&rng, n), *inplace = copy_of(k.in, n), *g = copy_of(k.r, n);
    relu_mask(mask, k.r, k.out, n);
    relu_forward(inplace, inplace, n);
    relu_mask(g, g, inplace, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(inplace[i] == k.out[i]);
        assert_true(mask[i] == (k.out[i] > 0.0f ? k.r[i] : 0.0f) && g[i] == mask[i]);
    }
    free(g);
    free(inplace);
    free(mask);
    free(din);
    free(din0);
    free(k.r);
    free(k.in);
    free(k.out);
}

static void sigmoid_backward_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 11);
    const size_t n = 64;
    act_case k = {xmalloc(n * sizeof(float)), NULL, NULL, n, sigmoid_forward};
    k.in = randn(&rng, n);
    k.r = randn(&rng, n);
    for (size_t i = 0; i < n; i++)
        k.in[i] *= 3.0f;
    float *din0 = randn(&rng, n), *din = copy_of(din0, n);
    act_objective(&k);
    sigmoid_backward(din, k.r, k.out, n);
    check_grad("sigmoid din", din, din0, k.in, n, act_objective, &k);
    free(din);
    free(din0);
    free(k.r);
    free(k.in);
    free(k.out);
}

/* Far in either tail the naive 1/(1+exp(-x)) overflows exp; the stable
 * form must give exactly 0 or 1 and never NaN. */
static void sigmoid_forward_is_stable(void **state)
{
    (void)state;
    const float in[5] = {-1000.0f, -100.0f, 0.0f, 100.0f, 1000.0f};
    float out[5];
    sigmoid_forward(out, in, 5);
    const float want[5] = {0.0f, 0.0f, 0.5f, 1.0f, 1.0f};
    assert_all_close_f("sigmoid tails", out, want, 5, 1e-30, 0.0);
    const float x = 1.5f;
    float s;
    sigmoid_forward(&s, &x, 1);
    assert_close(s, 1.0 / (1.0 + exp(-1.5)), 1e-7);
}

/* --- losses --- */

typedef struct {
    float *z;
    const float *t;
    const int *labels;
    int B, K;
} loss_case;

static double xent_objective(void *ctx)
{
    loss_case *k = ctx;
    return softmax_xent(NULL, NULL, k->z, k->labels, k->B, k->K);
}

static double bce_objective(void *ctx)
{
    loss_case *k = ctx;
    return bce_logits(NULL, k->z, k->t, k->B, (size_t)k->K);
}

static double mse_objective(void *ctx)
{
    loss_case *k = ctx;
    return mse_loss(NULL, k->z, k->t, k->B, (size_t)k->K);
}

static void softmax_xent_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 12);
    enum { B = 4, K = 5 };
    const int labels[B] = {0, 3, 4, 3};
    loss_case k = {randn(&rng, B * K), NULL, labels, B, K};
    float dz[B * K], probs[B * K];
    memset(dz, 0xff, sizeof dz); /* the gradient is written, not accumulated */
    const double loss = softmax_xent(dz, probs, k.z, labels, B, K);

    double want = 0.0;
    for (int n = 0; n < B; n++) {
        double sum = 0.0, psum = 0.0;
        for (int j = 0; j < K; j++)
            sum += exp(k.z[n * K + j]);
        for (int j = 0; j < K; j++) {
            assert_close(probs[n * K + j], exp(k.z[n * K + j]) / sum, 1e-6);
            psum += probs[n * K + j];
        }
        assert_close(psum, 1.0, 1e-6);
        want += -log(exp(k.z[n * K + labels[n]]) / sum) / B;
    }
    assert_close(loss, want, 1e-6);

    const float zero[B * K] = {0};
    check_grad("softmax_xent dlogits", dz, zero, k.z, B * K, xent_objective, &k);
    free(k.z);
}

/* Logits of +-1000 overflow a naive exp; the max-shift keeps them exact. */
static void softmax_xent_is_stable(void **state)
{
    (void)state;
    const float z[3] = {1000.0f, -1000.0f, 999.0f};
    const int label = 2;
    float dz[3], probs[3];
    const double loss = softmax_xent(dz, probs, z, &label, 1, 3);
    assert_close(loss, log1p(exp(-1.0)) + 1.0, 1e-6);
    const double p0 = 1.0 / (1.0 + exp(-1.0));
    assert_close(probs[0], p0, 1e-6);
    assert_close(probs[1], 0.0, 1e-30);
    assert_close(dz[2], (1.0 - p0) - 1.0, 1e-6);
}

static void bce_logits_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 13);
    enum { B = 3, F = 7 };
    float t[B * F];
    for (int i = 0; i < B * F; i++)
        t[i] = (float)rng_uniform(&rng);
    t[0] = 0.0f;
    t[1] = 1.0f;
    loss_case k = {randn(&rng, B * F), t, NULL, B, F};
    for (int i = 0; i < B * F; i++)
        k.z[i] *= 3.0f;
    float dz[B * F];
    memset(dz, 0xff, sizeof dz);
    const double loss = bce_logits(dz, k.z, t, B, F);

    double want = 0.0;
    for (int i = 0; i < B * F; i++) {
        const double s = 1.0 / (1.0 + exp(-(double)k.z[i]));
        want -= (t[i] * log(s) + (1.0 - t[i]) * log(1.0 - s)) / B;
    }
    assert_close(loss, want, 1e-6 * fabs(want));

    const float zero[B * F] = {0};
    check_grad("bce_logits dz", dz, zero, k.z, B * F, bce_objective, &k);
    free(k.z);
}

/* |z| = 100 makes log(sigmoid) -inf in float and exp(z) overflow in the
 * naive form; the stable form gives the exact softplus values. */
static void bce_logits_is_stable(void **state)
{
    (void)state;
    const float z[4] = {100.0f, -100.0f, 100.0f, -100.0f}, t[4] = {1, 0, 0, 1};
    float dz[4];
    const double loss = bce_logits(dz, z, t, 1, 4);
    assert_close(loss, 200.0 + 4.0 * log1p(exp(-100.0)), 1e-9);
    const float want[4] = {0.0f, 0.0f, 1.0f, -1.0f};
    assert_all_close_f("bce_logits dz in the tails", dz, want, 4, 1e-30, 0.0);
}

static void mse_loss_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 14);
    enum { B = 3, F = 6 };
    float *t = randn(&rng, B * F);
    loss_case k = {randn(&rng, B * F), t, NULL, B, F};
    float dp[B * F];
    memset(dp, 0xff, sizeof dp);
    const double loss = mse_loss(dp, k.z, t, B, F);
    double want = 0.0;
    for (int i = 0; i < B * F; i++)
        want += ((double)k.z[i] - t[i]) * ((double)k.z[i] - t[i]) / B;
    assert_close(loss, want, 1e-9 * want);

    const float zero[B * F] = {0};
    check_grad("mse_loss dpred", dp, zero, k.z, B * F, mse_objective, &k);
    free(k.z);
    free(t);
}

/* --- latent-space losses: contrastive pairs, KL, reparameterisation --- */

typedef struct {
    float *z;
    const int *labels;
    int B, Z;
    float margin;
} pair_case;

static double pair_objective(void *ctx)
{
    pair_case *k = ctx;
    return contrastive_loss(NULL, k->z, k->labels, k->B, k->Z, k->margin);
}

/* The loss by its definition, pair by pair, for comparison. */
static double pair_loss_direct(const float *z, const int *labels, int B, int Z, double M)
{
    double sum = 0.0;
    int n = 0;
    for (int i = 0; i < B; i++)
        for (int j = i + 1; j < B; j++, n++) {
            double d2 = 0.0;
            for (int k = 0; k < Z; k++)
                d2 += ((double)z[i * Z + k] - z[j * Z + k]) * ((double)z[i * Z + k] - z[j * Z + k]);
            const double gap = M - sqrt(d2);
            sum += labels[i] == labels[j] ? d2 : gap > 0 ? gap * gap : 0.0;
        }
    return n ? sum / (2.0 * n) : 0.0;
}

/* Eight latents (Z = 3, margin 1) placed so that the batch holds every
 * case: a same-class pair at D = 0.0011 (0, 1) and others far apart;
 * different-class pairs inside the margin, one of them at D = 0.047
 * (2, 7) where the hinge's gradient turns fastest, and 13 beyond the
 * margin. No different-class pair is within 4h of D = 0 or D = M, where
 * the hinge is not twice differentiable and a central difference of step
 * h would straddle the kink (distances in the comments of the test). */
static void contrastive_loss_gradcheck(void **state)
{
    (void)state;
    enum { B = 8, Z = 3 };
    float z[B * Z] = {
        0.0f,  0.0f,  0.0f,  /* 0, class 0 */
        1e-3f, -5e-4f, 2e-4f, /* 1, class 0: D(0,1) = 0.0011 */
        0.5f,  0.2f,  -0.1f, /* 2, class 1: D(0,2) = 0.548 */
        3.0f,  1.0f,  0.0f,  /* 3, class 1: beyond the margin of 0, 1, 4-7 */
        -0.3f, 0.6f,  0.9f,  /* 4, class 2: D(0,4) = 1.12 */
        0.1f,  -0.6f, 0.1f,  /* 5, class 2: D(2,5) = 0.917 */
        1.2f,  -1.5f, 0.8f,  /* 6, class 0 */
        0.53f, 0.17f, -0.08f, /* 7, class 0: D(2,7) = 0.047 */
    };
    const int labels[B] = {0, 0, 1, 1, 2, 2, 0, 0};
    pair_case k = {z, labels, B, Z, 1.0f};
    int inside = 0, beyond = 0;
    for (int i = 0; i < B; i++)
        for (int j = i + 1; j < B; j++) {
            if (labels[i] == labels[j])
                continue;
            double d2 = 0.0;
            for (int c = 0; c < Z; c++)
                d2 += ((double)z[i * Z + c] - z[j * Z + c]) * ((double)z[i * Z + c] - z[j * Z + c]);
            const double d = sqrt(d2);
            assert_true(d > 4 * H_FD && fabs(d - 1.0) > 4 * H_FD); /* the placement holds */
            inside += d < 1.0;
            beyond += d > 1.0;
        }
    assert_int_equal(inside, 7);
    assert_int_equal(beyond, 13);

    float dz[B * Z];
    memset(dz, 0xff, sizeof dz); /* the gradient is written, not accumulated */
    const double loss = contrastive_loss(dz, z, labels, B, Z, 1.0f);
    const double want = pair_loss_direct(z, labels, B, Z, 1.0);
    assert_close(loss, want, 1e-12 * want);
    const float zero[B * Z] = {0};
    check_grad("contrastive_loss dz", dz, zero, z, B * Z, pair_objective, &k);
    /* the same-class pair at D = 0.0011 pulls its two ends together:
     * d/dz_0 of D^2 / (2N) is (z_0 - z_1) / N plus the other pairs' terms,
     * finite and small */
    for (int i = 0; i < B * Z; i++)
        assert_true(isfinite(dz[i]));
}

/* Coincident latents: a same-class pair at D = 0 costs nothing and pulls
 * nowhere; a different-class pair at D = 0 costs M^2 / (2N) and gets
 * gradient 0 rather than 0/0. A batch of one has no pairs, and pairs all
 * beyond the margin cost nothing. */
static void contrastive_loss_degenerate(void **state)
{
    (void)state;
    const float same[2 * 2] = {0.25f, -1.0f, 0.25f, -1.0f};
    const int l_same[2] = {3, 3}, l_diff[2] = {3, 4};
    float dz[2 * 2];
    assert_close(contrastive_loss(dz, same, l_same, 2, 2, 1.5f), 0.0, 0.0);
    for (int i = 0; i < 4; i++)
        assert_true(dz[i] == 0.0f);
    assert_close(contrastive_loss(dz, same, l_diff, 2, 2, 1.5f), 1.5 * 1.5 / 2.0, 1e-12);
    for (int i = 0; i < 4; i++)
        assert_true(dz[i] == 0.0f);
    /* three coincident latents of three classes: loss M^2 / 2, no NaN */
    const float three[3] = {2.0f, 2.0f, 2.0f};
    const int l3[3] = {0, 1, 2};
    float dz3[3];
    assert_close(contrastive_loss(dz3, three, l3, 3, 1, 1.0f), 0.5, 1e-12);
    for (int i = 0; i < 3; i++)
        assert_true(dz3[i] == 0.0f);
    /* a tiny but non-zero distance gets the full-size push, finite */
    const float tiny[2] = {0.0f, 1e-30f};
    float dzt[2];
    contrastive_loss(dzt, tiny, l_diff, 2, 1, 1.0f);
    assert_close(dzt[0], 1.0 - 1e-30, 1e-6); /* c (z0 - z1) = (M - D) / N, N = 1 */
    assert_close(dzt[1], -dzt[0], 0.0);
    /* one example: no pairs */
    dz[0] = dz[1] = 7.0f;
    assert_close(contrastive_loss(dz, same, l_same, 1, 2, 1.0f), 0.0, 0.0);
    assert_true(dz[0] == 0.0f && dz[1] == 0.0f);
    /* beyond the margin */
    const float far[2 * 2] = {0.0f, 0.0f, 3.0f, 4.0f}; /* D = 5 */
    assert_close(contrastive_loss(dz, far, l_diff, 2, 2, 4.9f), 0.0, 0.0);
    for (int i = 0; i < 4; i++)
        assert_true(dz[i] == 0.0f);
    assert_close(contrastive_loss(dz, far, l_diff, 2, 2, 6.0f), 0.5, 1e-12);
    assert_close(dz[2], -(6.0 - 5.0) * 3.0 / 5.0, 1e-6); /* pushed away along z1 - z0 */
}

typedef struct {
    float *h;
    const float *eps, *r;
    int B, Z;
    float beta;
} vae_case;

static double kl_objective(void *ctx)
{
    vae_case *k = ctx;
    return kl_normal(NULL, k->h, k->B, k->Z);
}

static void kl_normal_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 21);
    enum { B = 3, Z = 4 };
    vae_case k = {randn(&rng, B * 2 * Z), NULL, NULL, B, Z, 0.0f};
    float dh[B * 2 * Z];
    memset(dh, 0xff, sizeof dh);
    const double loss = kl_normal(dh, k.h, B, Z);
    double want = 0.0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Z; j++) {
            const double mu = k.h[b * 2 * Z + j], lv = k.h[b * 2 * Z + Z + j];
            /* KL of N(mu, s^2) from N(0, 1): log(1/s) + (s^2 + mu^2) / 2 - 1/2 */
            want += (-0.5 * lv + 0.5 * (exp(lv) + mu * mu) - 0.5) / B;
        }
    assert_close(loss, want, 1e-9 * fabs(want));
    const float zero[B * 2 * Z] = {0};
    check_grad("kl_normal dh", dh, zero, k.h, B * 2 * Z, kl_objective, &k);
    /* the prior itself costs nothing and is a stationary point */
    float h0[2 * 2] = {0.0f, 0.0f, 0.0f, 0.0f}, dh0[4];
    assert_close(kl_normal(dh0, h0, 1, 2), 0.0, 0.0);
    for (int i = 0; i < 4; i++)
        assert_true(dh0[i] == 0.0f);
    free(k.h);
}

/* <r, z(h)> at fixed eps */
static double reparam_objective(void *ctx)
{
    vae_case *k = ctx;
    float *z = xmalloc((size_t)k->B * k->Z * sizeof *z);
    reparam_forward(z, k->h, k->eps, k->B, k->Z);
    const double v = dot(k->r, z, (size_t)k->B * k->Z);
    free(z);
    return v;
}

/* The VAE's whole latent path as training uses it: L = <r, z> + beta KL,
 * z = mu + exp(logvar/2) eps, with r standing for dL/dz from the decoder. */
static double vae_objective(void *ctx)
{
    vae_case *k = ctx;
    return reparam_objective(ctx) + k->beta * kl_normal(NULL, k->h, k->B, k->Z);
}

static void reparam_gradcheck(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 22);
    enum { B = 3, Z = 4 };
    float *h = randn(&rng, B * 2 * Z), *eps = randn(&rng, B * Z), *r = randn(&rng, B * Z);
    vae_case k = {h, eps, r, B, Z, 0.7f};
    float z[B * Z];
    reparam_forward(z, h, eps, B, Z);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Z; j++)
            assert_close(z[b * Z + j],
                         h[b * 2 * Z + j] + exp(0.5 * h[b * 2 * Z + Z + j]) * eps[b * Z + j],
                         1e-6 * (1 + fabs(z[b * Z + j])));
    /* d<r,z>/dmu = r and d<r,z>/dlogvar = r eps exp(logvar/2)/2, accumulated */
    float *base = randn(&rng, B * 2 * Z), *dh = copy_of(base, B * 2 * Z);
    reparam_backward(dh, r, h, eps, B, Z);
    check_grad("reparam dh (mu and logvar)", dh, base, h, B * 2 * Z, reparam_objective, &k);
    /* with the KL term, as in training: dh = reparam_backward(dz) + beta dKL */
    float dkl[B * 2 * Z];
    kl_normal(dkl, h, B, Z);
    for (int i = 0; i < B * 2 * Z; i++)
        dh[i] = base[i] + k.beta * dkl[i];
    reparam_backward(dh, r, h, eps, B, Z);
    check_grad("reparam + beta KL dh", dh, base, h, B * 2 * Z, vae_objective, &k);
    /* eps = 0 makes z the mean: no gradient reaches logvar through z */
    const float eps0[B * Z] = {0};
    float dh0[B * 2 * Z];
    memset(dh0, 0, sizeof dh0);
    reparam_backward(dh0, r, h, eps0, B, Z);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Z; j++) {
            assert_true(dh0[b * 2 * Z + j] == r[b * Z + j]);
            assert_true(dh0[b * 2 * Z + Z + j] == 0.0f);
        }
    free(base);
    free(dh);
    free(h);
    free(eps);
    free(r);
}

/* --- adam --- */

static void adam_two_steps_by_hand(void **state)
{
    (void)state;
    const adam_cfg cfg = {0.1f, 0.9f, 0.999f, 1e-8f};
    float p[3] = {1.0f, -2.0f, 0.5f}, m[3] = {0}, v[3] = {0};
    /* Step 1, element 0 (g = 0.5): m = 0.1*0.5 = 0.05, v = 0.001*0.25 =
     * 2.5e-4; mhat = 0.05/0.1 = 0.5, vhat = 2.5e-4/0.001 = 0.25;
     * p = 1 - 0.1*0.5/(0.5 + 1e-8) = 0.9. The first step moves every
     * parameter by lr against the sign of its gradient: element 1 (g = -4)
     * goes to -1.9; element 2 (g = 0) does not move. */
    const float g1[3] = {0.5f, -4.0f, 0.0f};
    adam_update(p, g1, m, v, 3, &cfg, 1);
    const float want1[3] = {0.9f, -1.9f, 0.5f};
    assert_all_close_f("adam step 1", p, want1, 3, 1e-6, 0.0);
    /* Step 2, element 0 (g = -0.25): m = 0.045 - 0.025 = 0.02,
     * v = 0.999*2.5e-4 + 0.001*0.0625 = 3.1225e-4; bias corrections
     * 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999;
     * p = 0.9 - 0.1*(0.02/0.19)/sqrt(3.1225e-4/0.001999) = 0.8733662987.
     * Element 1 (g = 1): m = -0.36 + 0.1 = -0.26, v = 0.999*0.016 + 0.001
     * = 0.016984; p = -1.9 - 0.1*(-0.26/0.19)/sqrt(0.016984/0.001999)
     * = -1.8530531833. */
    const float g2[3] = {-0.25f, 1.0f, 0.0f};
    adam_update(p, g2, m, v, 3, &cfg, 2);
    const float want2[3] = {0.8733662987f, -1.8530531833f, 0.5f};
    assert_all_close_f("adam step 2", p, want2, 3, 1e-6, 0.0);
    const float want_m[3] = {0.02f, -0.26f, 0.0f}, want_v[3] = {3.1225e-4f, 0.016984f, 0.0f};
    /* 1 - 0.999f is 1.3e-5 off 0.001 in relative terms, so v is only that
     * close to the decimal hand value (the bias correction cancels it in p). */
    assert_all_close_f("adam m", m, want_m, 3, 1e-8, 1e-6);
    assert_all_close_f("adam v", v, want_v, 3, 1e-10, 1e-4);
}

/* --- the checks can fail --- */

/* A gradient check that cannot fail proves nothing. Two realistic bugs
 * must be rejected at the tolerance every check above uses: a 1% error in
 * one element of dense dw, and a conv backward that forgets to flip the
 * kernel (uses w rotated by 180 degrees for din). */
static void gradcheck_rejects_wrong_gradients(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 15);

    dense_case d;
    dense_case_init(&d, &rng, 3, 7, 5);
    const size_t n_w = 5 * 7;
    float *dw = xcalloc(n_w, sizeof *dw), *db = xcalloc(5, sizeof *db);
    dense_backward(NULL, dw, db, d.r, d.in, d.w, d.B, d.F, d.O);
    double *num = numeric_grad(d.w, n_w, dense_objective, &d);
    assert_int_equal(compare(dw, num, n_w, GRAD_ATOL, GRAD_RTOL).n_bad, 0);
    size_t big = 0;
    for (size_t i = 1; i < n_w; i++)
        big = fabsf(dw[i]) > fabsf(dw[big]) ? i : big;
    dw[big] *= 1.01f;
    assert_int_equal(compare(dw, num, n_w, GRAD_ATOL, GRAD_RTOL).n_bad, 1);
    free(num);
    free(db);
    free(dw);
    dense_case_free(&d);

    conv_case c;
    conv_case_init(&c, &rng, 2, 3, 5, 4, 2);
    const size_t n_in = (size_t)2 * 3 * 5 * 4, n_cw = 2 * 3 * 9;
    float *wflip = xmalloc(n_cw * sizeof *wflip);
    for (size_t i = 0; i < n_cw; i++)
        wflip[i] = c.w[i - i % 9 + (8 - i % 9)];
    float *din = xcalloc(n_in, sizeof *din), *cdw = xcalloc(n_cw, sizeof *cdw);
    float *cdb = xcalloc(2, sizeof *cdb);
    conv3x3_backward(din, cdw, cdb, c.r, c.in, wflip, c.col, c.B, c.C, c.H, c.W, c.OC);
    num = numeric_grad(c.in, n_in, conv_objective, &c);
    assert_true(compare(din, num, n_in, GRAD_ATOL, GRAD_RTOL).n_bad > n_in / 2);
    free(num);
    free(cdb);
    free(cdw);
    free(din);
    free(wflip);
    conv_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(double_products_match_loops),
        cmocka_unit_test(im2col_matches_definition),
        cmocka_unit_test(col2im_is_adjoint),
        cmocka_unit_test(conv3x3_sizes),
        cmocka_unit_test(conv3x3_forward_matches_direct),
        cmocka_unit_test(conv3x3_backward_gradcheck),
        cmocka_unit_test(dense_forward_matches_loops),
        cmocka_unit_test(dense_backward_gradcheck),
        cmocka_unit_test(maxpool2_forward_picks_max),
        cmocka_unit_test(maxpool2_backward_gradcheck),
        cmocka_unit_test(upsample2_forward_copies_blocks),
        cmocka_unit_test(upsample2_backward_gradcheck),
        cmocka_unit_test(avgpool2_forward_averages_windows),
        cmocka_unit_test(avgpool2_backward_gradcheck),
        cmocka_unit_test(instance_norm_forward_normalises),
        cmocka_unit_test(instance_norm_backward_gradcheck),
        cmocka_unit_test(relu_backward_gradcheck),
        cmocka_unit_test(sigmoid_backward_gradcheck),
        cmocka_unit_test(sigmoid_forward_is_stable),
        cmocka_unit_test(softmax_xent_gradcheck),
        cmocka_unit_test(softmax_xent_is_stable),
        cmocka_unit_test(bce_logits_gradcheck),
        cmocka_unit_test(bce_logits_is_stable),
        cmocka_unit_test(mse_loss_gradcheck),
        cmocka_unit_test(contrastive_loss_gradcheck),
        cmocka_unit_test(contrastive_loss_degenerate),
        cmocka_unit_test(kl_normal_gradcheck),
        cmocka_unit_test(reparam_gradcheck),
        cmocka_unit_test(adam_two_steps_by_hand),
        cmocka_unit_test(gradcheck_rejects_wrong_gradients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
