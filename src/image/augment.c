/* augment.c - random affine warps and elastic distortions of uint8 images
 * (see augment.h). */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "util.h"

#ifdef _OPENMP
#include <omp.h>
static int omp_thread_is_first(void) { return omp_get_thread_num() == 0; }
#else
static int omp_thread_is_first(void) { return 1; }
#endif

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

/* 2 * n numbers uniform in [-1, 1]: an elastic field before smoothing. */
static void elastic_noise(float *disp, size_t n, rng_t *rng)
{
    for (size_t i = 0; i < 2 * n; i++)
        disp[i] = (float)(2 * rng_uniform(rng) - 1);
}

/* Each plane of disp smoothed by the Gaussian of width sigma, times alpha. */
static void elastic_smooth(float *disp, float *work, int h, int w, float alpha, float sigma)
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
    for (int plane = 0; plane < 2; plane++) {
        float *d = disp + plane * n;
        smooth(work, d, h, w, 1, k, r);
        smooth(d, work, h, w, 0, k, r);
        for (size_t i = 0; i < n; i++)
            d[i] *= alpha;
    }
}

void augment_elastic_field(float *disp, float *work, int h, int w, float alpha, float sigma,
                           rng_t *rng)
{
    assert(sigma > 0 && sigma <= AUGMENT_MAX_SIGMA);
    elastic_noise(disp, (size_t)h * w, rng);
    elastic_smooth(disp, work, h, w, alpha, sigma);
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

/* One image's affine warp. */
typedef struct {
    float angle, factor, dx, dy;
} affine_draw;

/* Four draws per image, whatever the ranges, so that a run's warps depend
 * only on the seed and the image's index. */
static affine_draw draw_affine(const augment_opts *a, rng_t *rng)
{
    const double u[4] = {rng_uniform(rng), rng_uniform(rng), rng_uniform(rng),
                         rng_uniform(rng)};
    return (affine_draw){(float)((2 * u[0] - 1) * a->rotate),
                         (float)(1 + (2 * u[1] - 1) * a->scale),
                         (float)((2 * u[2] - 1) * a->shift), (float)((2 * u[3] - 1) * a->shift)};
}

/* Images per group, and the most floats of elastic noise a group holds. */
enum { WARP_GROUP = 256, WARP_GROUP_NOISE = 1 << 22 };

/* The images are warped a group at a time: first the group's random
 * numbers are drawn on one thread, image after image in the order of a
 * serial loop, then the images are warped on all threads. Each image's
 * warp reads only its own draws, so the bytes are the same for any thread
 * count (and the same as when the loop was serial). */
void augment_images(uint8_t *img, uint8_t *tmp, int B, int h, int w, int c,
                    const augment_opts *a, rng_t *rng)
{
    const size_t bytes = (size_t)h * w * c, plane = (size_t)h * w;
    const int elastic = a->elastic > 0;
    int group = WARP_GROUP;
    if (elastic && (size_t)group * 2 * plane > WARP_GROUP_NOISE)
        group = 2 * plane >= WARP_GROUP_NOISE ? 1 : (int)(WARP_GROUP_NOISE / (2 * plane));
    affine_draw *draws = xmalloc((size_t)group * sizeof *draws);
    float *noise = elastic ? xmalloc((size_t)group * 2 * plane * sizeof(float)) : NULL;
    for (int g0 = 0; g0 < B; g0 += group) {
        const int G = B - g0 < group ? B - g0 : group;
        for (int i = 0; i < G; i++) {
            draws[i] = draw_affine(a, rng);
            if (elastic)
                elastic_noise(noise + (size_t)i * 2 * plane, plane, rng);
        }
#pragma omp parallel if (G > 1)
        {
            /* tmp is the first thread's copy of the image it warps */
            const int first = omp_thread_is_first();
            uint8_t *copy = first ? tmp : xmalloc(bytes);
            float *work = elastic ? xmalloc(plane * sizeof(float)) : NULL;
#pragma omp for schedule(static)
            for (int i = 0; i < G; i++) {
                float *disp = elastic ? noise + (size_t)i * 2 * plane : NULL;
                if (disp)
                    elastic_smooth(disp, work, h, w, a->elastic, AUGMENT_ELASTIC_SIGMA);
                uint8_t *im = img + (size_t)(g0 + i) * bytes;
                memcpy(copy, im, bytes);
                const affine_draw *d = &draws[i];
                augment_warp(im, copy, h, w, c, d->angle, d->factor, d->dx, d->dy, disp);
            }
            if (!first)
                free(copy);
            free(work);
        }
    }
    free(draws);
    free(noise);
}
