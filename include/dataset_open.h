/* dataset_open.h - a dataset argument, in whichever format the user has.
 *
 * One entry point for every command that reads a dataset. A path may be:
 *   - a directory of IDX files: train-images-idx3-ubyte and
 *     train-labels-idx1-ubyte (t10k-* for the test split), raw or .gz, or
 *     spelled train-images.idx3-ubyte as some mirrors do (dataset.h);
 *   - a directory of NPY files: train_images.npy and train_labels.npy
 *     (test_* for the test split, what lgc writes), or x_train.npy and
 *     y_train.npy (x_test, y_test) as Keras ships them;
 *   - a directory of CIFAR binary batches: data_batch_1..5.bin and
 *     test_batch.bin (CIFAR-10), or train.bin and test.bin (CIFAR-100);
 *   - a PNG class-folder root: root/<class>/<file>.png, or root/train/<class>
 *     and root/test/<class> for the two splits;
 *   - one file: an IDX or NPY images file, whose labels file is beside it,
 *     named with "images" turned into "labels" (and idx3 into idx1), or
 *     x_* into y_*; or one CIFAR batch;
 *   - "-": standard input holding an images array then a labels array,
 *     both IDX or both NPY (what `lgc sample -o -` writes).
 * The format is recognised by the directory's file names or the file's
 * first bytes, unless given. Labels may be any integers (or folder
 * names): they become class indices 0..K-1 in sorted order, and the
 * dataset keeps the originals (class_labels.h). */
#ifndef LGC_DATASET_OPEN_H
#define LGC_DATASET_OPEN_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

typedef enum {
    DATASET_AUTO = 0, /* recognise it */
    DATASET_IDX,
    DATASET_NPY,
    DATASET_CIFAR,
    DATASET_PNG
} dataset_format;

/* Parses "idx", "npy", "cifar" or "png" (not "cifar" for an output) into
 * *f; LGC_EUSAGE naming option otherwise. */
int dataset_format_parse(dataset_format *f, const char *option, const char *text, int output);
/* "IDX", "NPY", "CIFAR", "PNG class folders" (or "dataset" for AUTO). */
const char *dataset_format_name(dataset_format f);
/* The format as --format spells it ("auto" for AUTO). */
const char *dataset_format_option(dataset_format f);

/* Reads split of the dataset at path (as above) into *ds (freed with
 * dataset_free). A single file, standard input and a PNG root without
 * train/test folders are one set, read whatever split is asked. Returns
 * LGC_OK, or LGC_EIO / LGC_EFORMAT with a one-line message naming the
 * path (nothing recognised: "no dataset found in 'X': ..."). */
int dataset_open(dataset *ds, const char *path, dataset_split split, dataset_format format);

/* The test split that goes with the training set at path, by its format's
 * convention: path itself when the directory holds a test split, or the
 * file beside a single file whose name has "train" turned into "t10k" or
 * "test" (data_batch_N.bin into test_batch.bin). Returns 1 with *test set
 * (caller frees), or 0 when there is none (standard input has none). */
int dataset_find_test(char **test, const char *path, dataset_format format);

/* The labels file that goes with the images file images, in a new
 * string: "images" turned into "labels" (and idx3 into idx1), or a
 * leading x into y. NULL when the name follows neither. */
char *dataset_labels_beside(const char *images);

/* --- the readers behind dataset_open: dataset_formats.c --- */

/* An images file and its labels file, both IDX or both NPY. */
int dataset_read_pair(dataset *ds, const char *images, const char *labels, dataset_format f);
/* The CIFAR batches paths[0..n) into one set. */
int dataset_read_cifar(dataset *ds, const char *const *paths, int n);
/* A PNG class-folder root. */
int dataset_read_png(dataset *ds, const char *root);
/* An images array then a labels array in buf[0..len) (both IDX or both
 * NPY, found by the first bytes); name is used in messages. */
int dataset_read_stream(dataset *ds, const uint8_t *buf, size_t len, const char *name);

#endif
