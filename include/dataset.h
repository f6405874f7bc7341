/* dataset.h - a labelled image set loaded from a dataset directory.
 *
 * A directory holds train-images-idx3-ubyte and train-labels-idx1-ubyte
 * (each optionally .gz), and optionally t10k-images/labels for the test
 * split. Images stay uint8 in memory (HWC as in IDX); batches are
 * converted to float CHW in [0,1] on demand. */
#ifndef LGC_DATASET_H
#define LGC_DATASET_H

#include <stdint.h>

#define DATASET_MAX_CLASSES 256

typedef struct {
    int n, h, w, c;
    int n_classes;   /* max label + 1 */
    uint8_t *images; /* (n, h, w, c) */
    uint8_t *labels; /* (n) */
} dataset;

typedef enum { DATASET_TRAIN, DATASET_TEST } dataset_split;

/* Loads split from dir (prefix "train" or "t10k"; raw file preferred over
 * .gz when both exist). Checks image and label counts agree. Returns
 * LGC_OK, or LGC_EIO / LGC_EFORMAT with a message naming the file. */
int dataset_load(dataset *ds, const char *dir, dataset_split split);
void dataset_free(dataset *ds);
/* Whether dir holds the images file of split (raw or .gz); says nothing of
 * whether it is valid. */
int dataset_has_split(const char *dir, dataset_split split);

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
