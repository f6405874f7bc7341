/* sample.h - what `lgc sample` does, as a pipeline over plain structs:
 *
 *   class quotas -> labels -> codes -> decode -> warps -> writer
 *
 * Class counts follow the model's class prior (or are equal); labels come
 * from a sequential sampler (exact class counts, random order) that is
 * replayed from its seed; each code is drawn from its class's mixture, or
 * the codes are given (as `lgc compress --latents` wrote them); images are
 * decoded in batches, warped (augment.h) and written one batch at a time,
 * so memory does not grow with the number of images (except for PNG class
 * folders, which set_writer keeps until the end). Labels, codes and
 * warps draw from streams of their own (rng_stream), so the labels and
 * codes do not depend on --augment. The writers: a training set (IDX, NPY
 * or PNG class folders) into a directory, IDX or NPY onto a stream, and a
 * PNG grid of samples per class. */
#ifndef LGC_SAMPLE_H
#define LGC_SAMPLE_H

#include <stdint.h>
#include <stdio.h>

#include "augment.h"
#include "dataset.h"
#include "dataset_open.h"
#include "latents_csv.h"
#include "lgcfile.h"
#include "net.h"
#include "rng.h"

/* The most images one set may hold: the IDX reader's own bound. */
#define SAMPLE_MAX_IMAGES 100000000L

typedef struct {
    const lgc_model *model;
    net *decoder;             /* from sample_decoder_init */
    long n;                   /* images, split by the class prior, */
    long per_class;           /* or, when > 0, this many of every class */
    const latents_csv *given; /* or the codes to decode, in their order (else NULL) */
    uint64_t seed;
    augment_opts augment;     /* warps of every image (AUGMENT_DEFAULT, or 0 for none) */
    dataset_format format;    /* of the set: DATASET_IDX, NPY or PNG (set_writer.h) */
} sample_config;

/* Builds m's decoder for batches as large as memory allows (at most 256
 * images). Returns LGC_OK or the status of decoder_from_model. */
int sample_decoder_init(net *dec, const lgc_model *m);

/* Images per class (model->n_classes): per_class each, or n in total in
 * proportion to the class prior by largest remainder (quota.h). The total
 * is at most SAMPLE_MAX_IMAGES (the caller checks per_class). Not used
 * with given codes. */
void sample_quota(long *quota, const sample_config *cfg);
/* The number of images the writers write. */
long sample_count(const sample_config *cfg);

/* Labels in random order with exact class counts quota (K): each draw
 * picks class c with probability remaining[c] / remaining in total, which
 * is sampling the label multiset without replacement, in O(K) memory. */
typedef struct {
    rng_t rng;
    long remaining[LGCF_MAX_CLASSES];
    long total;
    int K;
} sample_labels;

void sample_labels_init(sample_labels *ls, const long *quota, int K, uint64_t seed);
/* The next label; at most sum of quota calls. */
int sample_labels_next(sample_labels *ls);

/* Decodes the B codes z (B at most the decoder's batch) into img (B, h,
 * w, c) and warps them by cfg->augment with warp_rng; tmp holds one
 * image. The decode and warp stages, shared by the writers. */
void sample_decode(const sample_config *cfg, const float *z, int B, uint8_t *img, uint8_t *tmp,
                   rng_t *warp_rng);

/* The set the writers write, in memory: out (freed with dataset_free)
 * gets sample_count(cfg) images and their class indices, the ones the
 * writers write, in the same order. Not with given codes; at most
 * INT_MAX images. */
void sample_draw(const sample_config *cfg, dataset *out);
/* Warps set, drawn by sample_draw with no warps and seed, in place into
 * what sample_draw would have drawn with warps a: the warp stream runs
 * image after image, whatever the batches. */
void sample_warp_set(dataset *set, const augment_opts *a, uint64_t seed);

/* Writes the set into dir (created if missing) in cfg->format with the
 * model's class labels (set_writer.h). Returns LGC_OK, LGC_EUSAGE for
 * labels the format cannot hold, or LGC_EIO with a message naming the
 * file; IDX and NPY files are never left half written. */
int sample_write_dir(const sample_config *cfg, const char *dir);
/* Writes the images array, then the labels array (IDX or NPY, by
 * cfg->format), to f (name, e.g. "standard output", in messages).
 * Returns LGC_OK, LGC_EUSAGE (labels IDX cannot hold) or LGC_EIO. */
int sample_write_stream(const sample_config *cfg, FILE *f, const char *name);
/* Writes a PNG grid to path: one row per class, cols samples drawn from
 * its mixture (streams of their own, so the grid does not change the set)
 * and warped, 2-pixel grey gutters. Colour images with c != 3 show their
 * first channel. Returns the status of png_write. */
int sample_write_grid(const sample_config *cfg, int cols, const char *path);

#endif
