/* cmd_compress.c - `lgc compress DIR -o FILE`: parses the options into a
 * compress_config (include/compress.h), checks the outputs before any
 * work, runs the pipeline (src/pipeline/) and prints its last line. The
 * dataset may be in any format dataset_open reads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compress.h"
#include "exemplar_codec.h"
#include "threads.h"
#include "util.h"

#define MAX_WEIGHT 1e6 /* bound on --beta, --contrastive and --guide */
#define MAX_BUDGET (1L << 30) /* the .lgc reader's file limit */
#define MAX_STEPS 100000000L  /* bound on --steps: weeks of training */

typedef struct {
    compress_config cfg;
    int threads;
    int force, json;
} compress_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc compress <dataset> -o <file.lgc> [<options>]\n\n"
            "Trains an autoencoder on the training split of <dataset> (IDX, NPY, CIFAR,\n"
            "PNG class folders, or - for IDX or NPY on standard input: 'man lgc'), fits a\n"
            "Gaussian mixture per class to the latent codes (k by BIC) and writes the\n"
            "decoder and the mixtures to <file.lgc>, with the labels as given.\n\n"
            "options:\n"
            "  -o, --output <file>     output .lgc file (required)\n"
            "  -f, --force             replace existing output files\n"
            "      --format <f>        read <dataset> as idx, npy, cifar or png instead of\n"
            "                          recognising it\n"
            "      --test <dataset>    test split for the reconstruction report [the one\n"
            "                          beside <dataset>, if any]\n"
            "      --model (conv|mlp)  autoencoder: convolutional, or dense with one hidden\n"
            "                          layer of %d units [conv]\n"
            "      --latent <d>        latent dimension [%d, or twice that when the\n"
            "                          held-out slice says it loses the classes]\n"
            "      --widths <c1>,<c2>  conv: channels of the two conv layers [%d,%d]\n"
            "      --hidden <n>        mlp: width of the hidden layers [%d]\n"
            "      --vae               variational autoencoder (z = mean + exp(logvar/2) *\n"
            "                          N(0,1)); the mixtures are fitted to the means\n"
            "      --beta <b>          VAE only: weight of the KL term [%g]\n"
            "      --contrastive <w>   add w times the pair loss of each batch: same class\n"
            "                          D^2, different class max(0, margin - D)^2\n"
            "      --margin <m>        with --contrastive: the margin [%g]\n"
            "      --guide <g>         add g times a classifier's cross-entropy on the\n"
            "                          decoded images (not stored); 0 is off [%g]\n"
            "      --holdout <f>       hold out this fraction of each class (0..%g) to\n"
            "                          decide when training stops; 0 holds out none [%g]\n"
            "      --steps <n>         at most n steps [10 epochs of the rest, %d to %d];\n"
            "                          stops when the held-out loss has not improved by\n"
            "                          %g%% over %d evaluations\n"
            "      --epochs <n>        train exactly n epochs instead, no early stopping\n"
            "      --batch <n>         batch size [%d]\n"
            "      --lr <rate>         Adam learning rate [%g]\n"
            "      --kmax <k>          largest mixture size tried per class [%d]\n"
            "      --cov (full|diag)   covariance type [full]\n"
            "      --weights (f16|f32|int8|int4)\n"
            "                          decoder weights in the file (int8, int4: one scale\n"
            "                          per output channel; int4 trains for it) [%s]\n"
            "      --mixtures (f16|f32|int8)\n"
            "                          mixture means and Cholesky factors in the file [%s]\n"
            "      --budget <bytes>    file at most this size (K = 1024, M = 1024^2): picks\n"
            "                          --latent, --widths/--hidden, --kmax, --weights and\n"
            "                          --mixtures, and prints its choices\n"
            "      --warps <w>         lgc sample's default warps, stored in the file: auto\n"
            "                          (none, half or the default scaled to the image: the\n"
            "                          strongest the held-out slice does not find worse),\n"
            "                          none, or r,s,t[,e] as 'sample --augment' takes [auto]\n"
            "      --exemplars <b>     also keep random real training images, a few bits\n"
            "                          per pixel, coded with JBIG, in b more bytes (K, M);\n"
            "                          auto: as many bytes as the rest of the file; 0: none\n"
            "                          [auto]; auto drops them when alone they teach the\n"
            "                          held-out check clearly less than the samples alone\n"
            "      --exemplar-bits <n> their bits per pixel, 1..8, or auto (1 or 2, the\n"
            "                          held-out slice's pick) [auto]\n"
            "      --exemplar-share <s>  the share of lgc sample's images taken from them,\n"
            "                          0 < s <= 1 [%g, or 1 when alone they clearly beat\n"
            "                          that on the held-out slice]\n"
            "      --latents <file>    also write every training image's latent code\n"
            "                          (a VAE's mean) as CSV: class,z1,...,zd\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "      --json              a JSON summary on standard output\n"
            "  -q, --quiet             no progress on stderr\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n",
            AE_DEFAULT_HIDDEN, AE_DEFAULT_LATENT, AE_DEFAULT_C1, AE_DEFAULT_C2, AE_DEFAULT_HIDDEN,
            COMPRESS_DEFAULT_BETA, COMPRESS_DEFAULT_MARGIN, COMPRESS_DEFAULT_GUIDE,
            HOLDOUT_MAX_FRACTION, COMPRESS_DEFAULT_HOLDOUT, COMPRESS_MIN_STEPS,
            COMPRESS_MAX_STEPS, COMPRESS_MIN_GAIN * 100, COMPRESS_PATIENCE, COMPRESS_DEFAULT_BATCH,
            COMPRESS_DEFAULT_LR,
            COMPRESS_DEFAULT_KMAX, lgcf_dtype_name(COMPRESS_DEFAULT_WEIGHTS),
            lgcf_dtype_name(COMPRESS_DEFAULT_MIXTURES), COMPRESS_DEFAULT_EXEMPLAR_SHARE,
            COMPRESS_DEFAULT_SEED);
}

/* --weights, --mixtures: a precision by its name; int4 only for weights. */
static int parse_dtype(lgcf_dtype *out, const char *opt, const char *arg, int allow_int4)
{
    if (lgcf_dtype_from_name(out, arg) == LGC_OK && (allow_int4 || *out != LGCF_INT4))
        return LGC_OK;
    return lgc_fail(LGC_EUSAGE, "option '--%s' expects %s, got '%s'", opt,
                    allow_int4 ? "f16, f32, int8 or int4" : "f16, f32 or int8", arg);
}

static int parse(compress_opts *o, int argc, char **argv)
{
    enum { OPT_LATENT = 256, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_KMAX, OPT_COV, OPT_WEIGHTS,
           OPT_MIXTURES, OPT_SEED, OPT_THREADS, OPT_MODEL, OPT_VAE, OPT_BETA, OPT_CONTRASTIVE,
           OPT_MARGIN, OPT_GUIDE, OPT_BUDGET, OPT_WIDTHS, OPT_HIDDEN, OPT_LATENTS, OPT_HOLDOUT,
           OPT_STEPS, OPT_JSON, OPT_FORMAT, OPT_TEST, OPT_WARPS, OPT_EXEMPLARS,
           OPT_EXEMPLAR_BITS, OPT_EXEMPLAR_SHARE };
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
        {"holdout", required_argument, 0, OPT_HOLDOUT}, {"steps", required_argument, 0, OPT_STEPS},
        {"format", required_argument, 0, OPT_FORMAT}, {"test", required_argument, 0, OPT_TEST},
        {"warps", required_argument, 0, OPT_WARPS},
        {"exemplars", required_argument, 0, OPT_EXEMPLARS},
        {"exemplar-bits", required_argument, 0, OPT_EXEMPLAR_BITS},
        {"exemplar-share", required_argument, 0, OPT_EXEMPLAR_SHARE},
        {"quiet", no_argument, 0, 'q'},          {"help", no_argument, 0, 'h'},
        {"json", no_argument, 0, OPT_JSON},      {"force", no_argument, 0, 'f'},
        {"version", no_argument, 0, 'V'},        {0, 0, 0, 0}};
    *o = (compress_opts){0};
    compress_config *cfg = &o->cfg;
    compress_config_default(cfg);
    /* options that only make sense with another, and those --budget sets */
    const char *beta_set = NULL, *margin_set = NULL, *chosen_set = NULL;
    const char *widths_set = NULL, *hidden_set = NULL, *exemplar_set = NULL;
    int exemplars_given = 0;
    int st = LGC_OK, c;
    optind = 0; /* glibc: full reset, so cmd_* can run more than once */
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":o:fqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': cfg->output = optarg; break;
        case OPT_LATENT:
            st = cli_parse_int(&cfg->arch.latent, "latent", optarg, 1, LGCF_MAX_LATENT);
            cfg->latent_auto = 0;
            chosen_set = "--latent";
            break;
        case OPT_EPOCHS: st = cli_parse_int(&cfg->train.epochs, "epochs", optarg, 1, 100000); break;
        case OPT_STEPS:
            st = cli_parse_long(&cfg->max_steps, "steps", optarg, 1, MAX_STEPS);
            break;
        case OPT_HOLDOUT: {
            float f;
            st = cli_parse_float(&f, "holdout", optarg, 0, HOLDOUT_MAX_FRACTION);
            /* the value as written, not its float rounding: 0.35 must
             * hold out 7 of 20 */
            if (st == LGC_OK)
                cfg->holdout = strtod(optarg, NULL);
            break;
        }
        case OPT_BATCH: st = cli_parse_int(&cfg->train.batch, "batch", optarg, 1, 65536); break;
        case OPT_LR: st = cli_parse_float(&cfg->train.lr, "lr", optarg, 1e-8, 10); break;
        case OPT_KMAX:
            st = cli_parse_int(&cfg->kmax, "kmax", optarg, 1, LGCF_MAX_K);
            chosen_set = "--kmax";
            break;
        case OPT_COV:
            if (!strcmp(optarg, "full")) cfg->gmm.cov = GMM_COV_FULL;
            else if (!strcmp(optarg, "diag")) cfg->gmm.cov = GMM_COV_DIAG;
            else st = lgc_fail(LGC_EUSAGE, "option '--cov' expects full or diag, got '%s'", optarg);
            break;
        case OPT_WEIGHTS:
            st = parse_dtype(&cfg->weights, "weights", optarg, 1);
            chosen_set = "--weights";
            break;
        case OPT_MIXTURES:
            st = parse_dtype(&cfg->mixtures, "mixtures", optarg, 0);
            chosen_set = "--mixtures";
            break;
        case OPT_MODEL:
            if (!strcmp(optarg, "conv")) cfg->arch.kind = AE_CONV;
            else if (!strcmp(optarg, "mlp")) cfg->arch.kind = AE_MLP;
            else st = lgc_fail(LGC_EUSAGE, "option '--model' expects conv or mlp, got '%s'", optarg);
            break;
        case OPT_VAE: cfg->arch.vae = cfg->loss.vae = 1; break;
        case OPT_BETA:
            st = cli_parse_float(&cfg->loss.beta, "beta", optarg, 0, MAX_WEIGHT);
            beta_set = "--beta";
            break;
        case OPT_CONTRASTIVE:
            st = cli_parse_float(&cfg->loss.contrastive, "contrastive", optarg, 0, MAX_WEIGHT);
            break;
        case OPT_MARGIN:
            st = cli_parse_float(&cfg->loss.margin, "margin", optarg, 0, MAX_WEIGHT);
            margin_set = "--margin";
            break;
        case OPT_GUIDE: st = cli_parse_float(&cfg->loss.guide, "guide", optarg, 0, MAX_WEIGHT); break;
        case OPT_BUDGET: st = cli_parse_bytes(&cfg->budget, "budget", optarg, MAX_BUDGET); break;
        case OPT_LATENTS: cfg->latents = optarg; break;
        case OPT_FORMAT: st = dataset_format_parse(&cfg->format, "format", optarg, 0); break;
        case OPT_TEST: cfg->test_path = optarg; break;
        case OPT_WARPS: st = cli_parse_warps(&cfg->warps, &cfg->warps_given, "warps", optarg); break;
        case OPT_EXEMPLARS:
            exemplars_given = 1;
            if (!strcmp(optarg, "auto"))
                cfg->exemplar_bytes = COMPRESS_EXEMPLARS_AUTO;
            else if (!strcmp(optarg, "0"))
                cfg->exemplar_bytes = 0;
            else
                st = cli_parse_bytes(&cfg->exemplar_bytes, "exemplars", optarg, MAX_BUDGET);
            break;
        case OPT_EXEMPLAR_BITS:
            cfg->exemplar_bits = 0;
            if (strcmp(optarg, "auto"))
                st = cli_parse_int(&cfg->exemplar_bits, "exemplar-bits", optarg, 1,
                                   EXEMPLAR_MAX_BITS);
            exemplar_set = "--exemplar-bits";
            break;
        case OPT_EXEMPLAR_SHARE: {
            float f = 0.0f;
            if ((st = cli_parse_float(&f, "exemplar-share", optarg, 0, 1)) == LGC_OK && !(f > 0.0f))
                st = lgc_fail(LGC_EUSAGE, "option '--exemplar-share' expects a share in (0, 1], "
                                          "got '%s'", optarg);
            cfg->exemplar_share = f;
            exemplar_set = "--exemplar-share";
            break;
        }
        case OPT_WIDTHS:
            st = cli_parse_int_pair(&cfg->arch.c1, &cfg->arch.c2, "widths", optarg, 1, AE_MAX_WIDTH);
            chosen_set = "--widths";
            widths_set = "--widths";
            break;
        case OPT_HIDDEN:
            st = cli_parse_int(&cfg->arch.hidden, "hidden", optarg, 1, AE_MAX_WIDTH);
            chosen_set = "--hidden";
            hidden_set = "--hidden";
            break;
        case OPT_SEED: st = cli_parse_u64(&cfg->train.seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case 'q': cfg->quiet = 1; break;
        case 'f': o->force = 1; break;
        case OPT_JSON: o->json = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_print_version(); return 1;
        default: st = cli_option_error(c, argv); break;
        }
    }
    if (st)
        return st;
    if (beta_set && !cfg->arch.vae)
        return lgc_fail(LGC_EUSAGE, "option '--beta' needs --vae");
    if (margin_set && !(cfg->loss.contrastive > 0.0f))
        return lgc_fail(LGC_EUSAGE, "option '--margin' needs --contrastive <w> with w > 0");
    if (widths_set && cfg->arch.kind != AE_CONV)
        return lgc_fail(LGC_EUSAGE, "option '--widths' is for --model conv");
    if (hidden_set && cfg->arch.kind != AE_MLP)
        return lgc_fail(LGC_EUSAGE, "option '--hidden' is for --model mlp");
    if (cfg->max_steps && cfg->train.epochs)
        return lgc_fail(LGC_EUSAGE, "options '--steps' and '--epochs' cannot be combined: "
                                    "--epochs trains exactly that many epochs");
    if (cfg->budget && chosen_set)
        return lgc_fail(LGC_EUSAGE,
                        "option '%s' cannot be combined with --budget, which chooses the latent "
                        "size, the widths, kmax and the precision of weights and mixtures",
                        chosen_set);
    if (cfg->budget && (exemplars_given || exemplar_set))
        return lgc_fail(LGC_EUSAGE, "option '%s' cannot be combined with --budget yet",
                        exemplar_set ? exemplar_set : "--exemplars");
    if (exemplar_set && cfg->exemplar_bytes == 0)
        return lgc_fail(LGC_EUSAGE, "option '%s' needs exemplars (--exemplars 0 keeps none)",
                        exemplar_set);
    if (cfg->budget)
        cfg->exemplar_bytes = 0; /* a budget is for the decoder and mixtures alone, for now */
    if ((st = cli_one_operand(&cfg->dataset_dir, argc, argv, "<dataset>")))
        return st;
    if (!cfg->output)
        return lgc_fail(LGC_EUSAGE, "missing '-o <file.lgc>'");
    return LGC_OK;
}

/* --json: what the file holds, read back from it, and how long it took. */
static int print_json(const compress_opts *o, const compress_report *done)
{
    lgc_model m;
    int st = lgcf_read(&m, NULL, o->cfg.output);
    if (st)
        return st;
    long images = 0;
    for (int c = 0; c < m.n_classes; c++)
        images += m.class_counts[c];
    printf("{\"output\": ");
    cli_json_string(o->cfg.output);
    printf(", \"bytes\": %zu, \"classes\": %d, \"per_class\": ", done->bytes, m.n_classes);
    cli_json_longs(m.class_counts, m.n_classes);
    printf(", \"images\": %ld, \"latent\": %d, \"steps\": %llu, \"held_out\": %u, "
           "\"held_out_bce\": ",
           images, m.latent, (unsigned long long)done->training.steps,
           (unsigned)done->training.held_out);
    if (done->training.held_out)
        cli_json_double(done->training.held_bce);
    else
        printf("null");
    printf(", \"final_loss\": ");
    cli_json_double(done->final_loss);
    printf(", \"seconds\": ");
    cli_json_double(done->seconds);
    printf("}\n");
    lgc_model_free(&m);
    return LGC_OK;
}

int cmd_compress(int argc, char **argv)
{
    compress_opts o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("compress");
    if (st || (st = compress_check_outputs(&o.cfg, o.force)))
        return cli_report("compress", st);
    threads_set(o.threads);
    compress_report done;
    if ((st = compress_run(&o.cfg, &done)) == LGC_OK && !o.cfg.quiet) {
        if (o.cfg.budget)
            fprintf(stderr, "compress: wrote '%s' (final loss %.5f per pixel)\n", o.cfg.output,
                    done.final_loss);
        else
            fprintf(stderr, "compress: wrote '%s' in %.1f s (final loss %.5f per pixel)\n",
                    o.cfg.output, done.seconds, done.final_loss);
    }
    if (st == LGC_OK && o.json)
        st = print_json(&o, &done);
    if (st)
        return cli_report("compress", st);
    return cli_close_stdout("compress");
}
