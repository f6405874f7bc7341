/* cmd_sample.c - `lgc sample FILE -n N -o DIR`: draw latents from each
 * class's mixture, decode them in batches and write an IDX training set
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte) that any MNIST loader
 * reads. Memory is independent of N: labels come from a sequential
 * sampler (exact class counts, random order) that can be replayed from its
 * seed, and images are decoded and written one batch at a time.
 * --from-latents decodes given codes instead (read whole and validated
 * before anything is written), to judge the decoder apart from the
 * mixtures. Every decoded image is then warped by a random rotation,
 * scaling and shift (--augment, src/image/augment.c) drawn from a stream
 * of its own, so the labels and codes do not depend on the warps. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "cli.h"
#include "idx.h"
#include "latents_csv.h"
#include "lgcfile.h"
#include "model.h"
#include "png_write.h"
#include "threads.h"
#include "util.h"

#define DEFAULT_SEED 1
#define DEFAULT_PNG_COLS 10
#define DECODE_BATCH 256
/* Memory the decoding batch may take (see decode_batch). */
#define DECODE_BUDGET ((size_t)512 << 20)
#define MAX_SAMPLES 100000000L /* the IDX reader's own bound */

typedef struct {
    const char *file, *out, *png, *from_latents;
    long n, per_class;
    int png_cols;
    uint64_t seed;
    int threads, quiet;
    augment_opts augment;
} sample_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lgc sample <file.lgc> (-n <count> | --per-class <count>) -o <dir> [<options>]\n"
            "       lgc sample <file.lgc> --from-latents <codes.csv> -o <dir> [<options>]\n"
            "       lgc sample <file.lgc> --png <grid.png> [<options>]\n"
            "       (alias: lgc decompress)\n\n"
            "Draws labelled synthetic images from the class mixtures in <file.lgc> and\n"
            "writes <dir>/train-images-idx3-ubyte and <dir>/train-labels-idx1-ubyte.\n"
            "Class counts follow the stored class prior (largest remainder rounding)\n"
            "unless --per-class is given; labels come in random order. With '-o -' the\n"
            "image IDX file is written to standard output, followed by the label IDX file.\n"
            "With --from-latents, decodes the codes of <codes.csv> instead (the CSV that\n"
            "'lgc compress --latents' writes: a header class,z1,...,zd, then class,z1,...,zd\n"
            "per image): one image per line in file order, labelled with its class.\n\n"
            "options:\n"
            "  -n, --count <n>         number of images\n"
            "      --per-class <m>     m images of every class instead of -n\n"
            "      --from-latents <f>  decode the codes in CSV file f instead of drawing\n"
            "                          from the mixtures; not with -n, --per-class, --png\n"
            "  -o, --output <dir>      output directory (created if missing), or -\n"
            "      --png <file>        also write a grid, one row per class\n"
            "      --png-cols <n>      images per row of the grid [%d]\n"
            "      --augment <r,s,t[,e]>  warp every image by a random rotation of up to r\n"
            "                          degrees, scaling by up to s (relative) and shift of\n"
            "                          up to t pixels, and with e an elastic distortion\n"
            "                          of strength e pixels; 0 for none [%g,%g,%g]\n"
            "      --seed <n>          random seed [%d]\n"
            "      --threads <n>       threads, 0 = all cores [0]\n"
            "  -q, --quiet             no summary on stderr\n"
            "  -h, --help              show this help\n",
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
        OPT_AUGMENT
    };
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'},     {"per-class", required_argument, 0, OPT_PER_CLASS},
        {"output", required_argument, 0, 'o'},    {"png", required_argument, 0, OPT_PNG},
        {"png-cols", required_argument, 0, OPT_PNG_COLS}, {"seed", required_argument, 0, OPT_SEED},
        {"threads", required_argument, 0, OPT_THREADS}, {"quiet", no_argument, 0, 'q'},
        {"from-latents", required_argument, 0, OPT_FROM_LATENTS},
        {"augment", required_argument, 0, OPT_AUGMENT},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->n = -1;
    o->per_class = -1;
    o->png_cols = DEFAULT_PNG_COLS;
    o->seed = DEFAULT_SEED;
    o->augment = AUGMENT_DEFAULT;
    int st = LGC_OK, c;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":n:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': st = cli_parse_long(&o->n, "count", optarg, 1, MAX_SAMPLES); break;
        case OPT_PER_CLASS: st = cli_parse_long(&o->per_class, "per-class", optarg, 1, MAX_SAMPLES); break;
        case OPT_FROM_LATENTS: o->from_latents = optarg; break;
        case 'o': o->out = optarg; break;
        case OPT_PNG: o->png = optarg; break;
        case OPT_PNG_COLS: st = cli_parse_int(&o->png_cols, "png-cols", optarg, 1, 1000); break;
        case OPT_SEED: st = cli_parse_u64(&o->seed, "seed", optarg); break;
        case OPT_THREADS: st = cli_parse_int(&o->threads, "threads", optarg, 0, 1024); break;
        case OPT_AUGMENT: st = cli_parse_augment(&o->augment, "augment", optarg); break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 1;
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
    return LGC_OK;
}

/* Images per class: exactly n in total, proportional to the prior, by
 * largest remainder (ties to the lower class index), or per_class each. */
static int class_quota(long *quota, const lgc_model *m, long n, long per_class)
{
    int K = m->n_classes;
    if (per_class > 0) {
        if (per_class > MAX_SAMPLES / K)
            return lgc_fail(LGC_EUSAGE, "--per-class %ld x %d classes is too many images",
                            per_class, K);
        for (int c = 0; c < K; c++)
            quota[c] = per_class;
        return LGC_OK;
    }
    double total = 0;
    for (int c = 0; c < K; c++)
        total += (double)m->class_counts[c];
    double frac[LGCF_MAX_CLASSES];
    long given = 0;
    for (int c = 0; c < K; c++) {
        double q = (double)n * (double)m->class_counts[c] / total;
        quota[c] = (long)q;
        frac[c] = q - (double)quota[c];
        given += quota[c];
    }
    for (; given < n; given++) {
        int best = 0;
        for (int c = 1; c < K; c++)
            if (frac[c] > frac[best])
                best = c;
        quota[best]++;
        frac[best] = -1;
    }
    return LGC_OK;
}

/* Sequential sampling without replacement of the label multiset: each draw
 * picks class c with probability remaining[c] / remaining_total, which
 * gives a uniformly random order with exact counts in O(classes) memory. */
typedef struct {
    rng_t rng;
    long remaining[LGCF_MAX_CLASSES];
    long total;
    int K;
} label_stream;

static void label_stream_init(label_stream *ls, const long *quota, int K, uint64_t seed)
{
    rng_seed(&ls->rng, seed * 0x9e3779b97f4a7c15ULL + 1);
    ls->K = K;
    ls->total = 0;
    for (int c = 0; c < K; c++) {
        ls->remaining[c] = quota[c];
        ls->total += quota[c];
    }
}

static int label_stream_next(label_stream *ls)
{
    long r = (long)(rng_uniform(&ls->rng) * (double)ls->total);
    int c = 0;
    while (c < ls->K - 1 && r >= ls->remaining[c])
        r -= ls->remaining[c++];
    while (ls->remaining[c] == 0) /* guards rounding at the top end */
        c--;
    ls->remaining[c]--;
    ls->total--;
    return c;
}

/* The codes to decode: drawn from the mixtures (class counts quota, labels
 * from a stream replayed from seed), or given, in their order. */
typedef struct {
    long n;
    const long *quota;
    uint64_t seed;
    const latents_csv *given; /* --from-latents, or NULL */
    const augment_opts *augment;
} sample_src;

static int write_all(FILE *f, const void *p, size_t n, const char *name)
{
    if (fwrite(p, 1, n, f) != n)
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", name, strerror(errno));
    return LGC_OK;
}

static int write_labels(FILE *f, const sample_src *src, int K, const char *name)
{
    const long n = src->n;
    if (idx_write_labels_header(f, (int)n))
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", name, strerror(errno));
    if (src->given)
        return write_all(f, src->given->labels, (size_t)n, name);
    label_stream ls;
    label_stream_init(&ls, src->quota, K, src->seed);
    uint8_t buf[4096];
    for (long i = 0; i < n;) {
        size_t b = 0;
        for (; b < sizeof buf && i < n; b++, i++)
            buf[b] = (uint8_t)label_stream_next(&ls);
        int st = write_all(f, buf, b, name);
        if (st)
            return st;
    }
    return LGC_OK;
}

/* Decodes the n images of src in batches into f. */
static int write_images(FILE *f, net *dec, const lgc_model *m, const sample_src *src,
                        const char *name)
{
    const long n = src->n;
    size_t img_bytes = (size_t)m->h * m->w * m->c;
    if (idx_write_images_header(f, (int)n, m->h, m->w, m->c))
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", name, strerror(errno));
    label_stream ls;
    rng_t rng, warp_rng; /* separate streams: the codes do not depend on --augment */
    if (!src->given) {
        label_stream_init(&ls, src->quota, m->n_classes, src->seed);
        rng_seed(&rng, src->seed * 0x9e3779b97f4a7c15ULL + 2);
    }
    rng_seed(&warp_rng, src->seed * 0x9e3779b97f4a7c15ULL + 4);
    const int batch = dec->max_batch;
    float *z = xmalloc((size_t)batch * m->latent * sizeof(float));
    uint8_t *img = xmalloc((size_t)batch * img_bytes), *tmp = xmalloc(img_bytes);
    int st = LGC_OK;
    for (long s = 0; s < n && st == LGC_OK; s += batch) {
        int B = n - s < batch ? (int)(n - s) : batch;
        const float *zb = z;
        if (src->given)
            zb = src->given->z + (size_t)s * m->latent;
        else
            for (int i = 0; i < B; i++)
                gmm_sample(&m->gmms[label_stream_next(&ls)], z + (size_t)i * m->latent, 1, &rng);
        decoder_decode_u8(dec, zb, B, img);
        if (!augment_is_identity(src->augment))
            augment_images(img, tmp, B, m->h, m->w, m->c, src->augment, &warp_rng);
        st = write_all(f, img, (size_t)B * img_bytes, name);
    }
    free(z);
    free(img);
    free(tmp);
    return st;
}

typedef struct {
    net *dec;
    const lgc_model *m;
    const sample_src *src;
} sample_job;

static int fill_set(FILE *img, const char *img_path, FILE *lab, const char *lab_path, void *ctx)
{
    const sample_job *j = ctx;
    int st = write_images(img, j->dec, j->m, j->src, img_path);
    return st ? st : write_labels(lab, j->src, j->m->n_classes, lab_path);
}

static int sample_to_dir(net *dec, const lgc_model *m, const sample_src *src,
                         const sample_opts *o)
{
    sample_job job = {dec, m, src};
    return atomic_write_idx_set(o->out, fill_set, &job);
}

static int sample_to_stdout(net *dec, const lgc_model *m, const sample_src *src)
{
    int st = write_images(stdout, dec, m, src, "standard output");
    if (st == LGC_OK)
        st = write_labels(stdout, src, m->n_classes, "standard output");
    return st;
}

/* A grid with one row per class and png_cols samples per row, 2-pixel mid
 * grey gutters. Colour images with c != 3 show their first channel. */
static int write_png_grid(net *dec, const lgc_model *m, const sample_opts *o)
{
    int cols = o->png_cols, K = m->n_classes, gap = 2;
    int pc = m->c == 3 ? 3 : 1;
    int gw = cols * (m->w + gap) + gap, gh = K * (m->h + gap) + gap;
    uint8_t *grid = xmalloc((size_t)gw * gh * pc);
    memset(grid, 128, (size_t)gw * gh * pc);
    float *z = xmalloc((size_t)cols * m->latent * sizeof(float));
    const size_t img_bytes = (size_t)m->h * m->w * m->c;
    uint8_t *img = xmalloc((size_t)cols * img_bytes), *tmp = xmalloc(img_bytes);
    rng_t rng, warp_rng;
    rng_seed(&rng, o->seed * 0x9e3779b97f4a7c15ULL + 3);
    rng_seed(&warp_rng, o->seed * 0x9e3779b97f4a7c15ULL + 5);
    for (int k = 0; k < K; k++) {
        for (int done = 0; done < cols; done += dec->max_batch) {
            int B = cols - done < dec->max_batch ? cols - done : dec->max_batch;
            gmm_sample(&m->gmms[k], z, B, &rng);
            decoder_decode_u8(dec, z, B, img);
            if (!augment_is_identity(&o->augment))
                augment_images(img, tmp, B, m->h, m->w, m->c, &o->augment, &warp_rng);
            for (int i = 0; i < B; i++)
                for (int y = 0; y < m->h; y++)
                    for (int x = 0; x < m->w; x++)
                        for (int ch = 0; ch < pc; ch++) {
                            size_t gx = (size_t)gap + (size_t)(done + i) * (m->w + gap) + x;
                            size_t gy = (size_t)gap + (size_t)k * (m->h + gap) + y;
                            grid[(gy * gw + gx) * pc + ch] =
                                img[(((size_t)i * m->h + y) * m->w + x) * m->c + ch];
                        }
        }
    }
    int st = png_write(o->png, grid, gw, gh, pc);
    free(grid);
    free(z);
    free(img);
    free(tmp);
    return st;
}

/* Images decoded at once: DECODE_BATCH, or fewer when that many would take
 * more than DECODE_BUDGET (each image's layer outputs and their gradients,
 * which net_init allocates too, and its pixels). The reader bounds one
 * image's activations (LGCF_MAX_ACTIVATIONS), so a file claiming huge
 * images costs time, not unbounded memory. lgc's decoder keeps the full
 * batch up to images of about 80x80. */
static int decode_batch(const lgc_model *m)
{
    size_t acts = 0;
    for (int i = 1; i <= m->n_layers; i++) {
        tshape out;
        size_t n_params;
        int st = net_plan((tshape){m->latent, 1, 1}, m->dec_specs, i, &out, &n_params);
        assert(st == LGC_OK); /* the reader planned the same layers */
        (void)st;
        acts += tshape_size(out);
    }
    size_t per_image = 2 * acts * sizeof(float) + (size_t)m->h * m->w * m->c;
    size_t b = DECODE_BUDGET / per_image;
    return b < 1 ? 1 : b > DECODE_BATCH ? DECODE_BATCH : (int)b;
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
        (st = latents_csv_read(&given, o->from_latents, m.latent, m.n_classes, MAX_SAMPLES)))
        goto done;
    if ((st = decoder_from_model(&dec, &m, decode_batch(&m))))
        goto done;
    if (o->out) {
        long quota[LGCF_MAX_CLASSES];
        sample_src src = {.quota = quota, .seed = o->seed, .augment = &o->augment};
        if (o->from_latents) {
            src.given = &given;
            src.n = given.n;
        } else {
            if ((st = class_quota(quota, &m, o->n, o->per_class)))
                goto done;
            for (int c = 0; c < m.n_classes; c++)
                src.n += quota[c];
        }
        double t0 = now_seconds();
        st = strcmp(o->out, "-") ? sample_to_dir(&dec, &m, &src, o)
                                 : sample_to_stdout(&dec, &m, &src);
        if (st)
            goto done;
        if (!o->quiet && o->from_latents)
            fprintf(stderr, "sample: %ld images decoded from '%s' to '%s' in %.2f s\n", src.n,
                    o->from_latents, o->out, now_seconds() - t0);
        else if (!o->quiet)
            fprintf(stderr, "sample: %ld images to '%s' in %.2f s\n", src.n, o->out,
                    now_seconds() - t0);
    }
    if (o->png)
        st = write_png_grid(&dec, &m, o);
done:
    latents_csv_free(&given);
    net_free(&dec);
    lgc_model_free(&m);
    return st;
}

int cmd_sample(int argc, char **argv)
{
    sample_opts o;
    int st = parse(&o, argc, argv);
    if (st == 1)
        return cli_close_stdout("sample");
    if (st)
        return cli_report("sample", st);
    threads_set(o.threads);
    st = run(&o);
    if (st)
        return cli_report("sample", st);
    return cli_close_stdout("sample");
}
