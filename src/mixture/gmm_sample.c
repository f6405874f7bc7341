/* gmm_sample.c - drawing latent vectors from a Gaussian mixture.
 *
 * Per point: one rng_uniform picks the component by cumulative weight,
 * then d rng_normal draws z give mean + L z (full) or mean + s .* z (diag).
 * The draw order is fixed, so a seed reproduces the same points. Sampling
 * feeds the decoder a batch at a time and is far cheaper than decoding, so
 * it stays a plain per-point loop. */
#include <assert.h>
#include <stdlib.h>

#include "gmm.h"
#include "util.h"

/* Component whose cumulative-weight interval holds u in [0, 1). Rounding
 * can leave the weights summing just below u; the last component with
 * positive weight then takes it, so a zero-weight component is never drawn. */
static int pick_component(const double *weights, int k, double u)
{
    double acc = 0;
    int last = -1;
    for (int j = 0; j < k; j++) {
        if (weights[j] <= 0)
            continue;
        last = j;
        acc += weights[j];
        if (u < acc)
            break;
    }
    assert(last >= 0 && "mixture has no positive weight");
    return last;
}

void gmm_sample(const gmm_t *g, float *out, int n, rng_t *rng)
{
    assert(g->k >= 1 && g->d >= 1 && n >= 0);
    int d = g->d;
    double *z = xmalloc((size_t)d * sizeof(double)); /* (d) */
    for (int i = 0; i < n; i++) {
        int j = pick_component(g->weights, g->k, rng_uniform(rng));
        for (int c = 0; c < d; c++)
            z[c] = rng_normal(rng);
        const double *mu = g->means + (size_t)j * d;
        float *o = out + (size_t)i * d;
        if (g->cov == GMM_COV_FULL) {
            const double *L = g->chol + (size_t)j * d * d;
            for (int r = 0; r < d; r++) {
                double v = mu[r];
                for (int c = 0; c <= r; c++)
                    v += L[r * d + c] * z[c];
                o[r] = (float)v;
            }
        } else {
            const double *s = g->chol + (size_t)j * d;
            for (int c = 0; c < d; c++)
                o[c] = (float)(mu[c] + s[c] * z[c]);
        }
    }
    free(z);
}
