/* decoder.c - the stored decoder as a runnable network, and the conversion
 * of its sigmoid output to 8-bit IDX pixels. */
#include <assert.h>
#include <string.h>

#include "layers.h"
#include "model.h"
#include "util.h"

int decoder_from_model(net *dec, const lgc_model *m, int max_batch)
{
    int st = net_init(dec, (tshape){m->latent, 1, 1}, m->dec_specs, m->n_layers, max_batch);
    if (st)
        return st;
    if (dec->n_params != m->n_dec_params) {
        net_free(dec);
        return lgc_fail(LGC_EFORMAT, "decoder has %zu parameters, file stores %zu",
                        dec->n_params, m->n_dec_params);
    }
    memcpy(dec->params, m->dec_params, m->n_dec_params * sizeof(float));
    return LGC_OK;
}

/* One pixel value in [0, 1] as 0..255, rounded. Written so that NaN, which
 * a hostile file's extreme (yet finite) weights can produce, becomes 0:
 * converting NaN to an integer is undefined behaviour. */
static uint8_t to_u8(float y)
{
    const float v = y * 255.0f + 0.5f;
    return (uint8_t)(v > 0 ? (v < 255 ? v : 255) : 0);
}

void decoder_decode_u8(net *dec, const float *z, int B, int h, int w, uint8_t *out)
{
    tshape s = net_out_shape(dec);
    assert(h >= 1 && w >= 1 && h <= s.h && w <= s.w);
    /* A final sigmoid is applied here, fused with the conversion and split
     * over the threads, rather than as a separate serial pass over the
     * batch (together 7% of `lgc sample`). */
    const int sig = dec->n_layers > 1 && dec->layers[dec->n_layers - 1].spec.type == LAYER_SIGMOID;
    const float *y = net_forward(dec, z, B, dec->n_layers - sig); /* (B, C, H, W) */
    const size_t frame = (size_t)s.h * s.w, hw = (size_t)h * w;
#pragma omp parallel for num_threads(dec->n_threads) if (dec->n_threads > 1 && B > 1)
    for (int b = 0; b < B; b++)
        for (int c = 0; c < s.c; c++) {
            const float *src = y + ((size_t)b * s.c + c) * frame;
            uint8_t *dst = out + (size_t)b * hw * s.c + c;
            for (int r = 0; r < h; r++) /* the crop: rows of w from the frame's rows */
                for (int x = 0; x < w; x++) {
                    const size_t p = (size_t)r * w + x;
                    const float v = src[(size_t)r * s.w + x];
                    dst[p * s.c] = to_u8(sig ? sigmoid_stable(v) : v);
                }
        }
}
