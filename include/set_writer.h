/* set_writer.h - a labelled image set written in the format asked, with
 * the class indices turned back into the user's labels (class_labels.h).
 *
 * Into a directory, under the names dataset_open reads back:
 *   IDX  train-images-idx3-ubyte, train-labels-idx1-ubyte: labels are
 *        the user's integers, which must then lie in 0..255 (named
 *        classes are written as their indices 0..K-1, in name order);
 *   NPY  train_images.npy ('|u1', (N, H, W) or (N, H, W, C)),
 *        train_labels.npy ('<i8' user labels; indices for named classes);
 *   PNG  <dir>/<class>/<index>.png, a folder per class named by the
 *        user's label or folder name.
 * IDX and NPY files are written as the images come, a batch at a time,
 * each through its own temporary (atomic_file.h); PNG folders are written
 * at the end, from memory, file by file. Onto a stream (IDX or NPY only):
 * the images array, then the labels array, written by the caller with the
 * header and label functions below. A format other than NPY or PNG
 * (DATASET_AUTO included) means IDX, the default. */
#ifndef LGC_SET_WRITER_H
#define LGC_SET_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "atomic_file.h"
#include "class_labels.h"
#include "dataset_open.h"

/* The NPY names of a training set (test_* for a test split). */
#define NPY_TRAIN_IMAGES "train_images.npy"
#define NPY_TRAIN_LABELS "train_labels.npy"

/* Whether labels can be written in format f: IDX needs integer labels in
 * 0..255. LGC_OK, or LGC_EUSAGE suggesting --format npy. */
int set_labels_check(const class_labels *l, int n_classes, dataset_format f);

/* The header of an images array (n, h, w, c) or a labels array of n in
 * format f (IDX or NPY) on f, and the labels of B images given as class
 * indices. LGC_OK, or LGC_EIO with a message naming name. */
int set_write_images_header(FILE *out, dataset_format f, long n, int h, int w, int c,
                            const char *name);
int set_write_labels_header(FILE *out, dataset_format f, long n, const char *name);
int set_write_labels(FILE *out, dataset_format f, const class_labels *l, const uint8_t *classes,
                     size_t B, const char *name);

typedef struct {
    dataset_format format;
    const class_labels *classes;
    int n_classes;
    long n, filled;
    int h, w, c;
    atomic_idx_set files; /* IDX and NPY */
    char *dir;            /* PNG: the root, with the images and labels below */
    uint8_t *images, *labels;
} set_writer;

/* Starts writing n images (h, w, c) of n_classes classes into dir
 * (created if missing) in format f. Returns LGC_OK, or LGC_EUSAGE (labels
 * IDX cannot hold) / LGC_EIO with nothing left behind. */
int set_writer_open(set_writer *w, const char *dir, dataset_format f, long n, int h, int wd,
                    int c, const class_labels *classes, int n_classes);
/* Appends B images and their class indices (n in all). */
int set_writer_put(set_writer *w, const uint8_t *images, const uint8_t *classes, int B);
/* Finishes the set (all n images put). LGC_OK or the first error; w is
 * released either way. */
int set_writer_commit(set_writer *w);
/* Discards what was written (IDX, NPY); safe after commit. */
void set_writer_abort(set_writer *w);

#endif
