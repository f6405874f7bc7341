/* gmm_params.c - allocation, parameter counting and validation of a
 * Gaussian mixture (fitting is in gmm_fit.c, sampling in gmm_sample.c). */
#include <math.h>
#include <stdlib.h>

#include "gmm.h"
#include "util.h"

void gmm_init(gmm_t *g, int k, int d, gmm_cov cov)
{
    size_t per = cov == GMM_COV_FULL ? (size_t)d * d : (size_t)d;
    g->k = k;
    g->d = d;
    g->cov = cov;
    g->weights = xcalloc((size_t)k, sizeof(double));
    g->means = xcalloc((size_t)k * d, sizeof(double));
    g->chol = xcalloc((size_t)k * per, sizeof(double));
}

void gmm_free(gmm_t *g)
{
    free(g->weights);
    free(g->means);
    free(g->chol);
    g->weights = g->means = g->chol = NULL;
    g->k = g->d = 0;
}

long gmm_n_params(int k, int d, gmm_cov cov)
{
    long cov_params = cov == GMM_COV_FULL ? (long)d * (d + 1) / 2 : d;
    return (k - 1) + (long)k * d + (long)k * cov_params;
}

int gmm_validate(const gmm_t *g, const char *what)
{
    if (g->k < 1 || g->d < 1)
        return lgc_fail(LGC_EFORMAT, "%s: mixture has no components", what);
    double sum = 0;
    for (int j = 0; j < g->k; j++) {
        double w = g->weights[j];
        if (!isfinite(w) || w < 0)
            return lgc_fail(LGC_EFORMAT, "%s: component %d has weight %g", what, j, w);
        sum += w;
    }
    if (fabs(sum - 1.0) > 1e-3)
        return lgc_fail(LGC_EFORMAT, "%s: mixture weights sum to %g, not 1", what, sum);
    for (size_t i = 0; i < (size_t)g->k * g->d; i++)
        if (!isfinite(g->means[i]))
            return lgc_fail(LGC_EFORMAT, "%s: mean is not finite", what);
    int d = g->d;
    for (int j = 0; j < g->k; j++) {
        if (g->cov == GMM_COV_DIAG) {
            const double *s = g->chol + (size_t)j * d;
            for (int i = 0; i < d; i++)
                if (!isfinite(s[i]) || s[i] <= 0)
                    return lgc_fail(LGC_EFORMAT,
                                    "%s: component %d has standard deviation %g", what, j, s[i]);
        } else {
            const double *L = g->chol + (size_t)j * d * d;
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++) {
                    double v = L[r * d + c];
                    if (!isfinite(v) || (c > r && v != 0))
                        return lgc_fail(LGC_EFORMAT,
                                        "%s: component %d Cholesky factor is not finite lower-triangular",
                                        what, j);
                    if (c == r && v <= 0)
                        return lgc_fail(LGC_EFORMAT,
                                        "%s: component %d covariance is not positive definite", what, j);
                }
        }
    }
    return LGC_OK;
}
