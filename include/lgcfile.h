/* lgcfile.h - the .lgc file: an lgc_model (lgc_model.h) on disk.
 *
 * Contents: data shape, class prior (training count per class), the
 * decoder (layer specs + weights, f32, f16, int8 or int4), one Gaussian mixture per
 * class, each class's BIC curve and the training record (both for
 * `lgc info`), when they are not 0..K-1, the class labels of the user's
 * data, the default warps of lgc sample, and real training images stored
 * in a few bits per pixel beside the mixtures (exemplars). Layout, byte by byte,
 * in docs/FORMAT.md. Written atomically; read with every size validated
 * before use and the CRC-32 checked before any section is trusted. */
#ifndef LGC_LGCFILE_H
#define LGC_LGCFILE_H

#include <stddef.h>
#include <stdint.h>
#include "gmm.h"
#include "lgc_model.h"
#include "net.h"

/* Bump LGCF_VERSION on any change a version-1 reader would misread;
 * adding an optional section with a new tag does not need a bump. */
#define LGCF_VERSION 1
#define LGCF_MAX_CLASSES 256
#define LGCF_MAX_LATENT 1024
#define LGCF_MAX_K 64
#define LGCF_MAX_PARAMS (64u << 20) /* decoder floats */
/* Decoder layer outputs per image, summed over the layers (floats): lgc's
 * decoder needs about (36 + 2 c) h w, so this admits images up to about
 * 660x660 grey, and bounds the memory of decoding one image. */
#define LGCF_MAX_ACTIVATIONS (16u << 20)
/* Bounds of the training record (TRNG): steps, and images per step. */
#define LGCF_MAX_STEPS ((uint64_t)1 << 40)
#define LGCF_MAX_BATCH 65536
/* Bytes the training record adds to a file, at most: its section header
 * and its 40-byte payload, which deflate can grow by 11 bytes. */
#define LGCF_TRAINING_SECTION_BYTES (12 + 40 + 11)
/* The same for the warps (WARP): a 36-byte payload. */
#define LGCF_WARPS_SECTION_BYTES (12 + 36 + 11)
/* The decoder's output may exceed the image's height and width by up to
 * this many rows and columns each: a conv decoder outputs the image padded
 * to multiples of 4 (pad.h), and the image is its top-left h x w. */
#define LGCF_MAX_FRAME 3
/* The exemplars' pixels (n h w c bytes) at most: 60,000 MNIST images
 * take 47 MB. Bounds the memory a forged EXMP section can ask for. */
#define LGCF_MAX_EXEMPLAR_BYTES ((uint64_t)64 << 20)

/* "f32", "f16", "int8" or "int4", as the options spell them. */
const char *lgcf_dtype_name(lgcf_dtype t);
/* The precision spelled name (as lgcf_dtype_name spells it) into *out:
 * LGC_OK, or LGC_EUSAGE for any other name (no message is recorded). */
int lgcf_dtype_from_name(lgcf_dtype *out, const char *name);

/* Byte counts of what was read, for `lgc info`. */
typedef struct {
    size_t file_bytes;
    size_t header_bytes;  /* magic, version, trailer */
    size_t shape_bytes;   /* each section: bytes on disk incl. its header */
    size_t prior_bytes;
    size_t decoder_bytes;
    size_t mixture_bytes;
    size_t bic_bytes;
    size_t training_bytes; /* the training record (TRNG), 0 when absent */
    size_t labels_bytes;   /* the class labels (LABL), 0 when absent */
    size_t warps_bytes;    /* lgc sample's default warps (WARP), 0 when absent */
    size_t exemplar_bytes; /* real images beside the mixtures (EXMP), 0 when absent */
    size_t other_bytes;   /* unknown sections (skipped); all fields sum to file_bytes */
} lgcf_sizes;

/* Writes m to path atomically. The image is read back in memory first, so
 * a model the reader would reject (non-finite or f16-overflowing weight,
 * invalid mixture, oversized section) fails with LGC_EFORMAT and nothing
 * is created. Returns LGC_OK, LGC_EFORMAT or LGC_EIO. */
int lgcf_write(const char *path, const lgc_model *m);
/* Reads path into *m (caller frees with lgc_model_free); sizes may be NULL.
 * Returns LGC_OK, or LGC_EIO / LGC_EFORMAT with a message naming path and
 * the problem; *m is left empty on failure. */
int lgcf_read(lgc_model *m, lgcf_sizes *sizes, const char *path);
/* Same, from a memory buffer; name is used in messages (for tests and
 * fuzzing). */
int lgcf_read_mem(lgc_model *m, lgcf_sizes *sizes, const uint8_t *buf, size_t len,
                  const char *name);

/* The exact size lgcf_write would give m, from the same encoding, without
 * validating or writing anything. Returns LGC_OK or LGC_EFORMAT (a model
 * the encoder refuses). */
int lgcf_encoded_size(const lgc_model *m, size_t *bytes);
/* m as its file stores it, the weights and mixtures rounded to their
 * precisions: encoded and read back in memory into *out (free with
 * lgc_model_free); *bytes gets the file's size. Returns LGC_OK or the
 * LGC_EFORMAT of a model the writer or the reader refuses. */
int lgcf_as_stored(lgc_model *out, size_t *bytes, const lgc_model *m);
/* The size of a file holding this decoder (input (latent,1,1)) in dtype
 * weights, n_classes mixtures of k components each (cov, gmm_dtype) and,
 * when kmax > 0, BIC curves of kmax points, if no section shrank under
 * deflate: the frame, every section header and every raw payload, exactly
 * as docs/FORMAT.md lays them out. A real file differs by what deflate does
 * to each payload: it saves a little on weights (7% on lgc's f16 MNIST
 * decoder) and adds at most ~0.03% + 11 bytes to an incompressible one.
 * Returns LGC_OK, or LGC_EFORMAT if the decoder does not plan. */
int lgcf_raw_size(size_t *bytes, int latent, int n_classes, const layer_spec *dec_specs,
                  int n_layers, lgcf_dtype weights, int k, gmm_cov cov, lgcf_dtype gmm_dtype,
                  int kmax);

#endif
