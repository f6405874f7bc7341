/* augment_set.h - what `lgc augment` does: a training set of warped real
 * images, so that the real-image baselines of `lgc subset` can be given
 * the augmentation `lgc sample --augment` gives its own images.
 *
 * The source images are taken in rounds, each a new random order of all
 * of them, so every image is used equally often (to within one), with the
 * memory of one round whatever the number of images. Order and warps draw
 * from streams of their own (rng_stream). */
#ifndef LGC_AUGMENT_SET_H
#define LGC_AUGMENT_SET_H

#include <stdint.h>

#include "augment.h"
#include "dataset_open.h"

/* Writes n images of ds (1..IDX_MAX_COUNT), each warped by a (which may
 * be the identity), with their labels into dir (created if missing) in
 * format (IDX, NPY or PNG class folders: set_writer.h). Returns LGC_OK,
 * LGC_EUSAGE (labels the format cannot hold) or LGC_EIO with a message
 * naming the file; IDX and NPY files are never left half written. */
int augment_set_write(const char *dir, dataset_format format, const dataset *ds, long n,
                      const augment_opts *a, uint64_t seed);

#endif
