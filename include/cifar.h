/* cifar.h - the CIFAR-10 and CIFAR-100 binary batches.
 *
 * A batch is a run of fixed-size records, each a 32x32 RGB image stored
 * channel-planar (1024 red bytes, 1024 green, 1024 blue, rows top to
 * bottom), after its labels:
 *   CIFAR-10:  1 label byte (0..9), 3072 image bytes: 3073 bytes a record;
 *   CIFAR-100: 1 coarse label (0..19), 1 fine label (0..99), 3072 image
 *              bytes: 3074 bytes a record.
 * The readers convert images to HWC (lgc's layout) and keep the CIFAR-100
 * fine label as the label, the coarse one beside it. A label beyond its
 * range is LGC_EFORMAT: it catches a file read as the wrong kind.
 *
 * Which kind a file is: the names the archives use first (data_batch_N.bin
 * and test_batch.bin are CIFAR-10; train.bin and test.bin are CIFAR-100),
 * then the size when only one record length divides it. A size both
 * divide (a multiple of 3073 x 3074 bytes, 9.4 MB) under another name is
 * refused as ambiguous: the caller must then say which kind it is. */
#ifndef LGC_CIFAR_H
#define LGC_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#define CIFAR_SIDE 32
#define CIFAR_CHANNELS 3
#define CIFAR_IMAGE_BYTES (CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS)
#define CIFAR_100_COARSE_CLASSES 20

/* The values are the (fine) class counts. */
typedef enum { CIFAR_DETECT = 0, CIFAR_10 = 10, CIFAR_100 = 100 } cifar_kind;

typedef struct {
    cifar_kind kind;
    int n;
    uint8_t *images; /* (n, 32, 32, 3) HWC */
    uint8_t *labels; /* (n): the CIFAR-10 label or the CIFAR-100 fine label */
    uint8_t *coarse; /* (n): the CIFAR-100 coarse label; NULL for CIFAR-10 */
} cifar_set;

/* Record length of kind: 3073 or 3074 bytes. */
size_t cifar_record_bytes(cifar_kind kind);

/* The kind of the file at path, size bytes long, by its name and size as
 * above. Returns LGC_OK or LGC_EFORMAT (ambiguous, or no whole number of
 * records of either kind) with a message naming path. */
int cifar_detect(cifar_kind *kind, const char *path, size_t size);

/* Reads the n_paths batch files, in order, into one set (caller frees with
 * cifar_free). kind CIFAR_DETECT detects each file's kind and requires all
 * to agree. Returns LGC_OK, or LGC_EIO / LGC_EFORMAT naming the file. */
int cifar_read(cifar_set *out, const char *const *paths, int n_paths, cifar_kind kind);
/* One batch from the len bytes at buf (kind given), for tests and fuzzing;
 * name is used in messages. */
int cifar_read_mem(cifar_set *out, cifar_kind kind, const uint8_t *buf, size_t len,
                   const char *name);
void cifar_free(cifar_set *s);

/* Writes s as one batch file of s->kind, atomically (CIFAR-100 needs
 * s->coarse). Returns LGC_OK, or LGC_EIO with a message naming path. */
int cifar_write(const char *path, const cifar_set *s);

#endif
