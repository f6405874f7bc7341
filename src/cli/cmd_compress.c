/* cmd_compress.c - `lgc compress DIR -o FILE`: train the autoencoder, encode
 * every training image, fit one Gaussian mixture per class (k by BIC), and
 * write the decoder and the mixtures to a .lgc file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "gmm.h"
#include "lgcfile.h"
#include "model.h"
#include "util.h"

/* Defaults, printed by --help from these same constants. */
#define DEFAULT_EPOCHS 10
#define DEFAULT_BATCH 128
#define DEFAULT_LR 1e-3
#define DEFAULT_KMAX 16
#define DEFAULT_SEED 1

typedef struct {
    const char *dir, *out;
    ae_arch arch;
    train_opts train;
    int kmax;
    gmm_opts gmm;
    lgcf_dtype dtype, gmm_dtype;
    int threads;
} compress_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc compress <dataset-dir> -o <file.lgc> [<options>]\n\n"
            "Trains a convolutional autoencoder on the training split of <dataset-dir>\n"
            "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]), fits one\n"
            "Gaussian mixture per class to the latent codes (k chosen by BIC) and writes\n"
            "the decoder and the mixtures to <file.lgc>. Height and width must be\n"
            "divisible by 4.\n\n"
            "options:\n"
            "  -o, --output <file>     output .lgc file (required)\n"
            "      --latent <d>        latent dimension [%d]\n"
            "      --epochs <n>        training epochs [%d]\n"
            "      --batch <n>         batch size [%d]\n"
            "      --lr <rate>         Adam learning rate [%g]\n"
            "      --kmax <k>          largest mixture size tried per class [%d]\n"
            "      --cov (full|diag)   covariance type [full]\n"
            "      --weights (f16|f32) decoder weight precision in the file [f16]\n"
            "      --mixtures (f16|f32) mixture means and factors in the file [f16]\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "  -q, --quiet             no progress on stderr\n"
            "  -h, --help              show this help\n",
            AE_DEFAULT_LATENT, DEFAULT_EPOCHS, DEFAULT_BATCH, DEFAULT_LR, DEFAULT_KMAX,
            DEFAULT_SEED);
}

static int parse(compress_opts *o, int argc, char **argv)
{
    enum { OPT_LATENT = 256, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_KMAX, OPT_COV, OPT_WEIGHTS,
           OPT_MIXTURES, OPT_SEED, OPT_THREADS };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},   {"latent", required_argument, 0, OPT_LATENT},
        {"epochs", required_argument, 0, OPT_EPOCHS}, {"batch", required_argument, 0, OPT_BATCH},
        {"lr", required_argument, 0, OPT_LR},    {"kmax", required_argument, 0, OPT_KMAX},
        {"cov", required_argument, 0, OPT_COV},  {"weights", required_argument, 0, OPT_WEIGHTS},
        {"mixtures", required_argument, 0, OPT_MIXTURES},
        {"seed", required_argument, 0, OPT_SEED}, {"threads", required_argument, 0, OPT_THREADS},
        {"quiet", no_argument, 0, 'q'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->arch = (ae_arch){AE_DEFAULT_LATENT, AE_DEFAULT_C1, AE_DEFAULT_C2};
    o->train = (train_opts){DEFAULT_EPOCHS, DEFAULT_BATCH, (float)DEFAULT_LR, 0, DEFAULT_SEED};
    o->kmax = DEFAULT_KMAX;
    gmm_opts_default(&o->gmm);
    o->dtype = LGCF_F16;
    o->gmm_dtype = LGCF_F16;
    int st = LGC_OK, c;
    optind = 0; /* glibc: full reset, so cmd_* can run more than once */
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case OPT_LATENT: st = cli_parse_int(&o->arch.latent, "latent", optarg, 1, LGCF_MAX_LATENT); break;
        case OPT_EPOCHS: st = cli_parse_int(&o->train.epochs, "epochs", optarg, 1, 100000); break;
        case OPT_BATCH: st = cli_parse_int(&o->train.batch, "batch", optarg, 1, 65536); break;
        case OPT_LR: st = cli_parse_float(&o->train.lr, "lr", optarg, 1e-8, 10); break;
        case OPT_KMAX: st = cli_parse_int(&o->kmax, "kmax", optarg, 1, LGCF_MAX_K); break;
        case OPT_COV:
            if (!strcmp(optarg, "full")) o->gmm.cov = GMM_COV_FULL;
            else if (!strcmp(optarg, "diag")) o->gmm.cov = GMM_COV_DIAG;
            else st = lgc_fail(LGC_EUSAGE, "option '--cov' expects full or diag, got '%s'", optarg);
            break;
        case OPT_WEIGHTS:
            if (!strcmp(optarg, "f16")) o->dtype = LGCF_F16;
            else if (!strcmp(optarg, "f32")) o->dtype = LGCF_F32;
            else st = lgc_fail(LGC_EUSAGE, "option '--weights' expects f16 or f32, got '%s'", optarg);
            break;
        case OPT_MIXTURES:
            if (!strcmp(optarg, "f16")) o->gmm_dtype = LGCF_F16;
            else if (!strcmp(optarg, "f32")) o->gmm_dtype = LGCF_F32;
            else st = lgc_fail(LGC_EUSAGE, "option '--mixtures' expects f16 or f32, got '%s'", optarg);
            break;
        case OPT_SEED: st = cli_parse_u64(&o->train.seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case 'q': o->train.quiet = 1; break;
        case 'h': usage(stdout); return 1;
        case ':': st = lgc_fail(LGC_EUSAGE, "option '%s' needs a value", argv[optind - 1]); break;
        default: st = lgc_fail(LGC_EUSAGE, "unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (st)
        return st;
    if (optind != argc - 1)
        return lgc_fail(LGC_EUSAGE, optind >= argc ? "missing <dataset-dir>"
                                                   : "expected one <dataset-dir>, got more");
    o->dir = argv[optind];
    if (!o->out)
        return lgc_fail(LGC_EUSAGE, "missing '-o <file.lgc>'");
    return LGC_OK;
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
        while (i < n && !memcmp(z0, z0 + i * d, (size_t)d * sizeof(float)))
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

/* Fits every class's mixture in parallel, one class per thread with
 * single-threaded BLAS inside. Each class draws from its own rng seeded
 * from (seed, class), so the result does not depend on the thread count. */
static int fit_mixtures(lgc_model *m, const float *z, const dataset *ds, const compress_opts *o)
{
    int d = o->arch.latent, K = ds->n_classes;
    long *counts = m->class_counts;
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
    warn_degenerate(zc, start, K, d, o->gmm.cov);
    int *status = xcalloc((size_t)K, sizeof(int));
    char **why = xcalloc((size_t)K, sizeof(char *)); /* each failing class's message */
    double t0 = now_seconds();
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < K; c++) {
        rng_t rng;
        rng_seed(&rng, o->train.seed * 1000003u + (uint64_t)c + 1);
        int k = gmm_select(&m->gmms[c], m->bic + (size_t)c * o->kmax, zc + start[c] * d,
                           (int)counts[c], d, o->kmax, &o->gmm, &rng);
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
        fprintf(stderr, "compress: mixtures fitted in %.1f s, k per class:", now_seconds() - t0);
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

static int run(const compress_opts *o)
{
    dataset ds = {0};
    net enc = {0}, dec = {0};
    lgc_model m = {0};
    float *z = NULL;
    layer_spec enc_specs[AE_MAX_LAYERS], dec_specs[AE_MAX_LAYERS];
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
    tshape img = {ds.c, ds.h, ds.w};
    int n_enc = ae_encoder_specs(enc_specs, img, &o->arch);
    int n_dec = ae_decoder_specs(dec_specs, img, &o->arch);
    if (n_enc < 0 || n_dec < 0) {
        st = n_enc < 0 ? n_enc : n_dec;
        goto done;
    }
    if ((st = net_init(&enc, img, enc_specs, n_enc, o->train.batch)) ||
        (st = net_init(&dec, (tshape){o->arch.latent, 1, 1}, dec_specs, n_dec, o->train.batch)))
        goto done;
    rng_t rng;
    rng_seed(&rng, o->train.seed);
    net_init_params(&enc, &rng);
    net_init_params(&dec, &rng);
    if (!o->train.quiet)
        fprintf(stderr, "compress: %d images %dx%dx%d, %d classes; encoder %zu + decoder %zu parameters\n",
                ds.n, ds.h, ds.w, ds.c, ds.n_classes, enc.n_params, dec.n_params);
    double loss;
    if ((st = ae_train(&enc, &dec, &ds, &o->train, &loss)))
        goto done;

    z = xmalloc((size_t)ds.n * o->arch.latent * sizeof(float));
    ae_encode(&enc, &ds, z);

    m.h = ds.h;
    m.w = ds.w;
    m.c = ds.c;
    m.n_classes = ds.n_classes;
    m.latent = o->arch.latent;
    m.class_counts = xmalloc((size_t)ds.n_classes * sizeof(long));
    memcpy(m.class_counts, counts, (size_t)ds.n_classes * sizeof(long));
    m.n_layers = n_dec;
    m.dec_specs = xmalloc((size_t)n_dec * sizeof(layer_spec));
    memcpy(m.dec_specs, dec_specs, (size_t)n_dec * sizeof(layer_spec));
    m.n_dec_params = dec.n_params;
    m.dec_params = xmalloc(dec.n_params * sizeof(float));
    memcpy(m.dec_params, dec.params, dec.n_params * sizeof(float));
    m.weight_dtype = o->dtype;
    m.gmm_dtype = o->gmm_dtype;
    m.gmms = xcalloc((size_t)ds.n_classes, sizeof(gmm_t));
    m.kmax = o->kmax;
    m.bic = xcalloc((size_t)ds.n_classes * o->kmax, sizeof(double));
    if ((st = fit_mixtures(&m, z, &ds, o)))
        goto done;
    if ((st = lgcf_write(o->out, &m)))
        goto done;
    if (!o->train.quiet)
        fprintf(stderr, "compress: wrote '%s' in %.1f s (final loss %.5f per pixel)\n", o->out,
                now_seconds() - t0, loss);
done:
    free(z);
    lgc_model_free(&m);
    net_free(&enc);
    net_free(&dec);
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
    cli_set_threads(o.threads);
    return cli_report("compress", run(&o));
}
