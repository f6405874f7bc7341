/* dataset.h - a labelled image set in memory, and the IDX directory.
 *
 * An IDX directory holds train-images-idx3-ubyte and train-labels-idx1-ubyte
 * (each optionally .gz, or spelled train-images.idx3-ubyte as some mirrors
 * do), and optionally t10k-images/labels for the test split. The other
 * formats are read by dataset_open (dataset_open.h). Images stay uint8 in
 * memory (HWC as in IDX); batches are converted to float CHW in [0,1] on
 * demand. Labels are class indices 0..K-1; classes says what each index
 * was in the user's data (class_labels.h). */
#ifndef LGC_DATASET_H
#define LGC_DATASET_H

#include <stddef.h>
#include <stdint.h>

/* before class_labels.h, whose label_map sizes itself by it */
#define DATASET_MAX_CLASSES 256

#include "class_labels.h"

typedef struct {
    int n, h, w, c;
    int n_classes;        /* distinct labels */
    uint8_t *images;      /* (n, h, w, c) */
    uint8_t *labels;      /* (n), class indices 0..n_classes-1 */
    class_labels classes; /* the user's label of each class index */
} dataset;

typedef enum { DATASET_TRAIN, DATASET_TEST } dataset_split;

/* Loads split from dir (prefix "train" or "t10k"; the raw file preferred
 * over .gz, the dash spelling over the mirrors' dot). Checks image and
 * label counts agree. Returns LGC_OK, or LGC_EIO / LGC_EFORMAT with a
 * message naming the file. */
int dataset_load(dataset *ds, const char *dir, dataset_split split);
void dataset_free(dataset *ds);
/* Whether dir holds the images file of split (any spelling); says nothing
 * of whether it is valid. */
int dataset_has_split(const char *dir, dataset_split split);

/* Sets ds->labels, n_classes and classes from the user's labels
 * values[0..ds->n) (label_map: the distinct values sorted). Returns LGC_OK
 * or LGC_EFORMAT (too many classes) naming name. */
int dataset_set_labels(dataset *ds, const int64_t *values, const char *name);
/* Sets ds's labels from class indices 0..n_classes-1 (uint8, taken over)
 * with the class names of a PNG class folder. */
void dataset_set_named(dataset *ds, uint8_t *labels, int n_classes, char *const *names);
/* Gives a and b (a training and a test set) the same class indices: the
 * union of their labels, sorted, when either labels its classes other than
 * by index. LGC_EFORMAT when one has names and the other integers. */
int dataset_share_classes(dataset *a, dataset *b);

/* Converts the images idx[0..B) to float (B, C, H, W) in [0, 1]. */
void dataset_batch(float *out, const dataset *ds, const int *idx, int B);
/* Same, each image in the top-left of an fh x fw plane (fh >= h, fw >= w)
 * whose frame repeats the image's edge pixels (pad.h): what the conv
 * networks see. fh = h, fw = w is dataset_batch. */
void dataset_batch_padded(float *out, const dataset *ds, const int *idx, int B, int fh, int fw);
/* Same for labels, as ints. */
void dataset_batch_labels(int *out, const dataset *ds, const int *idx, int B);
/* Count of each class (n_classes entries). */
void dataset_class_counts(long *counts, const dataset *ds);

#endif
