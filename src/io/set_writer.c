/* set_writer.c - labelled image sets in IDX, NPY or PNG class folders
 * (set_writer.h). */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checked_write.h"
#include "idx.h"
#include "npy.h"
#include "png_folder.h"
#include "set_writer.h"
#include "util.h"

int set_labels_check(const class_labels *l, int n_classes, dataset_format f)
{
    if (f == DATASET_NPY || f == DATASET_PNG || l->kind != CLASS_LABELS_INTEGERS)
        return LGC_OK;
    for (int k = 0; k < n_classes; k++)
        if (l->values[k] < 0 || l->values[k] > 255)
            return lgc_fail(LGC_EUSAGE, "label %" PRId64 " does not fit in an IDX label file "
                            "(0..255): use --format npy", l->values[k]);
    return LGC_OK;
}

int set_write_images_header(FILE *out, dataset_format f, long n, int h, int w, int c,
                            const char *name)
{
    int st = f == DATASET_NPY ? npy_write_images_header(out, (int)n, h, w, c)
                              : idx_write_images_header(out, (int)n, h, w, c);
    return st ? write_failed(name) : LGC_OK;
}

int set_write_labels_header(FILE *out, dataset_format f, long n, const char *name)
{
    int st = f == DATASET_NPY ? npy_write_labels_header(out, (int)n)
                              : idx_write_labels_header(out, (int)n);
    return st ? write_failed(name) : LGC_OK;
}

int set_write_labels(FILE *out, dataset_format f, const class_labels *l, const uint8_t *classes,
                     size_t B, const char *name)
{
    enum { CHUNK = 512 };
    for (size_t s = 0; s < B; s += CHUNK) {
        size_t b = B - s < CHUNK ? B - s : CHUNK;
        int st;
        if (f == DATASET_NPY) {
            int64_t values[CHUNK];
            for (size_t i = 0; i < b; i++)
                values[i] = class_labels_value(l, classes[s + i]);
            st = npy_write_label_values(out, values, b) ? write_failed(name) : LGC_OK;
        } else if (l->kind == CLASS_LABELS_INTEGERS) {
            uint8_t bytes[CHUNK];
            for (size_t i = 0; i < b; i++)
                bytes[i] = (uint8_t)l->values[classes[s + i]];
            st = checked_write(out, bytes, b, name);
        } else {
            st = checked_write(out, classes + s, b, name);
        }
        if (st)
            return st;
    }
    return LGC_OK;
}

int set_writer_open(set_writer *w, const char *dir, dataset_format f, long n, int h, int wd,
                    int c, const class_labels *classes, int n_classes)
{
    if (f != DATASET_NPY && f != DATASET_PNG)
        f = DATASET_IDX; /* the default */
    *w = (set_writer){.format = f, .classes = classes, .n_classes = n_classes, .n = n, .h = h,
                      .w = wd, .c = c};
    int st = set_labels_check(classes, n_classes, f);
    if (st)
        return st;
    if (f == DATASET_PNG) {
        w->dir = xstrdup(dir);
        w->images = xmalloc((size_t)n * h * wd * c);
        w->labels = xmalloc((size_t)n);
        return LGC_OK;
    }
    st = f == DATASET_NPY ? atomic_pair_open(&w->files, dir, NPY_TRAIN_IMAGES, NPY_TRAIN_LABELS)
                          : atomic_idx_set_open(&w->files, dir);
    if (st)
        return st;
    if ((st = set_write_images_header(w->files.images.f, f, n, h, wd, c, w->files.images.path)) ||
        (st = set_write_labels_header(w->files.labels.f, f, n, w->files.labels.path)))
        set_writer_abort(w);
    return st;
}

int set_writer_put(set_writer *w, const uint8_t *images, const uint8_t *classes, int B)
{
    assert(B >= 0 && w->filled + B <= w->n);
    const size_t bytes = (size_t)B * w->h * w->w * w->c;
    if (w->format == DATASET_PNG) {
        memcpy(w->images + (size_t)w->filled * w->h * w->w * w->c, images, bytes);
        memcpy(w->labels + w->filled, classes, (size_t)B);
        w->filled += B;
        return LGC_OK;
    }
    w->filled += B;
    int st = checked_write(w->files.images.f, images, bytes, w->files.images.path);
    return st ? st : set_write_labels(w->files.labels.f, w->format, w->classes, classes,
                                      (size_t)B, w->files.labels.path);
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The class folders are named by the user's labels as text, and must be
 * in bytewise order (png_folder_write's rule: 10 before 9), so the
 * classes are renumbered into that order. */
static int write_png(set_writer *w)
{
    char *names[DATASET_MAX_CLASSES], *sorted[DATASET_MAX_CLASSES];
    uint8_t to[DATASET_MAX_CLASSES];
    for (int k = 0; k < w->n_classes; k++) {
        char text[CLASS_NAME_MAX + 1];
        names[k] = xstrdup(class_labels_text(w->classes, k, text, sizeof text));
        sorted[k] = names[k];
    }
    qsort(sorted, (size_t)w->n_classes, sizeof *sorted, compare_text);
    for (int k = 0; k < w->n_classes; k++)
        for (int j = 0; j < w->n_classes; j++)
            if (sorted[j] == names[k])
                to[k] = (uint8_t)j;
    for (long i = 0; i < w->n; i++)
        w->labels[i] = to[w->labels[i]];
    png_folder_set s = {.n = (int)w->n, .h = w->h, .w = w->w, .c = w->c,
                        .n_classes = w->n_classes, .images = w->images, .labels = w->labels,
                        .class_names = sorted};
    int st = png_folder_write(w->dir, &s);
    for (int k = 0; k < w->n_classes; k++)
        free(names[k]);
    return st;
}

int set_writer_commit(set_writer *w)
{
    assert(w->filled == w->n);
    int st;
    if (w->format == DATASET_PNG) {
        st = write_png(w);
        set_writer_abort(w);
        return st;
    }
    return atomic_idx_set_commit(&w->files);
}

void set_writer_abort(set_writer *w)
{
    atomic_idx_set_abort(&w->files);
    free(w->dir);
    free(w->images);
    free(w->labels);
    w->dir = NULL;
    w->images = w->labels = NULL;
}
