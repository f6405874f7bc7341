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
    float elastic; /* elastic distortion's strength alpha, pixels (0: none) */
} augment_opts;

/* The strengths lgc uses unless told otherwise, and their upper bounds. */
#define AUGMENT_DEFAULT ((augment_opts){15.0f, 0.15f, 1.5f, 0.0f})
#define AUGMENT_MAX_ROTATE 180.0f
#define AUGMENT_MAX_SCALE 0.9f
#define AUGMENT_MAX_SHIFT 64.0f
#define AUGMENT_MAX_ELASTIC 64.0f
/* Width of the elastic field's Gaussian smoothing, pixels (as Simard et al.
 * 2003 used on 28x28 digits). */
#define AUGMENT_ELASTIC_SIGMA 4.0f

/* Whether a leaves images unchanged (all ranges zero). */
int augment_is_identity(const augment_opts *a);

/* An elastic displacement field (Simard et al. 2003): 2 x h x w numbers
 * uniform in [-1, 1] drawn from rng (x components first), each plane
 * smoothed by a Gaussian of width sigma pixels (zero beyond the image, the
 * kernel normalised to sum 1), times alpha. disp receives the x plane then
 * the y plane, in pixels; work holds h * w floats. 0 < sigma <= 16. */
void augment_elastic_field(float *disp, float *work, int h, int w, float alpha, float sigma,
                           rng_t *rng);

/* Warps one image src (h, w, c, channels interleaved as in IDX) into dst
 * (same shape, not overlapping src): its content turns by angle degrees
 * about the centre, grows by factor, then moves by (dx, dy) pixels (x to
 * the right, y down). Each output pixel reads src bilinearly at the
 * inverse map of its position, plus disp's displacement at that pixel when
 * disp is not NULL (an elastic field, x plane then y plane); what falls
 * outside src reads as zero. So a zero angle, factor 1, whole-pixel shifts
 * and no field copy pixels exactly. */
void augment_warp(uint8_t *dst, const uint8_t *src, int h, int w, int c, float angle,
                  float factor, float dx, float dy, const float *disp);

/* Warps each of the B images of img (h, w, c each) in place by a warp drawn
 * from a with rng: four uniform numbers per image, then, when a->elastic >
 * 0, its elastic field. The images are warped on the OpenMP threads, the
 * draws made in image order first, so the bytes do not depend on the
 * thread count. tmp holds h * w * c bytes (the calling thread's copy of
 * the image it warps). */
void augment_images(uint8_t *img, uint8_t *tmp, int B, int h, int w, int c,
                    const augment_opts *a, rng_t *rng);

#endif
