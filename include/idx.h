/* idx.h - IDX files (the MNIST format), raw or gzip-compressed.
 *
 * An IDX file is: 0x00 0x00 <type> <ndim>, then ndim big-endian u32 sizes,
 * then the data. lgc reads unsigned-byte data (type 0x08) only:
 *   images: ndim 3 (N, H, W) or 4 (N, H, W, C);  labels: ndim 1 (N).
 * Readers accept gzip transparently (zlib gzread) and validate every field
 * before allocating: magic, type, ndim, each size in [1, limit], product
 * without overflow, exact data length (no truncation, no trailing bytes). */
#ifndef LGC_IDX_H
#define LGC_IDX_H

#include <stdint.h>
#include <stdio.h>

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

/* Write the IDX header for a streaming writer, which then appends the
 * data. Images use ndim 3 when c == 1 (what MNIST loaders expect), ndim 4
 * otherwise. Return LGC_OK or LGC_EIO (the caller names the file). */
int idx_write_images_header(FILE *f, int n, int h, int w, int c);
int idx_write_labels_header(FILE *f, int n);

#endif
