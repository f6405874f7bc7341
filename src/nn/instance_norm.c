/* instance_norm.c - instance normalisation with a per-channel affine, the
 * ConvNet-3 judge's norm (model.h; PyTorch's GroupNorm(C, C) as the
 * dataset-distillation literature's reference code uses it):
 *   y = scale[c] * (x - mean) * rstd + shift[c],  rstd = 1 / sqrt(var + eps)
 * with the mean and the biased variance of x over the H x W plane of each
 * image and channel. Forward caches mean and rstd per plane for backward
 * (llm.c's layernorm does the same). Sums are taken in double: a plane is
 * up to H*W terms, and the cost is nothing beside the convolution before
 * it. */
#include <assert.h>
#include <math.h>

#include "layers.h"

/* in (B,C,H,W), scale (C), shift (C) -> out (B,C,H,W); mean, rstd (B,C) */
void instance_norm_forward(float *out, float *mean, float *rstd, const float *in,
                           const float *scale, const float *shift, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        const int c = (int)(p % (size_t)C);
        const float *x = in + p * HW;
        float *y = out + p * HW;
        double sum = 0.0;
        for (size_t i = 0; i < HW; i++)
            sum += x[i];
        const double m = sum / (double)HW;
        /* two passes: the variance of the centred values, never the
         * cancelling E[x^2] - m^2 */
        double sq = 0.0;
        for (size_t i = 0; i < HW; i++)
            sq += ((double)x[i] - m) * ((double)x[i] - m);
        const double r = 1.0 / sqrt(sq / (double)HW + INSTANCE_NORM_EPS);
        mean[p] = (float)m;
        rstd[p] = (float)r;
        /* a (x - m) + shift, not a x + (shift - a m): when |m| is large
         * beside the spread the latter cancels away the small values */
        const float a = scale[c] * (float)r, mf = (float)m;
        for (size_t i = 0; i < HW; i++)
            y[i] = a * (x[i] - mf) + shift[c];
    }
}

/* With xhat = (x - mean) * rstd and g = dout:
 *   dshift[c] += sum g,  dscale[c] += sum g * xhat,
 *   din += scale[c] * rstd * (g - mean(g) - xhat * mean(g * xhat))
 * (the last two terms are what the plane's own mean and variance pass back).
 * dout (B,C,H,W), in (B,C,H,W), mean, rstd (B,C) from the forward pass. */
void instance_norm_backward(float *din, float *dscale, float *dshift, const float *dout,
                            const float *in, const float *mean, const float *rstd,
                            const float *scale, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && !dscale == !dshift);
    const size_t HW = (size_t)H * W;
    for (size_t p = 0; p < (size_t)B * C; p++) {
        const int c = (int)(p % (size_t)C);
        const float *x = in + p * HW, *g = dout + p * HW;
        const float m = mean[p], r = rstd[p];
        double sum_g = 0.0, sum_gx = 0.0;
        for (size_t i = 0; i < HW; i++) {
            sum_g += g[i];
            sum_gx += (double)g[i] * ((x[i] - m) * r);
        }
        if (dscale) {
            dshift[c] += (float)sum_g;
            dscale[c] += (float)sum_gx;
        }
        if (!din)
            continue;
        float *dx = din + p * HW;
        const float a = scale[c] * r, mean_g = (float)(sum_g / (double)HW),
                    mean_gx = (float)(sum_gx / (double)HW);
        for (size_t i = 0; i < HW; i++)
            dx[i] += a * (g[i] - mean_g - (x[i] - m) * r * mean_gx);
    }
}
