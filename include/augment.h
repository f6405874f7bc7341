/* augment.h - random affine warps of uint8 images: rotation, scaling and
 * shift about the image centre, resampled bilinearly with zero fill.
 *
 * lgc sample applies them to its decoded images (--augment) and lgc
 * augment to any IDX set, so that lgc's samples and real-image baselines
 * can be compared under the same augmentation. Every parameter of a warp
 * is drawn uniformly from its range, independently per image. */
#ifndef LGC_AUGMENT_H
#define LGC_AUGMENT_H

#include <stdint.h>

#include "rng.h"

typedef struct {
    float rotate; /* largest rotation, degrees: angle in [-rotate, rotate] */
    float scale;  /* largest relative size change: factor in [1-scale, 1+scale] */
    float shift;  /* largest shift along each axis, pixels */
} augment_opts;

/* The strengths lgc uses unless told otherwise, and their upper bounds. */
#define AUGMENT_DEFAULT ((augment_opts){15.0f, 0.15f, 1.5f})
#define AUGMENT_MAX_ROTATE 180.0f
#define AUGMENT_MAX_SCALE 0.9f
#define AUGMENT_MAX_SHIFT 64.0f

/* Whether a leaves images unchanged (all three ranges zero). */
int augment_is_identity(const augment_opts *a);

/* Warps one image src (h, w, c, channels interleaved as in IDX) into dst
 * (same shape, not overlapping src): its content turns by angle degrees
 * about the centre, grows by factor, then moves by (dx, dy) pixels (x to
 * the right, y down). Each output pixel reads src bilinearly at the
 * inverse map of its position; what falls outside src reads as zero. So a
 * zero angle, factor 1 and whole-pixel shifts copy pixels exactly. */
void augment_warp(uint8_t *dst, const uint8_t *src, int h, int w, int c, float angle,
                  float factor, float dx, float dy);

/* Warps each of the B images of img (h, w, c each) in place by a warp drawn
 * from a with rng. tmp holds h * w * c bytes. */
void augment_images(uint8_t *img, uint8_t *tmp, int B, int h, int w, int c,
                    const augment_opts *a, rng_t *rng);

#endif
