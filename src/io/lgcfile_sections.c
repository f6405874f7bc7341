/* lgcfile_sections.c - the payload of each .lgc section, written and parsed.
 *
 *   SHAP  image shape, class count, latent dimension
 *   PRIO  training images per class
 *   DECO  the decoder: a layer table, then each layer's parameters
 *   GMMS  one Gaussian mixture per class
 *   BICS  each class's BIC curve (optional; for lgc info)
 *   TRNG  how the autoencoder was trained (optional; for lgc info)
 *   LABL  each class's label in the user's data (optional; lgcfile_labels.c)
 *   WARP  lgc sample's default warps and the held-out check (optional)
 *   EXMP  real training images beside the mixtures (optional;
 *         lgcfile_exemplars.c)
 *
 * The parsers treat the payload as hostile: every count is bounded by an
 * LGCF_MAX_* limit and by the bytes present before anything is allocated,
 * the decoder is planned with net_plan and must match the layer table and
 * the image shape, and the mixtures must pass gmm_validate. How values are
 * stored is lgcfile_codecs.c's business; the container (lgcfile.c)
 * inflates each payload and checks the cursor ends at its end. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "idx.h"
#include "lgcfile_internal.h"
#include "util.h"

static int dim_in(uint32_t v, uint32_t hi) { return v >= 1 && v <= hi; }

static int tshape_eq(tshape a, tshape b) { return a.c == b.c && a.h == b.h && a.w == b.w; }

/* Plans each prefix with net_plan so that the layer rules live only in
 * net.c; with at most NET_MAX_LAYERS layers the quadratic cost is
 * negligible. */
int plan_decoder(tshape *shapes, size_t *counts, const layer_spec *specs, int n_layers,
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

/* Whether a decoder output of shape out holds m's images: the same
 * channels, and h, w or up to LGCF_MAX_FRAME more of each (the image is
 * the top-left of that frame). */
static int frames_image(tshape out, const lgc_model *m)
{
    return out.c == m->c && out.h >= m->h && out.h - m->h <= LGCF_MAX_FRAME && out.w >= m->w &&
           out.w - m->w <= LGCF_MAX_FRAME;
}

/* --- SHAP --- */

static int encode_shape(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    put_u32(b, (uint32_t)m->h);
    put_u32(b, (uint32_t)m->w);
    put_u32(b, (uint32_t)m->c);
    put_u32(b, (uint32_t)m->n_classes);
    put_u32(b, (uint32_t)m->latent);
    return LGC_OK;
}

static int parse_shape(lgc_model *m, cursor *c, const char *name)
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

/* --- PRIO --- */

static int encode_prior(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    for (int i = 0; i < m->n_classes; i++) {
        assert(m->class_counts[i] >= 0 && m->class_counts[i] <= (long)UINT32_MAX);
        put_u32(b, (uint32_t)m->class_counts[i]);
    }
    return LGC_OK;
}

static int parse_prior(lgc_model *m, cursor *c, const char *name)
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

/* --- DECO --- */

static int encode_decoder(bytebuf *b, const lgc_model *m, const char *name)
{
    tshape shapes[NET_MAX_LAYERS];
    size_t counts[NET_MAX_LAYERS], total = 0;
    int st = plan_decoder(shapes, counts, m->dec_specs, m->n_layers, m->latent, name);
    if (st)
        return st;
    for (int i = 0; i < m->n_layers; i++)
        total += counts[i];
    assert(total == m->n_dec_params);
    if (total > LGCF_MAX_PARAMS)
        return lgc_fail(LGC_EFORMAT, "'%s': decoder has %zu parameters (limit %u)", name, total,
                        LGCF_MAX_PARAMS);
    const uint8_t code = weight_code(m->weight_dtype);
    put_u32(b, (uint32_t)m->n_layers);
    put_u32(b, (uint32_t)total);
    for (int i = 0; i < m->n_layers; i++) {
        put_u8(b, (uint8_t)m->dec_specs[i].type);
        /* Parameter-free layers record f32: the field is meaningless there
         * and a fixed value keeps the encoding canonical. */
        put_u8(b, counts[i] ? code : (uint8_t)DTYPE_F32);
        put_u16(b, 0);
        put_u32(b, (uint32_t)shapes[i].c);
        put_u32(b, (uint32_t)shapes[i].h);
        put_u32(b, (uint32_t)shapes[i].w);
    }
    const float *p = m->dec_params;
    for (int i = 0; i < m->n_layers; p += counts[i], i++)
        if ((st = encode_layer_weights(b, p, code, m->dec_specs[i].type, shapes[i], counts[i], i,
                                       name)))
            return st;
    return LGC_OK;
}

/* Order of how far a dtype is from f32, for the model's summary dtype. */
static int dtype_rank(lgcf_dtype t)
{
    return t == LGCF_INT4 ? 3 : t == LGCF_INT8 ? 2 : t == LGCF_F16 ? 1 : 0;
}

static int parse_decoder(lgc_model *m, cursor *c, const char *name)
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
    uint8_t codes[NET_MAX_LAYERS];
    for (int i = 0; i < n; i++) {
        uint8_t type;
        uint16_t reserved;
        uint32_t oc, oh, ow;
        if (get_u8(c, &type) || get_u8(c, &codes[i]) || get_u16(c, &reserved) ||
            get_u32(c, &oc) || get_u32(c, &oh) || get_u32(c, &ow))
            return TRUNCATED;
        /* a decoder's layers are DENSE..SIGMOID; the judge-only ones after
         * them (average pool, instance norm) are not in the format */
        if (type < LAYER_DENSE || type > LAYER_SIGMOID)
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d has unknown type %u", name, i,
                            type);
        if (codes[i] > DTYPE_INT4_CHANNELS)
            return lgc_fail(LGC_EFORMAT, "'%s': decoder layer %d has unknown weight type %u",
                            name, i, codes[i]);
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
    int st = plan_decoder(planned, counts, specs, n, m->latent, name);
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
        bytes += layer_stored_bytes(codes[i], specs[i].type, planned[i], counts[i]);
        acts += tshape_size(planned[i]); /* < 2^48 * NET_MAX_LAYERS: no overflow */
    }
    /* What decoding one image needs: a tiny file must not be able to ask
     * lgc sample for terabytes (upsampling layers double both sides). */
    if (acts > LGCF_MAX_ACTIVATIONS)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': decoder needs %zu activations per image (limit %u)", name, acts,
                        LGCF_MAX_ACTIVATIONS);
    if (!frames_image(planned[n - 1], m))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': decoder outputs %dx%dx%d (c x h x w) but images are %dx%dx%d "
                        "(the output may exceed h and w by at most %d each)",
                        name, planned[n - 1].c, planned[n - 1].h, planned[n - 1].w, m->c, m->h,
                        m->w, LGCF_MAX_FRAME);
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
    for (int i = 0; i < n; p += counts[i], i++) {
        const lgcf_dtype t = weight_code_dtype(codes[i]);
        if (counts[i] && dtype_rank(t) > dtype_rank(m->weight_dtype))
            m->weight_dtype = t;
        if ((st = parse_layer_weights(p, c, codes[i], specs[i].type, planned[i], counts[i], i,
                                      name)))
            return st;
    }
    return LGC_OK;
}

/* --- GMMS --- */

static int encode_mixtures(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    const lgcf_dtype t = m->gmm_dtype;
    for (int i = 0; i < m->n_classes; i++) {
        const gmm_t *g = &m->gmms[i];
        put_u8(b, (uint8_t)g->cov);
        put_u8(b, (uint8_t)t);
        put_u16(b, 0);
        put_u32(b, (uint32_t)g->k);
        put_u32(b, (uint32_t)g->d);
        /* Weights are always f32: k floats are nothing, and their sum must
         * stay 1 to within the reader's tolerance. */
        for (int j = 0; j < g->k; j++)
            put_f32(b, (float)g->weights[j]);
        encode_mixture_values(b, g, t);
    }
    return LGC_OK;
}

static int parse_mixtures(lgc_model *m, cursor *c, const char *name)
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
            if (get_f32_as_double(c, &g->weights[j]))
                return TRUNCATED;
        int st = parse_mixture_values(g, c, m->gmm_dtype, i, name);
        if (st)
            return st;
        char what[1024];
        snprintf(what, sizeof what, "'%s': class %d mixture", name, i);
        if ((st = gmm_validate(g, what)))
            return st;
    }
    return LGC_OK;
}

/* --- BICS --- */

static int encode_bic_curves(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    put_u32(b, (uint32_t)m->kmax);
    for (size_t j = 0; j < (size_t)m->n_classes * m->kmax; j++)
        put_f32(b, (float)m->bic[j]);
    return LGC_OK;
}

/* BIC values are informational (lgc info) and may be +inf where a k was
 * skipped, so they are stored as given, unchecked. */
static int parse_bic_curves(lgc_model *m, cursor *c, const char *name)
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
        if (get_f32_as_double(c, &m->bic[j]))
            return TRUNCATED;
    return LGC_OK;
}

/* --- TRNG --- */

/* The training images of the prior (PRIO), held-out ones included. */
static long prior_total(const lgc_model *m)
{
    long total = 0;
    for (int i = 0; i < m->n_classes; i++)
        total += m->class_counts[i];
    return total;
}

static int encode_training(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    const lgc_training *t = &m->training;
    put_u32(b, (uint32_t)t->stop);
    put_u64(b, t->steps);
    put_u64(b, t->best_step);
    put_u64(b, t->images_seen);
    put_u32(b, t->held_out);
    put_f32(b, t->held_bce);
    put_f32(b, t->train_bce);
    return LGC_OK;
}

static int bce_valid(float v) { return isfinite(v) && v >= 0.0f; }

/* Informational like BICS, but checked: lgc info prints these numbers and
 * divides by the training part's size. Needs PRIO (the image count). */
static int parse_training(lgc_model *m, cursor *c, const char *name)
{
    lgc_training t = {.present = 1};
    uint32_t stop;
    if (get_u32(c, &stop) || get_u64(c, &t.steps) || get_u64(c, &t.best_step) ||
        get_u64(c, &t.images_seen) || get_u32(c, &t.held_out) || get_f32(c, &t.held_bce) ||
        get_f32(c, &t.train_bce))
        return TRUNCATED;
    const long total = prior_total(m);
    if (stop > 2)
        return lgc_fail(LGC_EFORMAT, "'%s': training record: unknown stop reason %u", name, stop);
    if (t.steps < 1 || t.steps > LGCF_MAX_STEPS || t.best_step < 1 || t.best_step > t.steps)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': training record: step counts out of range (%llu steps, best "
                        "%llu; 1..%llu allowed)",
                        name, (unsigned long long)t.steps, (unsigned long long)t.best_step,
                        (unsigned long long)LGCF_MAX_STEPS);
    if (t.images_seen < t.steps || t.images_seen > t.steps * LGCF_MAX_BATCH)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': training record: %llu images seen in %llu steps (batches of "
                        "1..%d)",
                        name, (unsigned long long)t.images_seen, (unsigned long long)t.steps,
                        LGCF_MAX_BATCH);
    if ((long)t.held_out > total - m->n_classes)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': training record: %u images held out of %ld in %d classes", name,
                        t.held_out, total, m->n_classes);
    if (!bce_valid(t.held_bce) || !bce_valid(t.train_bce) ||
        (t.held_out == 0 && t.held_bce != 0.0f))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': training record: losses %g (held out) and %g (training) are not "
                        "finite values >= 0",
                        name, t.held_bce, t.train_bce);
    t.stop = (int)stop;
    m->training = t;
    return LGC_OK;
}

/* --- WARP --- */

static int encode_warps(bytebuf *b, const lgc_model *m, const char *name)
{
    (void)name;
    const lgc_warps *w = &m->warps;
    put_f32(b, w->augment.rotate);
    put_f32(b, w->augment.scale);
    put_f32(b, w->augment.shift);
    put_f32(b, w->augment.elastic);
    put_u32(b, (uint32_t)w->measured);
    put_u32(b, w->held_images);
    put_u32(b, w->real_images);
    put_f32(b, w->samples_accuracy);
    put_f32(b, w->real_accuracy);
    return LGC_OK;
}

static int in_range(float v, float hi) { return isfinite(v) && v >= 0.0f && v <= hi; }

/* lgc sample warps every image by these: each must lie within the bounds
 * --augment accepts. Needs PRIO (the image count). */
static int parse_warps(lgc_model *m, cursor *c, const char *name)
{
    lgc_warps w = {.present = 1};
    uint32_t measured;
    if (get_f32(c, &w.augment.rotate) || get_f32(c, &w.augment.scale) ||
        get_f32(c, &w.augment.shift) || get_f32(c, &w.augment.elastic) ||
        get_u32(c, &measured) || get_u32(c, &w.held_images) || get_u32(c, &w.real_images) ||
        get_f32(c, &w.samples_accuracy) || get_f32(c, &w.real_accuracy))
        return TRUNCATED;
    const augment_opts *a = &w.augment;
    if (!in_range(a->rotate, AUGMENT_MAX_ROTATE) || !in_range(a->scale, AUGMENT_MAX_SCALE) ||
        !in_range(a->shift, AUGMENT_MAX_SHIFT) || !in_range(a->elastic, AUGMENT_MAX_ELASTIC))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': warps %g,%g,%g,%g out of range (rotation 0..%g degrees, scale "
                        "0..%g, shift 0..%g pixels, elastic 0..%g pixels)",
                        name, a->rotate, a->scale, a->shift, a->elastic, AUGMENT_MAX_ROTATE,
                        AUGMENT_MAX_SCALE, AUGMENT_MAX_SHIFT, AUGMENT_MAX_ELASTIC);
    const long total = prior_total(m);
    if (measured > 1 || (long)w.held_images > total - m->n_classes ||
        (long)w.real_images > total || (measured && w.held_images == 0))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': warps: check of %u held-out and %u real images (of %ld) with "
                        "choice %u is not possible",
                        name, w.held_images, w.real_images, total, measured);
    if (!in_range(w.samples_accuracy, 1.0f) || !in_range(w.real_accuracy, 1.0f) ||
        (w.held_images == 0 &&
         (w.samples_accuracy != 0.0f || w.real_accuracy != 0.0f || w.real_images != 0)))
        return lgc_fail(LGC_EFORMAT,
                        "'%s': warps: held-out accuracies %g and %g are not in [0, 1] (0 "
                        "without a check)",
                        name, w.samples_accuracy, w.real_accuracy);
    w.measured = (int)measured;
    m->warps = w;
    return LGC_OK;
}

/* --- the table --- */

#define TAG(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

const section_kind section_table[N_SECTIONS] = {
    [SEC_SHAPE] = {TAG('S', 'H', 'A', 'P'), "SHAP", 1, encode_shape, parse_shape},
    [SEC_PRIOR] = {TAG('P', 'R', 'I', 'O'), "PRIO", 1, encode_prior, parse_prior},
    [SEC_DECODER] = {TAG('D', 'E', 'C', 'O'), "DECO", 1, encode_decoder, parse_decoder},
    [SEC_MIXTURES] = {TAG('G', 'M', 'M', 'S'), "GMMS", 1, encode_mixtures, parse_mixtures},
    [SEC_BIC_CURVES] = {TAG('B', 'I', 'C', 'S'), "BICS", 0, encode_bic_curves, parse_bic_curves},
    [SEC_TRAINING] = {TAG('T', 'R', 'N', 'G'), "TRNG", 0, encode_training, parse_training},
    [SEC_LABELS] = {TAG('L', 'A', 'B', 'L'), "LABL", 0, encode_labels, parse_labels},
    [SEC_WARPS] = {TAG('W', 'A', 'R', 'P'), "WARP", 0, encode_warps, parse_warps},
    [SEC_EXEMPLARS] = {TAG('E', 'X', 'M', 'P'), "EXMP", 0, encode_exemplars, parse_exemplars},
};
