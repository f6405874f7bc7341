/* gmm.h - Gaussian mixture models in latent space: EM fit, BIC selection,
 * sampling.
 *
 * Data are n points of dimension d, float, row-major (n, d). Parameters are
 * held in double. Covariances are stored as their Cholesky factors:
 *   full: chol (k, d, d), row-major lower-triangular L with Sigma = L L^T
 *         (upper triangle zero);
 *   diag: chol (k, d), the standard deviations (Sigma = diag(chol^2)).
 * Fitting: k-means++ initialisation, EM with log-sum-exp responsibilities,
 * reg_covar added to every covariance diagonal, several restarts keeping
 * the best log-likelihood. Cholesky factorisation through LAPACKE_dpotrf. */
#ifndef LGC_GMM_H
#define LGC_GMM_H

#include "rng.h"

typedef enum { GMM_COV_FULL = 0, GMM_COV_DIAG = 1 } gmm_cov;

typedef struct {
    int k, d;
    gmm_cov cov;
    double *weights; /* (k), sum to 1 */
    double *means;   /* (k, d) */
    double *chol;    /* full: (k, d, d) lower L; diag: (k, d) std devs */
} gmm_t;

typedef struct {
    gmm_cov cov;
    int n_init;       /* restarts (k-means++ seeds), best kept */
    int max_iter;     /* EM iterations per restart */
    double tol;       /* stop when mean log-likelihood gains less */
    double reg_covar; /* added to covariance diagonals, in units of the
                         data's mean per-dimension variance */
} gmm_opts;

/* Defaults used by lgc compress (documented in README). */
void gmm_opts_default(gmm_opts *o);

/* Allocates parameter arrays for k components of dimension d (zeroed).
 * Free with gmm_free. */
void gmm_init(gmm_t *g, int k, int d, gmm_cov cov);
void gmm_free(gmm_t *g);

/* Number of free parameters p used by BIC:
 * full: (k-1) + k d + k d(d+1)/2;  diag: (k-1) + k d + k d. */
long gmm_n_params(int k, int d, gmm_cov cov);

/* Fits k components to x (n, d). Returns LGC_OK and fills *g (which the
 * caller frees with gmm_free), setting *loglik to the total log-likelihood;
 * or a negative lgc_status (n < 1, k < 1 or k > n, non-finite data,
 * LAPACKE failure that regularisation could not fix) with g left empty. */
int gmm_fit(gmm_t *g, double *loglik, const float *x, int n, int d, int k,
            const gmm_opts *o, rng_t *rng);

/* Fits k = 1..kmax (k <= n) and keeps the minimum BIC = p ln n - 2 ln L.
 * bic (kmax) receives each k's BIC (+inf where k > n was skipped); returns
 * the chosen k (>= 1) with *best filled, or a negative lgc_status. */
int gmm_select(gmm_t *best, double *bic, const float *x, int n, int d, int kmax,
               const gmm_opts *o, rng_t *rng);

/* Total log-likelihood of x (n, d) under g. */
double gmm_loglik(const gmm_t *g, const float *x, int n);

/* Draws n points into out (n, d): component by weight, then mean + L z. */
void gmm_sample(const gmm_t *g, float *out, int n, rng_t *rng);

/* Validates parameters read from a file: weights finite, >= 0, summing to
 * 1 within 1e-3; means finite; factors finite with positive diagonal.
 * Returns LGC_OK or LGC_EFORMAT (message via lgc_fail, prefixed by what). */
int gmm_validate(const gmm_t *g, const char *what);

/* k-means++ seeding: picks k distinct rows of x as centres (k, d). */
void kmeanspp_init(double *centres, const float *x, int n, int d, int k, rng_t *rng);

#endif
