/* test_compress.c - the compress pipeline (compress.h) end to end on a
 * tiny synthetic dataset, without the command line.
 *
 * - A plain run writes a .lgc file that reads back with the dataset's
 *   shape, classes and counts, the precisions and kmax asked for, and the
 *   size compress_run reports; its latent codes CSV reads back too.
 * - The same configuration gives the same bytes twice.
 * - A budget run writes a file within the budget; a budget too small for
 *   any configuration is a usage error that writes nothing.
 * - A class without training images is refused.
 * The datasets and outputs live in a mkdtemp directory removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress.h"
#include "idx.h"
#include "latents_csv.h"
#include "lgcfile.h"
#include "rng.h"
#include "util.h"

/* The dataset: N_PER_CLASS images of SIDE x SIDE in N_CLASSES classes,
 * enough per class for a full covariance of the default latent size. */
#define SIDE 8
#define N_CLASSES 3
#define N_PER_CLASS 60
#define N_IMAGES (N_CLASSES * N_PER_CLASS)

static char tmpdir[64];

/* path(buf, "x") -> "<tmpdir>/x"; buf holds 512 bytes. */
static char *path(char *buf, const char *name)
{
    snprintf(buf, 512, "%s/%s", tmpdir, name);
    return buf;
}

static long file_size(const char *file)
{
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    return (long)sb.st_size;
}

/* Writes train-images/labels into dir: image i has class labels[i], a
 * bright band of rows at the class's place over noise. */
static void write_dataset(const char *dir, const uint8_t *labels, int n)
{
    char file[1024];
    rng_t rng;
    rng_seed(&rng, 5);
    snprintf(file, sizeof file, "%s/train-images-idx3-ubyte", dir);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_images_header(f, n, SIDE, SIDE, 1), LGC_OK);
    for (int i = 0; i < n; i++)
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                int band = y * N_CLASSES / SIDE == labels[i];
                assert_int_equal(fputc((band ? 180 : 0) + (int)rng_below(&rng, 60), f) == EOF, 0);
            }
    assert_int_equal(fclose(f), 0);
    snprintf(file, sizeof file, "%s/train-labels-idx1-ubyte", dir);
    f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_labels_header(f, n), LGC_OK);
    assert_int_equal(fwrite(labels, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(fclose(f), 0);
}

static int remove_entry(const char *file, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(file);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_compress.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    uint8_t labels[N_IMAGES];
    for (int i = 0; i < N_IMAGES; i++)
        labels[i] = (uint8_t)(i % N_CLASSES);
    write_dataset(tmpdir, labels, N_IMAGES);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A quick configuration: small widths, two short epochs, quiet. */
static compress_config tiny_config(const char *output)
{
    compress_config cfg;
    compress_config_default(&cfg);
    cfg.dataset_dir = tmpdir;
    cfg.output = output;
    cfg.arch.latent = 4;
    cfg.arch.c1 = 4;
    cfg.arch.c2 = 8;
    cfg.train.epochs = 2;
    cfg.train.batch = 32;
    cfg.kmax = 2;
    cfg.quiet = 1;
    return cfg;
}

/* --- plain runs --- */

static void test_plain_run_reads_back(void **state)
{
    (void)state;
    char out[512], csv[512];
    compress_config cfg = tiny_config(path(out, "plain.lgc"));
    cfg.latents = path(csv, "plain.csv");
    compress_report report;
    assert_int_equal(compress_run(&cfg, &report), LGC_OK);
    assert_int_equal(report.bytes, file_size(out));
    assert_true(isfinite(report.final_loss) && report.final_loss > 0);
    assert_true(report.seconds >= 0);

    lgc_model m;
    assert_int_equal(lgcf_read(&m, NULL, out), LGC_OK);
    assert_int_equal(m.h, SIDE);
    assert_int_equal(m.w, SIDE);
    assert_int_equal(m.c, 1);
    assert_int_equal(m.n_classes, N_CLASSES);
    assert_int_equal(m.latent, 4);
    assert_int_equal(m.weight_dtype, COMPRESS_DEFAULT_WEIGHTS);
    assert_int_equal(m.gmm_dtype, COMPRESS_DEFAULT_MIXTURES);
    assert_int_equal(m.kmax, 2);
    for (int c = 0; c < N_CLASSES; c++) {
        assert_int_equal(m.class_counts[c], N_PER_CLASS);
        assert_in_range(m.gmms[c].k, 1, 2);
        assert_int_equal(m.gmms[c].d, 4);
    }
    lgc_model_free(&m);

    latents_csv codes;
    assert_int_equal(latents_csv_read(&codes, csv, 4, N_CLASSES, N_IMAGES), LGC_OK);
    assert_int_equal(codes.n, N_IMAGES);
    for (int i = 0; i < N_IMAGES; i++)
        assert_int_equal(codes.labels[i], i % N_CLASSES);
    latents_csv_free(&codes);
}

/* The precisions asked for are the file's, and a second run of the same
 * configuration writes the same bytes. */
static void test_plain_run_repeats(void **state)
{
    (void)state;
    char out[2][512];
    uint8_t *bytes[2];
    long size[2];
    for (int r = 0; r < 2; r++) {
        compress_config cfg = tiny_config(path(out[r], r ? "again.lgc" : "first.lgc"));
        cfg.weights = LGCF_INT4;
        cfg.mixtures = LGCF_INT8;
        assert_int_equal(compress_run(&cfg, NULL), LGC_OK);
        size[r] = file_size(out[r]);
        bytes[r] = malloc((size_t)size[r]);
        FILE *f = fopen(out[r], "rb");
        assert_non_null(f);
        assert_int_equal(fread(bytes[r], 1, (size_t)size[r], f), (size_t)size[r]);
        fclose(f);
    }
    assert_int_equal(size[0], size[1]);
    assert_memory_equal(bytes[0], bytes[1], (size_t)size[0]);
    free(bytes[0]);
    free(bytes[1]);

    lgc_model m;
    assert_int_equal(lgcf_read(&m, NULL, out[0]), LGC_OK);
    assert_int_equal(m.weight_dtype, LGCF_INT4);
    assert_int_equal(m.gmm_dtype, LGCF_INT8);
    lgc_model_free(&m);
}

/* Labels 0 and 2 (no 1) are two classes, and the file keeps their values. */
static void test_labels_with_a_gap(void **state)
{
    (void)state;
    char dir[512], out[512];
    assert_int_equal(mkdir(path(dir, "gap"), 0700), 0);
    uint8_t labels[N_IMAGES];
    for (int i = 0; i < N_IMAGES; i++)
        labels[i] = i % 2 ? 2 : 0;
    write_dataset(dir, labels, N_IMAGES);
    compress_config cfg = tiny_config(path(out, "gap.lgc"));
    cfg.dataset_dir = dir;
    assert_int_equal(compress_run(&cfg, NULL), LGC_OK);
    lgc_model m;
    assert_int_equal(lgcf_read(&m, NULL, out), LGC_OK);
    assert_int_equal(m.n_classes, 2);
    assert_int_equal(m.classes.kind, CLASS_LABELS_INTEGERS);
    assert_true(m.classes.values[0] == 0 && m.classes.values[1] == 2);
    lgc_model_free(&m);
}

/* --- byte budget --- */

static void test_budget_run_fits(void **state)
{
    (void)state;
    static const long budgets[] = {2048, 6 * 1024};
    for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++) {
        char out[512], name[32];
        snprintf(name, sizeof name, "budget%ld.lgc", budgets[i]);
        compress_config cfg = tiny_config(path(out, name));
        cfg.train.epochs = 1;
        cfg.budget = budgets[i];
        compress_report report;
        assert_int_equal(compress_run(&cfg, &report), LGC_OK);
        long size = file_size(out);
        assert_int_equal(report.bytes, size);
        assert_true(size <= budgets[i]);
        lgc_model m;
        assert_int_equal(lgcf_read(&m, NULL, out), LGC_OK);
        assert_int_equal(m.n_classes, N_CLASSES);
        assert_int_equal(m.h, SIDE);
        lgc_model_free(&m);
    }
}

static void test_budget_too_small(void **state)
{
    (void)state;
    char out[512];
    compress_config cfg = tiny_config(path(out, "tiny.lgc"));
    cfg.budget = 100;
    assert_int_equal(compress_run(&cfg, NULL), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "a budget of 100 bytes is too small"));
    assert_int_not_equal(access(out, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_run_reads_back),
        cmocka_unit_test(test_plain_run_repeats),
        cmocka_unit_test(test_labels_with_a_gap),
        cmocka_unit_test(test_budget_run_fits),
        cmocka_unit_test(test_budget_too_small),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
