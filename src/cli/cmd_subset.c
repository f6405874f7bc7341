/* cmd_subset.c - `lgc subset DIR --method random|gradient -o OUT`: the
 * baselines lgc is compared with at equal bytes. Writes a subset
 * of the real training set of DIR as a training set (IDX, NPY or PNG) that `lgc eval`
 * reads like any other: sized by a count, a byte budget, or the size of a
 * .lgc file; chosen at random within each class (stored raw or as gzip),
 * or as the medoids of the judge's last-layer gradients with their cluster
 * sizes as weights. The work is in src/baseline/ (subset.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dataset_open.h"
#include "idx.h"
#include "output_path.h"
#include "subset.h"
#include "threads.h"
#include "util.h"

/* 2 epochs: the judge then classifies MNIST at ~98%, so p - y separates the
 * images it still finds hard from the settled ones, at ~40 s on 60,000
 * images (2 cores); more epochs push nearly all gradients towards 0. */
#define DEFAULT_JUDGE_EPOCHS 2
#define DEFAULT_BATCH 64 /* as lgc eval */
#define DEFAULT_LR 1e-3
#define DEFAULT_SEED 1
/* k-medoids rounds; on MNIST classes the medoids settle in well under this */
#define KMEDOIDS_MAX_ITER 50

typedef enum { METHOD_RANDOM, METHOD_GRADIENT } subset_method;

typedef struct {
    const char *dir, *out, *bytes_of;
    subset_method method;
    long n;          /* -n, or -1 */
    uint64_t bytes;  /* --bytes, or 0 */
    int bytes_set;
    int gzip;
    dataset_format format; /* of the output */
    int judge_epochs, judge_epochs_set;
    uint64_t seed;
    int threads, quiet;
    int force;
} subset_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc subset <dataset> [--method (random|gradient)] -o <dir>\n"
            "                  (-n <count> | --bytes <b> | --bytes-of <file>) [<options>]\n\n"
            "Writes a subset of the training split of <dataset> (IDX, NPY or CIFAR files\n"
            "or PNG class folders, see 'man lgc') to <dir> as train-images-idx3-ubyte and\n"
            "train-labels-idx1-ubyte (or the --format's files), a baseline to compare\n"
            "lgc with at equal bytes. Its size is -n images, or a byte budget: --bytes B\n"
            "keeps floor(B / (H*W*C)) images (pixels only; the label file and the IDX\n"
            "headers are not counted), --bytes-of <file> takes the size of <file> (a .lgc\n"
            "file) as B. Class counts follow the training set's (largest remainder, ties\n"
            "to the lower class), and every class gets at least one image when there are\n"
            "as many images as classes.\n\n"
            "methods:\n"
            "  random    images chosen uniformly at random within each class: the first\n"
            "            ones of a random order fixed by --seed, so that subsets of\n"
            "            different sizes overlap as far as their class counts allow\n"
            "  gradient  trains the judge of 'lgc eval' for --judge-epochs epochs, takes\n"
            "            each image's gradient of the cross-entropy w.r.t. the judge's last\n"
            "            layer, (p - y) x [h, 1] with h its 128 inputs, and keeps the\n"
            "            medoids of each class found by k-medoids++ (k = the class's\n"
            "            count); also writes train-weights-idx1-float, each medoid's\n"
            "            cluster size, for 'lgc eval --weights'\n\n"
            "options:\n"
            "  -o, --output <dir>      output directory (created if missing)\n"
            "  -f, --force             replace a training set already in <dir>\n"
            "      --format <f>        output as idx, npy or png (class folders) [idx]\n"
            "      --method <m>        random or gradient [random]\n"
            "  -n, --count <n>         number of images\n"
            "      --bytes <b>         byte budget\n"
            "      --bytes-of <file>   byte budget: the size of <file>\n"
            "      --gzip              random only: write the two files gzip-compressed\n"
            "                          (level %d, as .gz) and, with a byte budget, keep as\n"
            "                          many images as fit in the two .gz files together\n"
            "      --judge-epochs <n>  gradient only: judge training epochs [%d]\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "  -q, --quiet             no summary on stderr\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n",
            SUBSET_GZIP_LEVEL, DEFAULT_JUDGE_EPOCHS, DEFAULT_SEED);
}

static int parse(subset_opts *o, int argc, char **argv)
{
    enum { OPT_METHOD = 256, OPT_BYTES, OPT_BYTES_OF, OPT_GZIP, OPT_JUDGE_EPOCHS, OPT_SEED,
           OPT_THREADS, OPT_FORMAT };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},    {"method", required_argument, 0, OPT_METHOD},
        {"count", required_argument, 0, 'n'},     {"bytes", required_argument, 0, OPT_BYTES},
        {"bytes-of", required_argument, 0, OPT_BYTES_OF}, {"gzip", no_argument, 0, OPT_GZIP},
        {"judge-epochs", required_argument, 0, OPT_JUDGE_EPOCHS},
        {"seed", required_argument, 0, OPT_SEED}, {"threads", required_argument, 0, OPT_THREADS},
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {"force", no_argument, 0, 'f'},           {"version", no_argument, 0, 'V'},
        {"format", required_argument, 0, OPT_FORMAT}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->format = DATASET_IDX;
    o->method = METHOD_RANDOM;
    o->n = -1;
    o->judge_epochs = DEFAULT_JUDGE_EPOCHS;
    o->seed = DEFAULT_SEED;
    int st = LGC_OK, c;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":o:n:fqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case OPT_METHOD:
            if (!strcmp(optarg, "random")) o->method = METHOD_RANDOM;
            else if (!strcmp(optarg, "gradient")) o->method = METHOD_GRADIENT;
            else st = lgc_fail(LGC_EUSAGE, "option '--method' expects random or gradient, got '%s'", optarg);
            break;
        case 'n': st = cli_parse_long(&o->n, "count", optarg, 1, IDX_MAX_COUNT); break;
        case OPT_BYTES:
            st = cli_parse_u64(&o->bytes, "bytes", optarg);
            o->bytes_set = 1;
            break;
        case OPT_BYTES_OF: o->bytes_of = optarg; break;
        case OPT_GZIP: o->gzip = 1; break;
        case OPT_FORMAT: st = dataset_format_parse(&o->format, "format", optarg, 1); break;
        case OPT_JUDGE_EPOCHS:
            st = cli_parse_int(&o->judge_epochs, "judge-epochs", optarg, 1, 1000);
            o->judge_epochs_set = 1;
            break;
        case OPT_SEED: st = cli_parse_u64(&o->seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_print_version(); return 1;
        default: st = cli_option_error(c, argv); break;
        }
    }
    if (st)
        return st;
    if ((st = cli_one_operand(&o->dir, argc, argv, "<dataset>")))
        return st;
    if (!o->out)
        return lgc_fail(LGC_EUSAGE, "missing '-o <dir>'");
    int sizes = (o->n > 0) + o->bytes_set + (o->bytes_of != NULL);
    if (sizes == 0)
        return lgc_fail(LGC_EUSAGE, "missing the size: give -n, --bytes or --bytes-of");
    if (sizes > 1)
        return lgc_fail(LGC_EUSAGE, "give only one of -n, --bytes and --bytes-of");
    if (o->gzip && o->method != METHOD_RANDOM)
        return lgc_fail(LGC_EUSAGE, "--gzip applies to --method random only");
    if (o->gzip && o->format != DATASET_IDX)
        return lgc_fail(LGC_EUSAGE, "--gzip applies to --format idx only");
    if (o->judge_epochs_set && o->method != METHOD_GRADIENT)
        return lgc_fail(LGC_EUSAGE, "--judge-epochs applies to --method gradient only");
    return LGC_OK;
}

/* The byte budget of --bytes or --bytes-of (0 when sized by -n). */
static int budget_of(uint64_t *budget, const subset_opts *o)
{
    *budget = o->bytes;
    if (!o->bytes_of)
        return LGC_OK;
    struct stat sb;
    if (stat(o->bytes_of, &sb) != 0)
        return lgc_fail(LGC_EIO, "cannot read '%s': %s", o->bytes_of, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return lgc_fail(LGC_EIO, "cannot use '%s' as a byte budget: not a regular file",
                        o->bytes_of);
    *budget = (uint64_t)sb.st_size;
    return LGC_OK;
}

static const char *method_name(const subset_opts *o)
{
    if (o->method == METHOD_GRADIENT)
        return "gradient";
    return o->gzip ? "random, gzip" : "random";
}

static int run(const subset_opts *o)
{
    dataset ds = {0};
    int *idx = NULL;
    float *weights = NULL;
    uint64_t budget;
    int st = budget_of(&budget, o);
    if (st || (st = dataset_open(&ds, o->dir, DATASET_TRAIN, DATASET_AUTO)))
        goto done;
    size_t img_bytes = (size_t)ds.h * ds.w * ds.c;
    int sized = o->n < 0; /* by a byte budget */
    long n = o->n;
    size_t gz_bytes = 0;
    if (sized && o->gzip) {
        subset_gzip_fit(&n, &gz_bytes, &ds, budget > SIZE_MAX ? SIZE_MAX : (size_t)budget,
                        o->seed);
        if (n == 0) {
            st = lgc_fail(LGC_EUSAGE, "a budget of %llu bytes holds no gzip-compressed image",
                          (unsigned long long)budget);
            goto done;
        }
    } else if (sized) {
        uint64_t fit = budget / img_bytes;
        if (fit == 0) {
            st = lgc_fail(LGC_EUSAGE, "a budget of %llu bytes holds no %dx%dx%d image (%zu bytes)",
                          (unsigned long long)budget, ds.h, ds.w, ds.c, img_bytes);
            goto done;
        }
        if (fit > (uint64_t)ds.n) {
            st = lgc_fail(LGC_EUSAGE,
                          "a budget of %llu bytes holds %llu images but '%s' has only %d",
                          (unsigned long long)budget, (unsigned long long)fit, o->dir, ds.n);
            goto done;
        }
        n = (long)fit;
    }
    long counts[DATASET_MAX_CLASSES], quota[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, &ds);
    if ((st = subset_quota(quota, counts, ds.n_classes, n))) {
        lgc_fail(st, "cannot take %ld images: '%s' has %d training images", n, o->dir, ds.n);
        goto done;
    }
    idx = xmalloc((size_t)n * sizeof(int));
    if (o->method == METHOD_GRADIENT) {
        weights = xmalloc((size_t)n * sizeof(float));
        gradient_opts g = {o->judge_epochs, DEFAULT_BATCH, (float)DEFAULT_LR, KMEDOIDS_MAX_ITER,
                           o->seed, o->quiet};
        if ((st = subset_gradient(idx, weights, &ds, quota, &g)))
            goto done;
    } else {
        subset_random(idx, &ds, quota, o->seed);
    }
    size_t written = 0;
    if ((st = o->format == DATASET_IDX
                  ? subset_write(o->out, &ds, idx, n, weights, o->gzip, &written)
                  : subset_write_as(o->out, o->format, &ds, idx, n, weights)))
        goto done;
    if (!o->quiet) {
        fprintf(stderr, "subset: %ld of %d images (%s) to '%s'", n, ds.n, method_name(o),
                o->out);
        if (written)
            fprintf(stderr, ", %zu bytes written", written);
        if (sized && o->gzip)
            fprintf(stderr, "; the two .gz files take %zu of the %llu-byte budget and one "
                            "more image would not fit",
                    gz_bytes, (unsigned long long)budget);
        else if (sized)
            fprintf(stderr, "; %zu bytes of pixels for a budget of %llu", (size_t)n * img_bytes,
                    (unsigned long long)budget);
        fprintf(stderr, "\n");
    }
done:
    free(idx);
    free(weights);
    dataset_free(&ds);
    return st;
}

int cmd_subset(int argc, char **argv)
{
    subset_opts o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("subset");
    if (!st) {
        const output_input inputs[] = {{o.dir, "the source dataset", 1},
                                       {o.bytes_of, "the --bytes-of file", 0}};
        st = output_check_dir(o.out, o.force, inputs, 2);
    }
    if (st)
        return cli_report("subset", st);
    threads_set(o.threads);
    if ((st = run(&o)))
        return cli_report("subset", st);
    return cli_close_stdout("subset");
}
