/* mixtures.c - the pipeline's second stage (stages.h): one Gaussian
 * mixture per class, fitted to that class's latent codes, k by BIC. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmm.h"
#include "rng.h"
#include "stages.h"
#include "util.h"

/* Two latent codes are the same up to float rounding: identical images can
 * encode a few ulps apart when they sit at different positions of a batch
 * (BLAS may round a row differently depending on its neighbours). */
static int same_code(const float *a, const float *b, int d)
{
    /* rounding errors scale with the code's largest value, not each one's */
    float scale = 0.0f;
    for (int k = 0; k < d; k++)
        scale = fmaxf(scale, fmaxf(fabsf(a[k]), fabsf(b[k])));
    for (int k = 0; k < d; k++)
        if (fabsf(a[k] - b[k]) > 1e-5f * scale)
            return 0;
    return 1;
}

/* Warns (even when quiet: this is about the result, not progress) about
 * classes whose latents cannot determine a covariance: identical codes, or
 * for full covariances no more images than latent dimensions. gmm_fit's
 * regularisation (reg_covar) still gives them a valid, positive definite
 * mixture, but its spread then comes from the regulariser, not the data.
 * zc holds each class's latents (d floats each) from start[c] to
 * start[c + 1]. */
static void warn_degenerate(const float *zc, const size_t *start, int K, int d, gmm_cov cov)
{
    for (int c = 0; c < K; c++) {
        const float *z0 = zc + start[c] * d;
        size_t n = start[c + 1] - start[c], i = 1;
        while (i < n && same_code(z0, z0 + i * d, d))
            i++;
        if (n > 1 && i == n)
            fprintf(stderr,
                    "lgc compress: warning: the %zu images of class %d all have the same "
                    "latent code; its mixture is that point with a regularised spread\n",
                    n, c);
        else if (cov == GMM_COV_FULL && n <= (size_t)d)
            fprintf(stderr,
                    "lgc compress: warning: class %d has %zu images for %d latent dimensions; "
                    "its covariance is regularised (a smaller --latent or --cov diag fits it "
                    "better)\n",
                    c, n, d);
    }
}

/* In parallel, one class per thread with single-threaded BLAS inside. Each
 * class draws from its own rng seeded from (seed, class), so the result
 * does not depend on the thread count. */
int fit_mixtures(lgc_model *m, const float *z, int d, int kmax, const dataset *ds,
                 const compress_config *cfg, int warn)
{
    int K = ds->n_classes;
    long counts[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, ds);
    m->gmms = xcalloc((size_t)K, sizeof(gmm_t));
    m->kmax = kmax;
    m->bic = xcalloc((size_t)K * kmax, sizeof(double));
    /* Gather each class's latents contiguously. */
    size_t *start = xmalloc((size_t)(K + 1) * sizeof(size_t));
    start[0] = 0;
    for (int c = 0; c < K; c++)
        start[c + 1] = start[c] + (size_t)counts[c];
    float *zc = xmalloc((size_t)ds->n * d * sizeof(float));
    size_t *fill = xcalloc((size_t)K, sizeof(size_t));
    for (int i = 0; i < ds->n; i++) {
        int c = ds->labels[i];
        memcpy(zc + (start[c] + fill[c]++) * d, z + (size_t)i * d, (size_t)d * sizeof(float));
    }
    if (warn)
        warn_degenerate(zc, start, K, d, cfg->gmm.cov);
    int *status = xcalloc((size_t)K, sizeof(int));
    char **why = xcalloc((size_t)K, sizeof(char *)); /* each failing class's message */
    double t0 = now_seconds();
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < K; c++) {
        rng_t rng;
        rng_stream(&rng, cfg->train.seed, RNG_STREAM_MIXTURE_FIT, (uint64_t)c);
        int k = gmm_select(&m->gmms[c], m->bic + (size_t)c * kmax, zc + start[c] * d,
                           (int)counts[c], d, kmax, &cfg->gmm, &rng);
        status[c] = k < 0 ? k : LGC_OK;
        if (k < 0)
            why[c] = xstrdup(lgc_errmsg()); /* lgc_errmsg is per thread */
    }
    int st = LGC_OK;
    for (int c = 0; c < K && st == LGC_OK; c++)
        if (status[c])
            st = lgc_fail(status[c], "class %d mixture: %s", c, why[c]);
    for (int c = 0; c < K; c++)
        free(why[c]);
    free(why);
    if (!cfg->quiet && st == LGC_OK) {
        fprintf(stderr, "compress: mixtures (kmax %d) fitted in %.1f s, k per class:", kmax,
                now_seconds() - t0);
        for (int c = 0; c < K; c++)
            fprintf(stderr, " %d", m->gmms[c].k);
        fprintf(stderr, "\n");
    }
    free(start);
    free(zc);
    free(fill);
    free(status);
    return st;
}

/* Mean log-likelihood per class of the n codes z (labels from ds) under
 * m's class mixtures, into mean (n_classes); NaN for a class without
 * codes. */
static void class_mean_loglik(double *mean, const lgc_model *m, const float *z, const dataset *ds)
{
    long n[DATASET_MAX_CLASSES] = {0};
    for (int c = 0; c < m->n_classes; c++)
        mean[c] = 0.0;
    for (int i = 0; i < ds->n; i++) {
        int c = ds->labels[i];
        mean[c] += gmm_loglik(&m->gmms[c], z + (size_t)i * m->latent, 1);
        n[c]++;
    }
    for (int c = 0; c < m->n_classes; c++)
        mean[c] = n[c] ? mean[c] / n[c] : NAN;
}

void report_code_likelihood(const lgc_model *m, const trained_autoencoder *t,
                            const holdout_split *split, const compress_config *cfg)
{
    if (cfg->quiet || split->held.n == 0)
        return;
    double held[DATASET_MAX_CLASSES], train[DATASET_MAX_CLASSES];
    class_mean_loglik(held, m, t->z_held, &split->held);
    class_mean_loglik(train, m, t->z_train, &split->train);
    fprintf(stderr, "compress: mean log-likelihood of the codes under their class mixture, "
                    "held out / training, per class:");
    for (int c = 0; c < m->n_classes; c++) {
        if (isnan(held[c])) /* a class too small to hold one out */
            fprintf(stderr, " -/%.1f", train[c]);
        else
            fprintf(stderr, " %.1f/%.1f", held[c], train[c]);
    }
    fprintf(stderr, "\n");
}
