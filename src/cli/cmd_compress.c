/* cmd_compress.c - `lgc compress DIR -o FILE`: train the autoencoder, encode
 * every training image, fit one Gaussian mixture per class (k by BIC), and
 * write the decoder and the mixtures to a .lgc file.
 *
 * Variants (docs/DESIGN.md): --model conv|mlp picks the architecture,
 * --vae makes it a variational autoencoder, --contrastive adds the pair
 * loss, --guide a fixed classifier's cross-entropy on the decoded images;
 * none changes the file format. --budget picks the latent size, the
 * widths, kmax and the precision of weights and mixtures so that the file
 * fits (see the section "byte budget" below). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli.h"
#include "dataset.h"
#include "gmm.h"
#include "lgcfile.h"
#include "model.h"
#include "quant.h"
#include "threads.h"
#include "util.h"

/* Defaults, printed by --help from these same constants. */
#define DEFAULT_EPOCHS 10
#define DEFAULT_BATCH 128
#define DEFAULT_LR 1e-3
#define DEFAULT_KMAX 4 /* why: README, "Why kmax 4" */
#define DEFAULT_SEED 1
#define DEFAULT_BETA 1.0
#define DEFAULT_MARGIN 1.0
#define DEFAULT_GUIDE 0.0 /* off: its gain on MNIST was within the noise (docs/RESULTS.md) */
#define MAX_WEIGHT 1e6 /* bound on --beta, --contrastive and --guide */
#define MAX_BUDGET (1L << 30) /* the .lgc reader's file limit */

typedef struct {
    const char *dir, *out;
    ae_arch arch;
    train_opts train;
    ae_loss_opts loss;
    int kmax;
    gmm_opts gmm;
    lgcf_dtype dtype, gmm_dtype;
    int threads;
    long budget; /* bytes; 0 = no budget */
    const char *latents; /* CSV of the training codes, or NULL */
} compress_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc compress <dataset-dir> -o <file.lgc> [<options>]\n\n"
            "Trains an autoencoder on the training split of <dataset-dir>\n"
            "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]), fits one\n"
            "Gaussian mixture per class to the latent codes (k chosen by BIC) and writes\n"
            "the decoder and the mixtures to <file.lgc>. The conv model needs height and\n"
            "width divisible by 4; the mlp model takes any size.\n\n"
            "options:\n"
            "  -o, --output <file>     output .lgc file (required)\n"
            "      --model (conv|mlp)  autoencoder: convolutional, or dense with one hidden\n"
            "                          layer of %d units [conv]\n"
            "      --latent <d>        latent dimension [%d]\n"
            "      --widths <c1>,<c2>  conv: channels of the two conv layers [%d,%d]\n"
            "      --hidden <n>        mlp: width of the hidden layers [%d]\n"
            "      --vae               variational: the encoder outputs a mean and a\n"
            "                          log-variance, z = mean + exp(logvar/2) * N(0,1);\n"
            "                          the mixtures are fitted to the means\n"
            "      --beta <b>          VAE only: weight of the KL term [%g]\n"
            "      --contrastive <w>   add w times the pair loss over all pairs of each\n"
            "                          batch: same class D^2, different class\n"
            "                          max(0, margin - D)^2 (on the means with --vae)\n"
            "      --margin <m>        with --contrastive: the margin [%g]\n"
            "      --guide <g>         add g times the cross-entropy of a classifier,\n"
            "                          trained first on the same images and not stored,\n"
            "                          on the decoded images against their labels;\n"
            "                          0 is off [%g]\n"
            "      --epochs <n>        training epochs [%d]\n"
            "      --batch <n>         batch size [%d]\n"
            "      --lr <rate>         Adam learning rate [%g]\n"
            "      --kmax <k>          largest mixture size tried per class [%d]\n"
            "      --cov (full|diag)   covariance type [full]\n"
            "      --weights (f16|f32|int8|int4)\n"
            "                          decoder weight precision in the file; int8 and int4\n"
            "                          have one f32 scale per output channel and f16\n"
            "                          biases; int4 trains the decoder for its rounding\n"
            "                          [int8]\n"
            "      --mixtures (f16|f32|int8)\n"
            "                          mixture means and Cholesky factors in the file;\n"
            "                          int8 has one f32 scale per mean and per factor\n"
            "                          [f16]\n"
            "      --budget <bytes>    make the file at most this size (suffix K = 1024,\n"
            "                          M = 1024^2): lgc picks --latent, --widths or\n"
            "                          --hidden, --kmax, --weights and --mixtures, and\n"
            "                          prints its choices\n"
            "      --latents <file>    also write every training image's latent code\n"
            "                          (a VAE's mean) as CSV: class,z1,...,zd\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "  -q, --quiet             no progress on stderr\n"
            "  -h, --help              show this help\n",
            AE_DEFAULT_HIDDEN, AE_DEFAULT_LATENT, AE_DEFAULT_C1, AE_DEFAULT_C2, AE_DEFAULT_HIDDEN,
            DEFAULT_BETA, DEFAULT_MARGIN, DEFAULT_GUIDE, DEFAULT_EPOCHS,
            DEFAULT_BATCH, DEFAULT_LR, DEFAULT_KMAX, DEFAULT_SEED);
}

/* A byte count: digits, optionally followed by K (x 1024) or M (x 1024^2),
 * either case. */
static int parse_bytes(long *out, const char *opt, const char *arg)
{
    char *end = NULL;
    long v = -1, mult = 1;
    errno = 0;
    if (*arg >= '0' && *arg <= '9') { /* strtol would accept a sign or spaces */
        v = strtol(arg, &end, 10);
        if (*end == 'K' || *end == 'k')
            mult = 1024, end++;
        else if (*end == 'M' || *end == 'm')
            mult = 1024 * 1024, end++;
    }
    if (v < 0 || errno || *end)
        return lgc_fail(LGC_EUSAGE,
                        "option '--%s' expects a byte count such as 32768, 32K or 1M, got '%s'",
                        opt, arg);
    if (v < 1 || v > MAX_BUDGET / mult)
        return lgc_fail(LGC_EUSAGE, "option '--%s' must be in 1..%ld bytes, got '%s'", opt,
                        MAX_BUDGET, arg);
    *out = v * mult;
    return LGC_OK;
}

/* --widths C1,C2: the conv autoencoder's two channel widths. */
static int parse_widths(ae_arch *a, const char *arg)
{
    char *end;
    errno = 0;
    long c1 = strtol(arg, &end, 10), c2 = -1;
    if (!errno && end != arg && *end == ',' && end[1] >= '0' && end[1] <= '9')
        c2 = strtol(end + 1, &end, 10);
    if (errno || c2 < 0 || *end)
        return lgc_fail(LGC_EUSAGE, "option '--widths' expects two numbers such as 16,32, got '%s'",
                        arg);
    if (c1 < 1 || c1 > AE_MAX_WIDTH || c2 < 1 || c2 > AE_MAX_WIDTH)
        return lgc_fail(LGC_EUSAGE, "option '--widths' takes widths in 1..%d, got '%s'",
                        AE_MAX_WIDTH, arg);
    a->c1 = (int)c1;
    a->c2 = (int)c2;
    return LGC_OK;
}

static int parse(compress_opts *o, int argc, char **argv)
{
    enum { OPT_LATENT = 256, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_KMAX, OPT_COV, OPT_WEIGHTS,
           OPT_MIXTURES, OPT_SEED, OPT_THREADS, OPT_MODEL, OPT_VAE, OPT_BETA, OPT_CONTRASTIVE,
           OPT_MARGIN, OPT_GUIDE, OPT_BUDGET, OPT_WIDTHS, OPT_HIDDEN, OPT_LATENTS };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},   {"latent", required_argument, 0, OPT_LATENT},
        {"epochs", required_argument, 0, OPT_EPOCHS}, {"batch", required_argument, 0, OPT_BATCH},
        {"lr", required_argument, 0, OPT_LR},    {"kmax", required_argument, 0, OPT_KMAX},
        {"cov", required_argument, 0, OPT_COV},  {"weights", required_argument, 0, OPT_WEIGHTS},
        {"mixtures", required_argument, 0, OPT_MIXTURES},
        {"seed", required_argument, 0, OPT_SEED}, {"threads", required_argument, 0, OPT_THREADS},
        {"model", required_argument, 0, OPT_MODEL}, {"vae", no_argument, 0, OPT_VAE},
        {"beta", required_argument, 0, OPT_BETA},
        {"contrastive", required_argument, 0, OPT_CONTRASTIVE},
        {"margin", required_argument, 0, OPT_MARGIN},
        {"guide", required_argument, 0, OPT_GUIDE},
        {"budget", required_argument, 0, OPT_BUDGET},
        {"widths", required_argument, 0, OPT_WIDTHS}, {"hidden", required_argument, 0, OPT_HIDDEN},
        {"latents", required_argument, 0, OPT_LATENTS},
        {"quiet", no_argument, 0, 'q'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->arch = (ae_arch){.latent = AE_DEFAULT_LATENT, .c1 = AE_DEFAULT_C1, .c2 = AE_DEFAULT_C2,
                        .kind = AE_CONV, .hidden = AE_DEFAULT_HIDDEN};
    o->train =
        (train_opts){DEFAULT_EPOCHS, DEFAULT_BATCH, (float)DEFAULT_LR, 0, DEFAULT_SEED, 0, NULL};
    o->loss = (ae_loss_opts){0, (float)DEFAULT_BETA, 0.0f, (float)DEFAULT_MARGIN,
                             (float)DEFAULT_GUIDE};
    o->kmax = DEFAULT_KMAX;
    gmm_opts_default(&o->gmm);
    o->dtype = LGCF_INT8; /* as good as f16 on MNIST, 38% smaller: README */
    o->gmm_dtype = LGCF_F16;
    /* options that only make sense with another, and those --budget sets */
    const char *beta_set = NULL, *margin_set = NULL, *chosen_set = NULL;
    const char *widths_set = NULL, *hidden_set = NULL;
    int st = LGC_OK, c;
    optind = 0; /* glibc: full reset, so cmd_* can run more than once */
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case OPT_LATENT:
            st = cli_parse_int(&o->arch.latent, "latent", optarg, 1, LGCF_MAX_LATENT);
            chosen_set = "--latent";
            break;
        case OPT_EPOCHS: st = cli_parse_int(&o->train.epochs, "epochs", optarg, 1, 100000); break;
        case OPT_BATCH: st = cli_parse_int(&o->train.batch, "batch", optarg, 1, 65536); break;
        case OPT_LR: st = cli_parse_float(&o->train.lr, "lr", optarg, 1e-8, 10); break;
        case OPT_KMAX:
            st = cli_parse_int(&o->kmax, "kmax", optarg, 1, LGCF_MAX_K);
            chosen_set = "--kmax";
            break;
        case OPT_COV:
            if (!strcmp(optarg, "full")) o->gmm.cov = GMM_COV_FULL;
            else if (!strcmp(optarg, "diag")) o->gmm.cov = GMM_COV_DIAG;
            else st = lgc_fail(LGC_EUSAGE, "option '--cov' expects full or diag, got '%s'", optarg);
            break;
        case OPT_WEIGHTS:
            if (!strcmp(optarg, "f16")) o->dtype = LGCF_F16;
            else if (!strcmp(optarg, "f32")) o->dtype = LGCF_F32;
            else if (!strcmp(optarg, "int8")) o->dtype = LGCF_INT8;
            else if (!strcmp(optarg, "int4")) o->dtype = LGCF_INT4;
            else st = lgc_fail(LGC_EUSAGE, "option '--weights' expects f16, f32, int8 or int4, got '%s'", optarg);
            chosen_set = "--weights";
            break;
        case OPT_MIXTURES:
            if (!strcmp(optarg, "f16")) o->gmm_dtype = LGCF_F16;
            else if (!strcmp(optarg, "f32")) o->gmm_dtype = LGCF_F32;
            else if (!strcmp(optarg, "int8")) o->gmm_dtype = LGCF_INT8;
            else st = lgc_fail(LGC_EUSAGE, "option '--mixtures' expects f16, f32 or int8, got '%s'", optarg);
            chosen_set = "--mixtures";
            break;
        case OPT_MODEL:
            if (!strcmp(optarg, "conv")) o->arch.kind = AE_CONV;
            else if (!strcmp(optarg, "mlp")) o->arch.kind = AE_MLP;
            else st = lgc_fail(LGC_EUSAGE, "option '--model' expects conv or mlp, got '%s'", optarg);
            break;
        case OPT_VAE: o->arch.vae = o->loss.vae = 1; break;
        case OPT_BETA:
            st = cli_parse_float(&o->loss.beta, "beta", optarg, 0, MAX_WEIGHT);
            beta_set = "--beta";
            break;
        case OPT_CONTRASTIVE:
            st = cli_parse_float(&o->loss.contrastive, "contrastive", optarg, 0, MAX_WEIGHT);
            break;
        case OPT_MARGIN:
            st = cli_parse_float(&o->loss.margin, "margin", optarg, 0, MAX_WEIGHT);
            margin_set = "--margin";
            break;
        case OPT_GUIDE: st = cli_parse_float(&o->loss.guide, "guide", optarg, 0, MAX_WEIGHT); break;
        case OPT_BUDGET: st = parse_bytes(&o->budget, "budget", optarg); break;
        case OPT_LATENTS: o->latents = optarg; break;
        case OPT_WIDTHS:
            st = parse_widths(&o->arch, optarg);
            chosen_set = "--widths";
            widths_set = "--widths";
            break;
        case OPT_HIDDEN:
            st = cli_parse_int(&o->arch.hidden, "hidden", optarg, 1, AE_MAX_WIDTH);
            chosen_set = "--hidden";
            hidden_set = "--hidden";
            break;
        case OPT_SEED: st = cli_parse_u64(&o->train.seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case 'q': o->train.quiet = 1; break;
        case 'h': usage(stdout); return 1;
        default: st = cli_option_error(c, argv); break;
        }
    }
    if (st)
        return st;
    /* rounded to int4 after training, the MNIST decoder lost 1.3 points;
     * trained for it, about 0.5 (docs/RESULTS.md) */
    o->train.quant_max = o->dtype == LGCF_INT4 ? QUANT_INT4_MAX : 0;
    if (beta_set && !o->loss.vae)
        return lgc_fail(LGC_EUSAGE, "option '--beta' needs --vae");
    if (margin_set && !(o->loss.contrastive > 0.0f))
        return lgc_fail(LGC_EUSAGE, "option '--margin' needs --contrastive <w> with w > 0");
    if (widths_set && o->arch.kind != AE_CONV)
        return lgc_fail(LGC_EUSAGE, "option '--widths' is for --model conv");
    if (hidden_set && o->arch.kind != AE_MLP)
        return lgc_fail(LGC_EUSAGE, "option '--hidden' is for --model mlp");
    if (o->budget && chosen_set)
        return lgc_fail(LGC_EUSAGE,
                        "option '%s' cannot be combined with --budget, which chooses the latent "
                        "size, the widths, kmax and the precision of weights and mixtures",
                        chosen_set);
    if ((st = cli_one_operand(&o->dir, argc, argv, "<dataset-dir>")))
        return st;
    if (!o->out)
        return lgc_fail(LGC_EUSAGE, "missing '-o <file.lgc>'");
    return LGC_OK;
}

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

/* Warns (even with -q: this is about the result, not progress) about
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

/* Fits every class's mixture (k = 1..kmax, by BIC) into m->gmms and
 * m->bic (both allocated here; m->kmax set), in parallel, one class per
 * thread with single-threaded BLAS inside. Each class draws from its own
 * rng seeded from (seed, class), so the result does not depend on the
 * thread count. z holds the n latents (d each) of ds. */
static int fit_mixtures(lgc_model *m, const float *z, int d, int kmax, const dataset *ds,
                        const compress_opts *o, int warn)
{
    int K = ds->n_classes;
    long *counts = m->class_counts;
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
        warn_degenerate(zc, start, K, d, o->gmm.cov);
    int *status = xcalloc((size_t)K, sizeof(int));
    char **why = xcalloc((size_t)K, sizeof(char *)); /* each failing class's message */
    double t0 = now_seconds();
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < K; c++) {
        rng_t rng;
        rng_seed(&rng, o->train.seed * 1000003u + (uint64_t)c + 1);
        int k = gmm_select(&m->gmms[c], m->bic + (size_t)c * kmax, zc + start[c] * d,
                           (int)counts[c], d, kmax, &o->gmm, &rng);
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
    if (!o->train.quiet && st == LGC_OK) {
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

/* Drops m's mixtures and BIC curves so that they can be fitted again. */
static void drop_mixtures(lgc_model *m)
{
    if (m->gmms)
        for (int c = 0; c < m->n_classes; c++)
            gmm_free(&m->gmms[c]);
    free(m->gmms);
    free(m->bic);
    m->gmms = NULL;
    m->bic = NULL;
    m->kmax = 0;
}

/* --latents: one line per training image, "class,z1,...,zd", in dataset
 * order, written atomically. The codes are what the mixtures are fitted to,
 * for pictures of the latent space (scripts/plot-latents.sh). */
static int write_latents(const char *path, const float *z, const dataset *ds, int d)
{
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    fprintf(af.f, "class");
    for (int k = 1; k <= d; k++)
        fprintf(af.f, ",z%d", k);
    fprintf(af.f, "\n");
    for (int i = 0; i < ds->n; i++) {
        fprintf(af.f, "%d", ds->labels[i]);
        for (int k = 0; k < d; k++)
            fprintf(af.f, ",%.6g", (double)z[(size_t)i * d + k]);
        fprintf(af.f, "\n");
    }
    return atomic_commit(&af);
}

/* --- training --- */

/* A trained autoencoder: the decoder (as the file stores it) and the
 * latents of the training set (n, d); the encoder is dropped after
 * encoding. */
typedef struct {
    ae_arch arch;
    int n_dec;
    layer_spec dec_specs[AE_MAX_LAYERS];
    net dec;
    float *z;
    double loss; /* last epoch's BCE per pixel */
} trained;

static void trained_free(trained *t)
{
    net_free(&t->dec);
    free(t->z);
    memset(t, 0, sizeof *t);
}

static const char *model_name(ae_kind k) { return k == AE_MLP ? "mlp" : "conv"; }

/* The decoder's specs for arch a and checks that a .lgc file can hold it
 * (an mlp decoder grows with the image: hidden x H x W x C weights). */
static int decoder_specs_checked(layer_spec *specs, int *n, tshape img, const ae_arch *a)
{
    int nd = ae_decoder_specs(specs, img, a);
    if (nd < 0)
        return nd;
    tshape out;
    size_t n_params;
    int st = net_plan((tshape){a->latent, 1, 1}, specs, nd, &out, &n_params);
    if (st)
        return st;
    if (n_params > LGCF_MAX_PARAMS)
        return lgc_fail(LGC_EUSAGE,
                        "the %s decoder for %dx%dx%d images would have %zu parameters, more "
                        "than a .lgc file holds (%u)",
                        model_name(a->kind), img.h, img.w, img.c, n_params, LGCF_MAX_PARAMS);
    *n = nd;
    return LGC_OK;
}

/* How well the trained autoencoder reconstructs the test split of dir,
 * when dir has one (t10k-*): MSE per pixel and PSNR = 10 log10(1 / MSE),
 * on stderr with the progress. The file keeps no encoder, so this is the
 * only moment it can be measured. A missing test split is skipped; a
 * malformed one is reported and skipped (compress does not need it). */
static void report_test_reconstruction(net *enc, net *dec, const dataset *train, const char *dir)
{
    dataset test;
    if (!dataset_has_split(dir, DATASET_TEST))
        return;
    if (dataset_load(&test, dir, DATASET_TEST) != LGC_OK) {
        fprintf(stderr, "compress: test split not used: %s\n", lgc_errmsg());
        return;
    }
    if (test.h == train->h && test.w == train->w && test.c == train->c) {
        double mse = ae_reconstruction_mse(enc, dec, &test);
        fprintf(stderr,
                "compress: test set reconstruction: MSE %.5f per pixel, PSNR %.2f dB "
                "(%d images)\n",
                mse, 10.0 * log10(1.0 / (mse > 1e-12 ? mse : 1e-12)), test.n);
    } else {
        fprintf(stderr, "compress: test split not used: its images are %dx%dx%d\n", test.h,
                test.w, test.c);
    }
    dataset_free(&test);
}

/* Trains arch a on ds and encodes it into t. */
static int train_ae(trained *t, const ae_arch *a, const dataset *ds, const compress_opts *o)
{
    net enc = {0};
    layer_spec enc_specs[AE_MAX_LAYERS];
    tshape img = {ds->c, ds->h, ds->w};
    memset(t, 0, sizeof *t);
    t->arch = *a;
    int n_enc = ae_encoder_specs(enc_specs, img, a), st;
    if (n_enc < 0)
        return n_enc;
    if ((st = decoder_specs_checked(t->dec_specs, &t->n_dec, img, a)))
        return st;
    if ((st = net_init(&enc, img, enc_specs, n_enc, o->train.batch)) ||
        (st = net_init(&t->dec, (tshape){a->latent, 1, 1}, t->dec_specs, t->n_dec,
                       o->train.batch)))
        goto done;
    rng_t rng;
    rng_seed(&rng, o->train.seed);
    net_init_params(&enc, &rng);
    net_init_params(&t->dec, &rng);
    if (!o->train.quiet)
        fprintf(stderr,
                "compress: %d images %dx%dx%d, %d classes; %s%s autoencoder, latent %d, "
                "encoder %zu + decoder %zu parameters\n",
                ds->n, ds->h, ds->w, ds->c, ds->n_classes, model_name(a->kind),
                a->vae ? " variational" : "", a->latent, enc.n_params, t->dec.n_params);
    ae_train_stats stats;
    if ((st = ae_train(&enc, &t->dec, ds, &o->train, &o->loss, &t->loss, &stats)))
        goto done;
    if (!o->train.quiet && (o->loss.vae || o->loss.contrastive > 0.0f || o->loss.guide > 0.0f)) {
        fprintf(stderr, "compress: last epoch: reconstruction %.5f per pixel", stats.bce);
        if (o->loss.vae)
            fprintf(stderr, ", KL %.4f per image", stats.kl);
        if (o->loss.contrastive > 0.0f)
            fprintf(stderr, ", pair loss %.4f", stats.pairs);
        if (o->loss.guide > 0.0f)
            fprintf(stderr, ", guide cross-entropy %.4f per image", stats.guide);
        fprintf(stderr, "\n");
    }
    t->z = xmalloc((size_t)ds->n * a->latent * sizeof(float));
    ae_encode(&enc, ds, t->z, a->latent);
    if (!o->train.quiet)
        report_test_reconstruction(&enc, &t->dec, ds, o->dir);
done:
    net_free(&enc);
    return st;
}

/* m's shape, prior and decoder (weights in dtype) from t; no mixtures. */
static void model_from(lgc_model *m, const trained *t, const dataset *ds, const long *counts,
                       lgcf_dtype dtype, lgcf_dtype gmm_dtype)
{
    memset(m, 0, sizeof *m);
    m->h = ds->h;
    m->w = ds->w;
    m->c = ds->c;
    m->n_classes = ds->n_classes;
    m->latent = t->arch.latent;
    m->class_counts = xmalloc((size_t)ds->n_classes * sizeof(long));
    memcpy(m->class_counts, counts, (size_t)ds->n_classes * sizeof(long));
    m->n_layers = t->n_dec;
    m->dec_specs = xmalloc((size_t)t->n_dec * sizeof(layer_spec));
    memcpy(m->dec_specs, t->dec_specs, (size_t)t->n_dec * sizeof(layer_spec));
    m->n_dec_params = t->dec.n_params;
    m->dec_params = xmalloc(t->dec.n_params * sizeof(float));
    memcpy(m->dec_params, t->dec.params, t->dec.n_params * sizeof(float));
    m->weight_dtype = dtype;
    m->gmm_dtype = gmm_dtype;
}

/* --- byte budget ---
 * The rule (docs/DESIGN.md, "Byte budget"):
 * 1. Before training, take the first rung of the ladder below (best first)
 *    whose ESTIMATE fits: lgcf_raw_size of its decoder in its weight
 *    precision, its kmax components in every class and BIC curves of kmax
 *    points, without credit for deflate: an upper bound on the file (BIC
 *    picks at most kmax), up to what deflate adds to incompressible
 *    payloads. When no rung fits, the budget is impossible (usage error,
 *    exit 2) and nothing is trained.
 * 2. Train it (an int4 rung for its rounding), then try kmax, kmax/2,
 *    ..., 1 and for each f16 then int8 weights (int4 only on an int4
 *    rung), each with f16 and then (int8-mixture rungs only) int8
 *    mixtures: the first whose encoded file (exact size, in memory) fits
 *    is written. BIC often picks fewer components than kmax and deflate
 *    shrinks the weights a little, so f16 can fit where the rung planned
 *    int8; each kmax is fitted once.
 * 3. If none fits (deflate can add a few bytes to incompressible
 *    payloads), train the next rung whose estimate fits. The file is
 *    written only once it is known to fit, so it is never larger than the
 *    budget. */
typedef struct {
    int latent, w1, w2; /* conv: c1, c2; mlp: hidden, unused */
    int kmax;
    lgcf_dtype weights, mixtures;
} budget_rung;

/* Best first, from full-MNIST runs (docs/RESULTS.md, "What a byte buys"):
 * components beyond 4 per class buy nothing (kmax 16: 97.20%, 4: 97.31%)
 * but fewer cost much (2: 96.19%, 1: 95.48%); int8 weights cost nothing
 * measurable (widths 8/16: 96.92% f16 kmax 16, 96.93% int8 kmax 4);
 * halving the widths 0.3 points; int4 weights (trained for them) about
 * 0.5 at widths 16/32 (96.59% against 97.10%, 3 seeds) for 45% fewer
 * decoder bytes; int8 mixtures 97.18% against 97.37% (f16) on the default
 * model, within one seed's noise, for 45% fewer mixture bytes. So the
 * ladder cuts precision first (weights to int4, then mixtures to int8),
 * then width, then the latent, and components last. */
#define W_F16 LGCF_F16
#define W_I8 LGCF_INT8
#define W_I4 LGCF_INT4
static const budget_rung conv_ladder[] = {
    {16, 16, 32, 4, W_F16, W_F16}, {16, 16, 32, 4, W_I8, W_F16}, {16, 16, 32, 4, W_I4, W_F16},
    {16, 16, 32, 4, W_I4, W_I8},   {16, 12, 24, 4, W_I4, W_I8},  {16, 8, 16, 4, W_I4, W_I8},
    {16, 6, 12, 4, W_I4, W_I8},    {16, 4, 8, 4, W_I4, W_I8},    {12, 4, 8, 4, W_I4, W_I8},
    {16, 4, 8, 2, W_I4, W_I8},     {8, 4, 8, 4, W_I4, W_I8},     {8, 4, 8, 2, W_I4, W_I8},
    {6, 4, 8, 2, W_I4, W_I8},      {4, 4, 8, 2, W_I4, W_I8},     {4, 4, 8, 1, W_I4, W_I8},
    {2, 4, 8, 1, W_I4, W_I8},      {2, 2, 4, 1, W_I4, W_I8},
};
/* The mlp keeps int8 weights and f16 mixtures (neither int4 nor int8
 * mixtures has been measured with it). */
static const budget_rung mlp_ladder[] = {
    {16, 256, 0, 4, W_F16, W_F16}, {16, 256, 0, 4, W_I8, W_F16}, {16, 128, 0, 4, W_I8, W_F16},
    {16, 128, 0, 2, W_I8, W_F16},  {8, 128, 0, 2, W_I8, W_F16},  {8, 64, 0, 2, W_I8, W_F16},
    {4, 64, 0, 1, W_I8, W_F16},    {4, 32, 0, 1, W_I8, W_F16},   {2, 16, 0, 1, W_I8, W_F16},
    {2, 8, 0, 1, W_I8, W_F16},
};
#undef W_F16
#undef W_I8
#undef W_I4

static ae_arch budget_apply(const ae_arch *base, const budget_rung *b)
{
    ae_arch a = *base;
    a.latent = b->latent;
    if (a.kind == AE_MLP) {
        a.hidden = b->w1;
    } else {
        a.c1 = b->w1;
        a.c2 = b->w2;
    }
    return a;
}

/* The estimate of step 1 for rung r. */
static int budget_estimate(size_t *bytes, const ae_arch *a, const budget_rung *r, tshape img,
                           int n_classes, const compress_opts *o)
{
    layer_spec specs[AE_MAX_LAYERS];
    int n = 0, st = decoder_specs_checked(specs, &n, img, a);
    if (st)
        return st;
    return lgcf_raw_size(bytes, a->latent, n_classes, specs, n, r->weights, r->kmax, o->gmm.cov,
                         r->mixtures, r->kmax);
}

static void print_arch(FILE *f, const ae_arch *a)
{
    if (a->kind == AE_MLP)
        fprintf(f, "mlp autoencoder, latent %d, hidden %d", a->latent, a->hidden);
    else
        fprintf(f, "conv autoencoder, latent %d, widths %d/%d", a->latent, a->c1, a->c2);
}

/* Trains rung r and writes it if some kmax and precision fit (step 2);
 * *written tells whether it did. */
static int budget_try(int *written, const budget_rung *r, const ae_arch *a, const dataset *ds,
                      const long *counts, const compress_opts *o)
{
    const size_t budget = (size_t)o->budget;
    *written = 0;
    trained t;
    compress_opts ro = *o; /* an int4 rung trains for its rounding */
    ro.train.quant_max = r->weights == LGCF_INT4 ? QUANT_INT4_MAX : 0;
    int st = train_ae(&t, a, ds, &ro);
    if (st) {
        trained_free(&t);
        return st;
    }
    lgc_model m;
    model_from(&m, &t, ds, counts, LGCF_F16, LGCF_F16);
    /* Weights f16, then int8; a rung trained for int4 stores int4 only (its
     * weights are on the int4 grid: f16 or int8 would store the same values
     * in more bytes, and a decoder trained in f32 loses 1.3 points when
     * rounded to int4). For each, mixtures f16, then int8 if the rung
     * allows it. */
    static const lgcf_dtype float_or_int8[2] = {LGCF_F16, LGCF_INT8}, int4_only[1] = {LGCF_INT4};
    static const lgcf_dtype mixtures[2] = {LGCF_F16, LGCF_INT8};
    const lgcf_dtype *dtypes = r->weights == LGCF_INT4 ? int4_only : float_or_int8;
    const int n_dtypes = r->weights == LGCF_INT4 ? 1 : 2;
    const int n_mix = r->mixtures == LGCF_INT8 ? 2 : 1;
    for (int k = r->kmax, first = 1; k >= 1 && !*written && st == LGC_OK; k /= 2, first = 0) {
        if ((st = fit_mixtures(&m, t.z, a->latent, k, ds, o, first)))
            break;
        for (int di = 0; di < n_dtypes * n_mix && !*written && st == LGC_OK; di++) {
            size_t bytes;
            m.weight_dtype = dtypes[di / n_mix];
            m.gmm_dtype = mixtures[di % n_mix];
            if ((st = lgcf_encoded_size(&m, &bytes)))
                break;
            if (bytes > budget) {
                if (!o->train.quiet)
                    fprintf(stderr,
                            "compress: kmax %d, %s weights, %s mixtures: %zu bytes, over the "
                            "budget\n",
                            k, lgcf_dtype_name(m.weight_dtype), lgcf_dtype_name(m.gmm_dtype),
                            bytes);
                continue;
            }
            fprintf(stderr,
                    "lgc compress: budget %zu bytes: kmax %d, %s weights, %s mixtures: %zu "
                    "bytes\n",
                    budget, k, lgcf_dtype_name(m.weight_dtype), lgcf_dtype_name(m.gmm_dtype),
                    bytes);
            if (o->latents)
                st = write_latents(o->latents, t.z, ds, a->latent);
            if (st == LGC_OK && (st = lgcf_write(o->out, &m)) == LGC_OK && !o->train.quiet)
                fprintf(stderr, "compress: wrote '%s' (final loss %.5f per pixel)\n", o->out,
                        t.loss);
            *written = st == LGC_OK;
        }
        if (!*written)
            drop_mixtures(&m);
    }
    lgc_model_free(&m);
    trained_free(&t);
    return st;
}

/* Writes the best model that fits o->budget (the rule above). */
static int run_budget(const dataset *ds, const long *counts, const compress_opts *o)
{
    tshape img = {ds->c, ds->h, ds->w};
    const budget_rung *ladder = o->arch.kind == AE_MLP ? mlp_ladder : conv_ladder;
    const int n_ladder = o->arch.kind == AE_MLP ? (int)(sizeof mlp_ladder / sizeof *mlp_ladder)
                                                : (int)(sizeof conv_ladder / sizeof *conv_ladder);
    const size_t budget = (size_t)o->budget;
    size_t est = 0, smallest = (size_t)-1;
    int st, tried = 0;
    for (int i = 0; i < n_ladder; i++) {
        const budget_rung *r = &ladder[i];
        ae_arch a = budget_apply(&o->arch, r);
        if ((st = budget_estimate(&est, &a, r, img, ds->n_classes, o)))
            return st;
        smallest = est < smallest ? est : smallest;
        if (est > budget)
            continue;
        fprintf(stderr, "lgc compress: budget %zu bytes: ", budget);
        print_arch(stderr, &a);
        fprintf(stderr, ", kmax %d, %s weights, %s mixtures (estimated %zu bytes)\n", r->kmax,
                lgcf_dtype_name(r->weights), lgcf_dtype_name(r->mixtures), est);
        tried = 1;
        int written;
        if ((st = budget_try(&written, r, &a, ds, counts, o)) || written)
            return st;
    }
    if (!tried)
        return lgc_fail(LGC_EUSAGE,
                        "a budget of %zu bytes is too small for %d classes of %dx%dx%d images: "
                        "the smallest %s configuration needs an estimated %zu bytes",
                        budget, ds->n_classes, ds->h, ds->w, ds->c, model_name(o->arch.kind),
                        smallest);
    return lgc_fail(LGC_EUSAGE, "no configuration fits in %zu bytes", budget);
}

/* --- the plain run --- */

static int run(const compress_opts *o)
{
    dataset ds = {0};
    trained t = {0};
    lgc_model m = {0};
    double t0 = now_seconds();

    int st = dataset_load(&ds, o->dir, DATASET_TRAIN);
    if (st)
        goto done;
    long counts[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, &ds);
    for (int c = 0; c < ds.n_classes; c++)
        if (counts[c] == 0) {
            st = lgc_fail(LGC_EFORMAT, "'%s': class %d has no training images", o->dir, c);
            goto done;
        }
    if (o->budget) {
        st = run_budget(&ds, counts, o);
        goto done;
    }
    if ((st = train_ae(&t, &o->arch, &ds, o)))
        goto done;
    if (o->latents && (st = write_latents(o->latents, t.z, &ds, o->arch.latent)))
        goto done;
    model_from(&m, &t, &ds, counts, o->dtype, o->gmm_dtype);
    if ((st = fit_mixtures(&m, t.z, o->arch.latent, o->kmax, &ds, o, 1)))
        goto done;
    if ((st = lgcf_write(o->out, &m)))
        goto done;
    if (!o->train.quiet)
        fprintf(stderr, "compress: wrote '%s' in %.1f s (final loss %.5f per pixel)\n", o->out,
                now_seconds() - t0, t.loss);
done:
    lgc_model_free(&m);
    trained_free(&t);
    dataset_free(&ds);
    return st;
}

int cmd_compress(int argc, char **argv)
{
    compress_opts o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("compress");
    if (st)
        return cli_report("compress", st);
    threads_set(o.threads);
    return cli_report("compress", run(&o));
}
