/* idx.h - IDX files (the MNIST format), raw or gzip-compressed.
 *
 * An IDX file is: 0x00 0x00 <type> <ndim>, then ndim big-endian u32 sizes,
 * then the data. lgc reads two types:
 *   unsigned bytes (0x08): images ndim 3 (N, H, W) or 4 (N, H, W, C);
 *                          labels ndim 1 (N);
 *   float (0x0D):          per-example weights, ndim 1 (N), each value a
 *                          big-endian IEEE 754 binary32.
 * Readers accept gzip transparently (by its magic; concatenated members are
 * allowed, other trailing bytes are not) and validate every field before
 * allocating: magic, type, ndim, each size in [1, limit], product without
 * overflow, exact data length (no truncation, no trailing bytes). Files and
 * memory buffers go through the same parser. */
#ifndef LGC_IDX_H
#define LGC_IDX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The file names of a training set in a dataset directory (the test
 * split's start with "t10k" instead of "train"). */
#define IDX_TRAIN_IMAGES "train-images-idx3-ubyte"
#define IDX_TRAIN_LABELS "train-labels-idx1-ubyte"
/* The per-image loss weights that `lgc subset --method gradient` writes
 * beside them (a float vector). */
#define IDX_TRAIN_WEIGHTS "train-weights-idx1-float"

/* Bounds on sizes accepted from a file (forged headers must not allocate
 * terabytes). */
#define IDX_MAX_COUNT 100000000 /* images or labels in one file */
#define IDX_MAX_SIDE 4096       /* H and W */
#define IDX_MAX_CHANNELS 64
#define IDX_MAX_IMAGE_BYTES (64u << 20) /* H*W*C */

typedef struct {
    int n, h, w, c;
    uint8_t *data; /* (n, h, w, c), as stored: channels interleaved */
} idx_images;

/* Reads an image file; on success the caller frees out->data. On failure
 * returns LGC_EIO or LGC_EFORMAT with a message naming path. */
int idx_read_images(idx_images *out, const char *path);
/* Reads a label file into *labels (caller frees) and *n. */
int idx_read_labels(uint8_t **labels, int *n, const char *path);
/* The same from the len bytes at buf (raw or gzip), which stay the
 * caller's; name is used in messages (for tests and fuzzing). */
int idx_read_images_mem(idx_images *out, const uint8_t *buf, size_t len, const char *name);
int idx_read_labels_mem(uint8_t **labels, int *n, const uint8_t *buf, size_t len,
                        const char *name);

/* The length, header included, of the raw (not gzip) unsigned-byte IDX
 * array that buf starts with: for a stream holding two arrays one after
 * the other. LGC_OK, or LGC_EFORMAT naming name when the header is not
 * one or the data is cut short. */
int idx_array_bytes(size_t *bytes, const uint8_t *buf, size_t len, const char *name);

/* Write the IDX header for a streaming writer, which then appends the
 * data. Images use ndim 3 when c == 1 (what MNIST loaders expect), ndim 4
 * otherwise. Return LGC_OK or LGC_EIO (the caller names the file). */
int idx_write_images_header(FILE *f, int n, int h, int w, int c);
int idx_write_labels_header(FILE *f, int n);

/* Reads a float vector file (type 0x0D, ndim 1) into *v (caller frees) and
 * *n, converting from big-endian. The format is validated like the other
 * readers; the values are not (NaN, negative): what is acceptable is the
 * caller's to decide. */
int idx_read_floats(float **v, int *n, const char *path);
/* The same from memory, like idx_read_images_mem. */
int idx_read_floats_mem(float **v, int *n, const uint8_t *buf, size_t len, const char *name);
/* Writes a whole float vector file (header, then n big-endian floats).
 * Returns LGC_OK or LGC_EIO (the caller names the file). */
int idx_write_floats(FILE *f, const float *v, int n);

#endif
