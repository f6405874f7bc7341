/* lgcfile_codecs.c - how decoder weights and mixture values are stored.
 *
 * Decoder weights are stored as f32, f16, or int8 or int4 codes with one
 * f32 scale per output channel and f16 biases (older files may have one
 * int8 scale per output unit of a dense layer, and are read too). One
 * group w[0..n) of a layer's weights is stored as codes
 * q[j] = quant_code(w[j], s) with s = quant_scale(w, n) (include/quant.h:
 * round to nearest, ties to even, |q| <= 127 for int8, <= 7 for int4) and
 * read back as q[j] * s in f32 arithmetic, which quant.c shows rewrites to
 * the same file.
 *
 * Mixture means and Cholesky factors are stored as f32, f16, or int8 with
 * one f32 scale per mean and per factor; mixture weights are always f32
 * (lgcfile_sections.c). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp16.h"
#include "lgcfile_internal.h"
#include "quant.h"
#include "util.h"

const char *lgcf_dtype_name(lgcf_dtype t)
{
    return t == LGCF_INT4 ? "int4" : t == LGCF_INT8 ? "int8" : t == LGCF_F16 ? "f16" : "f32";
}

int lgcf_dtype_from_name(lgcf_dtype *out, const char *name)
{
    static const lgcf_dtype all[] = {LGCF_F32, LGCF_F16, LGCF_INT8, LGCF_INT4};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, lgcf_dtype_name(all[i]))) {
            *out = all[i];
            return LGC_OK;
        }
    return LGC_EUSAGE;
}

/* --- decoder weights --- */

uint8_t weight_code(lgcf_dtype t)
{
    /* f32 and f16 are stored under their enum values */
    return t == LGCF_INT8 ? DTYPE_INT8_CHANNELS : t == LGCF_INT4 ? DTYPE_INT4_CHANNELS : (uint8_t)t;
}

static int is_quantised(uint8_t code)
{
    return code == DTYPE_INT8_UNITS || code == DTYPE_INT8_CHANNELS || code == DTYPE_INT4_CHANNELS;
}

lgcf_dtype weight_code_dtype(uint8_t code)
{
    return code == DTYPE_INT4_CHANNELS ? LGCF_INT4
           : is_quantised(code)        ? LGCF_INT8
                                       : (lgcf_dtype)code;
}

static int quant_max(uint8_t code)
{
    return code == DTYPE_INT4_CHANNELS ? QUANT_INT4_MAX : QUANT_INT8_MAX;
}

/* Biases of a layer with parameters: one per output unit of a dense layer,
 * one per output channel of a conv. Its weights come first, (biases, n)
 * row-major, then the biases. */
static size_t layer_biases(layer_type t, tshape out)
{
    return t == LAYER_DENSE ? tshape_size(out) : (size_t)out.c;
}

/* Scale groups of a quantised layer stored with code: one per output
 * channel (a dense layer's output units are CHW, so those of one channel
 * are consecutive rows), or with the legacy code one per output unit.
 * Each group is a contiguous run of the weights. */
static size_t scale_groups(uint8_t code, layer_type t, tshape out)
{
    return code == DTYPE_INT8_UNITS ? layer_biases(t, out) : (size_t)out.c;
}

size_t layer_stored_bytes(uint8_t code, layer_type t, tshape out, size_t count)
{
    if (!count)
        return 0;
    const size_t biases = layer_biases(t, out), groups = scale_groups(code, t, out);
    switch (code) {
    case DTYPE_F32: return count * 4;
    case DTYPE_F16: return count * 2;
    case DTYPE_INT8_UNITS:
    case DTYPE_INT8_CHANNELS: return groups * 4 + (count - biases) + biases * 2;
    case DTYPE_INT4_CHANNELS: return groups * 4 + (count - biases + 1) / 2 + biases * 2;
    }
    return 0;
}

/* The scales, then the codes group by group (int4: low nibble first, and
 * an odd count's last high nibble 0), then the f16 biases. */
static int encode_quantised_layer(bytebuf *b, const float *p, uint8_t code, size_t count,
                                  size_t biases, size_t groups, int i, const char *name)
{
    const int qmax = quant_max(code);
    const size_t n_w = count - biases, len = n_w / groups; /* weights per group */
    /* A non-finite weight would make a non-finite scale (and its code
     * undefined): refuse it here with the reader's message. */
    for (size_t j = 0; j < count; j++)
        if (!isfinite(p[j]))
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d parameter %zu is not finite",
                            name, i, j);
    for (size_t g = 0; g < groups; g++)
        put_f32(b, quant_scale(p + g * len, len, qmax));
    unsigned nibbles = 0, pending = 0; /* int4: low nibble first */
    for (size_t g = 0; g < groups; g++) {
        const float s = quant_scale(p + g * len, len, qmax);
        for (size_t j = 0; j < len; j++) {
            const int q = quant_code(p[g * len + j], s, qmax);
            if (code != DTYPE_INT4_CHANNELS) {
                put_u8(b, (uint8_t)(int8_t)q);
                continue;
            }
            pending |= ((unsigned)q & 0xfu) << (4 * nibbles);
            if (++nibbles == 2) {
                put_u8(b, (uint8_t)pending);
                nibbles = pending = 0;
            }
        }
    }
    if (nibbles) /* an odd count: the last byte's high nibble is 0 */
        put_u8(b, (uint8_t)pending);
    for (size_t r = 0; r < biases; r++)
        put_u16(b, f32_to_f16(p[n_w + r]));
    return LGC_OK;
}

int encode_layer_weights(bytebuf *b, const float *p, uint8_t code, layer_type t, tshape out,
                         size_t count, int i, const char *name)
{
    if (!is_quantised(code)) {
        for (size_t j = 0; j < count; j++) {
            if (code == DTYPE_F16)
                put_u16(b, f32_to_f16(p[j]));
            else
                put_f32(b, p[j]);
        }
        return LGC_OK;
    }
    if (!count)
        return LGC_OK;
    return encode_quantised_layer(b, p, code, count, layer_biases(t, out),
                                  scale_groups(code, t, out), i, name);
}

/* count f32 or f16 parameters of layer i into p, each finite; j0 is the
 * index of p[0] within the layer (for messages). */
static int parse_float_layer(float *p, cursor *c, size_t count, int f16, int i, size_t j0,
                             const char *name)
{
    for (size_t j = 0; j < count; j++) {
        if (f16 ? get_f16(c, &p[j]) : get_f32(c, &p[j]))
            return TRUNCATED;
        if (!isfinite(p[j]))
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d parameter %zu is not finite",
                            name, i, j0 + j);
    }
    return LGC_OK;
}

/* A quantised layer of count parameters (biases of them biases) into p:
 * groups f32 scales (finite, > 0), the codes group by group (int8: one
 * byte each, two's complement; int4: two per byte, low nibble first, two's
 * complement, and an odd count's last high nibble 0), the f16 biases.
 * Every dequantised value must be finite (a huge scale times 127 is not). */
static int parse_quantised_layer(float *p, cursor *c, uint8_t code, size_t count,
                                 size_t biases, size_t groups, int i, const char *name)
{
    assert(groups >= 1 && count > biases && (count - biases) % groups == 0);
    const size_t n_w = count - biases, len = n_w / groups;
    const int int4 = code == DTYPE_INT4_CHANNELS;
    float *scale = xmalloc(groups * sizeof *scale);
    int st = LGC_OK;
    for (size_t g = 0; g < groups && st == LGC_OK; g++) {
        if (get_f32(c, &scale[g]))
            st = TRUNCATED;
        else if (!(isfinite(scale[g]) && scale[g] > 0.0f))
            st = lgc_fail(LGC_EFORMAT,
                          "'%s': decoder layer %d scale %zu is %g, not finite and positive", name,
                          i, g, (double)scale[g]);
    }
    uint8_t u = 0;
    for (size_t j = 0; j < n_w && st == LGC_OK; j++) {
        int q;
        if ((!int4 || j % 2 == 0) && get_u8(c, &u)) {
            st = TRUNCATED;
            break;
        }
        if (int4) {
            const int nib = j % 2 ? u >> 4 : u & 0xf;
            q = nib < 8 ? nib : nib - 16;
        } else {
            q = u < 128 ? (int)u : (int)u - 256;
        }
        p[j] = (float)q * scale[j / len];
        if (!isfinite(p[j]))
            st = lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d parameter %zu is not finite", name,
                          i, j);
    }
    if (st == LGC_OK && int4 && n_w % 2 && (u >> 4))
        st = lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d padding nibble is %u, not 0", name, i,
                      u >> 4);
    free(scale);
    if (st)
        return st;
    return parse_float_layer(p + n_w, c, biases, 1, i, n_w, name);
}

int parse_layer_weights(float *p, cursor *c, uint8_t code, layer_type t, tshape out,
                        size_t count, int i, const char *name)
{
    if (is_quantised(code) && count)
        return parse_quantised_layer(p, c, code, count, layer_biases(t, out),
                                     scale_groups(code, t, out), i, name);
    return parse_float_layer(p, c, count, code == DTYPE_F16, i, 0, name);
}

/* --- mixture means and factors ---
 * A component's mean and its factor are each one block of values: the
 * mean's d values, the factor's lower triangle row by row (full) or its
 * diagonal. A mixture stores every component's mean block, then every
 * component's factor block. */

size_t mixture_value_bytes(lgcf_dtype t, size_t k, size_t d, size_t per)
{
    if (t == LGCF_INT8) /* a scale and the codes, for each mean and factor */
        return k * (4 + d) + k * (4 + per);
    return k * (d + per) * (t == LGCF_F16 ? 2 : 4);
}

/* The most values a block of g has: a full factor's triangle. */
static size_t block_capacity(const gmm_t *g)
{
    assert(g->d >= 1);
    return (size_t)g->d * (g->d + 1) / 2;
}

/* The positions of the values of component j's mean (in g->means) or
 * factor (in g->chol), in the order the file stores them, into off;
 * returns their count. */
static size_t block_offsets(size_t *off, const gmm_t *g, int j, int factor)
{
    const size_t d = (size_t)g->d;
    size_t n = 0;
    if (!factor || g->cov == GMM_COV_DIAG) {
        for (size_t r = 0; r < d; r++)
            off[n++] = (size_t)j * d + r;
        return n;
    }
    for (size_t r = 0; r < d; r++)
        for (size_t col = 0; col <= r; col++)
            off[n++] = ((size_t)j * d + r) * d + col;
    return n;
}

/* One block v[0..n) as int8: one f32 scale (quant.h, qmax 127), then the
 * codes. A factor's diagonal codes are at least 1, so that the diagonal
 * stays positive (it is the standard deviation along the axis). */
static void encode_int8_block(bytebuf *b, const float *v, size_t n, gmm_cov cov, int factor)
{
    const float s = quant_scale(v, n, QUANT_INT8_MAX);
    put_f32(b, s);
    /* a full factor's triangle has its diagonal at 0, 2, 5, 9, ... */
    for (size_t i = 0, row = 0, next_diag = 0; i < n; i++) {
        int q = quant_code(v[i], s, QUANT_INT8_MAX);
        const int full_diag = cov == GMM_COV_FULL && i == next_diag;
        if (factor && (cov == GMM_COV_DIAG || full_diag) && q < 1)
            q = 1;
        put_u8(b, (uint8_t)(int8_t)q);
        if (full_diag)
            next_diag += ++row + 1;
    }
}

void encode_mixture_values(bytebuf *b, const gmm_t *g, lgcf_dtype t)
{
    assert(t == LGCF_F32 || t == LGCF_F16 || t == LGCF_INT8);
    size_t *off = xmalloc(block_capacity(g) * sizeof *off);
    float *v = xmalloc(block_capacity(g) * sizeof *v);
    for (int f = 0; f < 2; f++) /* the means, then the factors */
        for (int j = 0; j < g->k; j++) {
            const double *values = f ? g->chol : g->means;
            const size_t n = block_offsets(off, g, j, f);
            for (size_t i = 0; i < n; i++)
                v[i] = (float)values[off[i]];
            if (t == LGCF_INT8) {
                encode_int8_block(b, v, n, g->cov, f);
                continue;
            }
            for (size_t i = 0; i < n; i++) {
                if (t == LGCF_F16)
                    put_u16(b, f32_to_f16(v[i]));
                else
                    put_f32(b, v[i]);
            }
        }
    free(v);
    free(off);
}

/* Component j's mean or factor block into g; an int8 block's scale must be
 * finite and > 0, its values are q * s in f32. */
static int parse_block(gmm_t *g, cursor *c, lgcf_dtype t, int j, int factor, size_t *off, int i,
                       const char *name)
{
    double *values = factor ? g->chol : g->means;
    const size_t n = block_offsets(off, g, j, factor);
    float s = 0.0f;
    if (t == LGCF_INT8) {
        if (get_f32(c, &s))
            return TRUNCATED;
        if (!(isfinite(s) && s > 0.0f))
            return lgc_fail(LGC_EFORMAT,
                            "'%s': class %d mixture component %d %s scale is %g, not finite "
                            "and positive",
                            name, i, j, factor ? "factor" : "mean", (double)s);
    }
    for (size_t r = 0; r < n; r++) {
        float v;
        uint8_t u;
        if (t == LGCF_INT8) {
            if (get_u8(c, &u))
                return TRUNCATED;
            v = (float)(u < 128 ? (int)u : (int)u - 256) * s;
        } else if (t == LGCF_F16 ? get_f16(c, &v) : get_f32(c, &v)) {
            return TRUNCATED;
        }
        values[off[r]] = v;
    }
    return LGC_OK;
}

int parse_mixture_values(gmm_t *g, cursor *c, lgcf_dtype t, int i, const char *name)
{
    size_t *off = xmalloc(block_capacity(g) * sizeof *off);
    int st = LGC_OK;
    for (int f = 0; f < 2 && st == LGC_OK; f++) /* the means, then the factors */
        for (int j = 0; j < g->k && st == LGC_OK; j++)
            st = parse_block(g, c, t, j, f, off, i, name);
    free(off);
    return st;
}
