/* dataset.c - a split of a dataset directory (train or t10k) in memory.
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
#include "idx.h"
#include "pad.h"
#include "util.h"

/* Sets *out to <dir>/<name>, or to <dir>/<name>.gz when only that exists;
 * the caller frees *out. */
static int find_file(char **out, const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + sizeof "/.gz";
    char *raw = xmalloc(len), *gz = xmalloc(len);
    snprintf(raw, len, "%s/%s", dir, name);
    snprintf(gz, len, "%s/%s.gz", dir, name);
    struct stat sb;
    int st = LGC_OK;
    if (stat(raw, &sb) == 0) {
        *out = raw;
        raw = NULL;
    } else if (errno == ENOENT && stat(gz, &sb) == 0) {
        *out = gz;
        gz = NULL;
    } else {
        /* name the raw file: it is the one a user is told to provide */
        int err = errno;
        st = lgc_fail(LGC_EIO, "cannot open '%s': %s%s", raw, strerror(err),
                      err == ENOENT ? " (nor .gz)" : "");
    }
    free(raw);
    free(gz);
    return st;
}

int dataset_has_split(const char *dir, dataset_split split)
{
    const char *prefix = split == DATASET_TEST ? "t10k" : "train";
    static const char *const suffix[2] = {"", ".gz"};
    for (int s = 0; s < 2; s++) {
        char path[4096];
        struct stat sb;
        int len = snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, suffix[s]);
        if (len > 0 && (size_t)len < sizeof path && stat(path, &sb) == 0)
            return 1;
    }
    return 0;
}

int dataset_load(dataset *ds, const char *dir, dataset_split split)
{
    const char *prefix = split == DATASET_TRAIN ? "train" : "t10k";
    char name[64];
    char *img_path = NULL, *lab_path = NULL;
    idx_images im = {0};
    uint8_t *labels = NULL;
    int n_labels = 0, st;
    *ds = (dataset){0};
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    if ((st = find_file(&img_path, dir, name)))
        goto done;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    if ((st = find_file(&lab_path, dir, name)) || (st = idx_read_images(&im, img_path)) ||
        (st = idx_read_labels(&labels, &n_labels, lab_path)))
        goto done;
    if (im.n != n_labels) {
        st = lgc_fail(LGC_EFORMAT, "'%s' has %d images but '%s' has %d labels", img_path, im.n,
                      lab_path, n_labels);
        goto done;
    }
    int max_label = 0;
    for (int i = 0; i < n_labels; i++)
        if (labels[i] > max_label)
            max_label = labels[i];
    *ds = (dataset){.n = im.n, .h = im.h, .w = im.w, .c = im.c, .n_classes = max_label + 1,
                    .images = im.data, .labels = labels};
    assert(ds->n_classes <= DATASET_MAX_CLASSES);
    im.data = NULL;
    labels = NULL;
done:
    free(im.data);
    free(labels);
    free(img_path);
    free(lab_path);
    return st;
}

void dataset_free(dataset *ds)
{
    free(ds->images);
    free(ds->labels);
    *ds = (dataset){0};
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
