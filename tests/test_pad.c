/* test_pad.c - odd image sizes: the frame functions of pad.h, the padded
 * batches of dataset_batch_padded, the specs of the conv networks for
 * sizes that are not multiples of 4, the reconstruction BCE that sees the
 * image's pixels only, and decoding cropped back to the image.
 *
 * The frame is exercised on sizes that need 0 to 3 extra rows and columns
 * (1x1, 3x2, 5x7, 13x13, 7x9) and on 1 and 3 channels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "layers.h"
#include "model.h"
#include "pad.h"
#include "rng.h"
#include "util.h"

/* Image sizes (h, w) with every remainder mod 4 in each dimension. */
static const int sizes[][2] = {{1, 1}, {3, 2}, {4, 4}, {5, 7}, {13, 13}, {7, 9}, {30, 30}, {2, 8}};
enum { N_SIZES = sizeof sizes / sizeof sizes[0] };

static void pad_side_rounds_up(void **state)
{
    (void)state;
    static const int in[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 27, 30, 64};
    static const int want[] = {4, 4, 4, 4, 8, 8, 8, 12, 16, 28, 32, 64};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        assert_int_equal(pad_side(in[i]), want[i]);
}

/* Planes per check, and the largest frame of the sizes above. */
enum { PLANES = 3, MAX_FRAME = 32 * 32 };

/* Placing, replicating and cropping gives the h x w image back; every
 * frame pixel is its nearest image pixel; pad_clear zeroes the frame
 * only. */
static void check_replicate_and_crop(int h, int w, rng_t *rng)
{
    const int fh = pad_side(h), fw = pad_side(w);
    assert_true(fh * fw <= MAX_FRAME);
    float img[PLANES * MAX_FRAME], frame[PLANES * MAX_FRAME], back[PLANES * MAX_FRAME];
    for (int i = 0; i < PLANES * MAX_FRAME; i++) {
        img[i] = (float)rng_uniform(rng);
        frame[i] = -1.0f;
    }
    const size_t n = (size_t)PLANES * h * w * sizeof(float);
    pad_place(frame, img, PLANES, h, w, fh, fw);
    pad_replicate(frame, PLANES, h, w, fh, fw);
    pad_crop(back, frame, PLANES, h, w, fh, fw);
    assert_memory_equal(back, img, n);
    for (int p = 0; p < PLANES; p++)
        for (int y = 0; y < fh; y++)
            for (int x = 0; x < fw; x++) {
                const int sy = y < h ? y : h - 1, sx = x < w ? x : w - 1;
                assert_true(frame[(p * fh + y) * fw + x] == img[(p * h + sy) * w + sx]);
            }
    pad_clear(frame, PLANES, h, w, fh, fw);
    pad_crop(back, frame, PLANES, h, w, fh, fw);
    assert_memory_equal(back, img, n);
    for (int p = 0; p < PLANES; p++)
        for (int y = 0; y < fh; y++)
            for (int x = 0; x < fw; x++)
                if (y >= h || x >= w)
                    assert_true(frame[(p * fh + y) * fw + x] == 0.0f);
}

/* pad_fold is the adjoint of pad_replicate: <R x, g> = <x, fold g> over
 * the image, and fold g is zero on the frame. Values are small integers,
 * so every sum is exact. */
static void check_fold_is_adjoint(int h, int w, rng_t *rng)
{
    const int fh = pad_side(h), fw = pad_side(w), nf = PLANES * fh * fw;
    float x[PLANES * MAX_FRAME], g[PLANES * MAX_FRAME];
    for (int i = 0; i < nf; i++) {
        x[i] = (float)((int)rng_below(rng, 9) - 4);
        g[i] = (float)((int)rng_below(rng, 9) - 4);
    }
    pad_replicate(x, PLANES, h, w, fh, fw);
    double lhs = 0, rhs = 0;
    for (int i = 0; i < nf; i++)
        lhs += (double)x[i] * g[i];
    pad_fold(g, PLANES, h, w, fh, fw);
    for (int i = 0; i < nf; i++) {
        const int y = i / fw % fh, c = i % fw;
        if (y < h && c < w)
            rhs += (double)x[i] * g[i];
        else
            assert_true(g[i] == 0.0f);
    }
    assert_true(lhs == rhs);
}

static void frame_functions_on_every_size(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 1);
    for (int s = 0; s < N_SIZES; s++) {
        check_replicate_and_crop(sizes[s][0], sizes[s][1], &rng);
        check_fold_is_adjoint(sizes[s][0], sizes[s][1], &rng);
    }
}

/* dataset_batch_padded on 3-channel 5x7 images: the image in the top-left
 * of each 8x8 plane as dataset_batch converts it, the frame replicated;
 * with the image's own size it is dataset_batch. */
static void padded_batch_frames_the_image(void **state)
{
    (void)state;
    enum { N = 2, H = 5, W = 7, C = 3, FH = 8, FW = 8 };
    uint8_t images[N * H * W * C], labels[N] = {0, 1};
    for (int i = 0; i < N * H * W * C; i++)
        images[i] = (uint8_t)(i * 37 % 251);
    const dataset ds = {.n = N, .h = H, .w = W, .c = C, .n_classes = 2, .images = images,
                        .labels = labels};
    const int idx[] = {1, 0};
    float plain[N * C * H * W], padded[N * C * FH * FW], crop[N * C * H * W];
    dataset_batch(plain, &ds, idx, N);
    dataset_batch_padded(padded, &ds, idx, N, FH, FW);
    pad_crop(crop, padded, N * C, H, W, FH, FW);
    assert_memory_equal(crop, plain, sizeof plain);
    float again[N * C * FH * FW];
    memcpy(again, padded, sizeof again);
    pad_replicate(again, N * C, H, W, FH, FW);
    assert_memory_equal(again, padded, sizeof again);
    float same[N * C * H * W];
    dataset_batch_padded(same, &ds, idx, N, H, W);
    assert_memory_equal(same, plain, sizeof plain);
}

/* The conv autoencoder and the classifiers plan for every size: the
 * encoder and the judge take conv_input_shape(img), the decoder outputs
 * it; the mlp keeps the image's own shape. */
static void specs_plan_for_odd_sizes(void **state)
{
    (void)state;
    for (int s = 0; s < N_SIZES; s++)
        for (int c = 1; c <= 3; c += 2) {
            const tshape img = {c, sizes[s][0], sizes[s][1]};
            const tshape in = conv_input_shape(img);
            assert_int_equal(in.c, c);
            assert_int_equal(in.h, pad_side(img.h));
            assert_int_equal(in.w, pad_side(img.w));
            layer_spec sp[AE_MAX_LAYERS];
            tshape out;
            size_t n_params;
            for (int kind = AE_CONV; kind <= AE_MLP; kind++) {
                const ae_arch a = {.latent = 4, .c1 = 4, .c2 = 8, .kind = (ae_kind)kind,
                                   .hidden = 16};
                const tshape ein = ae_input_shape(img, &a);
                int n = ae_encoder_specs(sp, img, &a);
                assert_true(n > 0);
                assert_int_equal(net_plan(ein, sp, n, &out, &n_params), LGC_OK);
                assert_int_equal(tshape_size(out), 4);
                n = ae_decoder_specs(sp, img, &a);
                assert_true(n > 0);
                assert_int_equal(net_plan((tshape){4, 1, 1}, sp, n, &out, &n_params), LGC_OK);
                const tshape want = kind == AE_MLP ? img : in;
                assert_true(out.c == want.c && out.h == want.h && out.w == want.w);
            }
            int n = judge_specs(sp, img, 10);
            assert_true(n > 0);
            assert_int_equal(net_plan(in, sp, n, &out, &n_params), LGC_OK);
            assert_int_equal(tshape_size(out), 10);
            n = guide_specs(sp, img, 3);
            assert_true(n > 0);
            assert_int_equal(net_plan(in, sp, n, &out, &n_params), LGC_OK);
        }
    layer_spec sp[AE_MAX_LAYERS];
    const ae_arch a = {.latent = 4, .c1 = 4, .c2 = 8};
    assert_int_equal(ae_encoder_specs(sp, (tshape){1, 0, 5}, &a), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "needs images of at least 1x1, got 0x5"));
    assert_int_equal(judge_specs(sp, (tshape){1, 5, 0}, 2), LGC_EUSAGE);
}

/* A stand-in autoencoder whose decoder outputs the 1x8x8 frame of a 5x7
 * image: dense layers only, so the logits are easy to reach. */
static void frame_autoencoder(net *enc, net *dec, rng_t *rng, int B)
{
    const layer_spec es[] = {{LAYER_DENSE, {2, 1, 1}}};
    const layer_spec ds[] = {{LAYER_DENSE, {1, 8, 8}}, {LAYER_SIGMOID, {0, 0, 0}}};
    assert_int_equal(net_init(enc, (tshape){1, 8, 8}, es, 1, B), LGC_OK);
    assert_int_equal(net_init(dec, (tshape){2, 1, 1}, ds, 2, B), LGC_OK);
    net_init_params(enc, rng);
    net_init_params(dec, rng);
}

/* The BCE counts the image's pixels only: changing a logit or a target in
 * the frame changes neither the loss nor the gradient, whose frame entries
 * are 0; and it equals bce_logits on the cropped image. */
static void bce_sees_only_the_image(void **state)
{
    (void)state;
    enum { B = 3, H = 5, W = 7, F = 64 };
    rng_t rng;
    rng_seed(&rng, 3);
    net enc, dec;
    frame_autoencoder(&enc, &dec, &rng, B);
    ae_work w;
    ae_work_init(&w, &enc, &dec, B, NULL, NULL, (tshape){1, H, W});
    float logits[B * F], x[B * F];
    for (int i = 0; i < B * F; i++) {
        logits[i] = (float)(4.0 * rng_normal(&rng));
        x[i] = (float)rng_uniform(&rng);
    }
    const double loss = ae_batch_bce(&w, logits, x, B);
    float grad[B * F];
    memcpy(grad, w.dlogits, sizeof grad);
    float cl[B * H * W], cx[B * H * W], cd[B * H * W], cg[B * H * W];
    pad_crop(cl, logits, B, H, W, 8, 8);
    pad_crop(cx, x, B, H, W, 8, 8);
    assert_true(bce_logits(cd, cl, cx, B, H * W) == loss);
    pad_crop(cg, grad, B, H, W, 8, 8);
    assert_memory_equal(cg, cd, sizeof cd);
    for (int b = 0; b < B; b++)
        for (int y = 0; y < 8; y++)
            for (int c = 0; c < 8; c++) {
                const int i = b * F + y * 8 + c;
                if (y < H && c < W)
                    continue;
                assert_true(grad[i] == 0.0f);
                logits[i] += 50.0f;
                x[i] = 1.0f - x[i];
                assert_true(ae_batch_bce(&w, logits, x, B) == loss);
                assert_memory_equal(w.dlogits, grad, sizeof grad);
            }
    ae_work_free(&w);
    net_free(&enc);
    net_free(&dec);
}

/* decoder_decode_u8 crops: decoding to the 5x7 image of a 3-channel 8x8
 * frame gives the top-left of the full decoding, channels interleaved. */
static void decoding_crops_to_the_image(void **state)
{
    (void)state;
    enum { B = 4, C = 3, H = 5, W = 7, FH = 8, FW = 8 };
    rng_t rng;
    rng_seed(&rng, 4);
    const layer_spec ds[] = {{LAYER_DENSE, {C, FH, FW}}, {LAYER_SIGMOID, {0, 0, 0}}};
    net dec;
    assert_int_equal(net_init(&dec, (tshape){2, 1, 1}, ds, 2, B), LGC_OK);
    net_init_params(&dec, &rng);
    float z[B * 2];
    for (int i = 0; i < B * 2; i++)
        z[i] = (float)(3.0 * rng_normal(&rng));
    uint8_t full[B * FH * FW * C], crop[B * H * W * C];
    decoder_decode_u8(&dec, z, B, FH, FW, full);
    decoder_decode_u8(&dec, z, B, H, W, crop);
    for (int b = 0; b < B; b++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < C; c++)
                    assert_int_equal(crop[((b * H + y) * W + x) * C + c],
                                     full[((b * FH + y) * FW + x) * C + c]);
    net_free(&dec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pad_side_rounds_up),
        cmocka_unit_test(frame_functions_on_every_size),
        cmocka_unit_test(padded_batch_frames_the_image),
        cmocka_unit_test(specs_plan_for_odd_sizes),
        cmocka_unit_test(bce_sees_only_the_image),
        cmocka_unit_test(decoding_crops_to_the_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
