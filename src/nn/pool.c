/* pool.c - 2x2 max-pool, stride 2, with an argmax cache.
 *
 * Forward records, for every output, the offset of the winning input
 * within its (H,W) plane; backward routes each output gradient to exactly
 * that pixel. A per-plane offset (not a global index) keeps the cache in
 * int range for any batch. Ties go to the first element in row-major order
 * inside the 2x2 window. */
#include <assert.h>

#include "layers.h"

/* in (B,C,H,W) -> out (B,C,H/2,W/2), argmax (B,C,H/2,W/2) offsets into (H,W) */
void maxpool2_forward(float *out, int *argmax, const float *in, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && H % 2 == 0 && W % 2 == 0);
    const int OH = H / 2, OW = W / 2;
    const size_t HW = (size_t)H * W, OHW = (size_t)OH * OW;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        const float *plane = in + p * HW;
        for (int oy = 0; oy < OH; oy++) {
            float *o = out + p * OHW + (size_t)oy * OW;
            int *a = argmax + p * OHW + (size_t)oy * OW;
            for (int ox = 0; ox < OW; ox++) {
                const int top = 2 * oy * W + 2 * ox;
                const int cand[4] = {top, top + 1, top + W, top + W + 1};
                int best = cand[0];
                for (int k = 1; k < 4; k++)
                    if (plane[cand[k]] > plane[best])
                        best = cand[k];
                o[ox] = plane[best];
                a[ox] = best;
            }
        }
    }
}

/* dout (B,C,H/2,W/2), argmax (B,C,H/2,W/2) -> din (B,C,H,W) += */
void maxpool2_backward(float *din, const float *dout, const int *argmax,
                       int B, int C, int H, int W)
{
    assert(din && B > 0 && C > 0 && H > 0 && W > 0 && H % 2 == 0 && W % 2 == 0);
    const size_t HW = (size_t)H * W, OHW = HW / 4;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        float *plane = din + p * HW;
        const float *d = dout + p * OHW;
        const int *a = argmax + p * OHW;
        for (size_t i = 0; i < OHW; i++) {
            assert(a[i] >= 0 && (size_t)a[i] < HW);
            plane[a[i]] += d[i];
        }
    }
}
