/* test_subset.c - the baselines of `lgc subset` and what `lgc eval` needs
 * for them.
 *
 * - Class quotas: exact counts by largest remainder, ties to the lower
 *   class, at least one image per class when the count allows, refusals.
 * - Random subsets: exact per-class counts, ascending distinct indices,
 *   the same seed gives the same subset, another seed another one, and
 *   class choices are nested as quotas grow.
 * - gzip budgets: the measured size is the size of the files written; the
 *   search returns an n that fits while n + 1 does not; a budget too small
 *   for one image gives 0.
 * - k-medoids++: the obvious medoids of a toy problem, k = n, duplicate
 *   points, and, on random outer-product points, that the implicit Gram
 *   distances agree with distances between the explicit vectors (every
 *   point is assigned to its nearest medoid and every medoid is the best
 *   member of its cluster under the direct distance).
 * - Gradient subsets: weights are cluster sizes summing to each class's
 *   count, deterministic, in ascending index order.
 * - Float IDX vectors: round trip raw and gzip, rejection of a ubyte file,
 *   truncation and trailing bytes.
 * - The judge's step-based training: judge_train (epochs) equals
 *   judge_train_steps with epochs x steps-per-epoch; zero weights on a
 *   class keep the judge from learning it.
 * Every file lives in a mkdtemp directory removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw, for test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "idx.h"
#include "kmedoids.h"
#include "model.h"
#include "rng.h"
#include "subset.h"
#include "threads.h"
#include "test_files.h"
#include "util.h"


/* --- helpers --- */

/* Group setup: one thread for the judges, and the scratch directory. */
static int setup(void **state)
{
    threads_set(1);
    return scratch_setup(state);
}

static long file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (long)sb.st_size;
}

/* A dataset of n h x w grey images in K classes with the given counts
 * (labels interleaved). Class c lights a band of rows at 200 over a
 * background of 20, and `noisy` pixels per image are random, so gzip has
 * something to squeeze but not everything. */
static void make_dataset(dataset *ds, const long *counts, int K, int h, int w, int noisy,
                         uint64_t seed)
{
    int n = 0;
    for (int c = 0; c < K; c++)
        n += (int)counts[c];
    *ds = (dataset){.n = n, .h = h, .w = w, .c = 1, .n_classes = K};
    ds->images = xmalloc((size_t)n * h * w);
    ds->labels = xmalloc((size_t)n);
    long left[DATASET_MAX_CLASSES];
    memcpy(left, counts, (size_t)K * sizeof *left);
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0, c = 0; i < n; i++) {
        while (left[c] == 0)
            c = (c + 1) % K;
        left[c]--;
        ds->labels[i] = (uint8_t)c;
        uint8_t *img = ds->images + (size_t)i * h * w;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img[y * w + x] = (y * K / h == c) ? 200 : 20;
        for (int j = 0; j < noisy; j++)
            img[rng_below(&rng, (uint32_t)(h * w))] = (uint8_t)rng_below(&rng, 256);
        c = (c + 1) % K;
    }
}

static void count_labels(long *out, const dataset *ds, const int *idx, long n)
{
    memset(out, 0, (size_t)ds->n_classes * sizeof *out);
    for (long i = 0; i < n; i++)
        out[ds->labels[idx[i]]]++;
}

/* --- quotas --- */

static void subset_quota_by_largest_remainder(void **state)
{
    (void)state;
    long q[3];
    const long c1[] = {50, 30, 20};
    assert_int_equal(subset_quota(q, c1, 3, 10), LGC_OK);
    assert_int_equal(q[0], 5);
    assert_int_equal(q[1], 3);
    assert_int_equal(q[2], 2);
    /* 3.5, 2.1, 1.4: the largest fraction (0.5) takes the last image */
    assert_int_equal(subset_quota(q, c1, 3, 7), LGC_OK);
    assert_int_equal(q[0], 4);
    assert_int_equal(q[1], 2);
    assert_int_equal(q[2], 1);
    /* equal fractions: the lower class wins */
    const long c2[] = {10, 10, 10};
    assert_int_equal(subset_quota(q, c2, 3, 4), LGC_OK);
    assert_int_equal(q[0], 2);
    assert_int_equal(q[1], 1);
    assert_int_equal(q[2], 1);
    /* the whole set */
    assert_int_equal(subset_quota(q, c1, 3, 100), LGC_OK);
    assert_int_equal(q[0], 50);
    assert_int_equal(q[1], 30);
    assert_int_equal(q[2], 20);
}

static void quota_at_least_one(void **state)
{
    (void)state;
    long q[4];
    /* 4.95, 0.025, 0.025 -> 5, 0, 0 -> every class gets one */
    const long c[] = {1000, 5, 5, 0};
    assert_int_equal(subset_quota(q, c, 4, 5), LGC_OK);
    assert_int_equal(q[0], 3);
    assert_int_equal(q[1], 1);
    assert_int_equal(q[2], 1);
    assert_int_equal(q[3], 0); /* empty classes stay empty */
    /* fewer images than classes: proportional only */
    assert_int_equal(subset_quota(q, c, 4, 2), LGC_OK);
    assert_int_equal(q[0], 2);
    assert_int_equal(q[1], 0);
    assert_int_equal(q[2], 0);
}

static void quota_refuses(void **state)
{
    (void)state;
    long q[2];
    const long c[] = {3, 4};
    assert_int_equal(subset_quota(q, c, 2, 0), LGC_EUSAGE);
    assert_int_equal(subset_quota(q, c, 2, 8), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "cannot take 8 images from a training set of 7"));
}

/* --- random subsets --- */

static void random_counts_and_determinism(void **state)
{
    (void)state;
    const long counts[] = {70, 20, 10};
    dataset ds;
    make_dataset(&ds, counts, 3, 8, 8, 4, 1);
    long q[3], got[3];
    assert_int_equal(subset_quota(q, counts, 3, 30), LGC_OK);
    int a[30], b[30], c[30];
    subset_random(a, &ds, q, 7);
    subset_random(b, &ds, q, 7);
    subset_random(c, &ds, q, 8);
    count_labels(got, &ds, a, 30);
    for (int k = 0; k < 3; k++)
        assert_int_equal(got[k], q[k]);
    for (int i = 1; i < 30; i++)
        assert_true(a[i - 1] < a[i]); /* ascending, hence distinct */
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    dataset_free(&ds);
}

static int contains(const int *idx, long n, int v)
{
    for (long i = 0; i < n; i++)
        if (idx[i] == v)
            return 1;
    return 0;
}

static void random_is_nested(void **state)
{
    (void)state;
    const long counts[] = {40, 40};
    dataset ds;
    make_dataset(&ds, counts, 2, 8, 8, 4, 2);
    long qs[2] = {5, 3}, ql[2] = {12, 9};
    int small[8], large[21];
    subset_random(small, &ds, qs, 3);
    subset_random(large, &ds, ql, 3);
    for (int i = 0; i < 8; i++)
        assert_true(contains(large, 21, small[i]));
    dataset_free(&ds);
}

/* --- gzip budgets --- */

static size_t random_gzip_bytes(const dataset *ds, long n, uint64_t seed)
{
    long counts[DATASET_MAX_CLASSES], q[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, ds);
    assert_int_equal(subset_quota(q, counts, ds->n_classes, n), LGC_OK);
    int *idx = xmalloc((size_t)n * sizeof(int));
    subset_random(idx, ds, q, seed);
    size_t b = subset_gzip_bytes(ds, idx, n);
    free(idx);
    return b;
}

static void gzip_size_is_file_size(void **state)
{
    (void)state;
    const long counts[] = {30, 30, 30};
    dataset ds;
    make_dataset(&ds, counts, 3, 16, 16, 20, 3);
    long q[3];
    assert_int_equal(subset_quota(q, counts, 3, 40), LGC_OK);
    int idx[40];
    subset_random(idx, &ds, q, 1);
    char dir[512], p[512];
    scratch_path(dir, "gz");
    size_t written;
    assert_int_equal(subset_write(dir, &ds, idx, 40, NULL, 1, &written), LGC_OK);
    long img = file_size(scratch_path(p, "gz/" IDX_TRAIN_IMAGES ".gz"));
    long lab = file_size(scratch_path(p, "gz/" IDX_TRAIN_LABELS ".gz"));
    assert_int_equal((size_t)(img + lab), written);
    assert_int_equal(subset_gzip_bytes(&ds, idx, 40), written);
    /* and the files read back as the subset */
    dataset back;
    assert_int_equal(dataset_load(&back, dir, DATASET_TRAIN), LGC_OK);
    assert_int_equal(back.n, 40);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(back.labels[i], ds.labels[idx[i]]);
        assert_memory_equal(back.images + (size_t)i * 256, ds.images + (size_t)idx[i] * 256, 256);
    }
    dataset_free(&back);
    /* a raw image file there would shadow the .gz files: refused */
    char raw[512];
    FILE *f = fopen(scratch_path(raw, "gz/" IDX_TRAIN_IMAGES), "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(subset_write(dir, &ds, idx, 40, NULL, 1, NULL), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "would be read instead of the .gz files"));
    dataset_free(&ds);
}

static void gzip_fit_honours_budget(void **state)
{
    (void)state;
    const long counts[] = {60, 50, 40};
    dataset ds;
    make_dataset(&ds, counts, 3, 16, 16, 30, 4);
    const size_t budgets[] = {300, 1000, 2500, 6000};
    for (size_t b = 0; b < sizeof budgets / sizeof budgets[0]; b++) {
        long n;
        size_t bytes;
        subset_gzip_fit(&n, &bytes, &ds, budgets[b], 5);
        assert_true(n >= 1 && n < ds.n);
        assert_true(bytes <= budgets[b]);
        assert_int_equal(bytes, random_gzip_bytes(&ds, n, 5));
        assert_true(random_gzip_bytes(&ds, n + 1, 5) > budgets[b]);
    }
    long n;
    size_t bytes;
    subset_gzip_fit(&n, &bytes, &ds, 20, 5); /* less than two gzip headers */
    assert_int_equal(n, 0);
    subset_gzip_fit(&n, &bytes, &ds, 1u << 30, 5); /* everything fits */
    assert_int_equal(n, ds.n);
    dataset_free(&ds);
}

/* --- k-medoids++ --- */

/* Three crosses far apart: a centre and its 4 neighbours at distance 1.
 * The centre is each cross's medoid (total 4 against 1 + 2 sqrt 2 + 2). */
static void kmedoids_finds_centres(void **state)
{
    (void)state;
    const float centres[3][2] = {{0, 0}, {20, 0}, {0, 20}};
    const float arm[5][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    float a[15], b[30];
    for (int c = 0; c < 3; c++)
        for (int j = 0; j < 5; j++) {
            /* scatter the points so the centres are not at fixed places */
            int i = (j * 3 + c * 7) % 15;
            a[i] = 1.0f;
            b[2 * i] = centres[c][0] + arm[j][0];
            b[2 * i + 1] = centres[c][1] + arm[j][1];
        }
    kmed_points p = {15, 1, 2, a, b};
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rng_t rng;
        rng_seed(&rng, seed);
        int medoids[3], assign[15];
        long sizes[3];
        double total = kmedoids_fit(medoids, assign, sizes, &p, 3, 50, &rng);
        assert_true(fabs(total - 12.0) < 1e-4);
        int found = 0;
        for (int m = 0; m < 3; m++) {
            assert_int_equal(sizes[m], 5);
            int i = medoids[m];
            for (int c = 0; c < 3; c++)
                found += b[2 * i] == centres[c][0] && b[2 * i + 1] == centres[c][1];
        }
        assert_int_equal(found, 3);
    }
}

static void kmedoids_k_equals_n_and_duplicates(void **state)
{
    (void)state;
    float a[6] = {1, 1, 1, 1, 1, 1}, b[6] = {0, 1, 2, 3, 4, 5};
    kmed_points p = {6, 1, 1, a, b};
    rng_t rng;
    rng_seed(&rng, 9);
    int med[6], assign[6];
    long sizes[6];
    assert_true(kmedoids_fit(med, assign, sizes, &p, 6, 10, &rng) < 1e-6);
    for (int m = 0; m < 6; m++) {
        assert_int_equal(sizes[m], 1);
        assert_int_equal(assign[med[m]], m);
    }
    /* five copies of one point and one other, k = 4: distinct medoids,
     * every cluster holds at least its medoid, sizes sum to n */
    float bd[6] = {3, 3, 3, 3, 3, 7};
    kmed_points pd = {6, 1, 1, a, bd};
    kmedoids_fit(med, assign, sizes, &pd, 4, 10, &rng);
    long sum = 0;
    for (int m = 0; m < 4; m++) {
        assert_true(sizes[m] >= 1);
        sum += sizes[m];
        for (int j = 0; j < m; j++)
            assert_int_not_equal(med[j], med[m]);
    }
    assert_int_equal(sum, 6);
}

static void kmedoids_outer_product_distances(void **state)
{
    (void)state;
    enum { N = 300, DA = 4, DB = 7, K = 9 };
    float *a = xmalloc(N * DA * sizeof(float)), *b = xmalloc(N * DB * sizeof(float));
    rng_t rng;
    rng_seed(&rng, 21);
    for (int i = 0; i < N * DA; i++)
        a[i] = (float)rng_normal(&rng);
    for (int i = 0; i < N * DB; i++)
        b[i] = (float)rng_normal(&rng) + (i % DB == DB - 1 ? 3.0f : 0.0f);
    kmed_points p = {N, DA, DB, a, b};
    int med[K], assign[N];
    long sizes[K];
    double total = kmedoids_fit(med, assign, sizes, &p, K, 100, &rng);
    double direct = 0, tol = 1e-3;
    for (int i = 0; i < N; i++) {
        double d = kmedoids_distance(&p, i, med[assign[i]]);
        direct += d;
        for (int m = 0; m < K; m++) /* nearest medoid */
            assert_true(d <= kmedoids_distance(&p, i, med[m]) + tol);
    }
    assert_true(fabs(total - direct) < 1e-4 * direct);
    for (int m = 0; m < K; m++) { /* each medoid is the best member */
        double own = 0;
        for (int i = 0; i < N; i++)
            if (assign[i] == m)
                own += kmedoids_distance(&p, i, med[m]);
        for (int j = 0; j < N; j++) {
            if (assign[j] != m)
                continue;
            double s = 0;
            for (int i = 0; i < N; i++)
                if (assign[i] == m)
                    s += kmedoids_distance(&p, i, j);
            assert_true(own <= s + tol * (1 + s));
        }
    }
    free(a);
    free(b);
}

/* --- gradient subsets --- */

static void gradient_weights_are_cluster_sizes(void **state)
{
    (void)state;
    const long counts[] = {30, 20, 14};
    dataset ds;
    make_dataset(&ds, counts, 3, 8, 8, 6, 6);
    long q[3] = {4, 3, 2};
    gradient_opts o = {1, 16, 1e-3f, 50, 11, 1};
    int idx[9], idx2[9];
    float w[9], w2[9];
    assert_int_equal(subset_gradient(idx, w, &ds, q, &o), LGC_OK);
    double per_class[3] = {0};
    long got[3];
    count_labels(got, &ds, idx, 9);
    for (int i = 0; i < 9; i++) {
        if (i)
            assert_true(idx[i - 1] < idx[i]);
        assert_true(w[i] >= 1);
        per_class[ds.labels[idx[i]]] += w[i];
    }
    for (int c = 0; c < 3; c++) {
        assert_int_equal(got[c], q[c]);
        assert_true(per_class[c] == (double)counts[c]);
    }
    assert_int_equal(subset_gradient(idx2, w2, &ds, q, &o), LGC_OK);
    assert_memory_equal(idx, idx2, sizeof idx);
    assert_memory_equal(w, w2, sizeof w);
    /* the weights file round-trips */
    char dir[512], p[512];
    scratch_path(dir, "grad");
    assert_int_equal(subset_write(dir, &ds, idx, 9, w, 0, NULL), LGC_OK);
    float *back;
    int n;
    assert_int_equal(idx_read_floats(&back, &n, scratch_path(p, "grad/" SUBSET_WEIGHTS)), LGC_OK);
    assert_int_equal(n, 9);
    assert_memory_equal(back, w, sizeof w);
    free(back);
    dataset_free(&ds);
}

/* --- float IDX vectors --- */

static void floats_round_trip(void **state)
{
    (void)state;
    const float v[] = {0.0f, 1.0f, -2.5f, 3e-38f, 6.5e4f, INFINITY, 1234.5678f};
    const int n = sizeof v / sizeof v[0];
    char path[512];
    FILE *f = fopen(scratch_path(path, "w.idx"), "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_floats(f, v, n), LGC_OK);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(file_size(path), 8 + 4 * n);
    float *back;
    int m;
    assert_int_equal(idx_read_floats(&back, &m, path), LGC_OK);
    assert_int_equal(m, n);
    assert_memory_equal(back, v, sizeof v);
    free(back);
    /* big-endian on disk: 1.0f is 3f 80 00 00 */
    uint8_t raw[12];
    f = fopen(path, "rb");
    assert_int_equal(fread(raw, 1, 12, f), 12);
    fclose(f);
    const uint8_t want[12] = {0, 0, 0x0d, 1, 0, 0, 0, (uint8_t)n, 0, 0, 0, 0};
    assert_memory_equal(raw, want, 12);
    /* gzip-compressed */
    uint8_t *all = xmalloc(8 + 4 * (size_t)n);
    f = fopen(path, "rb");
    assert_int_equal(fread(all, 1, 8 + 4 * (size_t)n, f), 8 + 4 * (size_t)n);
    fclose(f);
    char gzp[512];
    gzFile gz = gzopen(scratch_path(gzp, "w.idx.gz"), "wb");
    assert_int_equal(gzwrite(gz, all, 8 + 4 * (unsigned)n), 8 + 4 * n);
    assert_int_equal(gzclose(gz), Z_OK);
    assert_int_equal(idx_read_floats(&back, &m, gzp), LGC_OK);
    assert_memory_equal(back, v, sizeof v);
    free(back);
    /* truncated, trailing, wrong type */
    char bad[512];
    f = fopen(scratch_path(bad, "trunc.idx"), "wb");
    fwrite(all, 1, 8 + 4 * (size_t)n - 2, f);
    fclose(f);
    assert_int_equal(idx_read_floats(&back, &m, bad), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "truncated"));
    f = fopen(bad, "wb");
    fwrite(all, 1, 8 + 4 * (size_t)n, f);
    fputc(0, f);
    fclose(f);
    assert_int_equal(idx_read_floats(&back, &m, bad), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "trailing bytes"));
    f = fopen(bad, "wb");
    idx_write_labels_header(f, 4);
    fwrite("abcd", 1, 4, f);
    fclose(f);
    assert_int_equal(idx_read_floats(&back, &m, bad), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "not an IDX float file"));
    free(all);
}

/* --- the judge's steps and weights --- */

static void build_judge(net *judge, const dataset *ds, uint64_t seed)
{
    layer_spec specs[AE_MAX_LAYERS];
    tshape img = {1, ds->h, ds->w};
    int n = judge_specs(specs, img, ds->n_classes);
    assert_true(n > 0);
    assert_int_equal(net_init(judge, img, specs, n, 64), LGC_OK);
    rng_t rng;
    rng_seed(&rng, seed);
    net_init_params(judge, &rng);
}

static void judge_steps_match_epochs(void **state)
{
    (void)state;
    const long counts[] = {25, 25};
    dataset ds;
    make_dataset(&ds, counts, 2, 8, 8, 6, 7);
    net j1, j2;
    build_judge(&j1, &ds, 3);
    build_judge(&j2, &ds, 3);
    train_opts o = {3, 16, 1e-3f, 1, 4, 0, NULL};
    assert_int_equal(judge_steps_per_epoch(50, 16), 4);
    assert_int_equal(judge_train(&j1, &ds, &o), LGC_OK);
    assert_int_equal(judge_train_steps(&j2, &ds, NULL, 3 * 4, &o), LGC_OK);
    assert_memory_equal(j1.params, j2.params, j1.n_params * sizeof(float));
    net_free(&j1);
    net_free(&j2);
    dataset_free(&ds);
}

static void judge_zero_weight_class_is_not_learned(void **state)
{
    (void)state;
    const long counts[] = {32, 32};
    dataset ds;
    make_dataset(&ds, counts, 2, 8, 8, 2, 8);
    float *w = xmalloc((size_t)ds.n * sizeof(float));
    for (int i = 0; i < ds.n; i++)
        w[i] = ds.labels[i] == 0 ? 1.0f : 0.0f;
    net judge;
    build_judge(&judge, &ds, 5);
    train_opts o = {1, 16, 1e-2f, 1, 6, 0, NULL};
    assert_int_equal(judge_train_steps(&judge, &ds, w, 40, &o), LGC_OK);
    int *pred = xmalloc((size_t)ds.n * sizeof(int));
    judge_predict(&judge, &ds, pred);
    for (int i = 0; i < ds.n; i++)
        assert_int_equal(pred[i], 0);
    /* with equal weights both classes are learned */
    for (int i = 0; i < ds.n; i++)
        w[i] = 3.0f;
    net_free(&judge);
    build_judge(&judge, &ds, 5);
    assert_int_equal(judge_train_steps(&judge, &ds, w, 40, &o), LGC_OK);
    judge_predict(&judge, &ds, pred);
    int right = 0;
    for (int i = 0; i < ds.n; i++)
        right += pred[i] == ds.labels[i];
    assert_int_equal(right, ds.n);
    free(pred);
    free(w);
    net_free(&judge);
    dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subset_quota_by_largest_remainder),
        cmocka_unit_test(quota_at_least_one),
        cmocka_unit_test(quota_refuses),
        cmocka_unit_test(random_counts_and_determinism),
        cmocka_unit_test(random_is_nested),
        cmocka_unit_test(gzip_size_is_file_size),
        cmocka_unit_test(gzip_fit_honours_budget),
        cmocka_unit_test(kmedoids_finds_centres),
        cmocka_unit_test(kmedoids_k_equals_n_and_duplicates),
        cmocka_unit_test(kmedoids_outer_product_distances),
        cmocka_unit_test(gradient_weights_are_cluster_sizes),
        cmocka_unit_test(floats_round_trip),
        cmocka_unit_test(judge_steps_match_epochs),
        cmocka_unit_test(judge_zero_weight_class_is_not_learned),
    };
    return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
