/* augment.c - random affine warps and elastic distortions of uint8 images
 * (see augment.h). */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "util.h"

#define PI 3.14159265358979323846
#define AUGMENT_MAX_SIGMA 16.0f

int augment_is_identity(const augment_opts *a)
{
    return a->rotate == 0 && a->scale == 0 && a->shift == 0 && a->elastic == 0;
}

/* One pass of the 1-D kernel k (radius r) along rows or along columns,
 * zero beyond the image. */
static void smooth(float *dst, const float *src, int h, int w, int along_rows, const float *k,
                   int r)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const int pos = along_rows ? x : y, len = along_rows ? w : h;
            double v = 0;
            for (int j = -r; j <= r; j++) {
                const int q = pos + j;
                if (q < 0 || q >= len)
                    continue;
                v += k[j + r] * (along_rows ? src[(size_t)y * w + q] : src[(size_t)q * w + x]);
            }
            dst[(size_t)y * w + x] = (float)v;
        }
}

void augment_elastic_field(float *disp, float *work, int h, int w, float alpha, float sigma,
                           rng_t *rng)
{
    assert(sigma > 0 && sigma <= AUGMENT_MAX_SIGMA);
    const int r = (int)(3 * sigma);
    float k[2 * (int)(3 * AUGMENT_MAX_SIGMA) + 1]; /* the kernel, on the stack: called per image */
    double sum = 0;
    for (int j = -r; j <= r; j++)
        sum += k[j + r] = (float)exp(-(double)j * j / (2.0 * sigma * sigma));
    for (int j = 0; j <= 2 * r; j++)
        k[j] = (float)(k[j] / sum);
    const size_t n = (size_t)h * w;
    for (size_t i = 0; i < 2 * n; i++)
        disp[i] = (float)(2 * rng_uniform(rng) - 1);
    for (int plane = 0; plane < 2; plane++) {
        float *d = disp + plane * n;
        smooth(work, d, h, w, 1, k, r);
        smooth(d, work, h, w, 0, k, r);
        for (size_t i = 0; i < n; i++)
            d[i] *= alpha;
    }
}

void augment_warp(uint8_t *dst, const uint8_t *src, int h, int w, int c, float angle,
                  float factor, float dx, float dy, const float *disp)
{
    /* inverse map: q = centre + rot(-angle) (p - centre - d) / factor */
    const double rad = angle * (PI / 180.0);
    const double ca = cos(rad) / factor, sa = sin(rad) / factor;
    const double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const double px = x - cx - dx, py = y - cy - dy;
            double qx = cx + ca * px + sa * py, qy = cy - sa * px + ca * py;
            if (disp) {
                qx += disp[(size_t)y * w + x];
                qy += disp[(size_t)h * w + (size_t)y * w + x];
            }
            const double fx0 = floor(qx), fy0 = floor(qy);
            uint8_t *out = dst + ((size_t)y * w + x) * c;
            memset(out, 0, (size_t)c);
            /* far outside: all four neighbours are zero (also keeps the
             * int conversions below in range) */
            if (fx0 < -1 || fx0 > w - 1 || fy0 < -1 || fy0 > h - 1)
                continue;
            const int x0 = (int)fx0, y0 = (int)fy0;
            const double fx = qx - fx0, fy = qy - fy0;
            const double wt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
            for (int ch = 0; ch < c; ch++) {
                double v = 0;
                for (int k = 0; k < 4; k++) {
                    const int sx = x0 + (k & 1), sy = y0 + (k >> 1);
                    if (wt[k] != 0 && sx >= 0 && sx < w && sy >= 0 && sy < h)
                        v += wt[k] * src[((size_t)sy * w + sx) * c + ch];
                }
                v += 0.5;
                out[ch] = v >= 255 ? 255 : (uint8_t)v;
            }
        }
}

void augment_images(uint8_t *img, uint8_t *tmp, int B, int h, int w, int c,
                    const augment_opts *a, rng_t *rng)
{
    const size_t bytes = (size_t)h * w * c;
    float *disp = NULL, *work = NULL;
    if (a->elastic > 0) {
        disp = xmalloc(2 * (size_t)h * w * sizeof(float));
        work = xmalloc((size_t)h * w * sizeof(float));
    }
    for (int i = 0; i < B; i++) {
        /* four draws per image, whatever the ranges, so that a run's
         * warps depend only on the seed and the image's index */
        const double u[4] = {rng_uniform(rng), rng_uniform(rng), rng_uniform(rng),
                             rng_uniform(rng)};
        const float angle = (float)((2 * u[0] - 1) * a->rotate);
        const float factor = (float)(1 + (2 * u[1] - 1) * a->scale);
        const float dx = (float)((2 * u[2] - 1) * a->shift);
        const float dy = (float)((2 * u[3] - 1) * a->shift);
        if (disp)
            augment_elastic_field(disp, work, h, w, a->elastic, AUGMENT_ELASTIC_SIGMA, rng);
        uint8_t *im = img + (size_t)i * bytes;
        memcpy(tmp, im, bytes);
        augment_warp(im, tmp, h, w, c, angle, factor, dx, dy, disp);
    }
    free(disp);
    free(work);
}
