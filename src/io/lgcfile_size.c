/* lgcfile_size.c - the size of a .lgc file, estimated from shapes alone.
 *
 * lgc compress --budget needs the size of a model before training one: the
 * raw size adds up the frame, every section header and every payload as
 * lgcfile_sections.c and lgcfile_codecs.c lay them out, from the decoder's
 * plan and the mixtures' dimensions. */
#include <assert.h>

#include "lgcfile.h"
#include "lgcfile_internal.h"
#include "util.h"

#define SHAPE_PAYLOAD_BYTES 20 /* five u32 */
#define DECODER_HEADER_BYTES 8 /* layer and parameter counts */
#define LAYER_ENTRY_BYTES 16 /* type, dtype, reserved, output c, h, w */
#define MIXTURE_HEADER_BYTES 12 /* cov, dtype, reserved, k, d */

int lgcf_raw_size(size_t *bytes, int latent, int n_classes, const layer_spec *dec_specs,
                  int n_layers, lgcf_dtype weights, int k, gmm_cov cov, lgcf_dtype gmm_dtype,
                  int kmax)
{
    assert(n_classes >= 1 && k >= 1 && kmax >= 0 && latent >= 1);
    assert(gmm_dtype == LGCF_F32 || gmm_dtype == LGCF_F16 || gmm_dtype == LGCF_INT8);
    tshape shapes[NET_MAX_LAYERS];
    size_t counts[NET_MAX_LAYERS];
    int st = plan_decoder(shapes, counts, dec_specs, n_layers, latent, "(estimate)");
    if (st)
        return st;
    size_t decoder = DECODER_HEADER_BYTES + LAYER_ENTRY_BYTES * (size_t)n_layers;
    for (int i = 0; i < n_layers; i++)
        decoder += layer_stored_bytes(weight_code(weights), dec_specs[i].type, shapes[i],
                                      counts[i]);
    const size_t d = (size_t)latent;
    const size_t per = cov == GMM_COV_FULL ? d * (d + 1) / 2 : d;
    const size_t mixtures =
        (size_t)n_classes * (MIXTURE_HEADER_BYTES + (size_t)k * 4 /* f32 weights */ +
                             mixture_value_bytes(gmm_dtype, (size_t)k, d, per));
    size_t total = HEADER_BYTES + TRAILER_BYTES + 4 * SECTION_HEADER_BYTES + SHAPE_PAYLOAD_BYTES +
                   4 * (size_t)n_classes /* prior */ + decoder + mixtures;
    if (kmax)
        total += SECTION_HEADER_BYTES + 4 + 4 * (size_t)n_classes * kmax; /* BIC curves */
    *bytes = total;
    return LGC_OK;
}
