/* pad.h - the frame of the conv networks: an image of h x w padded at the
 * bottom and right to fh x fw, the next multiples of 4, which their two
 * 2x2 poolings divide.
 *
 * Images are float planes (planes = B * C of them, as in NCHW), each image
 * in the top-left h x w of its fh x fw plane. The frame's pixels copy the
 * nearest real pixel (edge replication): a frame that simply continues the
 * image adds no border of its own, whatever the background (zero padding
 * would draw a black frame around white-background images). The choice,
 * and why bottom/right rather than centred, is in docs/DESIGN.md
 * ("Odd image sizes"). */
#ifndef LGC_PAD_H
#define LGC_PAD_H

#include <stddef.h>

/* Frame sides are the image's rounded up to this multiple. */
#define PAD_MULTIPLE 4

/* n rounded up to the next multiple of PAD_MULTIPLE (n >= 1). */
int pad_side(int n);

/* Fills the frame of each plane of x from its image: pixel (y, x) with
 * y >= h or x >= w becomes pixel (min(y, h-1), min(x, w-1)). */
void pad_replicate(float *x, size_t planes, int h, int w, int fh, int fw);
/* The adjoint of pad_replicate, for gradients: adds each frame entry of g
 * into the image pixel it was copied from, then zeroes the frame. */
void pad_fold(float *g, size_t planes, int h, int w, int fh, int fw);
/* Zeroes the frame entries of g, leaving the image's: the mask that keeps
 * a loss on the real pixels only. */
void pad_clear(float *g, size_t planes, int h, int w, int fh, int fw);
/* dst (planes, h, w) = the top-left h x w of each fh x fw plane of src. */
void pad_crop(float *dst, const float *src, size_t planes, int h, int w, int fh, int fw);
/* The reverse: src (planes, h, w) into the top-left of each fh x fw plane
 * of dst; the frame is left as it was. */
void pad_place(float *dst, const float *src, size_t planes, int h, int w, int fh, int fw);

#endif
