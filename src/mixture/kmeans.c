/* kmeans.c - k-means++ seeding (Arthur & Vassilvitskii 2007) for the EM
 * restarts in gmm_fit.c.
 *
 * Workload: n up to a few thousand latent vectors per class, d ~ 16,
 * k <= 10, so the O(n k d) distance updates are negligible next to EM and
 * are written as plain loops. Duplicate points are expected (collapsed
 * latents, tiny classes): once every unchosen row coincides with a centre
 * the D^2 mass is zero, and the next row is then drawn uniformly among the
 * unchosen ones instead of dividing by that zero mass. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "gmm.h"
#include "util.h"

/* Squared distance between row x (float) and centre c (double). */
static double dist2_row(const float *x, const double *c, int d)
{
    double s = 0;
    for (int t = 0; t < d; t++) {
        double v = (double)x[t] - c[t];
        s += v * v;
    }
    return s;
}

/* Copies row i of x into centre slot c and lowers every unchosen row's
 * squared distance to its nearest centre. dist2 < 0 marks a chosen row. */
static void add_centre(double *centres, double *dist2, const float *x, int n, int d, int c, int i)
{
    double *ctr = centres + (size_t)c * d;
    for (int t = 0; t < d; t++)
        ctr[t] = x[(size_t)i * d + t];
    dist2[i] = -1;
    for (int r = 0; r < n; r++) {
        if (dist2[r] < 0)
            continue;
        double dd = dist2_row(x + (size_t)r * d, ctr, d);
        if (dd < dist2[r])
            dist2[r] = dd;
    }
}

/* Returns the m-th (0-based) unchosen row. */
static int nth_unchosen(const double *dist2, int n, int m)
{
    for (int i = 0; i < n; i++)
        if (dist2[i] >= 0 && m-- == 0)
            return i;
    assert(0 && "fewer unchosen rows than counted");
    return -1;
}

void kmeanspp_init(double *centres, const float *x, int n, int d, int k, rng_t *rng)
{
    assert(n >= 1 && d >= 1 && k >= 1 && k <= n);
    double *dist2 = xmalloc((size_t)n * sizeof(double)); /* (n) */
    for (int i = 0; i < n; i++)
        dist2[i] = HUGE_VAL;
    add_centre(centres, dist2, x, n, d, 0, (int)rng_below(rng, (uint32_t)n));
    for (int c = 1; c < k; c++) {
        double mass = 0;
        for (int i = 0; i < n; i++)
            if (dist2[i] > 0)
                mass += dist2[i];
        int pick;
        if (mass > 0) {
            /* D^2 sampling. Rows at distance 0 (chosen ones, duplicates of a
             * centre) can never be picked; if rounding lets u reach the end
             * of the walk, the last row with positive mass is taken. */
            double u = rng_uniform(rng) * mass, acc = 0;
            pick = -1;
            for (int i = 0; i < n; i++) {
                if (dist2[i] <= 0)
                    continue;
                pick = i;
                acc += dist2[i];
                if (acc > u)
                    break;
            }
        } else {
            pick = nth_unchosen(dist2, n, (int)rng_below(rng, (uint32_t)(n - c)));
        }
        assert(pick >= 0 && dist2[pick] >= 0);
        add_centre(centres, dist2, x, n, d, c, pick);
    }
    free(dist2);
}
