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

#include "augment_set.h"
#include "cli.h"
#include "dataset_open.h"
#include "idx.h"
#include "output_path.h"
#include "threads.h"
#include "util.h"

#define DEFAULT_SEED 1

typedef struct {
    const char *dir, *out;
    long n;
    augment_opts augment;
    uint64_t seed;
    int threads, quiet;
    int force;
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
            "by a random rotation, scaling and shift, with its label. The images are\n"
            "taken in rounds, each a new random order of all of them, so every image is\n"
            "used equally often (to within one). This is how 'lgc sample --augment'\n"
            "warps its images: use it to give a real-image baseline ('lgc subset') the\n"
            "same augmentation.\n\n"
            "options:\n"
            "  -n, --count <n>         number of images to write\n"
            "  -o, --output <outdir>   output directory (created if missing; not <dataset>)\n"
            "  -f, --force             replace a training set already in <outdir>\n"
            "      --format <f>        output as idx, npy or png (class folders) [idx]\n"
            "      --augment <r,s,t[,e]>  rotation of up to r degrees, scaling by up to s\n"
            "                          (relative), shift of up to t pixels, and with e an\n"
            "                          elastic distortion of strength e pixels; 0 for none\n"
            "                          [%g,%g,%g]\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "  -q, --quiet             no summary on stderr\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n",
            d.rotate, d.scale, d.shift, DEFAULT_SEED);
}

static int parse(augment_cli *o, int argc, char **argv)
{
    enum { OPT_AUGMENT = 256, OPT_SEED, OPT_THREADS, OPT_FORMAT };
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'},         {"output", required_argument, 0, 'o'},
        {"augment", required_argument, 0, OPT_AUGMENT}, {"seed", required_argument, 0, OPT_SEED},
        {"quiet", no_argument, 0, 'q'},               {"help", no_argument, 0, 'h'},
        {"threads", required_argument, 0, OPT_THREADS}, {"force", no_argument, 0, 'f'},
        {"version", no_argument, 0, 'V'},             {"format", required_argument, 0, OPT_FORMAT},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->format = DATASET_IDX;
    o->n = -1;
    o->augment = AUGMENT_DEFAULT;
    o->seed = DEFAULT_SEED;
    int st = LGC_OK, c;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":n:o:fqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': st = cli_parse_long(&o->n, "count", optarg, 1, IDX_MAX_COUNT); break;
        case 'o': o->out = optarg; break;
        case OPT_AUGMENT: st = cli_parse_augment(&o->augment, "augment", optarg); break;
        case OPT_SEED: st = cli_parse_u64(&o->seed, "seed", optarg); break;
        case OPT_FORMAT: st = dataset_format_parse(&o->format, "format", optarg, 1); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_print_version(); return 1;
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

static int run(const augment_cli *o)
{
    dataset ds = {0};
    int st = dataset_open(&ds, o->dir, DATASET_TRAIN, DATASET_AUTO);
    if (st)
        return st;
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
    if (!st) {
        /* writing into the source directory would put the warped set where
         * the real one is read from (and replace it when stored raw) */
        const output_input inputs[] = {{o.dir, "the source dataset", 1}};
        st = output_check_dir(o.out, o.force, inputs, 1);
    }
    if (st)
        return cli_report("augment", st);
    threads_set(o.threads);
    if ((st = run(&o)))
        return cli_report("augment", st);
    return cli_close_stdout("augment");
}
