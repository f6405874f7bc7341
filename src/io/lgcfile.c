/* lgcfile.c - the .lgc container: writer and validating reader.
 *
 * Layout (byte by byte in docs/FORMAT.md): magic, version, section count,
 * tagged sections each holding one zlib-deflated payload, CRC-32 trailer.
 * Every integer is little-endian and is written and read one byte at a time,
 * so the code is independent of host endianness and struct layout.
 *
 * The reader treats the file as hostile: it checks magic, version and CRC
 * before looking at any section, bounds every length by the bytes actually
 * present and every count by an LGCF_MAX_* limit before allocating, parses
 * each payload through a bounds-checked cursor that must end exactly at the
 * payload's end, and finally validates the model's semantics (decoder shapes
 * via net_plan, finite weights, valid mixtures). Files are small (a decoder
 * of ~10^5 parameters and a few mixtures), so the whole file is read into
 * memory; sizes are capped so a forged header cannot exhaust memory.
 *
 * The writer builds the complete byte image in memory, reads it back with
 * the same validator (a file lgc writes is always a file lgc reads), and
 * only then writes it atomically. Output is deterministic for a given zlib:
 * the same model gives the same bytes.
 *
 * Decoder weights are stored as f32, f16, or int8 or int4 codes with one
 * f32 scale per output channel and f16 biases (older files may have one
 * int8 scale per output unit of a dense layer, and are read too); the
 * scale rule (quant.h) is chosen so that rewriting a model read from a
 * file reproduces the file byte for byte. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"
#include "fp16.h"
#include "idx.h"
#include "lgcfile.h"
#include "quant.h"
#include "util.h"

/* PNG-style: the high byte catches 7-bit transports, CR LF and LF catch
 * newline translation, ^Z stops DOS `type`. */
static const uint8_t lgcf_magic[8] = {0x89, 'L', 'G', 'C', '\r', '\n', 0x1a, '\n'};

#define HEADER_BYTES 16 /* magic, version, section count */
#define TRAILER_BYTES 4 /* CRC-32 */
#define SECTION_HEADER_BYTES 12
#define MAX_FILE_BYTES ((size_t)1 << 30)
/* The largest legal section is a decoder of LGCF_MAX_PARAMS f32 values plus
 * its layer table (NET_MAX_LAYERS * 16 bytes); 1 MiB covers the table. */
#define MAX_RAW_BYTES ((size_t)LGCF_MAX_PARAMS * 4 + ((size_t)1 << 20))
/* Deflate cannot expand more than 1032:1 (a 258-byte match in 2 bits), so a
 * larger claimed raw_len is a lie; refusing it before allocating keeps a
 * tiny forged file from requesting hundreds of MiB. */
#define MAX_DEFLATE_RATIO 1032
/* Parse functions return this (not an lgc_status) on cursor underflow; the
 * caller turns it into a message naming the section. */
#define TRUNCATED 1

/* --- byte buffers (writer) and cursors (reader) --- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} bytebuf;

static void buf_reserve(bytebuf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

static void put_bytes(bytebuf *b, const void *src, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u8(bytebuf *b, uint8_t v) { put_bytes(b, &v, 1); }

static void put_u16(bytebuf *b, uint16_t v)
{
    const uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put_bytes(b, x, 2);
}

static void le32_store(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t le32_load(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(bytebuf *b, uint32_t v)
{
    uint8_t x[4];
    le32_store(x, v);
    put_bytes(b, x, 4);
}

/* IEEE 754 binary32 bits, little-endian (assumes float is binary32, as C11
 * Annex F and every platform lgc targets provide). */
static void put_f32(bytebuf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put_u32(b, v);
}

/* A read position within one payload. Getters return 0, or -1 without
 * moving when fewer bytes remain than the value needs. */
typedef struct {
    const uint8_t *p;
    size_t left;
} cursor;

static int get_u8(cursor *c, uint8_t *v)
{
    if (c->left < 1)
        return -1;
    *v = c->p[0];
    c->p++;
    c->left--;
    return 0;
}

static int get_u16(cursor *c, uint16_t *v)
{
    if (c->left < 2)
        return -1;
    *v = (uint16_t)(c->p[0] | c->p[1] << 8);
    c->p += 2;
    c->left -= 2;
    return 0;
}

static int get_u32(cursor *c, uint32_t *v)
{
    if (c->left < 4)
        return -1;
    *v = le32_load(c->p);
    c->p += 4;
    c->left -= 4;
    return 0;
}

static int get_f32(cursor *c, float *f)
{
    uint32_t v;
    if (get_u32(c, &v))
        return -1;
    memcpy(f, &v, sizeof *f);
    return 0;
}

/* An f32 into a double field (mixture parameters, BIC values). */
static int get_f32d(cursor *c, double *d)
{
    float f;
    if (get_f32(c, &f))
        return -1;
    *d = f;
    return 0;
}

static int get_f16(cursor *c, float *f)
{
    uint16_t h;
    if (get_u16(c, &h))
        return -1;
    *f = f16_to_f32(h);
    return 0;
}

/* A mixture value stored as dtype t into a double field. */
static int get_real(cursor *c, double *d, lgcf_dtype t)
{
    if (t != LGCF_F16)
        return get_f32d(c, d);
    float f;
    if (get_f16(c, &f))
        return -1;
    *d = f;
    return 0;
}

/* --- decoder planning shared by writer and reader --- */

/* Output shape and parameter count of every layer of a decoder with input
 * (latent,1,1). Plans each prefix with net_plan so that the layer rules
 * live only in net.c; with at most NET_MAX_LAYERS layers the quadratic
 * cost is negligible. On failure the message reads "'name': decoder: ...". */
static int plan_layers(tshape *shapes, size_t *counts, const layer_spec *specs, int n_layers,
                       int latent, const char *name)
{
    if (n_layers < 1 || n_layers > NET_MAX_LAYERS)
        return lgc_fail(LGC_EFORMAT, "'%s': decoder has %d layers (1..%d allowed)", name,
                        n_layers, NET_MAX_LAYERS);
    size_t prev = 0;
    for (int i = 0; i < n_layers; i++) {
        size_t total;
        if (net_plan((tshape){latent, 1, 1}, specs, i + 1, &shapes[i], &total)) {
            char why[512];
            snprintf(why, sizeof why, "%s", lgc_errmsg());
            return lgc_fail(LGC_EFORMAT, "'%s': decoder: %s", name, why);
        }
        counts[i] = total - prev;
        prev = total;
    }
    return LGC_OK;
}

static int tshape_eq(tshape a, tshape b) { return a.c == b.c && a.h == b.h && a.w == b.w; }

/* DECO dtype codes of int8 layers: 3, written since commit 386eea9, has
 * one scale per output channel; 2, the first int8 layout, one per output
 * unit (the same for conv layers, but 1,568 scales instead of 32 for the
 * default decoder's dense layer). Both are read. */
#define DTYPE_INT8_UNITS 2
#define DTYPE_INT8_CHANNELS 3
/* 4-bit codes, two per byte, one scale per output channel (written since
 * 0.2.0, as are int8 mixtures). */
#define DTYPE_INT4_CHANNELS 4

const char *lgcf_dtype_name(lgcf_dtype t)
{
    return t == LGCF_INT4 ? "int4" : t == LGCF_INT8 ? "int8" : t == LGCF_F16 ? "f16" : "f32";
}

/* Order of how far a dtype is from f32, for the model's summary dtype. */
static int dtype_rank(lgcf_dtype t)
{
    return t == LGCF_INT4 ? 3 : t == LGCF_INT8 ? 2 : t == LGCF_F16 ? 1 : 0;
}

static int is_quantised(uint8_t code)
{
    return code == DTYPE_INT8_UNITS || code == DTYPE_INT8_CHANNELS || code == DTYPE_INT4_CHANNELS;
}

/* Biases of a layer with parameters: one per output unit of a dense layer,
 * one per output channel of a conv. Its weights come first, (biases, n)
 * row-major, then the biases. */
static size_t layer_biases(layer_type t, tshape out)
{
    return t == LAYER_DENSE ? tshape_size(out) : (size_t)out.c;
}

/* Scale groups of a quantised layer stored with DECO dtype code `code`: one per
 * output channel (a dense layer's output units are CHW, so those of one
 * channel are consecutive rows), or with the legacy code one per output
 * unit. Each group is a contiguous run of the weights. */
static size_t scale_groups(uint8_t code, layer_type t, tshape out)
{
    return code == DTYPE_INT8_UNITS ? layer_biases(t, out) : (size_t)out.c;
}

/* Bytes a layer's count parameters (biases of them biases, weights in
 * groups int8 scale groups) take in on-disk dtype code. */
static size_t layer_bytes(uint8_t code, size_t count, size_t biases, size_t groups)
{
    if (!count)
        return 0;
    switch (code) {
    case LGCF_F32: return count * 4;
    case LGCF_F16: return count * 2;
    case DTYPE_INT8_UNITS:
    case DTYPE_INT8_CHANNELS: return groups * 4 + (count - biases) + biases * 2;
    case DTYPE_INT4_CHANNELS: return groups * 4 + (count - biases + 1) / 2 + biases * 2;
    }
    return 0;
}

/* The on-disk code of a layer written with dtype t. */
static uint8_t disk_code(lgcf_dtype t)
{
    return t == LGCF_INT8 ? DTYPE_INT8_CHANNELS : t == LGCF_INT4 ? DTYPE_INT4_CHANNELS : (uint8_t)t;
}

/* --- quantised weights ---
 * One group w[0..n) of a layer's weights is stored as codes
 * q[j] = quant_code(w[j], s) with s = quant_scale(w, n) (include/quant.h:
 * round to nearest, ties to even, |q| <= 127 for int8, <= 7 for int4) and
 * read back as q[j] * s in f32 arithmetic, which quant.c shows rewrites to
 * the same file. */
static int dtype_qmax(uint8_t code) { return code == DTYPE_INT4_CHANNELS ? QUANT_INT4_MAX : QUANT_INT8_MAX; }

/* --- section payloads: encoders --- */

static int enc_shap(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    put_u32(b, (uint32_t)m->h);
    put_u32(b, (uint32_t)m->w);
    put_u32(b, (uint32_t)m->c);
    put_u32(b, (uint32_t)m->n_classes);
    put_u32(b, (uint32_t)m->latent);
    return LGC_OK;
}

static int enc_prio(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    for (int i = 0; i < m->n_classes; i++) {
        assert(m->class_counts[i] >= 0 && m->class_counts[i] <= (long)UINT32_MAX);
        put_u32(b, (uint32_t)m->class_counts[i]);
    }
    return LGC_OK;
}

static int enc_deco(bytebuf *b, const lgc_model *m, const char *name)
{
    tshape shapes[NET_MAX_LAYERS];
    size_t counts[NET_MAX_LAYERS], total = 0;
    int st = plan_layers(shapes, counts, m->dec_specs, m->n_layers, m->latent, name);
    if (st)
        return st;
    for (int i = 0; i < m->n_layers; i++)
        total += counts[i];
    assert(total == m->n_dec_params);
    if (total > LGCF_MAX_PARAMS)
        return lgc_fail(LGC_EFORMAT, "'%s': decoder has %zu parameters (limit %u)", name, total,
                        LGCF_MAX_PARAMS);
    put_u32(b, (uint32_t)m->n_layers);
    put_u32(b, (uint32_t)total);
    for (int i = 0; i < m->n_layers; i++) {
        put_u8(b, (uint8_t)m->dec_specs[i].type);
        /* Parameter-free layers record f32: the field is meaningless there
         * and a fixed value keeps the encoding canonical. */
        put_u8(b, counts[i] ? disk_code(m->weight_dtype) : (uint8_t)LGCF_F32);
        put_u16(b, 0);
        put_u32(b, (uint32_t)shapes[i].c);
        put_u32(b, (uint32_t)shapes[i].h);
        put_u32(b, (uint32_t)shapes[i].w);
    }
    const float *p = m->dec_params;
    for (int i = 0; i < m->n_layers; p += counts[i], i++) {
        if (m->weight_dtype != LGCF_INT8 && m->weight_dtype != LGCF_INT4) {
            for (size_t j = 0; j < counts[i]; j++) {
                if (m->weight_dtype == LGCF_F16)
                    put_u16(b, f32_to_f16(p[j]));
                else
                    put_f32(b, p[j]);
            }
            continue;
        }
        if (!counts[i])
            continue;
        const uint8_t code = disk_code(m->weight_dtype);
        const int qmax = dtype_qmax(code);
        const size_t biases = layer_biases(m->dec_specs[i].type, shapes[i]);
        const size_t groups = scale_groups(code, m->dec_specs[i].type, shapes[i]);
        const size_t n_w = counts[i] - biases, len = n_w / groups; /* weights per group */
        /* A non-finite weight would make a non-finite scale (and its code
         * undefined): refuse it here with the reader's message. */
        for (size_t j = 0; j < counts[i]; j++)
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
    }
    return LGC_OK;
}

/* A mixture value (mean or factor entry) in the mixtures' dtype. */
static void put_real(bytebuf *b, double v, lgcf_dtype t)
{
    if (t == LGCF_F16)
        put_u16(b, f32_to_f16((float)v));
    else
        put_f32(b, (float)v);
}

/* The values of component j's mean (d) or factor (the lower triangle row
 * by row, or the diagonal), as stored, into v; returns their count. */
static size_t component_values(float *v, const gmm_t *g, int j, int factor)
{
    const int d = g->d;
    size_t n = 0;
    if (!factor) {
        for (int r = 0; r < d; r++)
            v[n++] = (float)g->means[(size_t)j * d + r];
        return n;
    }
    if (g->cov == GMM_COV_DIAG) {
        for (int r = 0; r < d; r++)
            v[n++] = (float)g->chol[(size_t)j * d + r];
        return n;
    }
    const double *L = g->chol + (size_t)j * d * d;
    for (int r = 0; r < d; r++)
        for (int c = 0; c <= r; c++)
            v[n++] = (float)L[r * d + c];
    return n;
}

/* Component j's mean or factor as int8: one f32 scale (quant.h, qmax 127),
 * then the codes. A factor's diagonal codes are at least 1, so that the
 * diagonal stays positive (it is the standard deviation along the axis). */
static void put_int8_block(bytebuf *b, const gmm_t *g, int j, int factor, float *v)
{
    const size_t n = component_values(v, g, j, factor);
    const float s = quant_scale(v, n, QUANT_INT8_MAX);
    put_f32(b, s);
    /* a full factor's triangle has its diagonal at 0, 2, 5, 9, ... */
    for (size_t i = 0, row = 0, next_diag = 0; i < n; i++) {
        int q = quant_code(v[i], s, QUANT_INT8_MAX);
        const int full_diag = g->cov == GMM_COV_FULL && i == next_diag;
        if (factor && (g->cov == GMM_COV_DIAG || full_diag) && q < 1)
            q = 1;
        put_u8(b, (uint8_t)(int8_t)q);
        if (full_diag)
            next_diag += ++row + 1;
    }
}

static int enc_gmms(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    const lgcf_dtype t = m->gmm_dtype;
    assert(t == LGCF_F32 || t == LGCF_F16 || t == LGCF_INT8);
    float *v = xmalloc(((size_t)m->latent * (m->latent + 1) / 2 + 1) * sizeof *v);
    for (int i = 0; i < m->n_classes; i++) {
        const gmm_t *g = &m->gmms[i];
        size_t kd = (size_t)g->k * g->d;
        put_u8(b, (uint8_t)g->cov);
        put_u8(b, (uint8_t)t);
        put_u16(b, 0);
        put_u32(b, (uint32_t)g->k);
        put_u32(b, (uint32_t)g->d);
        /* Weights are always f32: k floats are nothing, and their sum must
         * stay 1 to within the reader's tolerance. */
        for (int j = 0; j < g->k; j++)
            put_f32(b, (float)g->weights[j]);
        if (t == LGCF_INT8) {
            for (int f = 0; f < 2; f++) /* the means, then the factors */
                for (int j = 0; j < g->k; j++)
                    put_int8_block(b, g, j, f, v);
            continue;
        }
        for (size_t j = 0; j < kd; j++)
            put_real(b, g->means[j], t);
        if (g->cov == GMM_COV_DIAG) {
            for (size_t j = 0; j < kd; j++)
                put_real(b, g->chol[j], t);
            continue;
        }
        /* Full: only the lower triangle, row by row; the upper is zero. */
        for (int j = 0; j < g->k; j++) {
            const double *L = g->chol + (size_t)j * g->d * g->d;
            for (int r = 0; r < g->d; r++)
                for (int c = 0; c <= r; c++)
                    put_real(b, L[r * g->d + c], t);
        }
    }
    free(v);
    return LGC_OK;
}

static int enc_bics(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    put_u32(b, (uint32_t)m->kmax);
    for (size_t j = 0; j < (size_t)m->n_classes * m->kmax; j++)
        put_f32(b, (float)m->bic[j]);
    return LGC_OK;
}

/* --- section payloads: parsers --- */
/* Each parses one payload into m, relying on the sections before it in
 * section_table (SHAP first: the others are sized by it). They return
 * LGC_OK, TRUNCATED, or LGC_EFORMAT with a message. */

static int dim_in(uint32_t v, uint32_t hi) { return v >= 1 && v <= hi; }

static int parse_shap(lgc_model *m, cursor *c, const char *name)
{
    uint32_t h, w, ch, n_classes, latent;
    if (get_u32(c, &h) || get_u32(c, &w) || get_u32(c, &ch) || get_u32(c, &n_classes) ||
        get_u32(c, &latent))
        return TRUNCATED;
    /* lgc sample writes IDX files, so the images must be ones the IDX
     * reader accepts */
    if (!dim_in(h, IDX_MAX_SIDE) || !dim_in(w, IDX_MAX_SIDE) || !dim_in(ch, IDX_MAX_CHANNELS) ||
        (uint64_t)h * w * ch > IDX_MAX_IMAGE_BYTES)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': image shape %ux%ux%u (h x w x c) is out of range (sides 1..%d, "
                        "channels 1..%d, at most %u bytes)",
                        name, h, w, ch, IDX_MAX_SIDE, IDX_MAX_CHANNELS, IDX_MAX_IMAGE_BYTES);
    if (!dim_in(n_classes, LGCF_MAX_CLASSES))
        return lgc_fail(LGC_EFORMAT, "'%s': %u classes (1..%d allowed)", name, n_classes,
                        LGCF_MAX_CLASSES);
    if (!dim_in(latent, LGCF_MAX_LATENT))
        return lgc_fail(LGC_EFORMAT, "'%s': latent dimension %u (1..%d allowed)", name, latent,
                        LGCF_MAX_LATENT);
    m->h = (int)h;
    m->w = (int)w;
    m->c = (int)ch;
    m->n_classes = (int)n_classes;
    m->latent = (int)latent;
    return LGC_OK;
}

static int parse_prio(lgc_model *m, cursor *c, const char *name)
{
    uint64_t sum = 0;
    m->class_counts = xmalloc((size_t)m->n_classes * sizeof(long));
    for (int i = 0; i < m->n_classes; i++) {
        uint32_t v;
        if (get_u32(c, &v))
            return TRUNCATED;
        m->class_counts[i] = (long)v;
        sum += v;
    }
    if (sum == 0)
        return lgc_fail(LGC_EFORMAT, "'%s': class counts are all zero", name);
    return LGC_OK;
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

/* A quantised layer (DECO dtype code `code`) of count parameters (biases
 * of them biases) into p: groups f32 scales (finite, > 0), the codes group
 * by group (int8: one byte each, two's complement; int4: two per byte, low
 * nibble first, two's complement, and an odd count's last high nibble 0),
 * the f16 biases. Every dequantised value must be finite (a huge scale
 * times 127 is not). The caller checked that the bytes are present. */
static int parse_quant_layer(float *p, cursor *c, uint8_t code, size_t count, size_t biases,
                             size_t groups, int i, const char *name)
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

static int parse_deco(lgc_model *m, cursor *c, const char *name)
{
    uint32_t n_layers, n_params;
    if (get_u32(c, &n_layers) || get_u32(c, &n_params))
        return TRUNCATED;
    if (!dim_in(n_layers, NET_MAX_LAYERS))
        return lgc_fail(LGC_EFORMAT, "'%s': decoder has %u layers (1..%d allowed)", name,
                        n_layers, NET_MAX_LAYERS);
    if (n_params > LGCF_MAX_PARAMS)
        return lgc_fail(LGC_EFORMAT, "'%s': decoder has %u parameters (limit %u)", name,
                        n_params, LGCF_MAX_PARAMS);
    int n = (int)n_layers;
    layer_spec specs[NET_MAX_LAYERS];
    tshape stored[NET_MAX_LAYERS], planned[NET_MAX_LAYERS];
    size_t counts[NET_MAX_LAYERS];
    uint8_t dtypes[NET_MAX_LAYERS];
    for (int i = 0; i < n; i++) {
        uint8_t type;
        uint16_t reserved;
        uint32_t oc, oh, ow;
        if (get_u8(c, &type) || get_u8(c, &dtypes[i]) || get_u16(c, &reserved) ||
            get_u32(c, &oc) || get_u32(c, &oh) || get_u32(c, &ow))
            return TRUNCATED;
        if (type < LAYER_DENSE || type > LAYER_SIGMOID)
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d has unknown type %u", name, i,
                            type);
        if (dtypes[i] > DTYPE_INT4_CHANNELS)
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d has unknown weight type %u",
                            name, i, dtypes[i]);
        if (reserved)
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d has reserved field %u, not 0",
                            name, i, reserved);
        if (!dim_in(oc, NET_MAX_DIM) || !dim_in(oh, NET_MAX_DIM) || !dim_in(ow, NET_MAX_DIM))
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d output %ux%ux%u is out of range",
                            name, i, oc, oh, ow);
        stored[i] = (tshape){(int)oc, (int)oh, (int)ow};
        /* Rebuild the spec as arch.c writes it: only the fields the layer
         * type uses are set, the rest are zero. */
        specs[i] = (layer_spec){(layer_type)type, {0, 0, 0}};
        if (type == LAYER_DENSE)
            specs[i].out = stored[i];
        else if (type == LAYER_CONV3)
            specs[i].out.c = stored[i].c;
    }
    int st = plan_layers(planned, counts, specs, n, m->latent, name);
    if (st)
        return st;
    size_t total = 0, bytes = 0, acts = 0;
    for (int i = 0; i < n; i++) {
        if (!tshape_eq(planned[i], stored[i]))
            return lgc_fail(LGC_EFORMAT,
                            "'%s': decoder layer %d outputs %dx%dx%d (c x h x w), file says "
                            "%dx%dx%d",
                            name, i, planned[i].c, planned[i].h, planned[i].w, stored[i].c,
                            stored[i].h, stored[i].w);
        total += counts[i];
        if (counts[i])
            bytes += layer_bytes(dtypes[i], counts[i], layer_biases(specs[i].type, planned[i]),
                                 scale_groups(dtypes[i], specs[i].type, planned[i]));
        acts += tshape_size(planned[i]); /* < 2^48 * NET_MAX_LAYERS: no overflow */
    }
    /* What decoding one image needs: a tiny file must not be able to ask
     * lgc sample for terabytes (upsampling layers double both sides). */
    if (acts > LGCF_MAX_ACTIVATIONS)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': decoder needs %zu activations per image (limit %u)", name, acts,
                        LGCF_MAX_ACTIVATIONS);
    tshape img = {m->c, m->h, m->w};
    if (!tshape_eq(planned[n - 1], img))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': decoder outputs %dx%dx%d (c x h x w) but images are %dx%dx%d", name,
                        planned[n - 1].c, planned[n - 1].h, planned[n - 1].w, img.c, img.h,
                        img.w);
    if (total != n_params)
        return lgc_fail(LGC_EFORMAT, "'%s': decoder needs %zu parameters, file says %u", name,
                        total, n_params);
    if (bytes > c->left)
        return TRUNCATED;

    m->n_layers = n;
    m->dec_specs = xmalloc((size_t)n * sizeof(layer_spec));
    memcpy(m->dec_specs, specs, (size_t)n * sizeof(layer_spec));
    m->n_dec_params = total;
    m->dec_params = xmalloc(total * sizeof(float));
    /* Reported as the widest change from f32 any layer makes: int4, int8,
     * f16 in that order (lgc writes one dtype throughout). */
    m->weight_dtype = LGCF_F32;
    float *p = m->dec_params;
    for (int i = 0; i < n; i++) {
        const int quant = is_quantised(dtypes[i]);
        const lgcf_dtype t = dtypes[i] == DTYPE_INT4_CHANNELS ? LGCF_INT4
                             : quant                           ? LGCF_INT8
                                                               : (lgcf_dtype)dtypes[i];
        if (counts[i] && dtype_rank(t) > dtype_rank(m->weight_dtype))
            m->weight_dtype = t;
        int st_layer = quant && counts[i]
                           ? parse_quant_layer(p, c, dtypes[i], counts[i],
                                               layer_biases(specs[i].type, planned[i]),
                                               scale_groups(dtypes[i], specs[i].type, planned[i]),
                                               i, name)
                           : parse_float_layer(p, c, counts[i], t == LGCF_F16, i, 0, name);
        if (st_layer)
            return st_layer;
        p += counts[i];
    }
    return LGC_OK;
}

/* Bytes of k components' means and factors (per values each) in dtype t. */
static size_t mixture_value_bytes(lgcf_dtype t, size_t k, size_t d, size_t per)
{
    if (t == LGCF_INT8) /* a scale and the codes, for each mean and factor */
        return k * (4 + d) + k * (4 + per);
    return k * (d + per) * (t == LGCF_F16 ? 2 : 4);
}

/* An int8 mixture's means and factors (after its weights) into g: per
 * component a finite scale > 0 and the codes, means first; q * s in f32.
 * The factors' diagonal must come out positive, which gmm_validate checks
 * afterwards with the other rules. */
static int parse_int8_mixture(gmm_t *g, cursor *c, const char *name, int i)
{
    const int d = g->d;
    for (int f = 0; f < 2; f++)
        for (int j = 0; j < g->k; j++) {
            float s;
            if (get_f32(c, &s))
                return TRUNCATED;
            if (!(isfinite(s) && s > 0.0f))
                return lgc_fail(LGC_EFORMAT,
                                "'%s': class %d mixture component %d %s scale is %g, not finite "
                                "and positive",
                                name, i, j, f ? "factor" : "mean", (double)s);
            const int full = f && g->cov == GMM_COV_FULL;
            for (int r = 0; r < d; r++)
                for (int col = 0; col <= (full ? r : 0); col++) {
                    uint8_t u;
                    if (get_u8(c, &u))
                        return TRUNCATED;
                    const float v = (float)(u < 128 ? (int)u : (int)u - 256) * s;
                    if (!f)
                        g->means[(size_t)j * d + r] = v;
                    else if (full)
                        g->chol[((size_t)j * d + r) * d + col] = v;
                    else
                        g->chol[(size_t)j * d + r] = v;
                }
        }
    return LGC_OK;
}

static int parse_gmms(lgc_model *m, cursor *c, const char *name)
{
    m->gmms = xcalloc((size_t)m->n_classes, sizeof(gmm_t));
    for (int i = 0; i < m->n_classes; i++) {
        uint8_t cov, dtype;
        uint16_t reserved16;
        uint32_t k, d;
        if (get_u8(c, &cov) || get_u8(c, &dtype) || get_u16(c, &reserved16) ||
            get_u32(c, &k) || get_u32(c, &d))
            return TRUNCATED;
        if (cov != GMM_COV_FULL && cov != GMM_COV_DIAG)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture has unknown covariance type %u",
                            name, i, cov);
        if (dtype != LGCF_F32 && dtype != LGCF_F16 && dtype != LGCF_INT8)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture has unknown dtype %u", name, i,
                            dtype);
        if (reserved16)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture has a non-zero reserved field",
                            name, i);
        if (i > 0 && dtype != m->gmm_dtype)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture dtype differs from class 0",
                            name, i);
        m->gmm_dtype = (lgcf_dtype)dtype;
        if (!dim_in(k, LGCF_MAX_K))
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture has %u components (1..%d allowed)",
                            name, i, k, LGCF_MAX_K);
        if (d != (uint32_t)m->latent)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d mixture has dimension %u, latent is %d",
                            name, i, d, m->latent);
        /* Bound the allocation by the bytes present before making it. */
        size_t per = cov == GMM_COV_FULL ? (size_t)d * (d + 1) / 2 : d;
        if ((size_t)k * 4 + mixture_value_bytes((lgcf_dtype)dtype, k, d, per) > c->left)
            return TRUNCATED;
        gmm_t *g = &m->gmms[i];
        gmm_init(g, (int)k, (int)d, (gmm_cov)cov);
        for (uint32_t j = 0; j < k; j++)
            if (get_f32d(c, &g->weights[j]))
                return TRUNCATED;
        if (dtype == LGCF_INT8) {
            int st = parse_int8_mixture(g, c, name, i);
            if (st)
                return st;
        } else {
            for (size_t j = 0; j < (size_t)k * d; j++)
                if (get_real(c, &g->means[j], m->gmm_dtype))
                    return TRUNCATED;
            for (uint32_t j = 0; j < k; j++) {
                double *L = g->chol + (size_t)j * (cov == GMM_COV_DIAG ? d : d * d);
                for (uint32_t r = 0; r < d; r++) {
                    if (cov == GMM_COV_DIAG) {
                        if (get_real(c, &L[r], m->gmm_dtype))
                            return TRUNCATED;
                        continue;
                    }
                    /* Full: the stored lower triangle; gmm_init zeroed the upper. */
                    for (uint32_t col = 0; col <= r; col++)
                        if (get_real(c, &L[(size_t)r * d + col], m->gmm_dtype))
                            return TRUNCATED;
                }
            }
        }
        char what[1024];
        snprintf(what, sizeof what, "'%s': class %d mixture", name, i);
        int st = gmm_validate(g, what);
        if (st)
            return st;
    }
    return LGC_OK;
}

/* BIC values are informational (lgc info) and may be +inf where a k was
 * skipped, so they are stored as given, unchecked. */
static int parse_bics(lgc_model *m, cursor *c, const char *name)
{
    uint32_t kmax;
    if (get_u32(c, &kmax))
        return TRUNCATED;
    if (!dim_in(kmax, LGCF_MAX_K))
        return lgc_fail(LGC_EFORMAT, "'%s': BIC curves have %u points (1..%d allowed)", name,
                        kmax, LGCF_MAX_K);
    size_t n = (size_t)m->n_classes * kmax;
    if (n * 4 > c->left)
        return TRUNCATED;
    m->kmax = (int)kmax;
    m->bic = xmalloc(n * sizeof(double));
    for (size_t j = 0; j < n; j++)
        if (get_f32d(c, &m->bic[j]))
            return TRUNCATED;
    return LGC_OK;
}

/* --- the section table --- */

#define TAG(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

enum { SEC_SHAP, SEC_PRIO, SEC_DECO, SEC_GMMS, SEC_BICS, N_SECTIONS };

/* In dependency order: the writer emits and the reader parses in this
 * order (a reader accepts any order on disk). */
static const struct {
    uint32_t tag;
    const char *name;
    int required;
    int (*encode)(bytebuf *b, const lgc_model *m, const char *name);
    int (*parse)(lgc_model *m, cursor *c, const char *name);
} section_table[N_SECTIONS] = {
    [SEC_SHAP] = {TAG('S', 'H', 'A', 'P'), "SHAP", 1, enc_shap, parse_shap},
    [SEC_PRIO] = {TAG('P', 'R', 'I', 'O'), "PRIO", 1, enc_prio, parse_prio},
    [SEC_DECO] = {TAG('D', 'E', 'C', 'O'), "DECO", 1, enc_deco, parse_deco},
    [SEC_GMMS] = {TAG('G', 'M', 'M', 'S'), "GMMS", 1, enc_gmms, parse_gmms},
    [SEC_BICS] = {TAG('B', 'I', 'C', 'S'), "BICS", 0, enc_bics, parse_bics},
};

static int section_index(uint32_t tag)
{
    for (int i = 0; i < N_SECTIONS; i++)
        if (section_table[i].tag == tag)
            return i;
    return -1;
}

/* A tag from the file as printable text for messages (hostile bytes
 * become '?'). */
static void tag_text(char out[5], uint32_t tag)
{
    for (int i = 0; i < 4; i++)
        out[i] = printable_char((unsigned char)(tag >> (8 * i)));
    out[4] = 0;
}

/* --- writer --- */

static int put_section(bytebuf *img, int idx, const bytebuf *raw, const char *name)
{
    if (raw->len > MAX_RAW_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s would hold %zu bytes (limit %zu)", name,
                        section_table[idx].name, raw->len, MAX_RAW_BYTES);
    uLongf stored = compressBound((uLong)raw->len);
    put_u32(img, section_table[idx].tag);
    put_u32(img, (uint32_t)raw->len);
    size_t len_at = img->len;
    put_u32(img, 0);
    buf_reserve(img, stored);
    int rc = compress2(img->p + img->len, &stored, raw->p, (uLong)raw->len, 9);
    if (rc != Z_OK)
        return lgc_fail(LGC_EIO, "'%s': zlib compress2 failed on section %s (error %d)", name,
                        section_table[idx].name, rc);
    img->len += stored;
    le32_store(img->p + len_at, (uint32_t)stored);
    return LGC_OK;
}

/* Builds the complete file image of m into img. */
static int encode_model(bytebuf *img, const lgc_model *m, const char *name)
{
    assert(m->n_classes >= 1 && m->class_counts && m->gmms);
    assert(m->kmax == 0 || m->bic);
    bytebuf raw = {0};
    int st = LGC_OK;
    uint32_t n_sections = 0;
    put_bytes(img, lgcf_magic, sizeof lgcf_magic);
    put_u32(img, LGCF_VERSION);
    put_u32(img, 0); /* section count, patched below */
    for (int i = 0; i < N_SECTIONS; i++) {
        if (i == SEC_BICS && m->kmax == 0)
            continue;
        raw.len = 0;
        if ((st = section_table[i].encode(&raw, m, name)) ||
            (st = put_section(img, i, &raw, name)))
            goto done;
        n_sections++;
    }
    le32_store(img->p + 12, n_sections);
    put_u32(img, (uint32_t)crc32(0, img->p, (uInt)img->len));
done:
    free(raw.p);
    return st;
}

/* Turns the message "'path': problem" just recorded into "cannot write
 * 'path': problem". */
static int fail_write(int code)
{
    char why[1024];
    snprintf(why, sizeof why, "%s", lgc_errmsg());
    return lgc_fail(code, "cannot write %s", why);
}

int lgcf_encoded_size(const lgc_model *m, size_t *bytes)
{
    bytebuf img = {0};
    int st = encode_model(&img, m, "(in memory)");
    *bytes = img.len;
    free(img.p);
    return st;
}

int lgcf_raw_size(size_t *bytes, int latent, int n_classes, const layer_spec *dec_specs,
                  int n_layers, lgcf_dtype weights, int k, gmm_cov cov, lgcf_dtype gmm_dtype,
                  int kmax)
{
    assert(n_classes >= 1 && k >= 1 && kmax >= 0 && latent >= 1);
    assert(gmm_dtype == LGCF_F32 || gmm_dtype == LGCF_F16 || gmm_dtype == LGCF_INT8);
    tshape shapes[NET_MAX_LAYERS];
    size_t counts[NET_MAX_LAYERS];
    int st = plan_layers(shapes, counts, dec_specs, n_layers, latent, "(estimate)");
    if (st)
        return st;
    size_t deco = 8 + 16 * (size_t)n_layers;
    for (int i = 0; i < n_layers; i++)
        if (counts[i])
            deco += layer_bytes(disk_code(weights), counts[i],
                                layer_biases(dec_specs[i].type, shapes[i]),
                                scale_groups(disk_code(weights), dec_specs[i].type, shapes[i]));
    const size_t d = (size_t)latent;
    const size_t per = cov == GMM_COV_FULL ? d * (d + 1) / 2 : d;
    const size_t gmms =
        (size_t)n_classes * (12 + (size_t)k * 4 + mixture_value_bytes(gmm_dtype, (size_t)k, d, per));
    size_t total = HEADER_BYTES + TRAILER_BYTES + 4 * SECTION_HEADER_BYTES + 20 /* SHAP */ +
                   4 * (size_t)n_classes /* PRIO */ + deco + gmms;
    if (kmax)
        total += SECTION_HEADER_BYTES + 4 + 4 * (size_t)n_classes * kmax; /* BICS */
    *bytes = total;
    return LGC_OK;
}

int lgcf_write(const char *path, const lgc_model *m)
{
    bytebuf img = {0};
    atomic_file af;
    lgc_model check;
    int st = encode_model(&img, m, path);
    if (st) {
        st = fail_write(st);
        goto done;
    }
    /* Read the image back before it reaches the disk: this refuses models
     * the reader would reject (a NaN weight, a weight beyond the f16 range,
     * a factor that rounds to zero in f32) while nothing exists yet. */
    st = lgcf_read_mem(&check, NULL, img.p, img.len, path);
    lgc_model_free(&check);
    if (st) {
        st = fail_write(st);
        goto done;
    }
    if ((st = atomic_open(&af, path)))
        goto done;
    if (fwrite(img.p, 1, img.len, af.f) != img.len) {
        st = lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(errno));
        atomic_abort(&af);
        goto done;
    }
    st = atomic_commit(&af);
done:
    free(img.p);
    return st;
}

/* --- reader --- */

typedef struct {
    const uint8_t *stored; /* deflated payload, stored_len bytes */
    uint32_t raw_len, stored_len;
    int present;
} section_ref;

/* Checks magic, size, version and CRC, then walks the section headers:
 * fills refs for known sections and the byte accounting in *z. Touches no
 * payload. */
static int read_frame(section_ref *refs, lgcf_sizes *z, const uint8_t *buf, size_t len,
                      const char *name)
{
    if (memcmp(buf, lgcf_magic, len < sizeof lgcf_magic ? len : sizeof lgcf_magic))
        return lgc_fail(LGC_EFORMAT, "'%s': not an .lgc file (bad magic)", name);
    if (len < HEADER_BYTES + TRAILER_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header", name);
    if (len > MAX_FILE_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': file has %zu bytes (limit %zu)", name, len,
                        MAX_FILE_BYTES);
    uint32_t version = le32_load(buf + 8);
    if (version < 1 || version > LGCF_VERSION)
        return lgc_fail(LGC_EFORMAT, "'%s': format version %u is not supported (1..%d)", name,
                        version, LGCF_VERSION);
    if (crc32(0, buf, (uInt)(len - TRAILER_BYTES)) != le32_load(buf + len - TRAILER_BYTES))
        return lgc_fail(LGC_EFORMAT, "'%s': checksum mismatch (file is corrupt)", name);

    z->file_bytes = len;
    z->header_bytes = HEADER_BYTES + TRAILER_BYTES;
    uint32_t n_sections = le32_load(buf + 12);
    size_t *acct[N_SECTIONS] = {&z->shape_bytes, &z->prior_bytes, &z->decoder_bytes,
                                &z->mixture_bytes, &z->bic_bytes};
    cursor c = {buf + HEADER_BYTES, len - HEADER_BYTES - TRAILER_BYTES};
    for (uint32_t i = 0; i < n_sections; i++) {
        uint32_t tag, raw_len, stored_len;
        if (get_u32(&c, &tag) || get_u32(&c, &raw_len) || get_u32(&c, &stored_len))
            return lgc_fail(LGC_EFORMAT, "'%s': truncated: section %u of %u is missing", name,
                            i + 1, n_sections);
        char tname[5];
        tag_text(tname, tag);
        if (stored_len > c.left)
            return lgc_fail(LGC_EFORMAT,
                            "'%s': truncated in section %s (%u bytes stored, %zu left)", name,
                            tname, stored_len, c.left);
        size_t on_disk = SECTION_HEADER_BYTES + (size_t)stored_len;
        int idx = section_index(tag);
        if (idx < 0) {
            z->other_bytes += on_disk; /* unknown: a later minor addition, skipped */
        } else {
            if (refs[idx].present)
                return lgc_fail(LGC_EFORMAT, "'%s': duplicate section %s", name, tname);
            if (raw_len > MAX_RAW_BYTES || raw_len > (uint64_t)stored_len * MAX_DEFLATE_RATIO)
                return lgc_fail(LGC_EFORMAT,
                                "'%s': section %s claims %u bytes from %u compressed (limit %zu)",
                                name, tname, raw_len, stored_len, MAX_RAW_BYTES);
            refs[idx] = (section_ref){c.p, raw_len, stored_len, 1};
            *acct[idx] = on_disk;
        }
        c.p += stored_len;
        c.left -= stored_len;
    }
    if (c.left)
        return lgc_fail(LGC_EFORMAT, "'%s': %zu unexpected bytes after the last section", name,
                        c.left);
    for (int i = 0; i < N_SECTIONS; i++)
        if (section_table[i].required && !refs[i].present)
            return lgc_fail(LGC_EFORMAT, "'%s': required section %s is missing", name,
                            section_table[i].name);
    return LGC_OK;
}

/* Inflates one section into *raw (raw_len bytes, caller frees); the stream
 * must fill raw_len exactly and use every stored byte. */
static int inflate_section(uint8_t **raw, const section_ref *r, const char *sname,
                           const char *name)
{
    *raw = xmalloc(r->raw_len);
    uLongf out_len = r->raw_len;
    uLong in_len = r->stored_len;
    int rc = uncompress2(*raw, &out_len, r->stored, &in_len);
    if (rc == Z_BUF_ERROR && out_len == r->raw_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s inflates to more than its stated %u bytes",
                        name, sname, r->raw_len);
    if (rc != Z_OK)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s has a corrupt deflate stream (zlib %d)",
                        name, sname, rc);
    if (out_len != r->raw_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s inflates to %lu bytes, not %u", name,
                        sname, (unsigned long)out_len, r->raw_len);
    if (in_len != r->stored_len)
        return lgc_fail(LGC_EFORMAT, "'%s': section %s has %lu bytes after its deflate stream",
                        name, sname, (unsigned long)(r->stored_len - in_len));
    return LGC_OK;
}

int lgcf_read_mem(lgc_model *m, lgcf_sizes *sizes, const uint8_t *buf, size_t len,
                  const char *name)
{
    section_ref refs[N_SECTIONS] = {0};
    lgcf_sizes z = {0};
    uint8_t *raw = NULL;
    memset(m, 0, sizeof *m);
    int st = read_frame(refs, &z, buf, len, name);
    for (int i = 0; i < N_SECTIONS && st == LGC_OK; i++) {
        if (!refs[i].present)
            continue;
        const char *sname = section_table[i].name;
        if ((st = inflate_section(&raw, &refs[i], sname, name)))
            break;
        cursor c = {raw, refs[i].raw_len};
        st = section_table[i].parse(m, &c, name);
        if (st == TRUNCATED)
            st = lgc_fail(LGC_EFORMAT, "'%s': truncated in section %s", name, sname);
        else if (st == LGC_OK && c.left)
            st = lgc_fail(LGC_EFORMAT, "'%s': %zu unexpected bytes at the end of section %s",
                          name, c.left, sname);
        free(raw);
        raw = NULL;
    }
    free(raw);
    if (st) {
        lgc_model_free(m);
        return st;
    }
    if (sizes)
        *sizes = z;
    return LGC_OK;
}

int lgcf_read(lgc_model *m, lgcf_sizes *sizes, const char *path)
{
    uint8_t *buf = NULL;
    size_t got = 0;
    struct stat sb;
    int st = LGC_OK;
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &sb)) {
        st = lgc_fail(LGC_EIO, "cannot stat '%s': %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = lgc_fail(LGC_EIO, "cannot read '%s': not a regular file", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > MAX_FILE_BYTES) {
        st = lgc_fail(LGC_EFORMAT, "'%s': file has %lld bytes (limit %zu)", path,
                      (long long)sb.st_size, MAX_FILE_BYTES);
        goto done;
    }
    /* Something that is not an .lgc file is refused on its first bytes
     * rather than read whole (it may be large); the in-memory reader
     * words the message. */
    uint8_t head[sizeof lgcf_magic];
    ssize_t n_head = pread(fd, head, sizeof head, 0);
    if (n_head >= 0 && memcmp(head, lgcf_magic, (size_t)n_head)) {
        st = lgcf_read_mem(m, sizes, head, (size_t)n_head, path);
        goto done;
    }
    size_t len = (size_t)sb.st_size;
    buf = xmalloc(len);
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = lgc_fail(LGC_EIO, "cannot read '%s': %s", path, strerror(errno));
            goto done;
        }
        if (r == 0)
            break; /* shrank since fstat: parsed as is, so reported as truncated */
        got += (size_t)r;
    }
    st = lgcf_read_mem(m, sizes, buf, got, path);
done:
    free(buf);
    close(fd);
    return st;
}

void lgc_model_free(lgc_model *m)
{
    if (m->gmms)
        for (int i = 0; i < m->n_classes; i++)
            gmm_free(&m->gmms[i]);
    free(m->gmms);
    free(m->class_counts);
    free(m->dec_specs);
    free(m->dec_params);
    free(m->bic);
    memset(m, 0, sizeof *m);
}
