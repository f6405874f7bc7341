/* test_augment.c - the affine warps of src/image/augment.c: exact copies
 * and whole-pixel shifts, quarter turns, scaling about the centre,
 * conservation of a blob's mass under small warps, and the random warps'
 * dependence on the seed alone, whatever the thread count. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "augment.h"
#include "rng.h"

enum { H = 9, W = 12, C = 3, BYTES = H * W * C };

static void random_image(uint8_t *img, int n, uint64_t seed)
{
    rng_t rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < n; i++)
        img[i] = (uint8_t)rng_below(&rng, 256);
}

static uint8_t px(const uint8_t *img, int w, int c, int x, int y, int ch)
{
    return img[((size_t)y * w + x) * c + ch];
}

/* No rotation, factor 1 and a whole-pixel shift (dx, dy) move every pixel
 * exactly: dst(x, y) = src(x - dx, y - dy), zero where that is outside. */
static void whole_pixel_shifts_are_exact(void **state)
{
    (void)state;
    uint8_t src[BYTES], dst[BYTES];
    random_image(src, BYTES, 1);
    static const int shifts[][2] = {{0, 0}, {2, -1}, {-3, 4}, {W, 0}, {0, -H - 2}};
    for (size_t t = 0; t < sizeof shifts / sizeof shifts[0]; t++) {
        const int dx = shifts[t][0], dy = shifts[t][1];
        augment_warp(dst, src, H, W, C, 0.0f, 1.0f, (float)dx, (float)dy, NULL);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int ch = 0; ch < C; ch++) {
                    const int sx = x - dx, sy = y - dy;
                    const int want = sx >= 0 && sx < W && sy >= 0 && sy < H
                                         ? px(src, W, C, sx, sy, ch)
                                         : 0;
                    assert_int_equal(px(dst, W, C, x, y, ch), want);
                }
    }
}

/* A quarter turn of a square image permutes its pixels: the content at
 * offset (u, v) from the centre goes to (-v, u) (x right, y down). */
static void quarter_turn_permutes_pixels(void **state)
{
    (void)state;
    enum { S = 8 }; /* even: the centre falls between pixels */
    uint8_t src[S * S], dst[S * S];
    random_image(src, S * S, 2);
    augment_warp(dst, src, S, S, 1, 90.0f, 1.0f, 0.0f, 0.0f, NULL);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            /* (x, y) = centre + (-v, u) with (u, v) = (qx, qy) - centre */
            const int qx = y, qy = S - 1 - x;
            assert_int_equal(px(dst, S, 1, x, y, 0), px(src, S, 1, qx, qy, 0));
        }
}

/* Scaling keeps the centre: a constant image grown by 2 stays constant;
 * shrunk by 2 it keeps its value in the middle and leaves the border zero. */
static void scaling_is_about_the_centre(void **state)
{
    (void)state;
    enum { S = 28 };
    uint8_t src[S * S], dst[S * S];
    memset(src, 200, sizeof src);
    augment_warp(dst, src, S, S, 1, 0.0f, 2.0f, 0.0f, 0.0f, NULL);
    for (int i = 0; i < S * S; i++)
        assert_int_equal(dst[i], 200);
    augment_warp(dst, src, S, S, 1, 0.0f, 0.5f, 0.0f, 0.0f, NULL);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            if (x >= 8 && x < 20 && y >= 8 && y < 20)
                assert_int_equal(px(dst, S, 1, x, y, 0), 200);
            if (x < 6 || x >= 22 || y < 6 || y >= 22)
                assert_int_equal(px(dst, S, 1, x, y, 0), 0);
        }
}

/* A smooth blob away from the border keeps its mass (within rounding)
 * under rotations and shifts, and scales it by factor^2. */
static void small_warps_keep_a_blobs_mass(void **state)
{
    (void)state;
    enum { S = 28 };
    uint8_t src[S * S], dst[S * S];
    double mass = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            const double r2 = (x - 13.5) * (x - 13.5) + (y - 12.0) * (y - 12.0);
            src[y * S + x] = (uint8_t)(250.0 * exp(-r2 / 18.0) + 0.5);
            mass += src[y * S + x];
        }
    static const float warps[][4] = {{15, 1, 1.5f, -1.5f}, {-30, 1, 0.3f, 0.7f},
                                     {0, 1.15f, 0, 0},     {5, 0.85f, -1, 1}};
    for (size_t t = 0; t < sizeof warps / sizeof warps[0]; t++) {
        const float *a = warps[t];
        augment_warp(dst, src, S, S, 1, a[0], a[1], a[2], a[3], NULL);
        double m = 0;
        for (int i = 0; i < S * S; i++)
            m += dst[i];
        const double want = mass * a[1] * a[1];
        assert_true(fabs(m - want) < 0.02 * want);
    }
}

/* augment_images draws each image's warp from the rng: the same seed gives
 * the same images, another seed other images; zero ranges copy. */
static void random_warps_follow_the_seed(void **state)
{
    (void)state;
    enum { B = 5 };
    uint8_t orig[B * BYTES], a[B * BYTES], b[B * BYTES], tmp[BYTES];
    random_image(orig, B * BYTES, 3);
    const augment_opts on = {15.0f, 0.15f, 1.5f, 0}, off = {0, 0, 0, 0};
    assert_true(augment_is_identity(&off));
    assert_false(augment_is_identity(&on));
    assert_false(augment_is_identity(&(augment_opts){0, 0, 0.5f, 0}));
    assert_false(augment_is_identity(&(augment_opts){0, 0, 0, 2.0f}));
    rng_t r1, r2;
    memcpy(a, orig, sizeof a);
    memcpy(b, orig, sizeof b);
    rng_seed(&r1, 7);
    rng_seed(&r2, 7);
    augment_images(a, tmp, B, H, W, C, &on, &r1);
    augment_images(b, tmp, B, H, W, C, &on, &r2);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, orig, sizeof a);
    memcpy(b, orig, sizeof b);
    rng_seed(&r2, 8);
    augment_images(b, tmp, B, H, W, C, &on, &r2);
    for (int i = 0; i < B; i++) /* every image warped differently */
        assert_memory_not_equal(a + i * BYTES, b + i * BYTES, BYTES);
    memcpy(b, orig, sizeof b);
    augment_images(b, tmp, B, H, W, C, &off, &r2);
    assert_memory_equal(b, orig, sizeof b);
}

/* The elastic field: smooth (neighbours within a fraction of a pixel),
 * about alpha x 0.04 pixels RMS for sigma 4 (a uniform [-1, 1] field has
 * RMS 0.58, the smoothing keeps sqrt(sum k^2) of it), the same for the
 * same seed; a zero field warps exactly as no field. */
static void elastic_field_is_smooth(void **state)
{
    (void)state;
    enum { S = 28, N = S * S };
    float disp[2 * N], again[2 * N], work[N];
    rng_t r1, r2;
    rng_seed(&r1, 11);
    rng_seed(&r2, 11);
    augment_elastic_field(disp, work, S, S, 20.0f, 4.0f, &r1);
    augment_elastic_field(again, work, S, S, 20.0f, 4.0f, &r2);
    assert_memory_equal(disp, again, sizeof disp);
    double ss = 0, step = 0;
    for (int p = 0; p < 2; p++)
        for (int y = 4; y < S - 4; y++) /* inside: the zero border damps the edges */
            for (int x = 4; x < S - 4; x++) {
                const float *d = disp + p * N;
                ss += (double)d[y * S + x] * d[y * S + x];
                const double gx = fabs(d[y * S + x + 1] - d[y * S + x]);
                const double gy = fabs(d[(y + 1) * S + x] - d[y * S + x]);
                step = fmax(step, fmax(gx, gy));
            }
    const double rms = sqrt(ss / (2.0 * (S - 8) * (S - 8)));
    assert_true(rms > 0.3 && rms < 2.0);
    assert_true(step < 0.5);
    uint8_t src[N], a[N], b[N];
    random_image(src, N, 4);
    memset(disp, 0, sizeof disp);
    augment_warp(a, src, S, S, 1, 10.0f, 1.1f, 0.5f, -0.5f, disp);
    augment_warp(b, src, S, S, 1, 10.0f, 1.1f, 0.5f, -0.5f, NULL);
    assert_memory_equal(a, b, sizeof a);
}

/* With elastic > 0 each image also draws a field: other images than the
 * affine warps alone, the same for the same seed. */
static void elastic_warps_follow_the_seed(void **state)
{
    (void)state;
    enum { B = 3, S = 16, N = S * S };
    uint8_t orig[B * N], a[B * N], b[B * N], c[B * N], tmp[N];
    random_image(orig, B * N, 5);
    const augment_opts affine = {15.0f, 0.15f, 1.5f, 0}, elastic = {15.0f, 0.15f, 1.5f, 20.0f};
    rng_t r;
    memcpy(a, orig, sizeof a);
    memcpy(b, orig, sizeof b);
    memcpy(c, orig, sizeof c);
    rng_seed(&r, 9);
    augment_images(a, tmp, B, S, S, 1, &elastic, &r);
    rng_seed(&r, 9);
    augment_images(b, tmp, B, S, S, 1, &elastic, &r);
    rng_seed(&r, 9);
    augment_images(c, tmp, B, S, S, 1, &affine, &r);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, N); /* the first image: same affine draws, plus a field */
}

/* augment_images warps on several threads, its draws made in the order of
 * one image after another: on 1 and 3 threads it gives the bytes of that
 * serial loop, written out here (four uniform numbers, then the field, then
 * the warp), over more than one group of images, with and without fields. */
static void threads_give_the_serial_bytes(void **state)
{
    (void)state;
    enum { B = 300, S = 12, N = S * S };
    uint8_t *orig = malloc(B * N), *want = malloc(B * N), *got = malloc(B * N), tmp[N];
    float disp[2 * N], work[N];
    random_image(orig, B * N, 6);
    static const augment_opts opts[] = {{15.0f, 0.15f, 1.5f, 0}, {10.0f, 0.1f, 1.0f, 8.0f}};
    for (int o = 0; o < 2; o++) {
        const augment_opts *a = &opts[o];
        rng_t r;
        rng_seed(&r, 12);
        for (int i = 0; i < B; i++) {
            double u[4];
            for (int k = 0; k < 4; k++)
                u[k] = rng_uniform(&r);
            if (a->elastic > 0)
                augment_elastic_field(disp, work, S, S, a->elastic, AUGMENT_ELASTIC_SIGMA, &r);
            augment_warp(want + i * N, orig + i * N, S, S, 1, (float)((2 * u[0] - 1) * a->rotate),
                         (float)(1 + (2 * u[1] - 1) * a->scale),
                         (float)((2 * u[2] - 1) * a->shift), (float)((2 * u[3] - 1) * a->shift),
                         a->elastic > 0 ? disp : NULL);
        }
        for (int threads = 1; threads <= 3; threads += 2) {
#ifdef _OPENMP
            omp_set_num_threads(threads);
#endif
            memcpy(got, orig, B * N);
            rng_seed(&r, 12);
            augment_images(got, tmp, B, S, S, 1, a, &r);
            assert_memory_equal(got, want, B * N);
        }
    }
    free(orig);
    free(want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_pixel_shifts_are_exact),
        cmocka_unit_test(quarter_turn_permutes_pixels),
        cmocka_unit_test(scaling_is_about_the_centre),
        cmocka_unit_test(small_warps_keep_a_blobs_mass),
        cmocka_unit_test(random_warps_follow_the_seed),
        cmocka_unit_test(elastic_field_is_smooth),
        cmocka_unit_test(elastic_warps_follow_the_seed),
        cmocka_unit_test(threads_give_the_serial_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
