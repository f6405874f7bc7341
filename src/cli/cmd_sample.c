/* cmd_sample.c - `lgc sample FILE -n N -o DIR`: the options of lgc
 * sample, the model and codes they name, and the report. The pipeline
 * (class quotas, labels, codes, decoding, warps, the set and PNG writers)
 * is src/pipeline/sample.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "latents_csv.h"
#include "lgcfile.h"
#include "output_path.h"
#include "sample.h"
#include "threads.h"
#include "util.h"

#define DEFAULT_SEED 1
#define DEFAULT_PNG_COLS 10

typedef struct {
    const char *file, *out, *png, *from_latents;
    long n, per_class;
    int png_cols;
    uint64_t seed;
    int threads, quiet;
    int force, json;
    augment_opts augment;
    int augment_given; /* else the file's warps, or AUGMENT_DEFAULT without them */
    dataset_format format; /* of the set */
} sample_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc sample <file.lgc> (-n <count> | --per-class <count>) -o <dir> [<options>]\n"
            "       lgc sample <file.lgc> --from-latents <codes.csv> -o <dir> [<options>]\n"
            "       lgc sample <file.lgc> --png <grid.png> [<options>]\n"
            "       (alias: lgc decompress)\n\n"
            "Draws labelled synthetic images from the class mixtures in <file.lgc> and\n"
            "writes <dir>/train-images-idx3-ubyte and <dir>/train-labels-idx1-ubyte (or\n"
            "train_images.npy and train_labels.npy, or <dir>/<class>/<n>.png), with the\n"
            "labels or folder names the dataset had. Class counts follow the stored class\n"
            "prior (largest remainder rounding) unless --per-class is given; labels come\n"
            "in random order. With '-o -' the images array is written to standard output,\n"
            "followed by the labels array (IDX or NPY).\n"
            "With --from-latents, decodes the codes of <codes.csv> instead (the CSV that\n"
            "'lgc compress --latents' writes: a header class,z1,...,zd, then class,z1,...,zd\n"
            "per image): one image per line in file order, labelled with its class.\n\n"
            "options:\n"
            "  -n, --count <n>         number of images\n"
            "      --per-class <m>     m images of every class instead of -n\n"
            "      --from-latents <f>  decode the codes in CSV file f instead of drawing\n"
            "                          from the mixtures; not with -n, --per-class, --png\n"
            "  -o, --output <dir>      output directory (created if missing), or -\n"
            "      --format <f>        idx, npy or png (class folders; not with -o -) [idx]\n"
            "  -f, --force             replace an existing set and grid\n"
            "      --png <file>        also write a grid, one row per class\n"
            "      --png-cols <n>      images per row of the grid [%d]\n"
            "      --augment <r,s,t[,e]>  warp every image by a random rotation of up to r\n"
            "                          degrees, scaling by up to s (relative) and shift of\n"
            "                          up to t pixels, and with e an elastic distortion\n"
            "                          of strength e pixels; 0 for none [the file's, as\n"
            "                          'lgc info' shows; %g,%g,%g if it has none]\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "      --json              a JSON summary on standard output (not with -o -)\n"
            "  -q, --quiet             no summary on stderr\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n",
            DEFAULT_PNG_COLS, AUGMENT_DEFAULT.rotate, AUGMENT_DEFAULT.scale,
            AUGMENT_DEFAULT.shift, DEFAULT_SEED);
}

static int parse(sample_opts *o, int argc, char **argv)
{
    enum {
        OPT_PER_CLASS = 256,
        OPT_FROM_LATENTS,
        OPT_PNG,
        OPT_PNG_COLS,
        OPT_SEED,
        OPT_THREADS,
        OPT_AUGMENT,
        OPT_FORMAT,
        OPT_JSON
    };
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'},     {"per-class", required_argument, 0, OPT_PER_CLASS},
        {"output", required_argument, 0, 'o'},    {"png", required_argument, 0, OPT_PNG},
        {"png-cols", required_argument, 0, OPT_PNG_COLS}, {"seed", required_argument, 0, OPT_SEED},
        {"threads", required_argument, 0, OPT_THREADS}, {"quiet", no_argument, 0, 'q'},
        {"from-latents", required_argument, 0, OPT_FROM_LATENTS},
        {"augment", required_argument, 0, OPT_AUGMENT},
        {"format", required_argument, 0, OPT_FORMAT}, {"json", no_argument, 0, OPT_JSON},
        {"help", no_argument, 0, 'h'},            {"force", no_argument, 0, 'f'},
        {"version", no_argument, 0, 'V'},         {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->n = -1;
    o->per_class = -1;
    o->png_cols = DEFAULT_PNG_COLS;
    o->seed = DEFAULT_SEED;
    o->augment = AUGMENT_DEFAULT;
    o->format = DATASET_IDX;
    int st = LGC_OK, c;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":n:o:fqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': st = cli_parse_long(&o->n, "count", optarg, 1, SAMPLE_MAX_IMAGES); break;
        case OPT_PER_CLASS: st = cli_parse_long(&o->per_class, "per-class", optarg, 1, SAMPLE_MAX_IMAGES); break;
        case OPT_FROM_LATENTS: o->from_latents = optarg; break;
        case 'o': o->out = optarg; break;
        case OPT_PNG: o->png = optarg; break;
        case OPT_PNG_COLS: st = cli_parse_int(&o->png_cols, "png-cols", optarg, 1, 1000); break;
        case OPT_SEED: st = cli_parse_u64(&o->seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case OPT_AUGMENT:
            st = cli_parse_augment(&o->augment, "augment", optarg);
            o->augment_given = 1;
            break;
        case OPT_FORMAT: st = dataset_format_parse(&o->format, "format", optarg, 1); break;
        case OPT_JSON: o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case 'f': o->force = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': cli_print_version(); return 1;
        default: st = cli_option_error(c, argv); break;
        }
    }
    if (st)
        return st;
    if ((st = cli_one_operand(&o->file, argc, argv, "<file.lgc>")))
        return st;
    if (o->n > 0 && o->per_class > 0)
        return lgc_fail(LGC_EUSAGE, "give either -n or --per-class, not both");
    if (o->from_latents && (o->n > 0 || o->per_class > 0))
        return lgc_fail(LGC_EUSAGE, "'--from-latents' cannot be combined with -n or --per-class "
                                    "(the file sets the images)");
    /* the grid would show the mixtures' samples, not these codes */
    if (o->from_latents && o->png)
        return lgc_fail(LGC_EUSAGE, "'--from-latents' cannot be combined with --png (the grid "
                                    "draws from the mixtures: make it in a separate run)");
    int want_set = o->n > 0 || o->per_class > 0 || o->from_latents;
    if (want_set && !o->out)
        return lgc_fail(LGC_EUSAGE, "missing '-o <dir>'");
    if (!want_set && o->out)
        return lgc_fail(LGC_EUSAGE,
                        "missing '-n <count>', '--per-class <count>' or '--from-latents <file>'");
    if (!want_set && !o->png)
        return lgc_fail(LGC_EUSAGE, "nothing to do: give -n and -o, or --png");
    /* a stream holds arrays; class folders are a directory tree */
    if (o->out && !strcmp(o->out, "-") && o->format == DATASET_PNG)
        return lgc_fail(LGC_EUSAGE, "'--format png' writes folders: give -o <dir>, not -");
    if (o->json && o->out && !strcmp(o->out, "-"))
        return lgc_fail(LGC_EUSAGE, "'--json' cannot be combined with '-o -' (standard output "
                                    "carries the set)");
    return LGC_OK;
}

/* --json: what was written, one object on stdout. */
static void print_json(const sample_opts *o, const sample_config *cfg, double seconds)
{
    const int K = cfg->model->n_classes;
    long counts[DATASET_MAX_CLASSES] = {0};
    if (cfg->given)
        for (long i = 0; i < cfg->given->n; i++)
            counts[cfg->given->labels[i]]++;
    else if (o->out)
        sample_quota(counts, cfg);
    printf("{\"output\": ");
    cli_json_string(o->out);
    printf(", \"format\": ");
    cli_json_string(dataset_format_option(o->format));
    printf(", \"images\": %ld, \"per_class\": ", o->out ? sample_count(cfg) : 0L);
    cli_json_longs(counts, K);
    printf(", \"png\": ");
    cli_json_string(o->png);
    const augment_opts *a = &cfg->augment; /* the file's warps unless --augment */
    const float warps[4] = {a->rotate, a->scale, a->shift, a->elastic};
    printf(", \"augment\": [");
    for (int i = 0; i < 4; i++) {
        printf("%s", i ? ", " : "");
        cli_json_double(warps[i]);
    }
    printf("]");
    printf(", \"seed\": %llu, \"seconds\": ", (unsigned long long)o->seed);
    cli_json_double(seconds);
    printf("}\n");
}

/* The set (into a directory or onto stdout) and the grid that o asks for,
 * with the summary on stderr (and --json's on stdout). */
static int write_outputs(const sample_opts *o, const sample_config *cfg)
{
    int st = LGC_OK;
    double t0 = now_seconds();
    if (o->out) {
        int K = cfg->model->n_classes;
        if (o->per_class > SAMPLE_MAX_IMAGES / K)
            return lgc_fail(LGC_EUSAGE, "--per-class %ld x %d classes is too many images",
                            o->per_class, K);
        st = strcmp(o->out, "-") ? sample_write_dir(cfg, o->out)
                                 : sample_write_stream(cfg, stdout, "standard output");
        if (st)
            return st;
        long n = sample_count(cfg);
        if (!o->quiet && o->from_latents)
            fprintf(stderr, "sample: %ld images decoded from '%s' to '%s' in %.2f s\n", n,
                    o->from_latents, o->out, now_seconds() - t0);
        else if (!o->quiet)
            fprintf(stderr, "sample: %ld images to '%s' in %.2f s\n", n, o->out,
                    now_seconds() - t0);
    }
    if (o->png)
        st = sample_write_grid(cfg, o->png_cols, o->png);
    if (st == LGC_OK && o->json)
        print_json(o, cfg, now_seconds() - t0);
    return st;
}

static int run(const sample_opts *o)
{
    lgc_model m = {0};
    net dec = {0};
    latents_csv given = {0};
    int st = lgcf_read(&m, NULL, o->file);
    if (st)
        return st;
    /* all of the file is checked before any output is created */
    if (o->from_latents &&
        (st = latents_csv_read(&given, o->from_latents, m.latent, m.n_classes, SAMPLE_MAX_IMAGES)))
        goto done;
    if ((st = sample_decoder_init(&dec, &m)))
        goto done;
    st = write_outputs(o, &(sample_config){.model = &m,
                                           .decoder = &dec,
                                           .n = o->n,
                                           .per_class = o->per_class,
                                           .given = o->from_latents ? &given : NULL,
                                           .seed = o->seed,
                                           .augment = o->augment_given || !m.warps.present
                                                          ? o->augment
                                                          : m.warps.augment,
                                           .format = o->format});
done:
    latents_csv_free(&given);
    net_free(&dec);
    lgc_model_free(&m);
    return st;
}

/* Every output is checked before the model is read (output_path.h).
 * "-o -" streams the set; the grid goes through a temporary renamed into
 * place, which a stream cannot be, so "--png -" is refused. */
static int check_outputs(const sample_opts *o)
{
    const output_input inputs[] = {{o->file, "the .lgc file being read", 0},
                                   {o->from_latents, "the --from-latents file", 0}};
    int to_dir = o->out && strcmp(o->out, "-") != 0;
    int st = LGC_OK;
    if (o->out && !to_dir)
        st = output_check_stream(o->format == DATASET_NPY ? "the NPY files" : "the IDX files");
    else if (to_dir)
        st = output_check_dir(o->out, o->force, inputs, 2);
    if (!st && o->png && !(to_dir && output_in_new_dir(o->png, o->out)))
        st = output_check_file(o->png, "the PNG grid", o->force, inputs, 2);
    if (!st && o->png && to_dir)
        st = output_check_distinct(o->png, o->out, 1);
    return st;
}

int cmd_sample(int argc, char **argv)
{
    sample_opts o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("sample");
    if (st || (st = check_outputs(&o)))
        return cli_report("sample", st);
    threads_set(o.threads);
    st = run(&o);
    if (st)
        return cli_report("sample", st);
    return cli_close_stdout("sample");
}
