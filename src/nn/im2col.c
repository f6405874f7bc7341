/* im2col.c - 3x3, stride 1, zero-pad 1 patch unrolling, and its adjoint.
 *
 * col row r = c*9 + ky*3 + kx holds, for every output pixel (y, x), the
 * input pixel (y + dy, x + dx) with dy = ky-1, dx = kx-1, or 0 outside the
 * image. Within one image that row is the input plane shifted by
 * off = dy*W + dx, so it is filled by ONE contiguous copy over the pixels
 * whose source row exists, after which the (at most H) pixels whose source
 * column wrapped around to the neighbouring row are zeroed, and the (at most
 * one) row with no source row is cleared. An earlier version copied row by
 * row: ~4,000 memcpy calls of 27 floats per 28x28x16 image, and im2col plus
 * col2im took a third of a training step.
 *
 * col2im is the same walk backwards: it first zeroes col's padding entries
 * (col is a workspace the caller no longer needs), so that one contiguous
 * add per row of col is exact. Both are memory-bound and deliberately
 * serial: the network splits batches across threads above them (net.c). */
#include <assert.h>
#include <string.h>

#include "layers.h"

/* The part of a col row (one image, offset k) that has a source pixel:
 * indices [*i0, *i1) of the H*W plane, and the plane offset off. */
static void shifted_span(int k, int H, int W, size_t *i0, size_t *i1, long *off)
{
    const int dy = k / 3 - 1, dx = k % 3 - 1;
    const int y0 = dy < 0 ? 1 : 0, y1 = dy > 0 ? H - 1 : H; /* rows with a source row */
    const int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? W - 1 : W; /* first/last valid x */
    *off = (long)dy * W + dx;
    if (y1 <= y0 || x1 <= x0) { /* H or W is 1 and the shift leaves nothing */
        *i0 = *i1 = 0;
        return;
    }
    *i0 = (size_t)y0 * W + x0;
    *i1 = (size_t)(y1 - 1) * W + x1;
}

/* Zeroes the entries of a col row (one image) that have no source pixel:
 * the rows without a source row and, for dx != 0, the wrapped column. */
static void zero_padding(float *row, int k, int H, int W)
{
    const int dy = k / 3 - 1, dx = k % 3 - 1;
    if (dy < 0)
        memset(row, 0, (size_t)W * sizeof *row);
    if (dy > 0)
        memset(row + (size_t)(H - 1) * W, 0, (size_t)W * sizeof *row);
    if (dx != 0) {
        const int x = dx < 0 ? 0 : W - 1;
        for (int y = 0; y < H; y++)
            row[(size_t)y * W + x] = 0.0f;
    }
}

/* in (B,C,H,W) -> col (C*9, B*H*W) */
void im2col3x3(float *col, const float *in, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    for (int ib = 0; ib < B; ib++) {
        for (int c = 0; c < C; c++) {
            const float *plane = in + ((size_t)ib * C + c) * HW;
            for (int k = 0; k < 9; k++) {
                float *row = col + (size_t)(c * 9 + k) * N + (size_t)ib * HW;
                size_t i0, i1;
                long off;
                shifted_span(k, H, W, &i0, &i1, &off);
                if (i0 > 0)
                    memset(row, 0, i0 * sizeof *row);
                if (i1 > i0)
                    memcpy(row + i0, plane + (long)i0 + off, (i1 - i0) * sizeof *row);
                if (i1 < HW)
                    memset(row + i1, 0, (HW - i1) * sizeof *row);
                zero_padding(row, k, H, W);
            }
        }
    }
}

/* col (C*9, B*H*W) -> din (B,C,H,W) +=. The adjoint of im2col3x3: every col
 * entry is added back onto the input pixel it was copied from; padding
 * entries are dropped (zeroed in col first, which clobbers col). */
void col2im3x3(float *din, float *col, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    for (int ib = 0; ib < B; ib++) {
        for (int c = 0; c < C; c++) {
            float *plane = din + ((size_t)ib * C + c) * HW;
            for (int k = 0; k < 9; k++) {
                float *row = col + (size_t)(c * 9 + k) * N + (size_t)ib * HW;
                size_t i0, i1;
                long off;
                shifted_span(k, H, W, &i0, &i1, &off);
                zero_padding(row, k, H, W);
                const float *restrict src = row + i0;
                float *restrict dst = plane + (long)i0 + off;
                for (size_t i = 0; i < i1 - i0; i++)
                    dst[i] += src[i];
            }
        }
    }
}
