/* npy.h - NumPy .npy files: uint8 image arrays and integer label vectors.
 *
 * A .npy file is the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), the
 * header length (little-endian u16 for 1.0, u32 otherwise), then an ASCII
 * header: a Python dict literal such as
 *   {'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }
 * padded with spaces and ending in '\n', then the array data in C order.
 * The parser accepts exactly the three keys numpy writes (in any order,
 * each once), Python's literal syntax for them, and nothing else: unknown
 * keys, fortran_order True, a malformed literal or a header longer than
 * NPY_MAX_HEADER_LEN is LGC_EFORMAT. Images: '|u1', shape (N, H, W) or
 * (N, H, W, C). Labels: any integer dtype of 1 to 8 bytes, either byte
 * order, shape (N,), read as int64 (uint64 values above INT64_MAX are
 * refused). Sizes obey the IDX limits (include/idx.h), and the data length
 * must match the header exactly, checked before anything is allocated. */
#ifndef LGC_NPY_H
#define LGC_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* numpy.load's own default bound (max_header_size). */
#define NPY_MAX_HEADER_LEN 10000

typedef struct {
    int n, h, w, c;
    uint8_t *data; /* (n, h, w, c): channels interleaved, as stored */
} npy_images;

/* Reads an image array into *out; the caller frees out->data. Returns
 * LGC_OK, or LGC_EIO / LGC_EFORMAT with a message naming path. The _mem
 * form reads the len bytes at buf instead (they stay the caller's) and
 * names name in messages: for tests and fuzzing. */
int npy_read_images(npy_images *out, const char *path);
int npy_read_images_mem(npy_images *out, const uint8_t *buf, size_t len, const char *name);
/* Reads a label vector into *labels (the caller frees it) and *n; the
 * same statuses, the same _mem form. */
int npy_read_labels(int64_t **labels, int *n, const char *path);
int npy_read_labels_mem(int64_t **labels, int *n, const uint8_t *buf, size_t len,
                        const char *name);

/* Write, atomically, uint8 images as '|u1' of shape (N, H, W) when c == 1
 * (what MNIST-style loaders expect) or (N, H, W, C), and labels as '<i8'
 * of shape (N,): int64 holds any value the reader accepts, so labels read
 * from a file are written back unchanged, and it is the dtype numpy gives
 * a Python list of ints. Version 1.0 headers, padded to 64 bytes as numpy
 * pads them. Return LGC_OK, or LGC_EIO with a message naming path. */
int npy_write_images(const char *path, const uint8_t *data, int n, int h, int w, int c);
int npy_write_labels(const char *path, const int64_t *labels, int n);
/* The pieces of those writers, for a streaming writer that appends the
 * data itself (n known beforehand): the headers, and n label values as
 * '<i8'. Return LGC_OK or LGC_EIO without a message (the caller names the
 * file or stream). */
int npy_write_images_header(FILE *f, int n, int h, int w, int c);
int npy_write_labels_header(FILE *f, int n);
int npy_write_label_values(FILE *f, const int64_t *labels, size_t n);

/* The length, header included, of the .npy array that buf starts with:
 * for a stream holding two arrays one after the other. LGC_OK, or
 * LGC_EFORMAT naming name (a bad header, data cut short). */
int npy_array_bytes(size_t *bytes, const uint8_t *buf, size_t len, const char *name);

#endif
