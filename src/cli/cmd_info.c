/* cmd_info.c - `lgc info FILE [--json]`: what a .lgc file holds and what
 * each part costs in bytes. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lgcfile.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: lgc info <file.lgc> [--json]\n\n"
               "Prints the data shape, the class prior (by the labels or folder names the\n"
               "dataset had), each class's mixture size k and BIC curve, how the\n"
               "autoencoder was trained (when the file records it), the bytes of each\n"
               "part of the file, and the compression ratio against the raw training\n"
               "set (images x height x width x channels bytes).\n\n"
               "options:\n"
               "      --json         one JSON object on standard output (keys include\n"
               "                     file_bytes and compression_ratio)\n"
               "      --threads <n>  accepted like every command's; info computes nothing\n"
               "  -q, --quiet        accepted like every command's; info prints no progress\n"
               "  -h, --help         show this help\n"
               "  -V, --version      show the version\n");
}

static long total_images(const lgc_model *m)
{
    long n = 0;
    for (int c = 0; c < m->n_classes; c++)
        n += m->class_counts[c];
    return n;
}

static int total_components(const lgc_model *m)
{
    int n = 0;
    for (int c = 0; c < m->n_classes; c++)
        n += m->gmms[c].k;
    return n;
}

static const char *const stop_reason[] = {"the epochs asked", "the step budget",
                                           "early stopping"};

/* Epochs of the training part that the run's images amount to. */
static double training_epochs(const lgc_model *m)
{
    return (double)m->training.images_seen / (double)(total_images(m) - m->training.held_out);
}

static void print_training_text(const lgc_model *m)
{
    const lgc_training *t = &m->training;
    if (!t->present) {
        printf("training   not recorded\n");
        return;
    }
    printf("training   %llu steps (%.1f epochs of %ld images), stopped by %s",
           (unsigned long long)t->steps, training_epochs(m), total_images(m) - (long)t->held_out,
           stop_reason[t->stop]);
    if (t->best_step != t->steps)
        printf(", parameters of step %llu", (unsigned long long)t->best_step);
    printf("\n           reconstruction BCE per pixel: training %.5f", t->train_bce);
    if (t->held_out)
        printf(", held out %.5f (%u images)", t->held_bce, t->held_out);
    else
        printf(", no images held out");
    printf("\n");
}

/* "warps": what lgc sample warps by, and the held-out check behind it. */
static void print_warps_text(const lgc_model *m)
{
    const lgc_warps *w = &m->warps;
    const augment_opts a = w->present ? w->augment : AUGMENT_DEFAULT;
    printf("warps      lgc sample: rotate %g, scale %g, shift %g, elastic %g", a.rotate, a.scale,
           a.shift, a.elastic);
    printf(" (%s)\n", !w->present  ? "lgc's default; the file has none"
                      : w->measured ? "chosen on the held-out slice"
                                    : "given to compress");
    if (w->present && w->held_images)
        printf("           held-out accuracy on %u images: trained on samples %.1f%%, on %u "
               "real images in the same bytes %.1f%%\n",
               w->held_images, 100.0 * w->samples_accuracy, w->real_images,
               100.0 * w->real_accuracy);
}

/* "exemplars": the real images beside the mixtures, when there are any. */
static void print_exemplars_text(const lgc_model *m)
{
    const lgc_exemplars *e = &m->exemplars;
    if (e->n)
        printf("exemplars  %d real training images at %d bit%s per pixel; lgc sample takes "
               "%.0f%% of its images from them\n",
               e->n, e->bits, e->bits > 1 ? "s" : "", 100.0 * e->share);
}

static void print_text(const char *path, const lgc_model *m, const lgcf_sizes *z)
{
    double raw = (double)total_images(m) * m->h * m->w * m->c;
    printf("file       %s, %zu bytes\n", path, z->file_bytes);
    printf("images     %dx%dx%d (h x w x c), %ld training images, %d classes\n", m->h, m->w,
           m->c, total_images(m), m->n_classes);
    printf("latent     %d dimensions\n", m->latent);
    printf("decoder    %d layers, %zu parameters stored as %s%s\n", m->n_layers,
           m->n_dec_params, lgcf_dtype_name(m->weight_dtype),
           m->weight_dtype == LGCF_INT8 || m->weight_dtype == LGCF_INT4
               ? " (one f32 scale per output channel, f16 biases)"
               : "");
    printf("mixtures   %d components in all, means and factors stored as %s\n",
           total_components(m), lgcf_dtype_name(m->gmm_dtype));
    print_training_text(m);
    print_warps_text(m);
    print_exemplars_text(m);
    printf("bytes      header %zu, shape %zu, prior %zu, decoder %zu, mixtures %zu, bic %zu",
           z->header_bytes, z->shape_bytes, z->prior_bytes, z->decoder_bytes, z->mixture_bytes,
           z->bic_bytes);
    if (z->training_bytes)
        printf(", training %zu", z->training_bytes);
    if (z->labels_bytes)
        printf(", labels %zu", z->labels_bytes);
    if (z->warps_bytes)
        printf(", warps %zu", z->warps_bytes);
    if (z->exemplar_bytes)
        printf(", exemplars %zu", z->exemplar_bytes);
    if (z->other_bytes)
        printf(", unknown sections %zu", z->other_bytes);
    printf("\n");
    printf("ratio      %.1fx against %.0f raw bytes\n", raw / (double)z->file_bytes, raw);
    printf("\nclass  count      k  cov   BIC for k = 1..%d\n", m->kmax);
    for (int c = 0; c < m->n_classes; c++) {
        char label[CLASS_NAME_MAX + 1];
        printf("%-5s  %-9ld  %-2d %-5s", class_labels_text(&m->classes, c, label, sizeof label),
               m->class_counts[c], m->gmms[c].k,
               m->gmms[c].cov == GMM_COV_FULL ? "full" : "diag");
        for (int k = 0; k < m->kmax; k++) {
            double b = m->bic[(size_t)c * m->kmax + k];
            if (isfinite(b))
                printf(" %.0f", b);
            else
                printf(" -");
        }
        printf("\n");
    }
}

/* "training": the record as an object, or null when the file has none. */
static void print_training_json(const lgc_model *m)
{
    const lgc_training *t = &m->training;
    printf(", \"training\": ");
    if (!t->present) {
        printf("null");
        return;
    }
    static const char *const stop_key[] = {"epochs", "budget", "early"};
    printf("{\"steps\": %llu, \"best_step\": %llu, \"images_seen\": %llu, \"epochs\": ",
           (unsigned long long)t->steps, (unsigned long long)t->best_step,
           (unsigned long long)t->images_seen);
    cli_json_double(training_epochs(m));
    printf(", \"stop\": \"%s\", \"held_out\": %u, \"held_out_bce\": ", stop_key[t->stop],
           t->held_out);
    if (t->held_out)
        cli_json_double(t->held_bce);
    else
        printf("null");
    printf(", \"train_bce\": ");
    cli_json_double(t->train_bce);
    printf("}");
}

/* "warps": the stored warps and check as an object, or null. */
static void print_warps_json(const lgc_model *m)
{
    const lgc_warps *w = &m->warps;
    printf(", \"warps\": ");
    if (!w->present) {
        printf("null");
        return;
    }
    const float v[4] = {w->augment.rotate, w->augment.scale, w->augment.shift,
                        w->augment.elastic};
    static const char *const key[4] = {"rotate", "scale", "shift", "elastic"};
    printf("{");
    for (int i = 0; i < 4; i++) {
        printf("\"%s\": ", key[i]);
        cli_json_double(v[i]);
        printf(", ");
    }
    printf("\"chosen\": \"%s\", \"held_out\": %u, \"real_images\": %u", w->measured ? "held-out" : "given",
           w->held_images, w->real_images);
    printf(", \"samples_accuracy\": ");
    if (w->held_images)
        cli_json_double(w->samples_accuracy);
    else
        printf("null");
    printf(", \"real_accuracy\": ");
    if (w->held_images)
        cli_json_double(w->real_accuracy);
    else
        printf("null");
    printf("}");
}

/* "label": the class's label in the user's data, when the file has them. */
static void print_json_label(const class_labels *l, int c)
{
    if (l->kind == CLASS_LABELS_NAMES) {
        printf("\"label\": ");
        cli_json_string(l->names[c]);
        printf(", ");
    } else if (l->kind == CLASS_LABELS_INTEGERS) {
        printf("\"label\": %" PRId64 ", ", l->values[c]);
    }
}

static void print_json(const char *path, const lgc_model *m, const lgcf_sizes *z)
{
    double raw = (double)total_images(m) * m->h * m->w * m->c;
    printf("{\"file\": ");
    cli_json_string(path);
    printf(", \"file_bytes\": %zu, \"raw_bytes\": %.0f, \"compression_ratio\": ", z->file_bytes,
           raw);
    cli_json_double(raw / (double)z->file_bytes);
    printf(", \"height\": %d, \"width\": %d, \"channels\": %d, \"classes\": %d, \"latent\": %d",
           m->h, m->w, m->c, m->n_classes, m->latent);
    printf(", \"decoder_layers\": %d, \"decoder_params\": %zu, \"weights\": \"%s\"", m->n_layers,
           m->n_dec_params, lgcf_dtype_name(m->weight_dtype));
    printf(", \"mixtures\": \"%s\", \"components\": %d", lgcf_dtype_name(m->gmm_dtype),
           total_components(m));
    printf(", \"bytes\": {\"header\": %zu, \"shape\": %zu, \"prior\": %zu, \"decoder\": %zu, "
           "\"mixtures\": %zu, \"bic\": %zu, \"training\": %zu, \"labels\": %zu, \"warps\": %zu, "
           "\"exemplars\": %zu, \"other\": %zu}",
           z->header_bytes, z->shape_bytes, z->prior_bytes, z->decoder_bytes, z->mixture_bytes,
           z->bic_bytes, z->training_bytes, z->labels_bytes, z->warps_bytes, z->exemplar_bytes,
           z->other_bytes);
    print_training_json(m);
    print_warps_json(m);
    const lgc_exemplars *e = &m->exemplars;
    printf(", \"exemplars\": ");
    if (e->n) {
        printf("{\"images\": %d, \"bits\": %d, \"share\": ", e->n, e->bits);
        cli_json_double(e->share);
        printf("}");
    } else {
        printf("null");
    }
    printf(", \"per_class\": [");
    for (int c = 0; c < m->n_classes; c++) {
        printf("%s{\"class\": %d, ", c ? ", " : "", c);
        print_json_label(&m->classes, c);
        printf("\"count\": %ld, \"k\": %d, \"cov\": \"%s\", \"bic\": [", m->class_counts[c],
               m->gmms[c].k, m->gmms[c].cov == GMM_COV_FULL ? "full" : "diag");
        for (int k = 0; k < m->kmax; k++) {
            printf("%s", k ? ", " : "");
            cli_json_double(m->bic[(size_t)c * m->kmax + k]);
        }
        printf("]}");
    }
    printf("]}\n");
}

int cmd_info(int argc, char **argv)
{
    enum { OPT_THREADS = 256 };
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'},
        {"threads", required_argument, 0, OPT_THREADS}, {"quiet", no_argument, 0, 'q'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    int json = 0, c, st = LGC_OK, threads;
    optind = 0;
    opterr = 0;
    while (st == LGC_OK && (c = getopt_long(argc, argv, ":hqV", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': usage(stdout); return cli_close_stdout("info");
        case 'V': cli_print_version(); return cli_close_stdout("info");
        /* scripts may pass the common options to every command; info
         * reads one header and has neither threads nor progress */
        case OPT_THREADS: st = cli_parse_int(&threads, "threads", optarg, 0, 1024); break;
        case 'q': break;
        default: st = cli_option_error(c, argv); break;
        }
    }
    const char *path = NULL;
    if (st == LGC_OK)
        st = cli_one_operand(&path, argc, argv, "<file.lgc>");
    if (st)
        return cli_report("info", st);
    lgc_model m = {0};
    lgcf_sizes sizes;
    if ((st = lgcf_read(&m, &sizes, path)))
        return cli_report("info", st);
    if (json)
        print_json(path, &m, &sizes);
    else
        print_text(path, &m, &sizes);
    lgc_model_free(&m);
    return cli_close_stdout("info");
}
