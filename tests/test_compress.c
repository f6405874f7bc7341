/* test_compress.c - the compress pipeline (compress.h) end to end on a
 * tiny synthetic dataset, without the command line.
 *
 * - A plain run writes a .lgc file that reads back with the dataset's
 *   shape, classes and counts, the precisions and kmax asked for, and the
 *   size compress_run reports; its latent codes CSV reads back too.
 * - The same configuration gives the same bytes twice.
 * - A budget run writes a file within the budget; a budget too small for
 *   any configuration is a usage error that writes nothing.
 * - Labels with a gap (no images of some values) still compress.
 * - The held-out slice, the step budget and the training record.
 * The datasets and outputs live in a mkdtemp directory removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw, for test_files.h */
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
#include "test_files.h"
#include "rng.h"
#include "util.h"

/* The dataset: N_PER_CLASS images of SIDE x SIDE in N_CLASSES classes,
 * enough per class for a full covariance of the default latent size. */
#define SIDE 8
#define N_CLASSES 3
#define N_PER_CLASS 60
#define N_IMAGES (N_CLASSES * N_PER_CLASS)

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

static int setup(void **state)
{
    if (scratch_setup(state))
        return -1;
    uint8_t labels[N_IMAGES];
    for (int i = 0; i < N_IMAGES; i++)
        labels[i] = (uint8_t)(i % N_CLASSES);
    write_dataset(scratch_dir, labels, N_IMAGES);
    return 0;
}

/* A quick configuration: small widths, two short epochs, quiet. */
static compress_config tiny_config(const char *output)
{
    compress_config cfg;
    compress_config_default(&cfg);
    cfg.dataset_dir = scratch_dir;
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
    compress_config cfg = tiny_config(scratch_path(out, "plain.lgc"));
    cfg.latents = scratch_path(csv, "plain.csv");
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
    /* --epochs 2 with the default held-out slice: exactly 2 epochs of the
     * rest, recorded, the prior still the whole split's */
    const long held = N_CLASSES * holdout_class_count(N_PER_CLASS, COMPRESS_DEFAULT_HOLDOUT);
    const long rest = N_IMAGES - held, per_epoch = (rest + 31) / 32;
    assert_true(m.training.present);
    assert_int_equal(m.training.stop, AE_STOP_EPOCHS);
    assert_int_equal(m.training.steps, 2 * per_epoch);
    assert_int_equal(m.training.images_seen, 2 * rest);
    assert_int_equal(m.training.held_out, held);
    assert_true(m.training.held_bce > 0 && m.training.train_bce > 0);
    assert_memory_equal(&report.training, &m.training, sizeof m.training);
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
        compress_config cfg = tiny_config(scratch_path(out[r], r ? "again.lgc" : "first.lgc"));
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
    assert_int_equal(mkdir(scratch_path(dir, "gap"), 0700), 0);
    uint8_t labels[N_IMAGES];
    for (int i = 0; i < N_IMAGES; i++)
        labels[i] = i % 2 ? 2 : 0;
    write_dataset(dir, labels, N_IMAGES);
    compress_config cfg = tiny_config(scratch_path(out, "gap.lgc"));
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
        compress_config cfg = tiny_config(scratch_path(out, name));
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
    compress_config cfg = tiny_config(scratch_path(out, "tiny.lgc"));
    cfg.budget = 100;
    assert_int_equal(compress_run(&cfg, NULL), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "a budget of 100 bytes is too small"));
    assert_int_not_equal(access(out, F_OK), 0);
}

/* --- the held-out slice and the training length --- */

/* n images, labels from the repeating pattern sizes: class c gets sizes[c]
 * images, spread through the set. */
static void labelled_dataset(dataset *ds, const int *sizes, int n_classes)
{
    int n = 0;
    for (int c = 0; c < n_classes; c++)
        n += sizes[c];
    *ds = (dataset){.n = n, .h = 2, .w = 2, .c = 1, .n_classes = n_classes};
    ds->images = xmalloc((size_t)n * 4);
    ds->labels = xmalloc((size_t)n);
    int left[16], i = 0;
    memcpy(left, sizes, (size_t)n_classes * sizeof(int));
    while (i < n)
        for (int c = 0; c < n_classes; c++)
            if (left[c]-- > 0) {
                ds->labels[i] = (uint8_t)c;
                memset(ds->images + (size_t)i * 4, i & 0xff, 4); /* which image it is */
                i++;
            }
}

static void test_holdout_counts(void **state)
{
    (void)state;
    assert_int_equal(holdout_class_count(140, 0.1), 14);
    assert_int_equal(holdout_class_count(139, 0.1), 13);
    assert_int_equal(holdout_class_count(10, 0.1), 1);
    assert_int_equal(holdout_class_count(9, 0.1), 0); /* too small to spare one */
    assert_int_equal(holdout_class_count(1, 0.5), 0); /* one training image kept */
    assert_int_equal(holdout_class_count(2, 0.5), 1);
    assert_int_equal(holdout_class_count(20, 0.35), 7);
    assert_int_equal(holdout_class_count(5000, 0), 0);
    assert_int_equal(holdout_class_count(0, 0.5), 0);
}

static void test_holdout_split(void **state)
{
    (void)state;
    static const int sizes[4] = {140, 9, 1, 57};
    dataset ds;
    labelled_dataset(&ds, sizes, 4);
    holdout_split a, b, c;
    holdout_make(&a, &ds, 0.1, 1);
    holdout_make(&b, &ds, 0.1, 1);
    holdout_make(&c, &ds, 0.1, 2);
    long held[4], train[4];
    dataset_class_counts(held, &a.held);
    dataset_class_counts(train, &a.train);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(held[k], holdout_class_count(sizes[k], 0.1));
        assert_int_equal(held[k] + train[k], sizes[k]);
    }
    assert_int_equal(held[1], 0);
    assert_int_equal(held[2], 0);
    assert_int_equal(train[2], 1);
    /* disjoint, together the whole set, each part in dataset order, and
     * the copies are the images at those positions */
    uint8_t *seen = xcalloc((size_t)ds.n, 1);
    for (int i = 0; i < a.train.n; i++) {
        seen[a.train_index[i]]++;
        assert_true(i == 0 || a.train_index[i] > a.train_index[i - 1]);
        assert_int_equal(a.train.labels[i], ds.labels[a.train_index[i]]);
        assert_int_equal(a.train.images[i * 4], ds.images[a.train_index[i] * 4]);
    }
    for (int i = 0; i < a.held.n; i++) {
        seen[a.held_index[i]]++;
        assert_true(i == 0 || a.held_index[i] > a.held_index[i - 1]);
        assert_int_equal(a.held.labels[i], ds.labels[a.held_index[i]]);
        assert_int_equal(a.held.images[i * 4 + 3], ds.images[a.held_index[i] * 4 + 3]);
    }
    for (int i = 0; i < ds.n; i++)
        assert_int_equal(seen[i], 1);
    /* the seed decides: the same one, the same slice; another, another */
    assert_int_equal(a.held.n, b.held.n);
    assert_memory_equal(a.held_index, b.held_index, (size_t)a.held.n * sizeof(int));
    assert_int_equal(a.held.n, c.held.n);
    assert_memory_not_equal(a.held_index, c.held_index, (size_t)a.held.n * sizeof(int));
    holdout_free(&c);
    /* 0 holds out nothing */
    holdout_make(&c, &ds, 0.0, 1);
    assert_int_equal(c.held.n, 0);
    assert_int_equal(c.train.n, ds.n);
    assert_memory_equal(c.train.images, ds.images, (size_t)ds.n * 4);
    free(seen);
    holdout_free(&a);
    holdout_free(&b);
    holdout_free(&c);
    dataset_free(&ds);
}

static void test_step_budget(void **state)
{
    (void)state;
    /* tiny sets get the floor: 1,260 8x8 images, 10 steps an epoch */
    assert_int_equal(compress_step_budget(1260, 128), COMPRESS_MIN_STEPS);
    assert_int_equal(compress_step_budget(1, 128), COMPRESS_MIN_STEPS);
    /* full MNIST less its slice: 422 steps an epoch, still the floor */
    assert_int_equal(compress_step_budget(54000, 128), COMPRESS_MIN_STEPS);
    /* 10 epochs once they are more */
    assert_int_equal(compress_step_budget(100000, 128), 10 * 782);
    assert_int_equal(compress_step_budget(100000, 1000), COMPRESS_MIN_STEPS);
    /* and no more than the cap on large sets */
    assert_int_equal(compress_step_budget(10000000, 128), COMPRESS_MAX_STEPS);
    /* evaluations: a 20th of the budget on a tiny set, at most every 250
     * steps, never more often than once an epoch */
    ae_schedule s = compress_schedule(4690, 1260, 128);
    assert_int_equal(s.max_steps, 4690);
    assert_int_equal(s.eval_every, 235);
    assert_int_equal(s.patience, COMPRESS_PATIENCE);
    assert_int_equal(compress_schedule(50000, 10000000, 128).eval_every, 250);
    assert_int_equal(compress_schedule(100, 12800, 128).eval_every, 100);
    assert_int_equal(compress_schedule(10, 1260, 128).eval_every, 10);
    assert_int_equal(compress_schedule(1, 5, 128).eval_every, 1);
}

/* The step budget with --steps and early stopping, recorded; --holdout 0
 * with --epochs records nothing (the old file). */
static void test_schedule_recorded(void **state)
{
    (void)state;
    char out[512];
    compress_config cfg = tiny_config(scratch_path(out, "steps.lgc"));
    cfg.train.epochs = 0;
    cfg.max_steps = 7;
    compress_report report;
    assert_int_equal(compress_run(&cfg, &report), LGC_OK);
    lgc_model m;
    assert_int_equal(lgcf_read(&m, NULL, out), LGC_OK);
    assert_true(m.training.present);
    assert_true(m.training.stop == AE_STOP_BUDGET || m.training.stop == AE_STOP_EARLY);
    assert_in_range(m.training.steps, 1, 7);
    assert_in_range(m.training.best_step, 1, m.training.steps);
    assert_true(m.training.held_out > 0 && m.training.held_bce > 0);
    lgc_model_free(&m);
    cfg = tiny_config(out);
    cfg.holdout = 0;
    assert_int_equal(compress_run(&cfg, &report), LGC_OK);
    assert_int_equal(lgcf_read(&m, NULL, out), LGC_OK);
    assert_false(m.training.present);
    assert_int_equal(report.training.held_out, 0);
    lgc_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_run_reads_back),
        cmocka_unit_test(test_plain_run_repeats),
        cmocka_unit_test(test_labels_with_a_gap),
        cmocka_unit_test(test_budget_run_fits),
        cmocka_unit_test(test_budget_too_small),
        cmocka_unit_test(test_holdout_counts),
        cmocka_unit_test(test_holdout_split),
        cmocka_unit_test(test_step_budget),
        cmocka_unit_test(test_schedule_recorded),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
