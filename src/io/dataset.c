/* dataset.c - a split of a dataset in memory, read from an IDX directory,
 * and its class labels.
 *
 * Images stay uint8 in IDX order (n, h, w, c): a quarter of the memory of
 * floats, which matters for the 60,000-image training set that is resident
 * for the whole run. Training converts one batch at a time to float CHW. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "dataset_open.h"
#include "label_map.h"
#include "pad.h"
#include "util.h"

/* The spellings of an IDX file name: the dash of the original archives
 * ("train-images-idx3-ubyte"), then the dot of some mirrors
 * ("train-images.idx3-ubyte"); each raw, then .gz. */
#define IDX_SPELLINGS 4

/* Spelling s of <dir>/<prefix>-<kind>-<idxN>-ubyte in a new string. */
static char *idx_spelling(const char *dir, const char *prefix, const char *kind, int s)
{
    const char *idx = strcmp(kind, "images") ? "idx1" : "idx3";
    size_t len = strlen(dir) + strlen(prefix) + strlen(kind) + sizeof "/--idx3-ubyte.gz";
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s-%s%c%s-ubyte%s", dir, prefix, kind, s < 2 ? '-' : '.', idx,
             s % 2 ? ".gz" : "");
    return path;
}

/* Sets *out to the first spelling of the file that exists; the caller
 * frees *out. */
static int find_file(char **out, const char *dir, const char *prefix, const char *kind)
{
    struct stat sb;
    for (int s = 0; s < IDX_SPELLINGS; s++) {
        char *path = idx_spelling(dir, prefix, kind, s);
        if (stat(path, &sb) == 0) {
            *out = path;
            return LGC_OK;
        }
        int err = errno;
        free(path);
        if (err != ENOENT)
            break;
    }
    /* name the raw file: it is the one a user is told to provide */
    int err = errno;
    char *raw = idx_spelling(dir, prefix, kind, 0);
    int st = lgc_fail(LGC_EIO, "cannot open '%s': %s%s", raw, strerror(err),
                      err == ENOENT ? " (nor .gz)" : "");
    free(raw);
    return st;
}

int dataset_has_split(const char *dir, dataset_split split)
{
    const char *prefix = split == DATASET_TEST ? "t10k" : "train";
    struct stat sb;
    int found = 0;
    for (int s = 0; s < IDX_SPELLINGS && !found; s++) {
        char *path = idx_spelling(dir, prefix, "images", s);
        found = stat(path, &sb) == 0;
        free(path);
    }
    return found;
}

int dataset_load(dataset *ds, const char *dir, dataset_split split)
{
    const char *prefix = split == DATASET_TRAIN ? "train" : "t10k";
    char *img_path = NULL, *lab_path = NULL;
    *ds = (dataset){0};
    int st = find_file(&img_path, dir, prefix, "images");
    if (st == LGC_OK && (st = find_file(&lab_path, dir, prefix, "labels")) == LGC_OK)
        st = dataset_read_pair(ds, img_path, lab_path, DATASET_IDX);
    free(img_path);
    free(lab_path);
    return st;
}

void dataset_free(dataset *ds)
{
    free(ds->images);
    free(ds->labels);
    class_labels_free(&ds->classes);
    *ds = (dataset){0};
}

int dataset_set_labels(dataset *ds, const int64_t *values, const char *name)
{
    label_map map;
    uint8_t *labels = xmalloc((size_t)ds->n);
    int st = label_map_build(&map, labels, values, (size_t)ds->n, name);
    if (st) {
        free(labels);
        return st;
    }
    free(ds->labels);
    class_labels_free(&ds->classes);
    ds->labels = labels;
    ds->n_classes = map.n_classes;
    class_labels_from_values(&ds->classes, map.values, map.n_classes);
    return LGC_OK;
}

void dataset_set_named(dataset *ds, uint8_t *labels, int n_classes, char *const *names)
{
    free(ds->labels);
    class_labels_free(&ds->classes);
    ds->labels = labels;
    ds->n_classes = n_classes;
    class_labels_from_names(&ds->classes, names, n_classes);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The union of a's and b's classes, sorted, into u. */
static int union_classes(class_labels *u, int *n, const dataset *a, const dataset *b)
{
    const dataset *both[2] = {a, b};
    if (a->classes.kind != CLASS_LABELS_NAMES) {
        int64_t values[2 * DATASET_MAX_CLASSES];
        uint8_t classes[2 * DATASET_MAX_CLASSES];
        size_t m = 0;
        for (int s = 0; s < 2; s++)
            for (int k = 0; k < both[s]->n_classes; k++)
                values[m++] = class_labels_value(&both[s]->classes, k);
        label_map map;
        int st = label_map_build(&map, classes, values, m, "the training and test sets");
        if (st)
            return st;
        class_labels_from_values(u, map.values, map.n_classes);
        *n = map.n_classes;
        return LGC_OK;
    }
    char *names[2 * DATASET_MAX_CLASSES];
    int m = 0, kept = 0;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < both[s]->n_classes; k++)
            names[m++] = both[s]->classes.names[k];
    qsort(names, (size_t)m, sizeof *names, compare_names);
    for (int i = 0; i < m; i++)
        if (kept == 0 || strcmp(names[kept - 1], names[i]))
            names[kept++] = names[i];
    if (kept > DATASET_MAX_CLASSES)
        return lgc_fail(LGC_EFORMAT, "the training and test sets have %d classes in all (at most %d)",
                        kept, DATASET_MAX_CLASSES);
    class_labels_from_names(u, names, kept);
    *n = kept;
    return LGC_OK;
}

/* Relabels ds into the classes u (which hold all of ds's). */
static void relabel(dataset *ds, const class_labels *u, int n)
{
    uint8_t to[DATASET_MAX_CLASSES];
    for (int k = 0; k < ds->n_classes; k++) {
        int j = class_labels_find(u, n, &ds->classes, k);
        assert(j >= 0);
        to[k] = (uint8_t)j;
    }
    for (int i = 0; i < ds->n; i++)
        ds->labels[i] = to[ds->labels[i]];
    class_labels_free(&ds->classes);
    class_labels_copy(&ds->classes, u);
    ds->n_classes = n;
}

int dataset_share_classes(dataset *a, dataset *b)
{
    if (a->classes.kind == CLASS_LABELS_INDICES && b->classes.kind == CLASS_LABELS_INDICES)
        return LGC_OK;
    if (!class_labels_comparable(&a->classes, &b->classes))
        return lgc_fail(LGC_EFORMAT, "the training set's classes are %s but the test set's are %s",
                        a->classes.kind == CLASS_LABELS_NAMES ? "folder names" : "integers",
                        b->classes.kind == CLASS_LABELS_NAMES ? "folder names" : "integers");
    class_labels u;
    int n, st = union_classes(&u, &n, a, b);
    if (st)
        return st;
    relabel(a, &u, n);
    relabel(b, &u, n);
    class_labels_free(&u);
    return LGC_OK;
}

void dataset_batch(float *out, const dataset *ds, const int *idx, int B)
{
    dataset_batch_padded(out, ds, idx, B, ds->h, ds->w);
}

void dataset_batch_padded(float *out, const dataset *ds, const int *idx, int B, int fh, int fw)
{
    assert(fh >= ds->h && fw >= ds->w);
    const size_t C = (size_t)ds->c, W = (size_t)ds->w, HW = (size_t)ds->h * W;
    const size_t frame = (size_t)fh * fw;
    const float scale = 1.0f / 255.0f;
    /* every training step starts here: split the images over the threads */
#pragma omp parallel for schedule(static) if (B * frame * C >= 16384)
    for (int b = 0; b < B; b++) {
        assert(idx[b] >= 0 && idx[b] < ds->n);
        const uint8_t *src = ds->images + (size_t)idx[b] * HW * C; /* (H, W, C) */
        float *dst = out + (size_t)b * C * frame;                  /* (C, fh, fw) */
        for (size_t c = 0; c < C; c++) {
            float *plane = dst + c * frame;
            for (int y = 0; y < ds->h; y++)
                for (size_t x = 0; x < W; x++)
                    plane[(size_t)y * fw + x] = (float)src[(y * W + x) * C + c] * scale;
        }
        pad_replicate(dst, C, ds->h, ds->w, fh, fw);
    }
}

void dataset_batch_labels(int *out, const dataset *ds, const int *idx, int B)
{
    for (int b = 0; b < B; b++) {
        assert(idx[b] >= 0 && idx[b] < ds->n);
        out[b] = ds->labels[idx[b]];
    }
}

void dataset_class_counts(long *counts, const dataset *ds)
{
    memset(counts, 0, (size_t)ds->n_classes * sizeof *counts);
    for (int i = 0; i < ds->n; i++) {
        assert(ds->labels[i] < ds->n_classes);
        counts[ds->labels[i]]++;
    }
}
