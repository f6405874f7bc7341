/* dataset_formats.c - the readers behind dataset_open (dataset_open.h):
 * each format's files into a dataset, the user's labels into class
 * indices with the originals kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cifar.h"
#include "dataset_open.h"
#include "idx.h"
#include "npy.h"
#include "png_folder.h"
#include "util.h"

/* Takes over images (n, h, w, c) and labels values[0..n) into ds. */
static int fill(dataset *ds, uint8_t *images, int n, int h, int w, int c, const int64_t *values,
                const char *labels_name)
{
    *ds = (dataset){.n = n, .h = h, .w = w, .c = c, .images = images};
    int st = dataset_set_labels(ds, values, labels_name);
    if (st)
        dataset_free(ds);
    return st;
}

/* uint8 labels as the user's values. */
static int64_t *widen(const uint8_t *labels, int n)
{
    int64_t *v = xmalloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = labels[i];
    return v;
}

/* An images array and n_labels user labels, read from the files named,
 * into ds; takes over images, frees values. */
static int fill_pair(dataset *ds, const npy_images *im, int64_t *values, int n_labels,
                     const char *images_name, const char *labels_name)
{
    int st;
    if (im->n != n_labels) {
        st = lgc_fail(LGC_EFORMAT, "'%s' has %d images but '%s' has %d labels", images_name,
                      im->n, labels_name, n_labels);
        free(im->data);
    } else {
        st = fill(ds, im->data, im->n, im->h, im->w, im->c, values, labels_name);
    }
    free(values);
    return st;
}

/* An images array of format f (IDX or NPY) from the file path, or from
 * buf[0..len) when buf is not NULL (path then names it). */
static int read_images(npy_images *im, dataset_format f, const char *path, const uint8_t *buf,
                       size_t len)
{
    if (f == DATASET_NPY)
        return buf ? npy_read_images_mem(im, buf, len, path) : npy_read_images(im, path);
    idx_images x = {0};
    int st = buf ? idx_read_images_mem(&x, buf, len, path) : idx_read_images(&x, path);
    *im = (npy_images){.n = x.n, .h = x.h, .w = x.w, .c = x.c, .data = x.data};
    return st;
}

/* A labels array likewise, as the user's values. */
static int read_labels(int64_t **values, int *n, dataset_format f, const char *path,
                       const uint8_t *buf, size_t len)
{
    if (f == DATASET_NPY)
        return buf ? npy_read_labels_mem(values, n, buf, len, path)
                   : npy_read_labels(values, n, path);
    uint8_t *bytes = NULL;
    int st = buf ? idx_read_labels_mem(&bytes, n, buf, len, path)
                 : idx_read_labels(&bytes, n, path);
    if (st == LGC_OK)
        *values = widen(bytes, *n);
    free(bytes);
    return st;
}

/* The images, then the labels, from files or (buffers given) memory. */
static int read_pair(dataset *ds, dataset_format f, const char *images, const uint8_t *ibuf,
                     size_t ilen, const char *labels, const uint8_t *lbuf, size_t llen)
{
    npy_images im = {0};
    int64_t *values = NULL;
    int n = 0;
    *ds = (dataset){0};
    int st = read_images(&im, f, images, ibuf, ilen);
    if (st)
        return st;
    if ((st = read_labels(&values, &n, f, labels, lbuf, llen))) {
        free(im.data);
        return st;
    }
    return fill_pair(ds, &im, values, n, images, labels);
}

int dataset_read_pair(dataset *ds, const char *images, const char *labels, dataset_format f)
{
    return read_pair(ds, f, images, NULL, 0, labels, NULL, 0);
}

int dataset_read_cifar(dataset *ds, const char *const *paths, int n)
{
    cifar_set s = {0};
    *ds = (dataset){0};
    int st = cifar_read(&s, paths, n, CIFAR_DETECT);
    if (st)
        return st;
    int64_t *values = widen(s.labels, s.n);
    st = fill(ds, s.images, s.n, CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS, values, paths[0]);
    s.images = NULL;
    free(values);
    cifar_free(&s);
    return st;
}

/* Whether name is an integer as lgc writes one: "0", "-12", no leading
 * zeros or signs, within int64. */
static int is_integer_name(const char *name, int64_t *value)
{
    const char *p = name + (name[0] == '-');
    size_t len = strlen(p);
    if (len == 0 || len > 18 || (p[0] == '0' && len > 1) || strspn(p, "0123456789") != len ||
        !strcmp(name, "-0"))
        return 0;
    *value = strtoll(name, NULL, 10);
    return 1;
}

int dataset_read_png(dataset *ds, const char *root)
{
    png_folder_set s = {0};
    *ds = (dataset){0};
    int st = png_folder_read(&s, root);
    if (st)
        return st;
    /* folders named by integers (0..9 for digits, or lgc's own output of
     * integer labels) are those integers, so that they come back as such */
    int64_t value_of[DATASET_MAX_CLASSES];
    int integers = 1;
    for (int k = 0; k < s.n_classes && integers; k++)
        integers = is_integer_name(s.class_names[k], &value_of[k]);
    *ds = (dataset){.n = s.n, .h = s.h, .w = s.w, .c = s.c, .images = s.images};
    s.images = NULL;
    if (integers) {
        int64_t *values = xmalloc((size_t)s.n * sizeof *values);
        for (int i = 0; i < s.n; i++)
            values[i] = value_of[s.labels[i]];
        if ((st = dataset_set_labels(ds, values, root)))
            dataset_free(ds);
        free(values);
    } else {
        dataset_set_named(ds, s.labels, s.n_classes, s.class_names);
        s.labels = NULL;
    }
    png_folder_free(&s);
    return st;
}

int dataset_read_stream(dataset *ds, const uint8_t *buf, size_t len, const char *name)
{
    static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    const dataset_format f = len >= sizeof npy_magic && !memcmp(buf, npy_magic, sizeof npy_magic)
                                 ? DATASET_NPY
                                 : DATASET_IDX;
    size_t first;
    *ds = (dataset){0};
    int st = f == DATASET_NPY ? npy_array_bytes(&first, buf, len, name)
                              : idx_array_bytes(&first, buf, len, name);
    return st ? st : read_pair(ds, f, name, buf, first, name, buf + first, len - first);
}
