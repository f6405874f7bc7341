/* subset.c - class quotas, random subsets, their gzip size and the search
 * for the largest one that fits a byte budget, and writing a subset as an
 * IDX training set (subset.h).
 *
 * Workload: one dataset resident in memory (MNIST: 60,000 images, 47 MB);
 * a subset is built, measured or written a handful of times per run. The
 * gzip size is measured on exactly the bytes that subset_write would store
 * (the same IDX writer into memory, the same zlib settings), so the budget
 * check and the files on disk cannot disagree. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "atomic_file.h"
#include "checked_write.h"
#include "set_writer.h"
#include "idx.h"
#include "quota.h"
#include "rng.h"
#include "subset.h"
#include "util.h"

/* zlib counts input in uInt: feed at most this much per deflate call. */
#define ZLIB_CHUNK ((size_t)1 << 30)
/* Images measured for the first per-image estimate of the gzip search. */
#define GZIP_PROBE 64
/* Bracketing steps of the gzip search grow or shrink n by this factor. */
#define GZIP_STEP 1.125

/* --- class quotas --- */

int subset_quota(long *quota, const long *counts, int K, long n)
{
    assert(K >= 1 && K <= DATASET_MAX_CLASSES);
    long total = 0;
    int nonempty = 0;
    for (int c = 0; c < K; c++) {
        total += counts[c];
        nonempty += counts[c] > 0;
    }
    if (n < 1 || n > total)
        return lgc_fail(LGC_EUSAGE, "cannot take %ld images from a training set of %ld", n,
                        total);
    /* floor(n * share) <= counts[c] since n <= total, and a class
     * receiving one more has a fraction > 0, so the cap only guards
     * rounding. */
    quota_largest_remainder(quota, counts, K, n, counts);
    /* A judge never shown a class cannot predict it; when n allows, every
     * class present gets one image. The donor has at least 2 (had it 1,
     * all classes would hold at most 1 and the quotas could not sum to
     * n >= nonempty with a class at 0). */
    if (n >= nonempty)
        for (int c = 0; c < K; c++)
            if (counts[c] > 0 && quota[c] == 0) {
                int donor = 0;
                for (int d = 1; d < K; d++)
                    if (quota[d] > quota[donor])
                        donor = d;
                assert(quota[donor] >= 2);
                quota[donor]--;
                quota[c] = 1;
            }
    return LGC_OK;
}

/* --- random subsets --- */

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

void subset_random(int *idx, const dataset *ds, const long *quota, uint64_t seed)
{
    int K = ds->n_classes;
    long counts[DATASET_MAX_CLASSES], start[DATASET_MAX_CLASSES + 1];
    dataset_class_counts(counts, ds);
    start[0] = 0;
    for (int c = 0; c < K; c++)
        start[c + 1] = start[c] + counts[c];
    int *by_class = xmalloc((size_t)ds->n * sizeof(int)); /* ascending within a class */
    long fill[DATASET_MAX_CLASSES];
    memcpy(fill, start, (size_t)K * sizeof *fill);
    for (int i = 0; i < ds->n; i++)
        by_class[fill[ds->labels[i]]++] = i;
    long out = 0;
    for (int c = 0; c < K; c++) {
        assert(quota[c] >= 0 && quota[c] <= counts[c]);
        rng_t rng;
        rng_stream(&rng, seed, RNG_STREAM_SUBSET_CLASS, (uint64_t)c);
        int *a = by_class + start[c];
        /* Forward Fisher-Yates stopped after quota[c] steps: step i draws
         * only from what steps < i left, so the first q picks do not depend
         * on the quota, which makes the subsets of one seed nested. */
        for (long i = 0; i < quota[c]; i++) {
            long j = i + (long)rng_below(&rng, (uint32_t)(counts[c] - i));
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
            idx[out++] = a[i];
        }
    }
    free(by_class);
    qsort(idx, (size_t)out, sizeof *idx, cmp_int);
}

/* --- IDX files in memory, gzip --- */

static void fatal_oom(const char *what)
{
    fprintf(stderr, "lgc: out of memory (%s)\n", what);
    abort();
}

/* The IDX image file (labels: the label file) of images idx[0..n) of ds,
 * built by the IDX writer into a new buffer *out; returns its length. */
static size_t idx_file_mem(uint8_t **out, const dataset *ds, const int *idx, long n, int labels)
{
    assert(n >= 1 && n <= ds->n);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        fatal_oom("IDX file in memory");
    size_t img_bytes = (size_t)ds->h * ds->w * ds->c;
    int st = labels ? idx_write_labels_header(f, (int)n)
                    : idx_write_images_header(f, (int)n, ds->h, ds->w, ds->c);
    for (long i = 0; i < n && st == LGC_OK; i++) {
        /* the user's label (class_labels.h), which subset_write checked fits */
        const uint8_t label = (uint8_t)class_labels_value(&ds->classes, ds->labels[idx[i]]);
        const void *p = labels ? (const void *)&label
                               : (const void *)(ds->images + (size_t)idx[i] * img_bytes);
        size_t sz = labels ? 1 : img_bytes;
        if (fwrite(p, 1, sz, f) != sz)
            st = LGC_EIO;
    }
    if (fclose(f) != 0 || st != LGC_OK) /* a memory stream fails only for lack of memory */
        fatal_oom("IDX file in memory");
    *out = (uint8_t *)buf;
    return len;
}

/* gzip (level SUBSET_GZIP_LEVEL; zlib writes no name and mtime 0, so the
 * bytes depend on the input alone) of len bytes at in, into a new buffer
 * *out; returns its length. */
static size_t gzip_mem(uint8_t **out, const uint8_t *in, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* 16 + MAX_WBITS: gzip wrapper; memLevel 8 is zlib's and gzip's default */
    if (deflateInit2(&zs, SUBSET_GZIP_LEVEL, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        fatal_oom("gzip");
    size_t cap = deflateBound(&zs, (uLong)len);
    uint8_t *buf = xmalloc(cap);
    zs.next_out = buf;
    zs.avail_out = (uInt)cap; /* a 47 MB set bounds to < 48 MB */
    assert(cap <= ZLIB_CHUNK);
    size_t fed = 0;
    int rc;
    do {
        size_t chunk = len - fed < ZLIB_CHUNK ? len - fed : ZLIB_CHUNK;
        zs.next_in = (Bytef *)(uintptr_t)(in + fed);
        zs.avail_in = (uInt)chunk;
        fed += chunk;
        rc = deflate(&zs, fed == len ? Z_FINISH : Z_NO_FLUSH);
        /* deflateBound guarantees room, so Z_FINISH completes in one call */
    } while (rc == Z_OK && fed < len);
    assert(rc == Z_STREAM_END);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    *out = buf;
    return n;
}

size_t subset_gzip_bytes(const dataset *ds, const int *idx, long n)
{
    size_t total = 0;
    for (int labels = 0; labels <= 1; labels++) {
        uint8_t *raw, *gz;
        size_t len = idx_file_mem(&raw, ds, idx, n, labels);
        total += gzip_mem(&gz, raw, len);
        free(raw);
        free(gz);
    }
    return total;
}

/* --- the gzip budget search --- */

typedef struct {
    const dataset *ds;
    long counts[DATASET_MAX_CLASSES];
    long quota[DATASET_MAX_CLASSES];
    int *idx; /* (ds->n) */
    uint64_t seed;
} gzip_search;

/* Bytes of the random subset of n images (0 for n = 0). */
static size_t gzip_size_at(gzip_search *g, long n)
{
    if (n == 0)
        return 0;
    int st = subset_quota(g->quota, g->counts, g->ds->n_classes, n);
    assert(st == LGC_OK);
    (void)st;
    subset_random(g->idx, g->ds, g->quota, g->seed);
    return subset_gzip_bytes(g->ds, g->idx, n);
}

void subset_gzip_fit(long *n_out, size_t *bytes_out, const dataset *ds, size_t budget,
                     uint64_t seed)
{
    gzip_search g = {.ds = ds, .idx = xmalloc((size_t)ds->n * sizeof(int)), .seed = seed};
    dataset_class_counts(g.counts, ds);
    long total = ds->n;
    /* Invariant: lo fits (lo_bytes <= budget), hi does not (hi = total + 1
     * stands for "beyond the set"). */
    long lo = 0, hi = total + 1;
    size_t lo_bytes = 0, s;
    /* First guess from the bytes per image of a small subset. */
    long probe = total < GZIP_PROBE ? total : GZIP_PROBE;
    if ((s = gzip_size_at(&g, probe)) <= budget) {
        lo = probe;
        lo_bytes = s;
    } else {
        hi = probe;
    }
    double per_image = (double)s / (double)probe;
    long guess = (long)((double)budget / per_image);
    guess = guess < lo + 1 ? lo + 1 : guess > hi - 1 ? hi - 1 : guess;
    /* Bracket: step from the guess by GZIP_STEP until the answer is
     * between lo and hi, then bisect. */
    for (long n = guess; n > lo && n < hi;) {
        if ((s = gzip_size_at(&g, n)) <= budget) {
            lo = n;
            lo_bytes = s;
            n = (long)(n * GZIP_STEP) + 1;
        } else {
            hi = n;
            n = (long)(n / GZIP_STEP);
        }
    }
    while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        if ((s = gzip_size_at(&g, mid)) <= budget) {
            lo = mid;
            lo_bytes = s;
        } else {
            hi = mid;
        }
    }
    free(g.idx);
    *n_out = lo;
    *bytes_out = lo_bytes;
}

/* --- writing --- */

/* Writes len bytes to path through a temporary renamed into place. */
static int write_whole(const char *path, const uint8_t *buf, size_t len)
{
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    if ((st = checked_write(af.f, buf, len, path))) {
        atomic_abort(&af);
        return st;
    }
    return atomic_commit(&af);
}

static int write_weights(const char *path, const float *weights, long n)
{
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    if (idx_write_floats(af.f, weights, (int)n)) {
        st = write_failed(path);
        atomic_abort(&af);
        return st;
    }
    return atomic_commit(&af);
}

int subset_write(const char *dir, const dataset *ds, const int *idx, long n,
                 const float *weights, int gzip, size_t *bytes)
{
    const char *suffix = gzip ? ".gz" : "";
    char *img_path = path_in_dir(dir, IDX_TRAIN_IMAGES, suffix);
    char *lab_path = path_in_dir(dir, IDX_TRAIN_LABELS, suffix);
    char *raw_img = path_in_dir(dir, IDX_TRAIN_IMAGES, "");
    char *w_path = path_in_dir(dir, SUBSET_WEIGHTS, "");
    uint8_t *img = NULL, *lab = NULL;
    size_t total = 0;
    int st = set_labels_check(&ds->classes, ds->n_classes, DATASET_IDX);
    if (st || (st = output_dir(dir)))
        goto done;
    struct stat sb;
    if (gzip && stat(raw_img, &sb) == 0) {
        st = lgc_fail(LGC_EUSAGE, "'%s' exists and would be read instead of the .gz files: "
                                  "remove it or choose another output directory",
                      raw_img);
        goto done;
    }
    size_t img_len = idx_file_mem(&img, ds, idx, n, 0);
    size_t lab_len = idx_file_mem(&lab, ds, idx, n, 1);
    if (gzip) {
        uint8_t *z;
        img_len = gzip_mem(&z, img, img_len);
        free(img);
        img = z;
        lab_len = gzip_mem(&z, lab, lab_len);
        free(lab);
        lab = z;
    }
    /* Weights and labels first: a reader finding the image file knows the
     * rest is there (an interrupted set fails the count check instead). */
    if (weights) {
        if ((st = write_weights(w_path, weights, n)))
            goto done;
        total += 8 + 4 * (size_t)n; /* magic 00 00 0D 01, count, the floats */
    }
    if ((st = write_whole(lab_path, lab, lab_len)) || (st = write_whole(img_path, img, img_len)))
        goto done;
    total += img_len + lab_len;
done:
    free(img);
    free(lab);
    free(img_path);
    free(lab_path);
    free(raw_img);
    free(w_path);
    if (bytes)
        *bytes = total;
    return st;
}

int subset_write_as(const char *dir, dataset_format format, const dataset *ds, const int *idx,
                    long n, const float *weights)
{
    const size_t img_bytes = (size_t)ds->h * ds->w * ds->c;
    set_writer w;
    int st = set_writer_open(&w, dir, format, n, ds->h, ds->w, ds->c, &ds->classes,
                             ds->n_classes);
    if (st)
        return st;
    for (long i = 0; i < n && st == LGC_OK; i++)
        st = set_writer_put(&w, ds->images + (size_t)idx[i] * img_bytes, ds->labels + idx[i], 1);
    if (st) {
        set_writer_abort(&w);
        return st;
    }
    if (weights) {
        char *w_path = path_in_dir(dir, SUBSET_WEIGHTS, "");
        st = write_weights(w_path, weights, n);
        free(w_path);
        if (st) {
            set_writer_abort(&w);
            return st;
        }
    }
    return set_writer_commit(&w);
}
