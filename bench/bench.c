/* bench.c - lgc's speed against the machine's, measured in one run.
 *
 * Prints one table and one JSON object (to the file given by --json):
 *  - cblas_sgemm GFLOP/s for every GEMM shape the default models run (per
 *    image for convolutions, per NET_CHUNK images for dense layers; one
 *    thread, as lgc runs them inside its OpenMP split) and for 2048^3 on
 *    all threads: the machine's sgemm rate;
 *  - autoencoder and judge training (the real loops, ae_train/judge_train,
 *    on MNIST-shaped random data): images/s, GFLOP/s counted as 3 x 2 x the
 *    forward multiply-adds of convolutions and dense layers (the convention
 *    of ../shared/bench/torch_models.py), and that as a fraction of the
 *    sgemm rate;
 *  - the per-class mixture fit, 10 classes x 6000 latents x d = 16,
 *    k = 1..10, full covariance, classes in parallel as in lgc compress.
 * scripts/bench.sh adds the whole-program figures (compress, sample). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gemm.h"
#include "gmm.h"
#include "model.h"
#include "rng.h"
#include "util.h"

static int n_threads = 2;

static void set_threads_for_lgc(void)
{
    /* as cli_set_threads: OpenMP splits, BLAS single-threaded inside */
    openblas_set_num_threads(1);
#ifdef _OPENMP
    omp_set_num_threads(n_threads);
#endif
}

/* --- sgemm --- */

typedef struct {
    const char *where;
    int ta, tb, M, N, K;
} gemm_shape;

static double sgemm_gflops(const gemm_shape *s, int threads)
{
    openblas_set_num_threads(threads);
    size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
    float *A = xmalloc(na * sizeof(float)), *B = xmalloc(nb * sizeof(float));
    float *C = xcalloc(nc, sizeof(float));
    for (size_t i = 0; i < na; i++)
        A[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nb; i++)
        B[i] = (float)(i % 5) * 0.1f;
    double flop = 2.0 * s->M * s->N * s->K, best = 0;
    lgc_sgemm(s->ta, s->tb, s->M, s->N, s->K, A, B, 0.0f, C); /* warm-up */
    /* best of 5 rounds of >= 0.1 s each: the machine is shared and noisy */
    for (int round = 0; round < 5; round++) {
        long reps = 0;
        double t0 = now_seconds(), t;
        do {
            lgc_sgemm(s->ta, s->tb, s->M, s->N, s->K, A, B, 1.0f, C);
            reps++;
        } while ((t = now_seconds() - t0) < 0.1);
        double g = flop * reps / t / 1e9;
        best = g > best ? g : best;
    }
    free(A);
    free(B);
    free(C);
    return best;
}

/* The GEMMs a network runs in one training step, as net.c calls them. */
static int net_gemm_shapes(gemm_shape *out, const char *name, const layer_spec *specs, int n,
                           tshape in)
{
    net nt;
    if (net_init(&nt, in, specs, n, 1))
        return 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        const layer *L = &nt.layers[i];
        if (L->spec.type == LAYER_CONV3) {
            int HW = L->in.h * L->in.w, C9 = L->in.c * 9, OC = L->out.c;
            out[m++] = (gemm_shape){name, 0, 0, OC, HW, C9};
            out[m++] = (gemm_shape){name, 0, 1, OC, C9, HW};
            if (i > 0)
                out[m++] = (gemm_shape){name, 1, 0, C9, HW, OC};
        } else if (L->spec.type == LAYER_DENSE) {
            int F = (int)tshape_size(L->in), O = (int)tshape_size(L->out);
            out[m++] = (gemm_shape){name, 0, 1, NET_CHUNK, O, F};
            out[m++] = (gemm_shape){name, 1, 0, O, F, NET_CHUNK};
            if (i > 0)
                out[m++] = (gemm_shape){name, 0, 0, NET_CHUNK, F, O};
        }
    }
    net_free(&nt);
    return m;
}

/* Forward multiply-adds of one image. */
static double forward_macs(const layer_spec *specs, int n, tshape in)
{
    net nt;
    if (net_init(&nt, in, specs, n, 1))
        return 0;
    double macs = 0;
    for (int i = 0; i < n; i++) {
        const layer *L = &nt.layers[i];
        if (L->spec.type == LAYER_CONV3)
            macs += (double)tshape_size(L->out) * L->in.c * 9;
        else if (L->spec.type == LAYER_DENSE)
            macs += (double)tshape_size(L->out) * tshape_size(L->in);
    }
    net_free(&nt);
    return macs;
}

/* --- training --- */

static void random_dataset(dataset *ds, int n, rng_t *rng)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n, ds->h = 28, ds->w = 28, ds->c = 1, ds->n_classes = 10;
    ds->images = xmalloc((size_t)n * 784);
    ds->labels = xmalloc((size_t)n);
    for (size_t i = 0; i < (size_t)n * 784; i++)
        ds->images[i] = (uint8_t)rng_below(rng, 256);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)rng_below(rng, 10);
}

static double bench_ae(const dataset *ds)
{
    tshape img = {1, 28, 28};
    ae_arch a = {.latent = AE_DEFAULT_LATENT, .c1 = AE_DEFAULT_C1, .c2 = AE_DEFAULT_C2};
    layer_spec es[AE_MAX_LAYERS], dsp[AE_MAX_LAYERS];
    int ne = ae_encoder_specs(es, img, &a), nd = ae_decoder_specs(dsp, img, &a);
    net enc, dec;
    net_init(&enc, img, es, ne, 128);
    net_init(&dec, (tshape){a.latent, 1, 1}, dsp, nd, 128);
    rng_t rng;
    rng_seed(&rng, 1);
    net_init_params(&enc, &rng);
    net_init_params(&dec, &rng);
    train_opts o = {1, 128, 1e-3f, 1, 1};
    double t0 = now_seconds(), loss;
    ae_train(&enc, &dec, ds, &o, NULL, &loss, NULL);
    double ips = ds->n / (now_seconds() - t0);
    net_free(&enc);
    net_free(&dec);
    return ips;
}

static double bench_judge(const dataset *ds)
{
    tshape img = {1, 28, 28};
    layer_spec js[AE_MAX_LAYERS];
    int nj = judge_specs(js, img, 10);
    net judge;
    net_init(&judge, img, js, nj, 64);
    rng_t rng;
    rng_seed(&rng, 2);
    net_init_params(&judge, &rng);
    train_opts o = {1, 64, 1e-3f, 1, 1};
    double t0 = now_seconds();
    judge_train(&judge, ds, &o);
    double ips = ds->n / (now_seconds() - t0);
    net_free(&judge);
    return ips;
}

/* --- mixtures --- */

/* 10 classes of 6000 latents in d = 16, each a 5-component mixture bent by
 * x_c += 0.1 x_{c+1}^2 so that, like real latents, no k fits exactly. */
static double bench_gmm(int kmax)
{
    enum { classes = 10, n = 6000, d = 16 };
    float *x = xmalloc((size_t)classes * n * d * sizeof(float));
    rng_t rng;
    rng_seed(&rng, 3);
    for (int cl = 0; cl < classes; cl++) {
        float *xc = x + (size_t)cl * n * d;
        double mu[5][d];
        for (int j = 0; j < 5; j++)
            for (int c = 0; c < d; c++)
                mu[j][c] = 3.0 * rng_normal(&rng);
        for (int i = 0; i < n; i++) {
            int j = (int)rng_below(&rng, 5);
            for (int c = 0; c < d; c++)
                xc[i * d + c] = (float)(mu[j][c] + rng_normal(&rng));
            for (int c = 0; c < d; c++)
                xc[i * d + c] += 0.1f * xc[i * d + (c + 1) % d] * xc[i * d + (c + 1) % d];
        }
    }
    gmm_opts o;
    gmm_opts_default(&o);
    set_threads_for_lgc();
    double t0 = now_seconds();
#pragma omp parallel for schedule(dynamic, 1)
    for (int cl = 0; cl < classes; cl++) {
        rng_t r;
        rng_seed(&r, 100 + cl);
        gmm_t best;
        double bic[64];
        if (gmm_select(&best, bic, x + (size_t)cl * n * d, n, d, kmax, &o, &r) >= 1)
            gmm_free(&best);
    }
    double secs = now_seconds() - t0;
    free(x);
    return secs;
}

int main(int argc, char **argv)
{
    const char *json_path = NULL;
    int images = 20000;
    const char *parts = "gemm,train,gmm";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json_path = argv[++i];
        else if (!strcmp(argv[i], "--images") && i + 1 < argc)
            images = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--parts") && i + 1 < argc)
            parts = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            n_threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench [--images N] [--threads T] [--parts gemm,train|ae|judge,gmm] "
                            "[--json FILE]\n");
            return 2;
        }
    }
    if (images < 256 || n_threads < 1) {
        fprintf(stderr, "bench: --images must be >= 256 and --threads >= 1\n");
        return 2;
    }
    tshape img = {1, 28, 28};
    ae_arch a = {.latent = AE_DEFAULT_LATENT, .c1 = AE_DEFAULT_C1, .c2 = AE_DEFAULT_C2};
    layer_spec es[AE_MAX_LAYERS], dsp[AE_MAX_LAYERS], js[AE_MAX_LAYERS];
    int ne = ae_encoder_specs(es, img, &a), nd = ae_decoder_specs(dsp, img, &a);
    int nj = judge_specs(js, img, 10);
    tshape zin = {a.latent, 1, 1};

    gemm_shape shapes[64];
    int ns = 0;
    ns += net_gemm_shapes(shapes + ns, "ae-encoder", es, ne, img);
    ns += net_gemm_shapes(shapes + ns, "ae-decoder", dsp, nd, zin);
    ns += net_gemm_shapes(shapes + ns, "judge", js, nj, img);
    gemm_shape big = {"reference", 0, 0, 2048, 2048, 2048};
    /* --parts without gemm (for profiling) skips the reference too */
    int gemm = strstr(parts, "gemm") != NULL;
    double peak = gemm ? sgemm_gflops(&big, n_threads) : NAN;
    double peak1 = gemm ? sgemm_gflops(&big, 1) : NAN;
    FILE *js_out = json_path ? fopen(json_path, "w") : NULL;
    if (json_path && !js_out) {
        fprintf(stderr, "bench: cannot write '%s'\n", json_path);
        return 1;
    }
    printf("sgemm 2048^3: %.1f GFLOP/s on %d threads, %.1f on 1 thread\n\n", peak, n_threads,
           peak1);
    printf("%-11s %-3s %6s %6s %6s  %s\n", "gemm of", "op", "M", "N", "K", "GFLOP/s (1 thread)");
    if (js_out)
        fprintf(js_out, "{\"threads\": %d, \"sgemm_2048\": {\"gflops\": %.2f, \"gflops_1thread\": "
                        "%.2f}, \"gemm_shapes\": [",
                n_threads, gemm ? peak : 0.0, gemm ? peak1 : 0.0);
    for (int i = 0; i < ns && gemm; i++) {
        const gemm_shape *s = &shapes[i];
        double g = sgemm_gflops(s, 1);
        printf("%-11s %c%c  %6d %6d %6d  %.1f\n", s->where, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N',
               s->M, s->N, s->K, g);
        if (js_out)
            fprintf(js_out, "%s{\"net\": \"%s\", \"op\": \"%c%c\", \"M\": %d, \"N\": %d, \"K\": %d, "
                            "\"gflops\": %.2f}",
                    i ? ", " : "", s->where, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N,
                    s->K, g);
    }

    set_threads_for_lgc();
    rng_t rng;
    rng_seed(&rng, 4);
    dataset ds;
    random_dataset(&ds, images, &rng);
    double ae_macs = forward_macs(es, ne, img) + forward_macs(dsp, nd, zin);
    double judge_macs = forward_macs(js, nj, img);
    int train = strstr(parts, "train") != NULL;
    double ae_ips = train || strstr(parts, "ae") ? bench_ae(&ds) : 0;
    double judge_ips = train || strstr(parts, "judge") ? bench_judge(&ds) : 0;
    double ae_gf = ae_ips * 6 * ae_macs / 1e9, judge_gf = judge_ips * 6 * judge_macs / 1e9;
    printf("\n%-26s %10s %9s %9s\n", "training (1 epoch)", "images/s", "GFLOP/s", "of sgemm");
    printf("%-26s %10.0f %9.1f %8.1f%%\n", "autoencoder, batch 128", ae_ips, ae_gf,
           100 * ae_gf / peak);
    printf("%-26s %10.0f %9.1f %8.1f%%\n", "judge, batch 64", judge_ips, judge_gf,
           100 * judge_gf / peak);
    double gmm_secs = strstr(parts, "gmm") ? bench_gmm(10) : 0;
    printf("\nmixtures, 10 classes x 6000 x d=16, k=1..10, full: %.2f s\n", gmm_secs);
    if (js_out) {
        /* fractions are null when the sgemm reference was not measured */
        char ae_of[32] = "null", judge_of[32] = "null";
        if (gemm) {
            snprintf(ae_of, sizeof ae_of, "%.4f", ae_gf / peak);
            snprintf(judge_of, sizeof judge_of, "%.4f", judge_gf / peak);
        }
        fprintf(js_out, "], \"train\": {\"images\": %d, "
                        "\"ae\": {\"images_per_s\": %.1f, \"gflops\": %.2f, \"of_sgemm\": %s, "
                        "\"forward_macs\": %.0f}, "
                        "\"judge\": {\"images_per_s\": %.1f, \"gflops\": %.2f, \"of_sgemm\": %s, "
                        "\"forward_macs\": %.0f}}, \"gmm_fit_seconds\": %.3f}\n",
                images, ae_ips, ae_gf, ae_of, ae_macs, judge_ips, judge_gf, judge_of, judge_macs,
                gmm_secs);
        fclose(js_out);
    }
    dataset_free(&ds);
    return 0;
}
