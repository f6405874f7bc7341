/* test_sample.c - the sample and augment pipelines (sample.h,
 * augment_set.h) on a toy model whose images tell their class.
 *
 * The model: 2 latents, 3 classes with prior 1:2:7, each a tight mixture
 * around z0 = 4 c; the decoder (dense then sigmoid) paints all four pixels
 * of a 2x2 image with sigmoid(z0 - 4), so a class reads back as a pixel
 * level (about 5, 128, 250).
 * - Quotas: the prior by largest remainder, or per class.
 * - The label stream: exact class counts, replayed by its seed.
 * - A set written to a directory reads back with the IDX readers: count,
 *   shape, class counts, every image showing its label (the codes follow
 *   the labels across decoding batches), and the stream writer gives the
 *   same two files back to back.
 * - Given codes: decoded in their order with their labels.
 * - The set in memory (sample_draw) is the written set, warps included,
 *   and warping an unwarped draw afterwards (sample_warp_set) gives it too.
 * - Exemplars: each class's share of the images are its exemplars, used
 *   in turn (equally often to within one), across decoding batches, the
 *   rest decoded; with share 1 every image is an exemplar.
 * - lgc augment's set without warps: the source images in rounds (every
 *   image used equally often, to within one), each with its own label.
 * Every file lives in a mkdtemp directory removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw, for test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "augment_set.h"
#include "idx.h"
#include "model.h"
#include "sample.h"
#include "test_files.h"
#include "util.h"

#define K 3
#define LATENT 2
#define SIDE 2
#define PIXELS (SIDE * SIDE)


static void make_model(lgc_model *m)
{
    static const long prior[K] = {1, 2, 7};
    static const layer_spec specs[2] = {{LAYER_DENSE, {1, SIDE, SIDE}}, {LAYER_SIGMOID, {0, 0, 0}}};
    *m = (lgc_model){.h = SIDE, .w = SIDE, .c = 1, .n_classes = K, .latent = LATENT, .n_layers = 2};
    m->class_counts = xmalloc(sizeof prior);
    memcpy(m->class_counts, prior, sizeof prior);
    m->dec_specs = xmalloc(sizeof specs);
    memcpy(m->dec_specs, specs, sizeof specs);
    /* w (4, 2): each pixel reads z0; b (4): -4 */
    m->n_dec_params = PIXELS * LATENT + PIXELS;
    m->dec_params = xcalloc(m->n_dec_params, sizeof(float));
    for (int o = 0; o < PIXELS; o++) {
        m->dec_params[o * LATENT] = 1.0f;
        m->dec_params[PIXELS * LATENT + o] = -4.0f;
    }
    m->gmms = xcalloc(K, sizeof(gmm_t));
    for (int c = 0; c < K; c++) {
        gmm_init(&m->gmms[c], 1, LATENT, GMM_COV_DIAG);
        m->gmms[c].weights[0] = 1.0;
        m->gmms[c].means[0] = 4.0f * c;
        m->gmms[c].chol[0] = m->gmms[c].chol[1] = 0.01f;
    }
}

/* The class an image's pixel level shows. */
static int class_of_pixel(uint8_t v) { return v < 64 ? 0 : v < 192 ? 1 : 2; }

static void assert_images_show_labels(const uint8_t *images, const uint8_t *labels, long n)
{
    for (long i = 0; i < n; i++)
        for (int p = 0; p < PIXELS; p++)
            assert_int_equal(class_of_pixel(images[i * PIXELS + p]), labels[i]);
}

static void quota_follows_the_prior(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m);
    long quota[K];
    /* 5 x (0.1, 0.2, 0.7) = 0.5, 1, 3.5: the extra one to the lower tie */
    sample_config cfg = {.model = &m, .n = 5};
    sample_quota(quota, &cfg);
    assert_int_equal(quota[0], 1);
    assert_int_equal(quota[1], 1);
    assert_int_equal(quota[2], 3);
    assert_int_equal(sample_count(&cfg), 5);
    cfg = (sample_config){.model = &m, .n = -1, .per_class = 4};
    sample_quota(quota, &cfg);
    for (int c = 0; c < K; c++)
        assert_int_equal(quota[c], 4);
    assert_int_equal(sample_count(&cfg), 12);
    lgc_model_free(&m);
}

static void labels_have_exact_counts(void **state)
{
    (void)state;
    static const long quota[5] = {3, 0, 5, 1, 40};
    int first[49];
    for (int run = 0; run < 2; run++) {
        sample_labels ls;
        sample_labels_init(&ls, quota, 5, 9);
        long seen[5] = {0};
        for (int i = 0; i < 49; i++) {
            int c = sample_labels_next(&ls);
            assert_true(c >= 0 && c < 5);
            seen[c]++;
            if (run == 0)
                first[i] = c;
            else
                assert_int_equal(c, first[i]);
        }
        for (int c = 0; c < 5; c++)
            assert_int_equal(seen[c], quota[c]);
    }
    /* another seed, another order of the same labels */
    sample_labels ls;
    sample_labels_init(&ls, quota, 5, 10);
    int same = 1;
    for (int i = 0; i < 49; i++)
        same &= sample_labels_next(&ls) == first[i];
    assert_false(same);
}

static void set_reads_back(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m);
    net dec = {0};
    /* batches of 4: the 37 images take ten, the last one short */
    assert_int_equal(decoder_from_model(&dec, &m, 4), LGC_OK);
    const sample_config cfg = {.model = &m, .decoder = &dec, .n = 37, .seed = 3};
    char dir[128], img_path[256], lab_path[256];
    snprintf(dir, sizeof dir, "%s/sample", scratch_dir);
    assert_int_equal(sample_write_dir(&cfg, dir), LGC_OK);
    snprintf(img_path, sizeof img_path, "%s/%s", dir, IDX_TRAIN_IMAGES);
    snprintf(lab_path, sizeof lab_path, "%s/%s", dir, IDX_TRAIN_LABELS);
    idx_images im;
    uint8_t *labels;
    int n;
    assert_int_equal(idx_read_images(&im, img_path), LGC_OK);
    assert_int_equal(idx_read_labels(&labels, &n, lab_path), LGC_OK);
    assert_int_equal(im.n, 37);
    assert_int_equal(n, 37);
    assert_true(im.h == SIDE && im.w == SIDE && im.c == 1);
    long quota[K], seen[K] = {0};
    sample_quota(quota, &cfg);
    for (int i = 0; i < n; i++)
        seen[labels[i]]++;
    for (int c = 0; c < K; c++)
        assert_int_equal(seen[c], quota[c]);
    assert_images_show_labels(im.data, labels, n);

    /* onto a stream: the images file, then the labels file */
    char *buf = NULL;
    size_t len = 0, img_len, lab_len;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(sample_write_stream(&cfg, f, "memory"), LGC_OK);
    assert_int_equal(fclose(f), 0);
    uint8_t *img_file = get_file(img_path, &img_len), *lab_file = get_file(lab_path, &lab_len);
    assert_int_equal(len, img_len + lab_len);
    assert_memory_equal(buf, img_file, img_len);
    assert_memory_equal(buf + img_len, lab_file, lab_len);
    free(buf);
    free(img_file);
    free(lab_file);
    free(im.data);
    free(labels);
    net_free(&dec);
    lgc_model_free(&m);
}

static void draw_is_the_written_set(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m);
    net dec = {0};
    assert_int_equal(decoder_from_model(&dec, &m, 4), LGC_OK);
    const augment_opts warps = {30.0f, 0.2f, 0.5f, 0.0f};
    sample_config cfg = {.model = &m, .decoder = &dec, .n = 37, .seed = 5, .augment = warps};
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/drawn", scratch_dir);
    assert_int_equal(sample_write_dir(&cfg, dir), LGC_OK);
    dataset drawn, plain;
    sample_draw(&cfg, &drawn);
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_IMAGES);
    uint8_t *file = get_file(path, &len);
    assert_int_equal(len, 16 + 37 * PIXELS);
    assert_memory_equal(file + 16, drawn.images, 37 * PIXELS);
    free(file);
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_LABELS);
    file = get_file(path, &len);
    assert_memory_equal(file + 8, drawn.labels, 37);
    free(file);
    cfg.augment = (augment_opts){0, 0, 0, 0};
    sample_draw(&cfg, &plain);
    assert_memory_not_equal(plain.images, drawn.images, 37 * PIXELS); /* the warps show */
    sample_warp_set(&plain, &warps, 5);
    assert_memory_equal(plain.images, drawn.images, 37 * PIXELS);
    assert_memory_equal(plain.labels, drawn.labels, 37);
    dataset_free(&plain);
    dataset_free(&drawn);
    net_free(&dec);
    lgc_model_free(&m);
}

static void given_codes_in_their_order(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m);
    net dec = {0};
    assert_int_equal(sample_decoder_init(&dec, &m), LGC_OK);
    float z[5 * LATENT] = {8, 0, 0, 0, 4, 0, 8, 0, 0, 0};
    uint8_t given_labels[5] = {2, 0, 1, 2, 0};
    const latents_csv given = {.n = 5, .d = LATENT, .z = z, .labels = given_labels};
    /* the count and seed are ignored: the codes set the images */
    const sample_config cfg = {.model = &m, .decoder = &dec, .n = 99, .given = &given, .seed = 5};
    assert_int_equal(sample_count(&cfg), 5);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(sample_write_stream(&cfg, f, "memory"), LGC_OK);
    assert_int_equal(fclose(f), 0);
    const size_t img_len = 16 + 5 * PIXELS; /* magic, 3 sizes, pixels */
    idx_images im;
    uint8_t *labels;
    int n;
    assert_int_equal(idx_read_images_mem(&im, (uint8_t *)buf, img_len, "images"), LGC_OK);
    assert_int_equal(
        idx_read_labels_mem(&labels, &n, (uint8_t *)buf + img_len, len - img_len, "labels"),
        LGC_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(labels, given_labels, 5);
    assert_images_show_labels(im.data, labels, n);
    free(buf);
    free(im.data);
    free(labels);
    net_free(&dec);
    lgc_model_free(&m);
}

/* Gives m exemplars of every class c: counts[c] images at 8 bits, image
 * j of class c all pixels 20 + 90 c + j (a level its class shows, and no
 * decoded image has). */
static void add_exemplars(lgc_model *m, const long *counts, float share)
{
    lgc_exemplars *e = &m->exemplars;
    e->n = 0;
    for (int c = 0; c < K; c++)
        e->n += (int)counts[c];
    e->bits = 8;
    e->share = share;
    e->class_counts = xmalloc(K * sizeof(long));
    memcpy(e->class_counts, counts, K * sizeof(long));
    e->levels = xmalloc((size_t)e->n * PIXELS);
    for (int c = 0, at = 0; c < K; c++)
        for (long j = 0; j < counts[c]; j++, at++)
            memset(e->levels + (size_t)at * PIXELS, 20 + 90 * c + (int)j, PIXELS);
}

/* The exemplar image i is (its index within its class), or -1 when it
 * was decoded (pixels 5, 128 or 250 give no index of an exemplar). */
static int exemplar_of(const uint8_t *img, int label, const long *counts)
{
    const int j = img[0] - (20 + 90 * label);
    return j >= 0 && j < counts[label] ? j : -1;
}

static void exemplars_take_their_share(void **state)
{
    (void)state;
    static const long counts[K] = {1, 3, 4};
    static const float shares[2] = {0.5f, 1.0f};
    for (int t = 0; t < 2; t++) {
        lgc_model m;
        make_model(&m);
        add_exemplars(&m, counts, shares[t]);
        net dec = {0};
        assert_int_equal(decoder_from_model(&dec, &m, 4), LGC_OK); /* batches of 4 */
        const sample_config cfg = {.model = &m, .decoder = &dec, .n = 101, .seed = 7};
        long quota[K], seen[K] = {0}, used[K][4] = {{0}};
        sample_quota(quota, &cfg);
        dataset set;
        sample_draw(&cfg, &set);
        assert_images_show_labels(set.images, set.labels, set.n);
        for (int i = 0; i < set.n; i++) {
            const int c = set.labels[i], j = exemplar_of(set.images + i * PIXELS, c, counts);
            if (j >= 0)
                used[c][j]++, seen[c]++;
        }
        for (int c = 0; c < K; c++) {
            assert_int_equal(seen[c], (long)((double)quota[c] * shares[t])); /* floor(n s) */
            long lo = seen[c], hi = 0;
            for (int j = 0; j < counts[c]; j++) {
                lo = used[c][j] < lo ? used[c][j] : lo;
                hi = used[c][j] > hi ? used[c][j] : hi;
            }
            assert_true(hi - lo <= 1);
        }
        dataset_free(&set);
        net_free(&dec);
        lgc_model_free(&m);
    }
}

static void augment_set_uses_rounds(void **state)
{
    (void)state;
    /* image i: every pixel 10 i, label i mod 3 */
    enum { SRC = 5, OUT = 12 };
    uint8_t images[SRC * PIXELS], labels[SRC];
    for (int i = 0; i < SRC; i++) {
        memset(images + i * PIXELS, 10 * i, PIXELS);
        labels[i] = (uint8_t)(i % 3);
    }
    const dataset ds = {.n = SRC, .h = SIDE, .w = SIDE, .c = 1, .n_classes = 3,
                        .images = images, .labels = labels};
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/augment", scratch_dir);
    const augment_opts none = {0};
    assert_int_equal(augment_set_write(dir, DATASET_IDX, &ds, OUT, &none, 4), LGC_OK);
    idx_images im;
    uint8_t *out_labels;
    int n;
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_IMAGES);
    assert_int_equal(idx_read_images(&im, path), LGC_OK);
    snprintf(path, sizeof path, "%s/%s", dir, IDX_TRAIN_LABELS);
    assert_int_equal(idx_read_labels(&out_labels, &n, path), LGC_OK);
    assert_int_equal(im.n, OUT);
    assert_int_equal(n, OUT);
    int used[SRC] = {0};
    for (int i = 0; i < OUT; i++) {
        int src = im.data[i * PIXELS] / 10;
        assert_true(src >= 0 && src < SRC);
        assert_int_equal(out_labels[i], labels[src]);
        used[src]++;
        /* each round (SRC images) uses every image once */
        if (i % SRC == SRC - 1)
            for (int s = 0; s < SRC; s++)
                assert_int_equal(used[s], (i + 1) / SRC);
    }
    for (int s = 0; s < SRC; s++)
        assert_true(used[s] == OUT / SRC || used[s] == OUT / SRC + 1);
    free(im.data);
    free(out_labels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quota_follows_the_prior),
        cmocka_unit_test(labels_have_exact_counts),
        cmocka_unit_test(set_reads_back),
        cmocka_unit_test(draw_is_the_written_set),
        cmocka_unit_test(given_codes_in_their_order),
        cmocka_unit_test(exemplars_take_their_share),
        cmocka_unit_test(augment_set_uses_rounds),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
