/* quant.h - symmetric per-group weight quantisation: a group of weights w
 * is stored as codes q = round(w / s) in -qmax..qmax with one scale
 * s = max |w| / qmax. Shared by the .lgc writer (int8: qmax 127, int4:
 * qmax 7) and by quantisation-aware training, which must round exactly as
 * the writer will (docs/FORMAT.md, docs/DESIGN.md). */
#ifndef LGC_QUANT_H
#define LGC_QUANT_H

#include <stddef.h>

#define QUANT_INT8_MAX 127
#define QUANT_INT4_MAX 7

/* s = max_j |w[j]| / qmax rounded to f32, or FLT_MIN if that is less (so
 * that s is positive and normal for all-zero and tiny groups). */
float quant_scale(const float *w, size_t n, int qmax);
/* round(w / s) (ties to even) clamped to -qmax..qmax; w finite, s > 0. */
int quant_code(float w, float s, int qmax);
/* Replaces every weight of w (n of them, in `groups` contiguous groups of
 * n / groups) by code * scale, the value the file will hold. */
void quant_snap(float *w, size_t n, size_t groups, int qmax);

#endif
