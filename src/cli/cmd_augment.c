/* cmd_augment.c - `lgc augment DIR -n N -o OUT`: N images drawn from the
 * training set of DIR, each warped by a random rotation, scaling and shift
 * (src/image/augment.c), written as a training set (IDX, NPY or PNG). lgc sample warps
 * its decoded images the same way (--augment); this command gives the
 * real-image baselines of `lgc subset` the same treatment, so that the
 * comparison at equal bytes stays fair. This file holds the options and
 * the report; the set is made by src/pipeline/augment_set.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "augment_set.h"
#include "cli.h"
#include "dataset_open.h"
#include "idx.h"
#include "util.h"

#define DEFAULT_SEED 1

typedef struct {
    const char *dir, *out;
    long n;
    augment_opts augment;
    uint64_t seed;
    int quiet;
    dataset_format format; /* of the output */
} augment_cli;

static void usage(FILE *f)
{
    const augment_opts d = AUGMENT_DEFAULT;
    fprintf(f,
            "usage: lgc augment <dataset> -n <count> -o <outdir> [<options>]\n\n"
            "Writes <outdir>/train-images-idx3-ubyte and train-labels-idx1-ubyte (or the\n"
            "--format's files): <count> images taken from the training set of <dataset>\n"
            "(IDX, NPY or CIFAR files or PNG class folders, see 'man lgc'), each warped\n"
            "by a random rotation, scaling and shift, with its label. The images are taken in rounds, each a\n"
            "new random order of all of them, so every image is used equally often (to\n"
            "within one). This is how 'lgc sample --augment' warps its images: use it to\n"
            "give a real-image baseline ('lgc subset') the same augmentation.\n\n"
            "options:\n"
            "  -n, --count <n>         number of images to write\n"
            "  -o, --output <outdir>   output directory (created if missing; not <dataset>)\n"
            "      --format <f>        output as idx, npy or png (class folders) [idx]\n"
            "      --augment <r,s,t[,e]>  rotation of up to r degrees, scaling by up to s\n"
            "                          (relative), shift of up to t pixels, and with e an\n"
            "                          elastic distortion of strength e pixels; 0 for none\n"
            "                          [%g,%g,%g]\n"
            "      --seed <n>          random seed [%d]\n"
            "  -q, --quiet             no summary on stderr\n"
            "  -h, --help              show this help\n",
            d.rotate, d.scale, d.shift, DEFAULT_SEED);
}

static int parse(augment_cli *o, int argc, char **argv)
{
    enum { OPT_AUGMENT = 256, OPT_SEED, OPT_FORMAT };
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'},         {"output", required_argument, 0, 'o'},
        {"augment", required_argument, 0, OPT_AUGMENT}, {"seed", required_argument, 0, OPT_SEED},
        {"quiet", no_argument, 0, 'q'},               {"help", no_argument, 0, 'h'},
        {"format", required_argument, 0, OPT_FORMAT}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->format = DATASET_IDX;
    o->n = -1;
    o->augment = AUGMENT_DEFAULT;
    o->seed = DEFAULT_SEED;
    int st = LGC_OK, c;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":n:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': st = cli_parse_long(&o->n, "count", optarg, 1, IDX_MAX_COUNT); break;
        case 'o': o->out = optarg; break;
        case OPT_AUGMENT: st = cli_parse_augment(&o->augment, "augment", optarg); break;
        case OPT_SEED: st = cli_parse_u64(&o->seed, "seed", optarg); break;
        case OPT_FORMAT: st = dataset_format_parse(&o->format, "format", optarg, 1); break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        default: st = cli_option_error(c, argv); break;
        }
    }
    if (st || (st = cli_one_operand(&o->dir, argc, argv, "<dataset>")))
        return st;
    if (o->n < 0)
        return lgc_fail(LGC_EUSAGE, "missing '-n <count>'");
    if (!o->out)
        return lgc_fail(LGC_EUSAGE, "missing '-o <outdir>'");
    return LGC_OK;
}

/* Writing into the source directory would put the warped set where the
 * real one is read from (and replace it when it is stored raw). */
static int same_directory(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int run(const augment_cli *o)
{
    dataset ds = {0};
    int st = dataset_open(&ds, o->dir, DATASET_TRAIN, DATASET_AUTO);
    if (st)
        return st;
    if (same_directory(o->dir, o->out)) {
        st = lgc_fail(LGC_EUSAGE, "'%s' is the source directory: choose another output directory",
                      o->out);
        goto done;
    }
    double t0 = now_seconds();
    if ((st = augment_set_write(o->out, o->format, &ds, o->n, &o->augment, o->seed)))
        goto done;
    if (!o->quiet)
        fprintf(stderr, "augment: %ld images from the %d of '%s' to '%s' in %.2f s\n", o->n, ds.n,
                o->dir, o->out, now_seconds() - t0);
done:
    dataset_free(&ds);
    return st;
}

int cmd_augment(int argc, char **argv)
{
    augment_cli o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("augment");
    if (st)
        return cli_report("augment", st);
    if ((st = run(&o)))
        return cli_report("augment", st);
    return cli_close_stdout("augment");
}
