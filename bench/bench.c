/* bench.c - lgc's speed against the machine's, measured in one run.
 *
 * Prints one table and one JSON object (to the file given by --json):
 *  - sgemm GFLOP/s for every GEMM shape the default models run (per
 *    image for convolutions, per NET_CHUNK images for dense layers; one
 *    thread, as lgc runs them inside its OpenMP split) on each path,
 *    OpenBLAS and libxsmm, with the one lgc_sgemm_path chooses; and
 *    OpenBLAS on 2048^3 on all threads: the machine's sgemm rate;
 *  - autoencoder and judge training (the real loops, ae_train/judge_train,
 *    on MNIST-shaped random data): images/s, GFLOP/s counted as 3 x 2 x the
 *    forward multiply-adds of convolutions and dense layers (the convention
 *    of bench/torch_models.py), and that as a fraction of the sgemm rate;
 *  - with --parts layers: each layer's time, and the training step's time
 *    by kind of layer (convolution, pooling, dense, elementwise, Adam);
 *  - the per-class mixture fit, 10 classes x 6000 latents x d = 16,
 *    k = 1..10, full covariance, classes in parallel as in lgc compress.
 * scripts/bench.sh adds the whole-program figures (compress, sample). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "gemm_small.h"
#include "gmm.h"
#include "model.h"
#include "rng.h"
#include "threads.h"
#include "util.h"

static int n_threads = 2;

/* --- sgemm --- */

typedef struct {
    const char *where;
    int ta, tb, M, N, K;
} gemm_shape;

/* Operands of one product, filled with small fixed values. */
typedef struct {
    float *A, *B, *C;
} operands;

static operands operands_for(const gemm_shape *s)
{
    size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
    operands o = {xmalloc(na * sizeof(float)), xmalloc(nb * sizeof(float)),
                  xcalloc(nc, sizeof(float))};
    for (size_t i = 0; i < na; i++)
        o.A[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < nb; i++)
        o.B[i] = (float)(i % 5) * 0.1f;
    return o;
}

static void operands_free(operands *o)
{
    free(o->A);
    free(o->B);
    free(o->C);
}

/* GFLOP/s of one round of >= 0.1 s of the product on the given path. */
static double round_gflops(const gemm_shape *s, gemm_path path, const operands *o, float beta)
{
    long reps = 0;
    double t0 = now_seconds(), t;
    do {
        lgc_sgemm_on(path, s->ta, s->tb, s->M, s->N, s->K, o->A, o->B, beta, o->C, s->N);
        reps++;
    } while ((t = now_seconds() - t0) < 0.1);
    return 2.0 * s->M * s->N * s->K * reps / t / 1e9;
}

/* Best of 5 rounds on each path, the rounds of the paths interleaved so
 * that a slow spell of the shared machine hits both alike. rate[GEMM_BLAS]
 * and rate[GEMM_SMALL]; the latter NAN when libxsmm cannot run the
 * product (or lgc was built without it). */
static void sgemm_rates(const gemm_shape *s, int threads, float beta, double rate[2])
{
    threads_blas_only(threads);
    operands o = operands_for(s);
    /* warm-up: JIT, first touch; also tells whether libxsmm runs it */
    lgc_sgemm_on(GEMM_BLAS, s->ta, s->tb, s->M, s->N, s->K, o.A, o.B, 0.0f, o.C, s->N);
    const int small = gemm_small_run(s->ta, s->tb, s->M, s->N, s->K, o.A, o.B, beta, o.C, s->N);
    rate[GEMM_BLAS] = 0;
    rate[GEMM_SMALL] = small ? 0 : NAN;
    for (int round = 0; round < 5; round++)
        for (int p = 0; p < 2; p++) {
            if (p == GEMM_SMALL && !small)
                continue;
            double g = round_gflops(s, (gemm_path)p, &o, beta);
            rate[p] = g > rate[p] ? g : rate[p];
        }
    operands_free(&o);
}

static double sgemm_gflops(const gemm_shape *s, int threads, float beta)
{
    double rate[2];
    sgemm_rates(s, threads, beta, rate);
    return rate[GEMM_BLAS];
}

/* The GEMMs a training step really runs, recorded through lgc_sgemm's
 * observer while one batch goes forward and backward on one thread: every
 * distinct (op, M, N, K, beta 0 or not) with its number of calls. */
typedef struct {
    gemm_shape s;
    int beta0;
    long calls;
} traced_gemm;

typedef struct {
    traced_gemm g[64];
    int n;
    const char *where;
} gemm_trace;

static void record_gemm(void *ctx, int ta, int tb, int M, int N, int K, float beta)
{
    gemm_trace *t = ctx;
    for (int i = 0; i < t->n; i++) {
        const gemm_shape *s = &t->g[i].s;
        if (s->ta == ta && s->tb == tb && s->M == M && s->N == N && s->K == K &&
            t->g[i].beta0 == (beta == 0.0f)) {
            t->g[i].calls++;
            return;
        }
    }
    if (t->n < 64)
        t->g[t->n++] = (traced_gemm){{t->where, ta, tb, M, N, K}, beta == 0.0f, 1};
}

/* Forward multiply-adds of one image. */
static double forward_macs(const net *nt)
{
    double macs = 0;
    for (int i = 0; i < nt->n_layers; i++) {
        const layer *L = &nt->layers[i];
        if (L->spec.type == LAYER_CONV3)
            macs += (double)tshape_size(L->out) * L->in.c * 9;
        else if (L->spec.type == LAYER_DENSE)
            macs += (double)tshape_size(L->out) * tshape_size(L->in);
    }
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

static const tshape img = {1, 28, 28};

/* The default models, built for batches up to `batch`, parameters drawn. */
static void build_ae(net *enc, net *dec, int batch)
{
    ae_arch a = {.latent = AE_DEFAULT_LATENT, .c1 = AE_DEFAULT_C1, .c2 = AE_DEFAULT_C2};
    layer_spec es[AE_MAX_LAYERS], dsp[AE_MAX_LAYERS];
    int ne = ae_encoder_specs(es, img, &a), nd = ae_decoder_specs(dsp, img, &a);
    net_init(enc, img, es, ne, batch);
    net_init(dec, (tshape){a.latent, 1, 1}, dsp, nd, batch);
    rng_t rng;
    rng_seed(&rng, 1);
    net_init_params(enc, &rng);
    net_init_params(dec, &rng);
}

static void build_judge(net *judge, int batch)
{
    layer_spec js[AE_MAX_LAYERS];
    int nj = judge_specs(js, img, 10);
    net_init(judge, img, js, nj, batch);
    rng_t rng;
    rng_seed(&rng, 2);
    net_init_params(judge, &rng);
}

static double bench_ae(const dataset *ds)
{
    net enc, dec;
    build_ae(&enc, &dec, 128);
    train_opts o = {1, 128, 1e-3f, 1, 1, 0, NULL};
    double t0 = now_seconds(), loss;
    ae_train(&enc, &dec, ds, &o, NULL, &loss, NULL);
    double ips = ds->n / (now_seconds() - t0);
    net_free(&enc);
    net_free(&dec);
    return ips;
}

static double bench_judge(const dataset *ds)
{
    net judge;
    build_judge(&judge, 64);
    train_opts o = {1, 64, 1e-3f, 1, 1, 0, NULL};
    double t0 = now_seconds();
    judge_train(&judge, ds, &o);
    double ips = ds->n / (now_seconds() - t0);
    net_free(&judge);
    return ips;
}

/* One training batch of each model on one thread with the GEMM observer
 * on: the shapes and call counts of a real step. */
static void trace_ae(gemm_trace *t, const float *x, int B)
{
    net enc, dec;
    build_ae(&enc, &dec, B);
    ae_work w;
    ae_work_init(&w, &enc, &dec, B, NULL, NULL, enc.in);
    t->where = "autoencoder";
    lgc_sgemm_observe(record_gemm, t);
    ae_batch(&enc, &dec, x, NULL, NULL, B, NULL, &w, NULL);
    lgc_sgemm_observe(NULL, NULL);
    ae_work_free(&w);
    net_free(&enc);
    net_free(&dec);
}

static void trace_judge(gemm_trace *t, const float *x, const int *labels, int B)
{
    net judge;
    build_judge(&judge, B);
    float *dlogits = xmalloc((size_t)B * 10 * sizeof(float));
    t->where = "judge";
    lgc_sgemm_observe(record_gemm, t);
    const float *logits = net_forward(&judge, x, B, judge.n_layers);
    softmax_xent(dlogits, NULL, logits, labels, B, 10);
    net_zero_grad(&judge);
    net_backward(&judge, x, dlogits, B, judge.n_layers, 0);
    lgc_sgemm_observe(NULL, NULL);
    free(dlogits);
    net_free(&judge);
}

/* Seconds on one thread that the traced GEMMs of one batch take at the
 * rates of the path lgc_sgemm chooses: the step's floor if nothing but the
 * GEMMs cost time. rate[i][path] receives both paths' rates. */
static double trace_floor(const gemm_trace *t, double (*rate)[2])
{
    double secs = 0;
    for (int i = 0; i < t->n; i++) {
        const traced_gemm *g = &t->g[i];
        const float beta = g->beta0 ? 0.0f : 1.0f;
        sgemm_rates(&g->s, 1, beta, rate[i]);
        const gemm_path p = lgc_sgemm_path(g->s.ta, g->s.tb, g->s.M, g->s.N, g->s.K, beta);
        const double chosen = isnan(rate[i][p]) ? rate[i][GEMM_BLAS] : rate[i][p];
        secs += g->calls * 2.0 * g->s.M * g->s.N * g->s.K / (chosen * 1e9);
    }
    return secs;
}

/* Per-layer time on one thread for one chunk of NET_CHUNK images: each
 * layer alone, forward and backward. The machine is shared and has slow
 * spells longer than one layer's timing loop, so the layers are timed in
 * turn, round after round, and each keeps its best round. */
static double time_layer(net *nt, const float *x, int i, int backward, int want_din)
{
    double t0 = now_seconds();
    if (backward)
        net_layer_backward(nt, i, x, NET_CHUNK, want_din);
    else
        net_layer_forward(nt, i, x, NET_CHUNK);
    return now_seconds() - t0;
}

/* Where a training step's time goes, by kind of layer (microseconds per
 * image, forward + backward): convolutions (their GEMMs, im2col/col2im,
 * bias), pooling, dense layers, the elementwise rest (activations,
 * upsampling), and the Adam update. */
enum { SPLIT_CONV, SPLIT_POOL, SPLIT_DENSE, SPLIT_ELEMENTWISE, SPLIT_ADAM, SPLIT_KINDS };
static const char *const split_names[SPLIT_KINDS] = {"conv", "pooling", "dense",
                                                     "elementwise", "Adam"};

static int split_kind(layer_type t)
{
    return t == LAYER_CONV3      ? SPLIT_CONV
           : t == LAYER_MAXPOOL2 ? SPLIT_POOL
           : t == LAYER_DENSE    ? SPLIT_DENSE
                                 : SPLIT_ELEMENTWISE;
}

/* Adam over the net's parameters, best of 50 steps, per image of a batch
 * of `batch`. */
static double adam_us_per_image(net *nt, int batch)
{
    adam_cfg cfg = {1e-3f, 0.9f, 0.999f, 1e-8f};
    double best = 1e30;
    for (int r = 0; r < 50; r++) {
        double t0 = now_seconds();
        net_adam_step(nt, &cfg);
        double t = now_seconds() - t0;
        best = t < best ? t : best;
    }
    return best / batch * 1e6;
}

static void print_split(const char *model, const double *us)
{
    double total = 0;
    for (int k = 0; k < SPLIT_KINDS; k++)
        total += us[k];
    printf("%-11s", model);
    for (int k = 0; k < SPLIT_KINDS; k++)
        printf("  %s %.1f (%.0f%%)", split_names[k], us[k], 100 * us[k] / total);
    printf("  = %.1f us/image\n", total);
}

/* Adds each layer's best forward + backward time per image to split[]. */
static void profile_layers(const char *name, net *nt, int want_din, rng_t *rng, double *split)
{
    size_t n_in = tshape_size(nt->in) * NET_CHUNK;
    size_t n_out = tshape_size(net_out_shape(nt)) * NET_CHUNK;
    float *x = xmalloc(n_in * sizeof(float)), *dout = xmalloc(n_out * sizeof(float));
    for (size_t i = 0; i < n_in; i++)
        x[i] = (float)rng_uniform(rng);
    for (size_t i = 0; i < n_out; i++)
        dout[i] = (float)rng_normal(rng) * 1e-3f;
    /* fill every activation and every layer's output gradient once */
    net_forward(nt, x, NET_CHUNK, nt->n_layers);
    net_backward(nt, x, dout, NET_CHUNK, nt->n_layers, want_din);
    memcpy(nt->layers[nt->n_layers - 1].dact, dout, n_out * sizeof(float));
    double best[NET_MAX_LAYERS][2];
    for (int i = 0; i < nt->n_layers; i++)
        best[i][0] = best[i][1] = 1e30;
    for (int r = 0; r < 300; r++)
        for (int i = 0; i < nt->n_layers; i++)
            for (int bw = 0; bw < 2; bw++) {
                double t = time_layer(nt, x, i, bw, want_din);
                best[i][bw] = t < best[i][bw] ? t : best[i][bw];
            }
    for (int i = 0; i < nt->n_layers; i++) {
        const layer *L = &nt->layers[i];
        double f = best[i][0] / NET_CHUNK * 1e6, b = best[i][1] / NET_CHUNK * 1e6;
        double macs = 0;
        if (L->spec.type == LAYER_CONV3)
            macs = (double)tshape_size(L->out) * L->in.c * 9;
        else if (L->spec.type == LAYER_DENSE)
            macs = (double)tshape_size(L->out) * tshape_size(L->in);
        split[split_kind(L->spec.type)] += f + b;
        char shape[48];
        snprintf(shape, sizeof shape, "%dx%dx%d -> %dx%dx%d", L->in.c, L->in.h, L->in.w,
                 L->out.c, L->out.h, L->out.w);
        printf("%-11s %2d %-10s %-24s %8.1f %8.1f", name, i, layer_type_name(L->spec.type),
               shape, f, b);
        if (macs > 0)
            printf("  %6.1f", 6 * macs / ((f + b) * 1e-6) / 1e9);
        printf("\n");
    }
    free(x);
    free(dout);
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
    threads_set(n_threads);
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

static void print_trace(const gemm_trace *t, const double (*rate)[2], int B, FILE *js,
                        int *first)
{
    for (int i = 0; i < t->n; i++) {
        const traced_gemm *g = &t->g[i];
        const gemm_shape *s = &g->s;
        const float beta = g->beta0 ? 0.0f : 1.0f;
        const gemm_path p = lgc_sgemm_path(s->ta, s->tb, s->M, s->N, s->K, beta);
        const double blas = rate[i][GEMM_BLAS], small = rate[i][GEMM_SMALL];
        const double chosen = p == GEMM_SMALL && !isnan(small) ? small : blas;
        char small_text[16] = "-";
        if (!isnan(small))
            snprintf(small_text, sizeof small_text, "%.1f", small);
        printf("%-11s %c%c  %6d %6d %6d  %4s %9.2f  %8.1f %8s  %-8s %8.2f\n", s->where,
               s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N, s->K, g->beta0 ? "0" : "1",
               (double)g->calls / B, blas, small_text,
               p == GEMM_SMALL && !isnan(small) ? "libxsmm" : "OpenBLAS", chosen / blas);
        if (js)
            fprintf(js, "%s{\"net\": \"%s\", \"op\": \"%c%c\", \"M\": %d, \"N\": %d, "
                        "\"K\": %d, \"beta\": %d, \"calls_per_image\": %.4f, \"gflops\": %.2f, "
                        "\"gflops_openblas\": %.2f, \"gflops_libxsmm\": %s, \"path\": \"%s\"}",
                    *first ? "" : ", ", s->where, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M,
                    s->N, s->K, g->beta0 ? 0 : 1, (double)g->calls / B, chosen, blas,
                    isnan(small) ? "null" : small_text,
                    p == GEMM_SMALL && !isnan(small) ? "libxsmm" : "openblas");
        *first = 0;
    }
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
            fprintf(stderr, "usage: bench [--images N] [--threads T] "
                            "[--parts gemm,train|ae|judge,layers,gmm] [--json FILE]\n");
            return 2;
        }
    }
    if (images < 256 || n_threads < 1) {
        fprintf(stderr, "bench: --images must be >= 256 and --threads >= 1\n");
        return 2;
    }
    FILE *js = json_path ? fopen(json_path, "w") : NULL;
    if (json_path && !js) {
        fprintf(stderr, "bench: cannot write '%s'\n", json_path);
        return 1;
    }
    rng_t rng;
    rng_seed(&rng, 4);
    dataset ds;
    random_dataset(&ds, images, &rng);
    enum { AE_B = 128, JUDGE_B = 64 };
    float *x = xmalloc((size_t)AE_B * 784 * sizeof(float));
    int *labels = xmalloc(AE_B * sizeof(int));
    int idx[AE_B];
    for (int i = 0; i < AE_B; i++)
        idx[i] = i;
    dataset_batch(x, &ds, idx, AE_B);
    dataset_batch_labels(labels, &ds, idx, AE_B);

    /* --- the machine's sgemm rate, and the GEMMs of one training step --- */
    /* --parts without gemm (for profiling) skips the reference too */
    const int gemm = strstr(parts, "gemm") != NULL;
    gemm_shape big = {"reference", 0, 0, 2048, 2048, 2048};
    double peak = NAN, peak1 = NAN, ae_floor = NAN, judge_floor = NAN;
    if (js)
        fprintf(js, "{\"threads\": %d, ", n_threads);
    if (gemm) {
        peak = sgemm_gflops(&big, n_threads, 1.0f);
        peak1 = sgemm_gflops(&big, 1, 1.0f);
        printf("sgemm 2048^3: %.1f GFLOP/s on %d threads, %.1f on 1 thread\n\n", peak,
               n_threads, peak1);
        threads_set(1);
        gemm_trace ta = {.n = 0}, tj = {.n = 0};
        trace_ae(&ta, x, AE_B);
        trace_judge(&tj, x, labels, JUDGE_B);
        double rate_a[64][2], rate_j[64][2];
        ae_floor = trace_floor(&ta, rate_a) / AE_B;
        judge_floor = trace_floor(&tj, rate_j) / JUDGE_B;
        printf("GEMMs of one training step, as run (one thread, per chunk of %d images)\n",
               NET_CHUNK);
        printf("%-11s %-3s %6s %6s %6s  %4s %9s  %8s %8s  %-8s %8s\n", "model", "op", "M", "N",
               "K", "beta", "per image", "OpenBLAS", "libxsmm", "chosen", "speedup");
        if (js)
            fprintf(js, "\"sgemm_2048\": {\"gflops\": %.2f, \"gflops_1thread\": %.2f}, "
                        "\"gemms\": [",
                    peak, peak1);
        int first = 1;
        print_trace(&ta, rate_a, AE_B, js, &first);
        print_trace(&tj, rate_j, JUDGE_B, js, &first);
        if (js)
            fprintf(js, "], ");
    }

    threads_set(n_threads);
    double ae_macs, judge_macs;
    {
        net enc, dec, judge;
        build_ae(&enc, &dec, 1);
        build_judge(&judge, 1);
        ae_macs = forward_macs(&enc) + forward_macs(&dec);
        judge_macs = forward_macs(&judge);
        net_free(&enc);
        net_free(&dec);
        net_free(&judge);
    }
    const int train = strstr(parts, "train") != NULL;
    double ae_ips = train || strstr(parts, "ae") ? bench_ae(&ds) : 0;
    double judge_ips = train || strstr(parts, "judge") ? bench_judge(&ds) : 0;
    double ae_gf = ae_ips * 6 * ae_macs / 1e9, judge_gf = judge_ips * 6 * judge_macs / 1e9;
    /* the GEMM floor on T threads, if they split perfectly, against the
     * real time per image */
    double ae_gemm_share = ae_floor / n_threads * ae_ips;
    double judge_gemm_share = judge_floor / n_threads * judge_ips;
    printf("\n%-24s %9s %8s %9s %12s\n", "training (1 epoch)", "images/s", "GFLOP/s",
           "of sgemm", "GEMM share");
    printf("%-24s %9.0f %8.1f %8.1f%% %11.1f%%\n", "autoencoder, batch 128", ae_ips, ae_gf,
           100 * ae_gf / peak, 100 * ae_gemm_share);
    printf("%-24s %9.0f %8.1f %8.1f%% %11.1f%%\n", "judge, batch 64", judge_ips, judge_gf,
           100 * judge_gf / peak, 100 * judge_gemm_share);
    if (gemm)
        printf("(GEMM share: the time the step's GEMMs take at the rates above, split over %d "
               "threads,\n as a fraction of the measured time per image)\n",
               n_threads);

    if (strstr(parts, "layers")) {
        threads_set(1);
        printf("\nper layer, one thread, microseconds per image (chunks of %d)\n", NET_CHUNK);
        printf("%-11s %2s %-10s %-24s %8s %8s  %6s\n", "net", "#", "layer", "shape", "forward",
               "backward", "GFLOP/s");
        net enc, dec, judge;
        build_ae(&enc, &dec, NET_CHUNK);
        build_judge(&judge, NET_CHUNK);
        double ae_split[SPLIT_KINDS] = {0}, judge_split[SPLIT_KINDS] = {0};
        profile_layers("ae-encoder", &enc, 0, &rng, ae_split);
        profile_layers("ae-decoder", &dec, 1, &rng, ae_split);
        profile_layers("judge", &judge, 0, &rng, judge_split);
        ae_split[SPLIT_ADAM] = adam_us_per_image(&enc, AE_B) + adam_us_per_image(&dec, AE_B);
        judge_split[SPLIT_ADAM] = adam_us_per_image(&judge, JUDGE_B);
        printf("\ntraining step by kind of layer, one thread, microseconds per image "
               "(Adam per image of a batch of %d and %d)\n", AE_B, JUDGE_B);
        print_split("autoencoder", ae_split);
        print_split("judge", judge_split);
        net_free(&enc);
        net_free(&dec);
        net_free(&judge);
        threads_set(n_threads);
    }

    double gmm_secs = strstr(parts, "gmm") ? bench_gmm(10) : 0;
    if (strstr(parts, "gmm"))
        printf("\nmixtures, 10 classes x 6000 x d=16, k=1..10, full: %.2f s\n", gmm_secs);
    if (js) {
        /* fractions are null when the sgemm reference was not measured */
        char ae_of[32] = "null", judge_of[32] = "null", ae_sh[32] = "null", judge_sh[32] = "null";
        if (gemm) {
            snprintf(ae_of, sizeof ae_of, "%.4f", ae_gf / peak);
            snprintf(judge_of, sizeof judge_of, "%.4f", judge_gf / peak);
            snprintf(ae_sh, sizeof ae_sh, "%.4f", ae_gemm_share);
            snprintf(judge_sh, sizeof judge_sh, "%.4f", judge_gemm_share);
        }
        fprintf(js, "\"train\": {\"images\": %d, "
                    "\"ae\": {\"images_per_s\": %.1f, \"gflops\": %.2f, \"of_sgemm\": %s, "
                    "\"gemm_share\": %s, \"forward_macs\": %.0f}, "
                    "\"judge\": {\"images_per_s\": %.1f, \"gflops\": %.2f, \"of_sgemm\": %s, "
                    "\"gemm_share\": %s, \"forward_macs\": %.0f}}, \"gmm_fit_seconds\": %.3f}\n",
                images, ae_ips, ae_gf, ae_of, ae_sh, ae_macs, judge_ips, judge_gf, judge_of,
                judge_sh, judge_macs, gmm_secs);
        fclose(js);
    }
    free(x);
    free(labels);
    dataset_free(&ds);
    return 0;
}
