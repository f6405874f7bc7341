/* upsample.c - nearest-neighbour 2x upsampling, the decoder's inverse of
 * maxpool2. Each input pixel becomes a 2x2 block; backward sums the block's
 * four gradients back onto that pixel. Rows are built once and duplicated
 * with memcpy, so the loops stay contiguous. */
#include <assert.h>
#include <string.h>

#include "layers.h"

/* in (B,C,H,W) -> out (B,C,2H,2W) */
void upsample2_forward(float *out, const float *in, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t OW = 2 * (size_t)W;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        for (int y = 0; y < H; y++) {
            const float *src = in + (p * H + y) * W;
            float *dst = out + (p * 2 * H + 2 * (size_t)y) * OW;
            for (int x = 0; x < W; x++)
                dst[2 * x] = dst[2 * x + 1] = src[x];
            memcpy(dst + OW, dst, OW * sizeof *dst);
        }
    }
}

/* dout (B,C,2H,2W) -> din (B,C,H,W) += */
void upsample2_backward(float *din, const float *dout, int B, int C, int H, int W)
{
    assert(din && B > 0 && C > 0 && H > 0 && W > 0);
    const size_t OW = 2 * (size_t)W;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        for (int y = 0; y < H; y++) {
            float *dst = din + (p * H + y) * W;
            const float *r0 = dout + (p * 2 * H + 2 * (size_t)y) * OW;
            const float *r1 = r0 + OW;
            for (int x = 0; x < W; x++)
                dst[x] += r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1];
        }
    }
}
