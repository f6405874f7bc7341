/* test_lgcfile.c - the .lgc container and fp16 conversion.
 *
 * - fp16: exhaustive round trip of all 65536 halves, hand-picked rounding
 *   cases (ties to even, subnormals, overflow, inf, NaN), and a random
 *   check that every conversion picks the nearest half.
 * - Round trips: f32 is bit-exact in every field; f16 stores exactly
 *   f16_to_f32(f32_to_f16(w)) and rewriting what was read gives the same
 *   bytes; int8 keeps every weight within half its row's scale, and
 *   rewriting what was read gives the same bytes (rows of every magnitude,
 *   zero rows, ties).
 * - Conformance: this file carries its own encoder, written from
 *   docs/FORMAT.md, and lgcf_write must produce the same bytes.
 * - Hostile input: every truncation and every single-byte flip is
 *   rejected, and forged files with a valid CRC are rejected by the check
 *   each one targets (the message is matched, so an earlier incidental
 *   failure does not count as a pass): forged sizes, NaN and Inf in weights
 *   and mixtures, zero, negative, NaN and huge int8 scales, non-positive-definite factors, images and decoders larger
 *   than lgc sample may allocate. Findings of the fuzz targets in
 *   tests/fuzz/ are kept here as regression tests.
 * - Disk: write/read through a mkdtemp directory; failed writes leave
 *   nothing behind. */
#define _XOPEN_SOURCE 700 /* nftw, for test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fp16.h"
#include "gmm.h"
#include "lgcfile.h"
#include "model.h"
#include "net.h"
#include "rng.h"
#include "test_files.h"
#include "util.h"


/* --- fp16 --- */

static uint32_t bits_of(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}

static float float_of(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

static int f16_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }

static void test_fp16_exhaustive(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = f16_to_f32((uint16_t)h);
        if (f16_is_nan((uint16_t)h)) {
            assert_true(isnan(f));
            assert_true(f16_is_nan(f32_to_f16(f)));
        } else {
            assert_int_equal(f32_to_f16(f), h);
        }
    }
    assert_true(f16_to_f32(0x3c00) == 1.0f);
    assert_true(f16_to_f32(0xc000) == -2.0f);
    assert_true(f16_to_f32(0x7bff) == 65504.0f);
    assert_true(f16_to_f32(0x0400) == ldexpf(1, -14));
    assert_true(f16_to_f32(0x0001) == ldexpf(1, -24));
    assert_true(f16_to_f32(0x03ff) == ldexpf(1023, -24));
    assert_true(f16_to_f32(0x7c00) == INFINITY);
    assert_true(f16_to_f32(0xfc00) == -INFINITY);
    assert_true(f16_to_f32(0x8000) == 0.0f && signbit(f16_to_f32(0x8000)));
}

static void test_fp16_rounding(void **state)
{
    (void)state;
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {1.0f, 0x3c00},
        {-0.0f, 0x8000},
        {1.0f + 0x1p-11f, 0x3c00},         /* tie, 0x3c00 is even: down */
        {1.0f + 3 * 0x1p-11f, 0x3c02},     /* tie, 0x3c01 is odd: up */
        {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01}, /* just above the tie: up */
        {1.0f + 0x1p-12f, 0x3c00},
        {65504.0f, 0x7bff},
        {65519.0f, 0x7bff},                /* below the overflow tie */
        {65520.0f, 0x7c00},                /* tie between 65504 (odd) and 2^16: inf */
        {1e6f, 0x7c00},
        {-1e6f, 0xfc00},
        {FLT_MAX, 0x7c00},
        {INFINITY, 0x7c00},
        {-INFINITY, 0xfc00},
        {0x1p-24f, 0x0001},                /* smallest subnormal */
        {0x1p-25f, 0x0000},                /* tie with 0: even is 0 */
        {0x1.8p-25f, 0x0001},
        {3 * 0x1p-25f, 0x0002},            /* tie between 1 and 2: even is 2 */
        {5 * 0x1p-25f, 0x0002},            /* tie between 2 and 3: even is 2 */
        {0x1p-26f, 0x0000},
        {-0x1p-26f, 0x8000},
        {FLT_MIN, 0x0000},
        {0x1p-149f, 0x0000},               /* smallest f32 subnormal */
        {1023 * 0x1p-24f, 0x03ff},         /* largest subnormal */
        {1023.5f * 0x1p-24f, 0x0400},      /* tie into the smallest normal */
        {0x1p-14f, 0x0400},
        {-0x1p-14f, 0x8400},
        {0.1f, 0x2e66},
        {3.14159265f, 0x4248},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t h = f32_to_f16(cases[i].f);
        if (h != cases[i].h) {
            print_error("f32_to_f16(%a) = 0x%04x, want 0x%04x\n", (double)cases[i].f, h,
                        cases[i].h);
            fail();
        }
    }
    assert_true(f16_is_nan(f32_to_f16(NAN)));
    assert_true(f16_is_nan(f32_to_f16(-NAN)));
    /* A NaN whose payload lives only in the low 13 bits must stay NaN. */
    assert_true(f16_is_nan(f32_to_f16(float_of(0x7f800001))));
}

/* Every finite f32 within the f16 range converts to a nearest half, and to
 * the even one on a tie. Differences are exact in double. */
static void test_fp16_nearest(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 16);
    for (int i = 0; i < 300000; i++) {
        uint32_t mag = (uint32_t)(rng_u64(&rng) % 0x477fe001u); /* up to 65504 */
        uint32_t sgn = (uint32_t)(rng_u64(&rng) & 1) << 31;
        float f = float_of(sgn | mag);
        uint16_t h = f32_to_f16(f);
        uint16_t hm = h & 0x7fff, hs = h & 0x8000;
        double err = fabs((double)f16_to_f32(h) - f);
        for (int step = -1; step <= 1; step += 2) {
            int nm = hm + step;
            if (nm < 0 || nm > 0x7bff)
                continue;
            double other = fabs((double)f16_to_f32((uint16_t)(hs | nm)) - f);
            if (err > other || (err == other && (hm & 1))) {
                print_error("f32_to_f16(%a) = 0x%04x, but 0x%04x is %s\n", (double)f, h,
                            hs | nm, err > other ? "nearer" : "as near and even");
                fail();
            }
        }
    }
}

/* --- the test model --- */

/* latent 3 -> dense (4,2,2) -> relu -> upsample2 (4,4,4) -> conv3 (1) ->
 * sigmoid: a 4x4x1 image. */
#define T_LAYERS 5
#define T_PARAMS (3 * 16 + 16 + 1 * 4 * 9 + 1)
static const layer_spec t_specs[T_LAYERS] = {
    {LAYER_DENSE, {4, 2, 2}}, {LAYER_RELU, {0, 0, 0}},    {LAYER_UPSAMPLE2, {0, 0, 0}},
    {LAYER_CONV3, {1, 0, 0}}, {LAYER_SIGMOID, {0, 0, 0}},
};
/* What each layer outputs and how many parameters it has (by hand). */
static const tshape t_shapes[T_LAYERS] = {{4, 2, 2}, {4, 2, 2}, {4, 4, 4}, {1, 4, 4}, {1, 4, 4}};
static const size_t t_counts[T_LAYERS] = {3 * 16 + 16, 0, 0, 1 * 4 * 9 + 1, 0};
/* Biases (one per output unit of a dense layer, per channel of a conv) and
 * int8 scale groups (one per output channel) of each layer. */
static const size_t t_biases[T_LAYERS] = {16, 0, 0, 1, 0};
static const size_t t_groups[T_LAYERS] = {4, 0, 0, 1, 0};
/* DECO dtype codes of int8 layers: per output channel (written), and the
 * first layout, per output unit (read) */
#define T_INT8_CHANNELS 3
#define T_INT8_UNITS 2
#define T_INT4_CHANNELS 4
#define T_KMAX 4

/* A value representable in f32, so that f32 storage is exact. */
static double f32_normal(rng_t *r, double scale) { return (float)(scale * rng_normal(r)); }

static void make_gmm(gmm_t *g, int k, gmm_cov cov, rng_t *r)
{
    static const double w2[2] = {0.25, 0.75}, w3[3] = {0.5, 0.25, 0.25};
    int d = 3;
    gmm_init(g, k, d, cov);
    for (int j = 0; j < k; j++) {
        g->weights[j] = k == 1 ? 1.0 : k == 2 ? w2[j] : w3[j];
        for (int i = 0; i < d; i++)
            g->means[j * d + i] = f32_normal(r, 2.0);
        for (int a = 0; a < d; a++) {
            if (cov == GMM_COV_DIAG) {
                g->chol[j * d + a] = (float)(0.5 + fabs(rng_normal(r)));
                continue;
            }
            for (int b = 0; b <= a; b++)
                g->chol[(j * d + a) * d + b] =
                    a == b ? (float)(0.5 + fabs(rng_normal(r))) : f32_normal(r, 0.3);
        }
    }
}

static void make_model(lgc_model *m, lgcf_dtype dtype)
{
    static const long counts[3] = {50, 0, 123456};
    rng_t rng;
    rng_seed(&rng, 7);
    memset(m, 0, sizeof *m);
    m->h = 4;
    m->w = 4;
    m->c = 1;
    m->n_classes = 3;
    m->latent = 3;
    m->class_counts = xmalloc(sizeof counts);
    memcpy(m->class_counts, counts, sizeof counts);
    m->n_layers = T_LAYERS;
    m->dec_specs = xmalloc(sizeof t_specs);
    memcpy(m->dec_specs, t_specs, sizeof t_specs);
    m->n_dec_params = T_PARAMS;
    m->dec_params = xmalloc(T_PARAMS * sizeof(float));
    for (int j = 0; j < T_PARAMS; j++)
        m->dec_params[j] = (float)(0.5 * rng_normal(&rng));
    /* Values that f16 rounds interestingly: a subnormal, a large value, -0. */
    m->dec_params[1] = 1e-6f;
    m->dec_params[2] = 30000.5f;
    m->dec_params[3] = -0.0f;
    m->weight_dtype = dtype;
    m->gmms = xcalloc(3, sizeof(gmm_t));
    make_gmm(&m->gmms[0], 2, GMM_COV_FULL, &rng);
    make_gmm(&m->gmms[1], 1, GMM_COV_DIAG, &rng);
    make_gmm(&m->gmms[2], 3, GMM_COV_FULL, &rng);
    m->kmax = T_KMAX;
    m->bic = xmalloc(3 * T_KMAX * sizeof(double));
    for (int j = 0; j < 3 * T_KMAX; j++)
        m->bic[j] = f32_normal(&rng, 1000.0);
    m->bic[1 * T_KMAX + 3] = INFINITY; /* a k skipped for lack of points */
}

static void assert_same_bits(const void *a, const void *b, size_t n, const char *what)
{
    if (memcmp(a, b, n)) {
        print_error("%s differs\n", what);
        fail();
    }
}

/* Every field equal, every float bit-identical; dec_params compared
 * separately when params is 0 (the f16 test checks them its own way). */
static void assert_models_equal(const lgc_model *a, const lgc_model *b, int params)
{
    assert_int_equal(a->h, b->h);
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->c, b->c);
    assert_int_equal(a->n_classes, b->n_classes);
    assert_int_equal(a->latent, b->latent);
    assert_same_bits(a->class_counts, b->class_counts, (size_t)a->n_classes * sizeof(long),
                     "class counts");
    assert_int_equal(a->n_layers, b->n_layers);
    for (int i = 0; i < a->n_layers; i++) {
        assert_int_equal(a->dec_specs[i].type, b->dec_specs[i].type);
        assert_int_equal(a->dec_specs[i].out.c, b->dec_specs[i].out.c);
        assert_int_equal(a->dec_specs[i].out.h, b->dec_specs[i].out.h);
        assert_int_equal(a->dec_specs[i].out.w, b->dec_specs[i].out.w);
    }
    assert_int_equal(a->n_dec_params, b->n_dec_params);
    assert_int_equal(a->weight_dtype, b->weight_dtype);
    if (params)
        assert_same_bits(a->dec_params, b->dec_params, a->n_dec_params * sizeof(float),
                         "decoder parameters");
    for (int c = 0; c < a->n_classes; c++) {
        const gmm_t *g = &a->gmms[c], *h = &b->gmms[c];
        size_t per = g->cov == GMM_COV_FULL ? (size_t)g->d * g->d : (size_t)g->d;
        assert_int_equal(g->k, h->k);
        assert_int_equal(g->d, h->d);
        assert_int_equal(g->cov, h->cov);
        assert_same_bits(g->weights, h->weights, (size_t)g->k * sizeof(double), "weights");
        assert_same_bits(g->means, h->means, (size_t)g->k * g->d * sizeof(double), "means");
        assert_same_bits(g->chol, h->chol, (size_t)g->k * per * sizeof(double), "factors");
    }
    assert_int_equal(a->kmax, b->kmax);
    assert_same_bits(a->bic, b->bic, (size_t)a->n_classes * a->kmax * sizeof(double), "BIC");
}

/* --- files and directories --- */

static char *tmp_path(const char *name)
{
    size_t n = strlen(scratch_dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", scratch_dir, name);
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = xmalloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* lgcf_write's bytes for m. */
static uint8_t *written_bytes(const lgc_model *m, size_t *len)
{
    char *path = tmp_path("bytes.lgc");
    assert_int_equal(lgcf_write(path, m), LGC_OK);
    uint8_t *buf = slurp(path, len);
    unlink(path);
    free(path);
    return buf;
}

/* Writing r (a model read from buf) gives buf again, byte for byte. */
static void assert_rewrite_is(const lgc_model *r, const uint8_t *buf, size_t len,
                              const char *what)
{
    size_t len2;
    uint8_t *buf2 = written_bytes(r, &len2);
    assert_int_equal(len2, len);
    assert_same_bits(buf, buf2, len, what);
    free(buf2);
}

/* --- the test's own encoder, from docs/FORMAT.md --- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} tbuf;

static void tput(tbuf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = 2 * (b->len + n);
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void tu8(tbuf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    tput(b, &x, 1);
}

static void tu16(tbuf *b, unsigned v)
{
    tu8(b, v & 0xff);
    tu8(b, (v >> 8) & 0xff);
}

static void tu32(tbuf *b, uint32_t v)
{
    tu16(b, v & 0xffff);
    tu16(b, v >> 16);
}

static void tf32(tbuf *b, double v) { tu32(b, bits_of((float)v)); }
/* A mixture value in the mixtures' dtype (docs/FORMAT.md, GMMS). */
static void treal(tbuf *b, double v, lgcf_dtype t)
{
    if (t == LGCF_F16)
        tu16(b, f32_to_f16((float)v));
    else
        tf32(b, v);
}

static void tpatch32(tbuf *b, size_t at, uint32_t v)
{
    assert_true(at + 4 <= b->len);
    for (int i = 0; i < 4; i++)
        b->p[at + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t tget32(const tbuf *b, size_t at)
{
    return (uint32_t)b->p[at] | (uint32_t)b->p[at + 1] << 8 | (uint32_t)b->p[at + 2] << 16 |
           (uint32_t)b->p[at + 3] << 24;
}

static void tfree(tbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* The scale of a group, as docs/FORMAT.md states it: max|w| / qmax in
 * f32 (127 for int8, 7 for int4), or FLT_MIN when that is smaller. */
static float tscale_q(const float *w, size_t n, int qmax)
{
    float mx = 0.0f;
    for (size_t j = 0; j < n; j++)
        mx = fmaxf(mx, fabsf(w[j]));
    const float s = mx / (float)qmax;
    return s < FLT_MIN ? FLT_MIN : s;
}

static float tscale(const float *w, size_t n) { return tscale_q(w, n, 127); }

/* round(w / s) to nearest, ties to even, within -qmax..qmax */
static int tcode_q(float w, float s, int qmax)
{
    const double q = nearbyint((double)w / s);
    return q > qmax ? qmax : q < -qmax ? -qmax : (int)q;
}

/* A quantised layer (docs/FORMAT.md, DECO): groups f32 scales, then the
 * codes group by group, int8 as two's complement bytes, int4 as two's
 * complement nibbles, two per byte, low nibble first, the last byte's high
 * nibble 0 for an odd count; then the f16 biases. */
static void tquant_layer(tbuf *d, const float *p, size_t count, size_t biases, size_t groups,
                         int int4)
{
    const int qmax = int4 ? 7 : 127;
    const size_t n_w = count - biases, len = n_w / groups;
    for (size_t g = 0; g < groups; g++)
        tf32(d, tscale_q(p + g * len, len, qmax));
    unsigned lo = 0;
    for (size_t j = 0; j < n_w; j++) {
        const size_t g = j / len;
        const unsigned q = (unsigned)tcode_q(p[j], tscale_q(p + g * len, len, qmax), qmax);
        if (!int4)
            tu8(d, q & 0xff);
        else if (j % 2 == 0)
            lo = q & 0xf;
        else
            tu8(d, lo | (q & 0xf) << 4);
    }
    if (int4 && n_w % 2)
        tu8(d, lo);
    for (size_t r = 0; r < biases; r++)
        tu16(d, f32_to_f16(p[n_w + r]));
}

/* The stored values of a mixture component's mean (factor 0) or factor
 * (factor 1: the diagonal, or the lower triangle row by row) as f32, with
 * is_diag[i] set for the factor's diagonal entries; returns the count. */
static size_t tcomponent(float *v, int *is_diag, const gmm_t *g, int j, int factor)
{
    const int d = g->d;
    size_t n = 0;
    for (int r = 0; r < d; r++) {
        if (!factor || g->cov == GMM_COV_DIAG) {
            v[n] = (float)(factor ? g->chol[j * d + r] : g->means[j * d + r]);
            is_diag[n++] = factor;
            continue;
        }
        for (int c = 0; c <= r; c++) {
            v[n] = (float)g->chol[(j * d + r) * d + c];
            is_diag[n++] = c == r;
        }
    }
    return n;
}

/* An int8 mixture after its weights (docs/FORMAT.md, GMMS): for every
 * component its mean as an f32 scale and d codes, then for every
 * component its factor likewise; a diagonal code is at least 1. */
static void tint8_mixture(tbuf *b, const gmm_t *g)
{
    float v[64 * 65 / 2];
    int is_diag[64 * 65 / 2];
    for (int f = 0; f < 2; f++)
        for (int j = 0; j < g->k; j++) {
            const size_t n = tcomponent(v, is_diag, g, j, f);
            const float s = tscale(v, n);
            tf32(b, s);
            for (size_t i = 0; i < n; i++) {
                int q = tcode_q(v[i], s, 127);
                if (is_diag[i] && q < 1)
                    q = 1;
                tu8(b, (unsigned)q & 0xff);
            }
        }
}

/* int8 files of the first layout: one scale per output unit */
static int t_int8_units;

enum { T_SHAP, T_PRIO, T_DECO, T_GMMS, T_BICS, T_NSEC };
static const char *const t_tags[T_NSEC] = {"SHAP", "PRIO", "DECO", "GMMS", "BICS"};

/* The five payloads of the test model m (its decoder is t_specs). */
static void encode_payloads(tbuf raw[T_NSEC], const lgc_model *m)
{
    memset(raw, 0, T_NSEC * sizeof(tbuf));
    tu32(&raw[T_SHAP], (uint32_t)m->h);
    tu32(&raw[T_SHAP], (uint32_t)m->w);
    tu32(&raw[T_SHAP], (uint32_t)m->c);
    tu32(&raw[T_SHAP], (uint32_t)m->n_classes);
    tu32(&raw[T_SHAP], (uint32_t)m->latent);
    for (int c = 0; c < m->n_classes; c++)
        tu32(&raw[T_PRIO], (uint32_t)m->class_counts[c]);

    tbuf *d = &raw[T_DECO];
    tu32(d, T_LAYERS);
    tu32(d, T_PARAMS);
    for (int i = 0; i < T_LAYERS; i++) {
        tu8(d, t_specs[i].type);
        const unsigned code = m->weight_dtype == LGCF_INT4 ? T_INT4_CHANNELS
                              : m->weight_dtype != LGCF_INT8 ? m->weight_dtype
                              : t_int8_units                 ? T_INT8_UNITS
                                                             : T_INT8_CHANNELS;
        tu8(d, t_counts[i] ? code : 0);
        tu16(d, 0);
        tu32(d, (uint32_t)t_shapes[i].c);
        tu32(d, (uint32_t)t_shapes[i].h);
        tu32(d, (uint32_t)t_shapes[i].w);
    }
    const float *p = m->dec_params;
    for (int i = 0; i < T_LAYERS; p += t_counts[i], i++) {
        if (m->weight_dtype == LGCF_INT8 || m->weight_dtype == LGCF_INT4) {
            if (t_counts[i])
                tquant_layer(d, p, t_counts[i], t_biases[i],
                             t_int8_units ? t_biases[i] : t_groups[i],
                             m->weight_dtype == LGCF_INT4);
            continue;
        }
        for (size_t j = 0; j < t_counts[i]; j++) {
            if (m->weight_dtype == LGCF_F16)
                tu16(d, f32_to_f16(p[j]));
            else
                tu32(d, bits_of(p[j]));
        }
    }

    for (int c = 0; c < m->n_classes; c++) {
        const gmm_t *g = &m->gmms[c];
        tbuf *b = &raw[T_GMMS];
        tu8(b, g->cov);
        tu8(b, m->gmm_dtype);
        tu16(b, 0);
        tu32(b, (uint32_t)g->k);
        tu32(b, (uint32_t)g->d);
        for (int j = 0; j < g->k; j++)
            tf32(b, g->weights[j]);
        if (m->gmm_dtype == LGCF_INT8) {
            tint8_mixture(b, g);
            continue;
        }
        for (int j = 0; j < g->k * g->d; j++)
            treal(b, g->means[j], m->gmm_dtype);
        for (int j = 0; j < g->k; j++)
            for (int r = 0; r < g->d; r++) {
                if (g->cov == GMM_COV_DIAG) {
                    treal(b, g->chol[j * g->d + r], m->gmm_dtype);
                    continue;
                }
                for (int col = 0; col <= r; col++)
                    treal(b, g->chol[(j * g->d + r) * g->d + col], m->gmm_dtype);
            }
    }
    tu32(&raw[T_BICS], (uint32_t)m->kmax);
    for (int j = 0; j < m->n_classes * m->kmax; j++)
        tf32(&raw[T_BICS], m->bic[j]);
}

typedef struct {
    const char *tag;
    const tbuf *raw;
    int junk; /* bytes of junk appended after the deflate stream */
} tsection;

static void fix_crc(tbuf *f)
{
    tpatch32(f, f->len - 4, (uint32_t)crc32(0, f->p, (uInt)(f->len - 4)));
}

/* A complete file of n sections; at[i] receives section i's offset. */
static void assemble(tbuf *f, const tsection *s, int n, size_t *at)
{
    static const uint8_t magic[8] = {0x89, 'L', 'G', 'C', '\r', '\n', 0x1a, '\n'};
    memset(f, 0, sizeof *f);
    tput(f, magic, 8);
    tu32(f, 1);
    tu32(f, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        uLongf stored = compressBound((uLong)s[i].raw->len);
        uint8_t *z = xmalloc(stored + (size_t)s[i].junk);
        assert_int_equal(compress2(z, &stored, s[i].raw->p, (uLong)s[i].raw->len, 9), Z_OK);
        memset(z + stored, 0xa5, (size_t)s[i].junk);
        if (at)
            at[i] = f->len;
        tput(f, s[i].tag, 4);
        tu32(f, (uint32_t)s[i].raw->len);
        tu32(f, (uint32_t)(stored + (size_t)s[i].junk));
        tput(f, z, stored + (size_t)s[i].junk);
        free(z);
    }
    tu32(f, 0);
    fix_crc(f);
}

/* The standard five-section file from raw payloads. */
static void assemble_std(tbuf *f, const tbuf raw[T_NSEC], size_t at[T_NSEC])
{
    tsection s[T_NSEC];
    for (int i = 0; i < T_NSEC; i++)
        s[i] = (tsection){t_tags[i], &raw[i], 0};
    assemble(f, s, T_NSEC, at);
}

/* Encodes m with the test encoder into f. */
static void forge_model(tbuf *f, const lgc_model *m)
{
    tbuf raw[T_NSEC];
    encode_payloads(raw, m);
    assemble_std(f, raw, NULL);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
}

static void expect_reject(const tbuf *f, const char *want)
{
    lgc_model m;
    int st = lgcf_read_mem(&m, NULL, f->p, f->len, "forged.lgc");
    const char *msg = lgc_errmsg();
    if (st != LGC_EFORMAT || !strstr(msg, want) || !strstr(msg, "'forged.lgc'")) {
        print_error("status %d, message \"%s\"; wanted LGC_EFORMAT and \"%s\"\n", st, msg, want);
        fail();
    }
    /* Left empty on failure. */
    assert_null(m.class_counts);
    assert_null(m.dec_params);
    assert_null(m.gmms);
    assert_null(m.bic);
}

/* --- round trips --- */

static void test_roundtrip_f32(void **state)
{
    (void)state;
    lgc_model m, r;
    lgcf_sizes z;
    make_model(&m, LGCF_F32);
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "m.lgc"), LGC_OK);
    assert_models_equal(&m, &r, 1);
    assert_int_equal(z.file_bytes, len);
    assert_int_equal(z.header_bytes + z.shape_bytes + z.prior_bytes + z.decoder_bytes +
                         z.mixture_bytes + z.bic_bytes + z.other_bytes,
                     len);
    assert_int_equal(z.other_bytes, 0);
    assert_true(z.decoder_bytes > 12 && z.mixture_bytes > 12 && z.bic_bytes > 12);
    lgc_model_free(&r);
    assert_null(r.dec_params);
    free(buf);
    lgc_model_free(&m);
}

static void test_roundtrip_f16(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F16);
    size_t len, len2;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "m.lgc"), LGC_OK);
    assert_models_equal(&m, &r, 0);
    for (size_t j = 0; j < m.n_dec_params; j++) {
        float want = f16_to_f32(f32_to_f16(m.dec_params[j]));
        if (bits_of(r.dec_params[j]) != bits_of(want)) {
            print_error("parameter %zu: read %a, want %a\n", j, (double)r.dec_params[j],
                        (double)want);
            fail();
        }
    }
    assert_true(r.dec_params[1] != 0 && r.dec_params[1] != 1e-6f); /* f16 subnormal */
    assert_true(signbit(r.dec_params[3]));
    uint8_t *buf2 = written_bytes(&r, &len2);
    assert_int_equal(len2, len);
    assert_same_bits(buf, buf2, len, "rewritten file");
    /* f16 is the point: the decoder section shrinks. */
    lgc_model m32;
    make_model(&m32, LGCF_F32);
    size_t len32;
    uint8_t *buf32 = written_bytes(&m32, &len32);
    assert_true(len < len32);
    free(buf32);
    lgc_model_free(&m32);
    free(buf2);
    free(buf);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* Mixtures stored as f16: values come back f16-rounded, a rewrite is byte
 * for byte the same, and the file shrinks. */
static void test_roundtrip_f16_mixtures(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F32);
    size_t len32, len;
    uint8_t *buf32 = written_bytes(&m, &len32);
    m.gmm_dtype = LGCF_F16;
    uint8_t *buf = written_bytes(&m, &len);
    assert_true(len < len32);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "m.lgc"), LGC_OK);
    assert_int_equal(r.gmm_dtype, LGCF_F16);
    for (int c = 0; c < m.n_classes; c++) {
        const gmm_t *g = &m.gmms[c], *h = &r.gmms[c];
        assert_int_equal(g->k, h->k);
        for (int j = 0; j < g->k; j++)
            assert_true(h->weights[j] == (float)g->weights[j]); /* weights stay f32 */
        for (int j = 0; j < g->k * g->d; j++)
            assert_true(h->means[j] == f16_to_f32(f32_to_f16((float)g->means[j])));
        size_t per = g->cov == GMM_COV_FULL ? (size_t)g->d * g->d : (size_t)g->d;
        for (size_t j = 0; j < (size_t)g->k * per; j++)
            assert_true(h->chol[j] == f16_to_f32(f32_to_f16((float)g->chol[j])));
    }
    assert_rewrite_is(&r, buf, len, "rewritten file");
    free(buf);
    free(buf32);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* Mixtures stored as int8: every mean and factor entry within half its
 * component's scale (a diagonal entry below half a step comes back as one
 * step), the file matches the FORMAT.md encoding and a rewrite is byte for
 * byte the same; the file is smaller than with f16 mixtures. */
static void test_roundtrip_int8_mixtures(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F16);
    /* a factor whose diagonal holds an entry far below its scale */
    m.gmms[0].chol[0] = 1e-3;
    size_t len16, len;
    uint8_t *buf16 = written_bytes(&m, &len16);
    m.gmm_dtype = LGCF_INT8;
    uint8_t *buf = written_bytes(&m, &len);
    assert_true(len < len16);
    tbuf f;
    forge_model(&f, &m);
    assert_int_equal(f.len, len);
    assert_same_bits(f.p, buf, len, "int8 mixtures vs the FORMAT.md encoding");
    tfree(&f);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "m.lgc"), LGC_OK);
    assert_int_equal(r.gmm_dtype, LGCF_INT8);
    for (int c = 0; c < m.n_classes; c++) {
        const gmm_t *g = &m.gmms[c], *h = &r.gmms[c];
        for (int j = 0; j < g->k; j++) {
            assert_true(h->weights[j] == (float)g->weights[j]);
            for (int fct = 0; fct < 2; fct++) {
                float v[64], w[64];
                int diag[64], diag2[64];
                const size_t n = tcomponent(v, diag, g, j, fct);
                tcomponent(w, diag2, h, j, fct);
                const float sc = tscale(v, n);
                for (size_t i = 0; i < n; i++) {
                    const double err = fabs((double)v[i] - w[i]);
                    const int raised = diag[i] && v[i] < sc / 2;
                    if (raised ? w[i] != sc : !(err <= sc / 2.0 + fabs((double)w[i]) * 0x1p-24))
                        fail_msg("class %d component %d %s value %zu: %a read back as %a, "
                                 "scale %a", c, j, fct ? "factor" : "mean", i, (double)v[i],
                                 (double)w[i], (double)sc);
                }
            }
        }
    }
    assert_true(r.gmms[0].chol[0] > 0.0);
    assert_rewrite_is(&r, buf, len, "rewritten file");
    free(buf);
    free(buf16);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* Hostile int8 mixtures: a scale that is 0, negative, NaN or infinite, a
 * zero or negative diagonal code, and a payload cut short are refused. */
static void test_forged_int8_mixtures(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m, LGCF_F16);
    m.gmm_dtype = LGCF_INT8;
    tbuf raw[T_NSEC], f;
    encode_payloads(raw, &m);
    /* class 0: cov, dtype, reserved, k, d (12 bytes), 2 f32 weights, then
     * component 0's mean scale */
    const size_t mean0 = 12 + 2 * 4;
    static const struct {
        float v;
        const char *want;
    } cases[] = {
        {0.0f, "class 0 mixture component 0 mean scale is 0, not finite and positive"},
        {-1.0f, "class 0 mixture component 0 mean scale is -1, not finite and positive"},
        {NAN, "class 0 mixture component 0 mean scale is nan, not finite and positive"},
        {INFINITY, "class 0 mixture component 0 mean scale is inf, not finite and positive"},
    };
    const uint32_t old = tget32(&raw[T_GMMS], mean0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpatch32(&raw[T_GMMS], mean0, bits_of(cases[i].v));
        assemble_std(&f, raw, NULL);
        expect_reject(&f, cases[i].want);
        tfree(&f);
    }
    tpatch32(&raw[T_GMMS], mean0, old);
    /* component 0's factor: after both means (2 x (4 + 3)), its scale,
     * then its first (diagonal) code */
    const size_t diag0 = mean0 + 2 * (4 + 3) + 4;
    const uint8_t code = raw[T_GMMS].p[diag0];
    static const uint8_t bad[2] = {0x00, 0xff}; /* 0 and -1 */
    for (int i = 0; i < 2; i++) {
        raw[T_GMMS].p[diag0] = bad[i];
        assemble_std(&f, raw, NULL);
        expect_reject(&f, "class 0 mixture: component 0 covariance is not positive definite");
        tfree(&f);
    }
    raw[T_GMMS].p[diag0] = code;
    raw[T_GMMS].len -= 1;
    assemble_std(&f, raw, NULL);
    expect_reject(&f, "truncated in section GMMS");
    tfree(&f);
    raw[T_GMMS].len += 1;
    assemble_std(&f, raw, NULL);
    lgc_model r;
    assert_int_equal(lgcf_read_mem(&r, NULL, f.p, f.len, "ok.lgc"), LGC_OK);
    lgc_model_free(&r);
    tfree(&f);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
    lgc_model_free(&m);
}

/* Checks r (read back from an int8 or int4 file of m) against m: every weight
 * within half its group's scale of the original, plus the rounding of the
 * f32 product q * s (half an ulp of the result); biases f16-rounded. */
static void assert_quant_close(const lgc_model *m, const lgc_model *r, const size_t *counts,
                               const size_t *biases, const size_t *groups, int n_layers,
                               lgcf_dtype dt)
{
    assert_int_equal(r->weight_dtype, dt);
    const int qmax = dt == LGCF_INT4 ? 7 : 127;
    size_t at = 0;
    for (int i = 0; i < n_layers; at += counts[i], i++) {
        if (!counts[i])
            continue;
        const size_t n_w = counts[i] - biases[i], len = n_w / groups[i];
        for (size_t g = 0; g < groups[i]; g++) {
            const float *w = m->dec_params + at + g * len, *q = r->dec_params + at + g * len;
            const float s = tscale_q(w, len, qmax);
            for (size_t j = 0; j < len; j++) {
                const double err = fabs((double)w[j] - q[j]);
                const double bound = s / 2.0 + fabs((double)q[j]) * 0x1p-24;
                if (!(err <= bound)) {
                    print_error("layer %d group %zu weight %zu: %a read back as %a, scale %a: "
                                "error %g > %g\n", i, g, j, (double)w[j], (double)q[j],
                                (double)s, err, bound);
                    fail();
                }
            }
        }
        for (size_t row = 0; row < biases[i]; row++) {
            const size_t b = at + n_w + row;
            assert_true(r->dec_params[b] == f16_to_f32(f32_to_f16(m->dec_params[b])));
        }
    }
}

/* int8 on the test model: the error bound, and a rewrite of what was read
 * is byte for byte the file. */
static void assert_int8_close(const lgc_model *m, const lgc_model *r, const size_t *counts,
                              const size_t *biases, const size_t *groups, int n_layers)
{
    assert_quant_close(m, r, counts, biases, groups, n_layers, LGCF_INT8);
}

static void test_roundtrip_int8(void **state)
{
    (void)state;
    lgc_model m, r, r2;
    make_model(&m, LGCF_INT8);
    size_t len, len2;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "m.lgc"), LGC_OK);
    assert_int8_close(&m, &r, t_counts, t_biases, t_groups, T_LAYERS);
    assert_true(signbit(r.dec_params[3]) || r.dec_params[3] == 0);
    uint8_t *buf2 = written_bytes(&r, &len2);
    assert_int_equal(len2, len);
    assert_same_bits(buf, buf2, len, "rewritten int8 file");
    /* and once more from the rewrite: the parameters are a fixed point */
    assert_int_equal(lgcf_read_mem(&r2, NULL, buf2, len2, "m2.lgc"), LGC_OK);
    assert_same_bits(r.dec_params, r2.dec_params, r.n_dec_params * sizeof(float),
                     "parameters read from the rewrite");
    lgc_model_free(&r2);
    free(buf2);
    free(buf);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* A file of the first int8 layout (DECO dtype code 2: one scale per output
 * unit of the dense layer) reads within its own bounds; a rewrite uses the
 * current layout (code 3), and an unknown code 5 is refused. */
static void test_read_int8_units(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_INT8);
    m.gmm_dtype = LGCF_F16;
    tbuf f;
    t_int8_units = 1;
    forge_model(&f, &m);
    t_int8_units = 0;
    assert_int_equal(lgcf_read_mem(&r, NULL, f.p, f.len, "units.lgc"), LGC_OK);
    assert_int8_close(&m, &r, t_counts, t_biases, t_biases, T_LAYERS);
    /* the rewrite is the current layout: what the test encoder makes of r */
    size_t len;
    uint8_t *buf = written_bytes(&r, &len);
    tfree(&f);
    forge_model(&f, &r);
    assert_int_equal(len, f.len);
    assert_same_bits(buf, f.p, len, "rewrite of a per-unit int8 file");
    free(buf);
    tfree(&f);
    /* dtype code 5 does not exist */
    tbuf raw[T_NSEC];
    encode_payloads(raw, &m);
    raw[T_DECO].p[8 + 1] = 5;
    assemble_std(&f, raw, NULL);
    expect_reject(&f, "decoder layer 0 has unknown weight type 5");
    tfree(&f);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* int8 groups of every kind: a dense decoder 3 -> (64, 2, 2) has 64
 * output channels of 4 units x 3 weights each; a channel's weights are
 * zero, subnormal-sized, tiny, huge, exact ties of the rounding, or random
 * of random magnitude. Every weight's error is within the bound and the
 * rewrite is byte-identical. */
static void test_roundtrip_int8_rows(void **state)
{
    (void)state;
    enum { GROUPS = 64, LEN = 12, BIASES = 256, N = GROUPS * LEN + BIASES };
    lgc_model m, r;
    make_model(&m, LGCF_INT8);
    m.h = m.w = 2;
    m.c = 64;
    m.n_layers = 1;
    m.dec_specs[0] = (layer_spec){LAYER_DENSE, {64, 2, 2}};
    m.n_dec_params = N;
    m.dec_params = xrealloc(m.dec_params, N * sizeof(float));
    rng_t rng;
    rng_seed(&rng, 8);
    for (int g = 0; g < GROUPS; g++) {
        float *w = m.dec_params + g * LEN;
        for (int j = 0; j < LEN; j++) {
            const double x = rng_normal(&rng);
            switch (g % 8) {
            case 0: w[j] = 0.0f; break;
            case 1: w[j] = (float)(x * 1e-39); break; /* subnormal: scale FLT_MIN */
            case 2: w[j] = (float)(x * 1e-30); break;
            case 3: w[j] = (float)(x * 1e30); break;
            case 4: w[j] = (float)(j == 0 ? 127.0 : j == 1 ? 0.5 : j == 2 ? -2.5 : 0.0); break;
            default: w[j] = (float)(x * pow(10.0, (double)rng_below(&rng, 11) - 5.0)); break;
            }
        }
    }
    for (int b = 0; b < BIASES; b++)
        m.dec_params[GROUPS * LEN + b] = (float)rng_normal(&rng);
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "rows.lgc"), LGC_OK);
    const size_t counts[1] = {N}, biases[1] = {BIASES}, groups[1] = {GROUPS};
    assert_int8_close(&m, &r, counts, biases, groups, 1);
    /* ties go to even: 0.5 -> 0, -2.5 -> -2 (scale exactly 1) */
    assert_true(r.dec_params[4 * LEN + 1] == 0.0f && r.dec_params[4 * LEN + 2] == -2.0f);
    for (int j = 0; j < LEN; j++)
        assert_true(r.dec_params[j] == 0.0f); /* a zero row stays zero */
    assert_rewrite_is(&r, buf, len, "rewritten int8 file");
    free(buf);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* int4 on the test model: every weight within half its scale (max|w| / 7),
 * and a rewrite of what was read is byte for byte the file. */
static void test_roundtrip_int4(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_INT4);
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "m.lgc"), LGC_OK);
    assert_quant_close(&m, &r, t_counts, t_biases, t_groups, T_LAYERS, LGCF_INT4);
    assert_rewrite_is(&r, buf, len, "rewritten int4 file");
    free(buf);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* int4 with an odd number of weights (a dense 3 -> 5 layer: 15 codes in 8
 * bytes): round trip within the bound, exact rewrite, every code -7..7
 * (with ties to even: 0.5 -> 0, -2.5 -> -2 at scale 1), and a file whose
 * padding nibble is not 0 is refused. */
static void test_int4_odd(void **state)
{
    (void)state;
    enum { GROUPS = 5, LEN = 3, N = GROUPS * LEN + GROUPS };
    lgc_model m, r;
    make_model(&m, LGCF_INT4);
    m.h = m.w = 1;
    m.c = GROUPS;
    m.n_layers = 1;
    m.dec_specs[0] = (layer_spec){LAYER_DENSE, {GROUPS, 1, 1}};
    m.n_dec_params = N;
    m.dec_params = xrealloc(m.dec_params, N * sizeof(float));
    static const float w[GROUPS * LEN] = {7.0f, 0.5f, -2.5f,  0.0f, 0.0f,   0.0f, 1e-30f, -3e-31f,
                                          2e-31f, -1.0f, 0.3f, 0.31f, 100.0f, -99.0f, 6.9f};
    memcpy(m.dec_params, w, sizeof w);
    for (int b = 0; b < GROUPS; b++)
        m.dec_params[GROUPS * LEN + b] = 0.25f * (float)b;
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "odd.lgc"), LGC_OK);
    const size_t counts[1] = {N}, biases[1] = {GROUPS}, groups[1] = {GROUPS};
    assert_quant_close(&m, &r, counts, biases, groups, 1, LGCF_INT4);
    assert_true(r.dec_params[0] == 7.0f && r.dec_params[1] == 0.0f && r.dec_params[2] == -2.0f);
    assert_rewrite_is(&r, buf, len, "rewritten odd int4 file");
    /* the padding nibble: the high half of the last code byte, which sits
     * just before the 5 f16 biases at the end of the DECO payload */
    lgc_model m0;
    make_model(&m0, LGCF_INT4);
    tbuf raw[T_NSEC], f;
    encode_payloads(raw, &m0); /* prior, mixtures and BIC of the same model */
    lgc_model_free(&m0);
    tfree(&raw[T_SHAP]);
    tfree(&raw[T_DECO]);
    const uint32_t shap[5] = {1, 1, GROUPS, 3, 3}; /* h, w, c, classes, latent */
    for (int i = 0; i < 5; i++)
        tu32(&raw[T_SHAP], shap[i]);
    tu32(&raw[T_DECO], 1);
    tu32(&raw[T_DECO], N);
    tu8(&raw[T_DECO], LAYER_DENSE);
    tu8(&raw[T_DECO], T_INT4_CHANNELS);
    tu16(&raw[T_DECO], 0);
    tu32(&raw[T_DECO], GROUPS);
    tu32(&raw[T_DECO], 1);
    tu32(&raw[T_DECO], 1);
    tquant_layer(&raw[T_DECO], m.dec_params, N, GROUPS, GROUPS, 1);
    assemble_std(&f, raw, NULL);
    assert_int_equal(f.len, len);
    assert_same_bits(f.p, buf, len, "odd int4 file vs the FORMAT.md encoding");
    lgc_model ok;
    assert_int_equal(lgcf_read_mem(&ok, NULL, f.p, f.len, "ok.lgc"), LGC_OK);
    lgc_model_free(&ok);
    tfree(&f);
    raw[T_DECO].p[raw[T_DECO].len - 2 * GROUPS - 1] |= 0x80;
    assemble_std(&f, raw, NULL);
    expect_reject(&f, "decoder layer 0 padding nibble is 8, not 0");
    tfree(&f);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
    free(buf);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

/* lgcf_encoded_size is the size lgcf_write gives; lgcf_raw_size is the
 * frame plus every section header and raw payload of the test encoder,
 * for mixtures that all have k components (each dtype and covariance). */
static void test_sizes(void **state)
{
    (void)state;
    for (int dt = LGCF_F32; dt <= LGCF_INT4; dt++)
        for (int cov = GMM_COV_FULL; cov <= GMM_COV_DIAG; cov++) {
            lgc_model m;
            make_model(&m, (lgcf_dtype)dt);
            /* mixtures in each of their dtypes: int8 with int4 weights */
            m.gmm_dtype = dt == LGCF_F32 ? LGCF_F32 : dt == LGCF_INT4 ? LGCF_INT8 : LGCF_F16;
            rng_t rng;
            rng_seed(&rng, 9);
            for (int c = 0; c < m.n_classes; c++) {
                gmm_free(&m.gmms[c]);
                make_gmm(&m.gmms[c], 2, (gmm_cov)cov, &rng);
            }
            size_t len, enc, raw;
            uint8_t *buf = written_bytes(&m, &len);
            assert_int_equal(lgcf_encoded_size(&m, &enc), LGC_OK);
            assert_int_equal(enc, len);
            tbuf p[T_NSEC];
            encode_payloads(p, &m);
            size_t want = 8 + 4 + 4 + 4; /* magic, version, count, CRC */
            for (int i = 0; i < T_NSEC; i++)
                want += 12 + p[i].len;
            assert_int_equal(lgcf_raw_size(&raw, m.latent, m.n_classes, m.dec_specs, m.n_layers,
                                           (lgcf_dtype)dt, 2, (gmm_cov)cov, m.gmm_dtype, m.kmax),
                             LGC_OK);
            assert_int_equal(raw, want);
            for (int i = 0; i < T_NSEC; i++)
                tfree(&p[i]);
            free(buf);
            lgc_model_free(&m);
        }
}

/* Hostile int8 layers, encoded by the test encoder and patched: the first
 * scale of the dense layer (payload offset 8 + 16 * 5), and a scale so
 * large that 127 times it overflows. */
static void test_forged_int8(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m, LGCF_INT8);
    m.gmm_dtype = LGCF_F16;
    tbuf raw[T_NSEC], f;
    encode_payloads(raw, &m);
    const size_t scale0 = 8 + 16 * T_LAYERS;
    static const struct {
        float v;
        const char *want;
    } cases[] = {
        {0.0f, "decoder layer 0 scale 0 is 0, not finite and positive"},
        {-0.0f, "decoder layer 0 scale 0 is -0, not finite and positive"},
        {-0.25f, "decoder layer 0 scale 0 is -0.25, not finite and positive"},
        {NAN, "decoder layer 0 scale 0 is nan, not finite and positive"},
        {INFINITY, "decoder layer 0 scale 0 is inf, not finite and positive"},
        {3e38f, "decoder layer 0 parameter"}, /* finite, but 127 * 3e38 is not */
    };
    uint32_t old = tget32(&raw[T_DECO], scale0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpatch32(&raw[T_DECO], scale0, bits_of(cases[i].v));
        assemble_std(&f, raw, NULL);
        expect_reject(&f, cases[i].want);
        tfree(&f);
    }
    tpatch32(&raw[T_DECO], scale0, old);
    /* the conv layer's only scale, after the dense layer's 4 scales, 48
     * codes and 16 f16 biases */
    const size_t conv_scale = scale0 + 4 * 4 + 48 + 16 * 2;
    tpatch32(&raw[T_DECO], conv_scale, bits_of(-1.0f));
    assemble_std(&f, raw, NULL);
    expect_reject(&f, "decoder layer 3 scale 0 is -1, not finite and positive");
    tfree(&f);
    /* one byte short of the layout */
    raw[T_DECO].len -= 1;
    assemble_std(&f, raw, NULL);
    expect_reject(&f, "truncated in section DECO");
    tfree(&f);
    /* the unpatched payloads are accepted (the patches were the cause) */
    raw[T_DECO].len += 1;
    tpatch32(&raw[T_DECO], conv_scale, bits_of(tscale(m.dec_params + t_counts[0], 36)));
    assemble_std(&f, raw, NULL);
    lgc_model r;
    assert_int_equal(lgcf_read_mem(&r, NULL, f.p, f.len, "ok.lgc"), LGC_OK);
    lgc_model_free(&r);
    tfree(&f);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
    lgc_model_free(&m);
}

static void test_deterministic(void **state)
{
    (void)state;
    lgc_model m;
    make_model(&m, LGCF_F32);
    size_t a, b;
    uint8_t *x = written_bytes(&m, &a), *y = written_bytes(&m, &b);
    assert_int_equal(a, b);
    assert_same_bits(x, y, a, "second write");
    free(x);
    free(y);
    lgc_model_free(&m);
}

/* lgcf_write and the test encoder (docs/FORMAT.md) agree byte for byte. */
static void test_conformance(void **state)
{
    (void)state;
    for (int dt = LGCF_F32; dt <= LGCF_INT4; dt++) {
        lgc_model m;
        make_model(&m, (lgcf_dtype)dt);
        /* both dtypes for decoder and mixtures (mixtures have no int8/int4) */
        m.gmm_dtype = dt >= LGCF_INT8 ? LGCF_F16 : (lgcf_dtype)dt;
        tbuf f;
        forge_model(&f, &m);
        size_t len;
        uint8_t *buf = written_bytes(&m, &len);
        assert_int_equal(f.len, len);
        assert_same_bits(f.p, buf, len, "lgcf_write output vs the FORMAT.md encoding");
        free(buf);
        tfree(&f);
        lgc_model_free(&m);
    }
}

/* --- hostile files --- */

static void truncated_everywhere(lgcf_dtype dt, lgcf_dtype gmm_dt)
{
    lgc_model m, r;
    make_model(&m, dt);
    m.gmm_dtype = gmm_dt;
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    for (size_t n = 0; n < len; n++) {
        /* An exact-size copy, so a sanitizer sees any read past the end. */
        uint8_t *cut = xmalloc(n);
        memcpy(cut, buf, n);
        int st = lgcf_read_mem(&r, NULL, cut, n, "cut.lgc");
        if (st != LGC_EFORMAT || !strstr(lgc_errmsg(), "'cut.lgc'")) {
            print_error("truncated to %zu of %zu bytes: status %d, \"%s\"\n", n, len, st,
                        lgc_errmsg());
            fail();
        }
        free(cut);
    }
    free(buf);
    lgc_model_free(&m);
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    for (int dt = LGCF_F16; dt <= LGCF_INT4; dt++)
        truncated_everywhere((lgcf_dtype)dt, LGCF_F32);
    truncated_everywhere(LGCF_INT4, LGCF_INT8);
}

static void test_flipped_everywhere(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F32);
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0xff;
        int st = lgcf_read_mem(&r, NULL, buf, len, "flip.lgc");
        if (st != LGC_EFORMAT) {
            print_error("byte %zu of %zu flipped: status %d\n", i, len, st);
            fail();
        }
        buf[i] ^= 0xff;
    }
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "flip.lgc"), LGC_OK);
    lgc_model_free(&r);
    free(buf);
    lgc_model_free(&m);
}

/* The standard payloads, and the file they make, for patching. */
typedef struct {
    lgc_model m;
    tbuf raw[T_NSEC];
    tbuf file;
    size_t at[T_NSEC]; /* section offsets in file */
} forge;

static void forge_init(forge *g)
{
    make_model(&g->m, LGCF_F32);
    encode_payloads(g->raw, &g->m);
    assemble_std(&g->file, g->raw, g->at);
}

/* Reassembles after the payloads were patched. */
static void forge_rebuild(forge *g)
{
    tfree(&g->file);
    assemble_std(&g->file, g->raw, g->at);
}

static void forge_free(forge *g)
{
    for (int i = 0; i < T_NSEC; i++)
        tfree(&g->raw[i]);
    tfree(&g->file);
    lgc_model_free(&g->m);
}

static void test_forged_header(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    tbuf *f = &g.file;

    f->p[1] = 'X';
    fix_crc(f);
    expect_reject(f, "bad magic");
    f->p[1] = 'L';
    /* Text-mode damage: CR LF collapsed to LF shifts everything. */
    tbuf t = {0};
    tput(&t, f->p, 4);
    tput(&t, f->p + 5, f->len - 5);
    expect_reject(&t, "bad magic");
    tfree(&t);

    tpatch32(f, 8, 0);
    fix_crc(f);
    expect_reject(f, "version 0 is not supported");
    tpatch32(f, 8, 99);
    fix_crc(f);
    expect_reject(f, "version 99 is not supported");
    tpatch32(f, 8, 1);

    /* Claims more sections than present, or fewer. */
    tpatch32(f, 12, 6);
    fix_crc(f);
    expect_reject(f, "section 6 of 6 is missing");
    tpatch32(f, 12, 4);
    fix_crc(f);
    expect_reject(f, "unexpected bytes after the last section");
    tpatch32(f, 12, 5);
    fix_crc(f);

    f->p[f->len - 1] ^= 1;
    expect_reject(f, "checksum mismatch");
    forge_free(&g);
}

static void test_forged_framing(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    tbuf *f = &g.file;
    size_t deco = g.at[T_DECO], gmms = g.at[T_GMMS];
    uint32_t raw_len = tget32(f, deco + 4), stored_len = tget32(f, gmms + 8);

    tpatch32(f, deco + 4, 0xffffffffu); /* raw_len: 4 GiB */
    fix_crc(f);
    expect_reject(f, "section DECO claims 4294967295 bytes");
    tpatch32(f, deco + 4, raw_len + 1);
    fix_crc(f);
    expect_reject(f, "section DECO inflates to");
    tpatch32(f, deco + 4, raw_len - 1);
    fix_crc(f);
    expect_reject(f, "section DECO inflates to more than");
    tpatch32(f, deco + 4, raw_len);

    tpatch32(f, gmms + 8, 1u << 30); /* stored_len beyond the end */
    fix_crc(f);
    expect_reject(f, "truncated in section GMMS");
    tpatch32(f, gmms + 8, stored_len);
    fix_crc(f);

    /* Corrupt deflate data under a valid CRC. */
    f->p[deco + 12 + 5] ^= 0x55;
    fix_crc(f);
    lgc_model r;
    assert_int_equal(lgcf_read_mem(&r, NULL, f->p, f->len, "forged.lgc"), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "section DECO"));
    forge_free(&g);
}

static void test_forged_sections(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    tbuf f;
    tsection s[T_NSEC + 1];

    for (int miss = 0; miss < T_NSEC - 1; miss++) { /* the four required ones */
        int n = 0;
        for (int i = 0; i < T_NSEC; i++)
            if (i != miss)
                s[n++] = (tsection){t_tags[i], &g.raw[i], 0};
        assemble(&f, s, n, NULL);
        char want[64];
        snprintf(want, sizeof want, "required section %s is missing", t_tags[miss]);
        expect_reject(&f, want);
        tfree(&f);
    }

    for (int i = 0; i < T_NSEC; i++)
        s[i] = (tsection){t_tags[i], &g.raw[i], 0};
    s[T_NSEC] = (tsection){"DECO", &g.raw[T_DECO], 0};
    assemble(&f, s, T_NSEC + 1, NULL);
    expect_reject(&f, "duplicate section DECO");
    tfree(&f);

    s[1].junk = 3;
    assemble(&f, s, T_NSEC, NULL);
    expect_reject(&f, "section PRIO has 3 bytes after its deflate stream");
    tfree(&f);
    s[1].junk = 0;

    tput(&g.raw[T_PRIO], "x", 1);
    forge_rebuild(&g);
    expect_reject(&g.file, "1 unexpected bytes at the end of section PRIO");
    g.raw[T_PRIO].len -= 1;
    g.raw[T_BICS].len -= 1;
    forge_rebuild(&g);
    expect_reject(&g.file, "truncated in section BICS");
    forge_free(&g);
}

/* Accepted variations: an unknown section, no BIC curves, another order. */
static void test_forged_accepted(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    lgc_model r;
    lgcf_sizes z;
    tbuf f, extra = {0};
    tput(&extra, "future payload", 14);
    tsection s[T_NSEC + 1];
    for (int i = 0; i < T_NSEC; i++)
        s[i] = (tsection){t_tags[i], &g.raw[i], 0};
    s[T_NSEC] = (tsection){"XTRA", &extra, 0};
    size_t at[T_NSEC + 1];
    assemble(&f, s, T_NSEC + 1, at);
    assert_int_equal(lgcf_read_mem(&r, &z, f.p, f.len, "x.lgc"), LGC_OK);
    assert_models_equal(&g.m, &r, 1);
    assert_int_equal(z.other_bytes, f.len - 4 - at[T_NSEC]);
    lgc_model_free(&r);
    tfree(&f);

    assemble(&f, s, T_NSEC - 1, NULL); /* no BICS */
    assert_int_equal(lgcf_read_mem(&r, &z, f.p, f.len, "x.lgc"), LGC_OK);
    assert_int_equal(r.kmax, 0);
    assert_null(r.bic);
    assert_int_equal(z.bic_bytes, 0);
    lgc_model_free(&r);
    tfree(&f);

    tsection rev[T_NSEC];
    for (int i = 0; i < T_NSEC; i++)
        rev[i] = s[T_NSEC - 1 - i];
    assemble(&f, rev, T_NSEC, NULL);
    assert_int_equal(lgcf_read_mem(&r, NULL, f.p, f.len, "x.lgc"), LGC_OK);
    assert_models_equal(&g.m, &r, 1);
    lgc_model_free(&r);
    tfree(&f);
    tfree(&extra);
    forge_free(&g);
}

/* Offsets inside the payloads (FORMAT.md). */
#define SHAP_H 0
#define SHAP_N_CLASSES 12
#define DECO_N_LAYERS 0
#define DECO_LAYER(i) (8 + 16 * (i))
#define GMMS_K 4
#define GMMS_D 8

static void test_forged_counts(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    static const struct {
        int sec;
        size_t at;
        uint32_t value;
        const char *want;
    } cases[] = {
        {T_SHAP, SHAP_N_CLASSES, 0xffffffffu, "4294967295 classes"},
        {T_SHAP, SHAP_N_CLASSES, 0, "0 classes"},
        {T_SHAP, SHAP_N_CLASSES, 2, "unexpected bytes at the end of section PRIO"},
        {T_SHAP, SHAP_H, 0, "image shape 0x4x1"},
        {T_SHAP, SHAP_H, 8, "decoder outputs 1x4x4 (c x h x w) but images are 1x8x4"},
        {T_DECO, DECO_N_LAYERS, 0x7fffffffu, "decoder has 2147483647 layers"},
        {T_DECO, DECO_N_LAYERS, 3, "decoder outputs 4x4x4 (c x h x w) but images are 1x4x4"},
        {T_DECO, 4, 0xffffffffu, "decoder has 4294967295 parameters"},
        {T_DECO, 4, T_PARAMS + 1, "decoder needs 101 parameters, file says 102"},
        {T_DECO, DECO_LAYER(1) + 4, 5,
         "decoder layer 1 outputs 4x2x2 (c x h x w), file says 5x2x2"},
        {T_DECO, DECO_LAYER(1), 9, "decoder layer 1 has unknown type 9"},
        /* the ConvNet-3 judge's layers are no decoder's */
        {T_DECO, DECO_LAYER(1), LAYER_AVGPOOL2, "decoder layer 1 has unknown type 7"},
        {T_DECO, DECO_LAYER(1), LAYER_INSTNORM, "decoder layer 1 has unknown type 8"},
        {T_DECO, DECO_LAYER(1), 0x500 | LAYER_RELU, "decoder layer 1 has unknown weight type 5"},
        {T_DECO, DECO_LAYER(1), 0x10000 | LAYER_RELU, "decoder layer 1 has reserved field 1"},
        {T_DECO, DECO_LAYER(3) + 8, 0x7fffffffu,
         "decoder layer 3 output 1x2147483647x4 is out of range"},
        {T_GMMS, GMMS_K, 0, "class 0 mixture has 0 components"},
        {T_GMMS, GMMS_K, 0x40000000u, "class 0 mixture has 1073741824 components"},
        {T_GMMS, GMMS_D, 4, "class 0 mixture has dimension 4, latent is 3"},
        {T_GMMS, 0, 2, "class 0 mixture has unknown covariance type 2"},
        {T_GMMS, 0, 0x300, "class 0 mixture has unknown dtype 3"},
        {T_GMMS, 0, 0x10000, "class 0 mixture has a non-zero reserved field"},
        {T_BICS, 0, 0, "BIC curves have 0 points"},
        {T_BICS, 0, 65, "BIC curves have 65 points"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t old = tget32(&g.raw[cases[i].sec], cases[i].at);
        tpatch32(&g.raw[cases[i].sec], cases[i].at, cases[i].value);
        forge_rebuild(&g);
        expect_reject(&g.file, cases[i].want);
        tpatch32(&g.raw[cases[i].sec], cases[i].at, old);
    }
    /* A decoder that net_plan itself rejects: the dense layer now outputs
     * 3x3 and layer 2 becomes a max-pool, which needs even sizes. */
    tpatch32(&g.raw[T_DECO], DECO_LAYER(0) + 8, 3);
    tpatch32(&g.raw[T_DECO], DECO_LAYER(0) + 12, 3);
    tpatch32(&g.raw[T_DECO], DECO_LAYER(2), LAYER_MAXPOOL2);
    forge_rebuild(&g);
    expect_reject(&g.file, "decoder: layer 2 (maxpool2)");
    forge_free(&g);
}

/* Values the reader must refuse, encoded by the test encoder (lgcf_write
 * would refuse to write them). */
static void test_forged_values(void **state)
{
    (void)state;
    static const char *const want[] = {
        "decoder layer 0 parameter 5 is not finite",
        "decoder layer 3 parameter 0 is not finite",
        "class 2 mixture: mean is not finite",
        "class 0 mixture: component 1 covariance is not positive definite",
        "class 1 mixture: component 0 has standard deviation 0",
        "class 2 mixture: mixture weights sum to",
        "class 0 mixture: component 0 has weight -0.25",
        "class counts are all zero",
        /* NaN and Inf in the mixtures, and non-positive-definite factors */
        "class 0 mixture: component 1 has weight nan",
        "class 2 mixture: component 0 has weight inf",
        "class 2 mixture: mean is not finite",
        "class 0 mixture: component 0 Cholesky factor is not finite lower-triangular",
        "class 2 mixture: component 2 covariance is not positive definite",
        "class 1 mixture: component 0 has standard deviation inf",
    };
    for (int c = 0; c < (int)(sizeof want / sizeof want[0]); c++) {
        lgc_model m;
        tbuf f;
        make_model(&m, c == 1 ? LGCF_F16 : LGCF_F32);
        switch (c) {
        case 0: m.dec_params[5] = NAN; break;
        case 1: m.dec_params[t_counts[0]] = 1e5f; break; /* inf in f16 */
        case 2: m.gmms[2].means[4] = NAN; break;
        case 3: m.gmms[0].chol[1 * 9 + 2 * 3 + 2] = -0.5; break; /* negative diagonal */
        case 4: m.gmms[1].chol[0] = 0; break;
        case 5: m.gmms[2].weights[0] = 0.6; break;
        case 6: m.gmms[0].weights[0] = -0.25, m.gmms[0].weights[1] = 1.25; break;
        case 7: m.class_counts[0] = m.class_counts[2] = 0; break;
        case 8: m.gmms[0].weights[1] = NAN; break;
        case 9: m.gmms[2].weights[0] = INFINITY; break;
        case 10: m.gmm_dtype = LGCF_F16, m.gmms[2].means[0] = 1e5; break; /* inf in f16 */
        case 11: m.gmms[0].chol[2 * 3 + 1] = -INFINITY; break; /* below the diagonal */
        case 12: m.gmms[2].chol[2 * 9 + 1 * 3 + 1] = 0; break; /* zero on the diagonal */
        case 13: m.gmms[1].chol[1] = INFINITY; break;
        }
        forge_model(&f, &m);
        expect_reject(&f, want[c]);
        tfree(&f);
        lgc_model_free(&m);
    }
}

/* Sizes that are consistent but would make lgc sample allocate far more
 * than the file justifies: images beyond what IDX (and so lgc) allows, and
 * a decoder of a few bytes whose upsampling layers need gigabytes. */
static void test_forged_limits(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    static const struct {
        uint32_t h, w, c;
    } shapes[] = {{8192, 4, 1}, {4, 4, 65}, {4096, 4096, 8}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        tpatch32(&g.raw[T_SHAP], 0, shapes[i].h);
        tpatch32(&g.raw[T_SHAP], 4, shapes[i].w);
        tpatch32(&g.raw[T_SHAP], 8, shapes[i].c);
        forge_rebuild(&g);
        char want[128];
        snprintf(want, sizeof want, "image shape %ux%ux%u (h x w x c) is out of range",
                 shapes[i].h, shapes[i].w, shapes[i].c);
        expect_reject(&g.file, want);
    }

    /* dense 3 -> (1, 2, 2), then 11 upsamplings to (1, 4096, 4096): 16
     * parameters, 22,369,620 activations per image */
    tpatch32(&g.raw[T_SHAP], 0, 4096);
    tpatch32(&g.raw[T_SHAP], 4, 4096);
    tpatch32(&g.raw[T_SHAP], 8, 1);
    tbuf *d = &g.raw[T_DECO];
    d->len = 0;
    tu32(d, 12);
    tu32(d, 16);
    for (int i = 0; i < 12; i++) {
        tu8(d, i ? LAYER_UPSAMPLE2 : LAYER_DENSE);
        tu8(d, 0);
        tu16(d, 0);
        tu32(d, 1);
        tu32(d, 2u << i);
        tu32(d, 2u << i);
    }
    for (int j = 0; j < 16; j++)
        tf32(d, 0.5);
    forge_rebuild(&g);
    assert_true(g.file.len < 1000);
    expect_reject(&g.file, "decoder needs 22369620 activations per image (limit 16777216)");
    forge_free(&g);
}

/* Found by tests/fuzz/fuzz_lgcfile.c: finite weights at the edge of the
 * f32 range overflow while decoding (inf - inf = NaN), and converting the
 * NaN to a pixel was undefined behaviour (caught by UBSan under `make
 * sanitize`); NaN now decodes to 0. */
static void test_decode_overflow(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F32);
    for (size_t j = 0; j < t_counts[0]; j++)
        m.dec_params[j] = 3e38f; /* dense: +inf for a positive latent */
    float *conv = m.dec_params + t_counts[0];
    for (size_t j = 0; j < t_counts[3]; j++)
        conv[j] = j % 2 ? -3e38f : 3e38f; /* conv: inf - inf */
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "edge.lgc"), LGC_OK);
    net dec;
    assert_int_equal(decoder_from_model(&dec, &r, 2), LGC_OK);
    const float z[2 * 3] = {1, 1, 1, -1, -1, -1};
    uint8_t img[2 * 16];
    memset(img, 0x55, sizeof img);
    decoder_decode_u8(&dec, z, 2, 4, 4, img);
    for (int p = 0; p < 16; p++)
        assert_int_equal(img[p], 0); /* NaN pixels */
    net_free(&dec);
    lgc_model_free(&r);
    free(buf);
    lgc_model_free(&m);
}

/* Found by tests/fuzz/fuzz_lgcfile.c on one of its own seeds: decoding with
 * a decoder without convolutions (an mlp's) offset the NULL convolution
 * workspace by 0, undefined behaviour that clang's UBSan reports. Decoded
 * here on more images than one chunk, so every thread takes a workspace. */
static void test_decode_without_conv(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F16);
    m.n_layers = 2;
    m.dec_specs[0] = (layer_spec){LAYER_DENSE, {1, 4, 4}};
    m.dec_specs[1] = (layer_spec){LAYER_SIGMOID, {0, 0, 0}};
    m.n_dec_params = 3 * 16 + 16;
    for (size_t j = 0; j < m.n_dec_params; j++)
        m.dec_params[j] = (float)((j % 7) * 0.1 - 0.3);
    size_t len;
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "mlp.lgc"), LGC_OK);
    enum { B = 2 * NET_CHUNK + 3 };
    net dec;
    assert_int_equal(decoder_from_model(&dec, &r, B), LGC_OK);
    assert_null(dec.col);
    float z[B * 3];
    for (int i = 0; i < B * 3; i++)
        z[i] = (float)(i % 5) - 2.0f;
    uint8_t img[B * 16];
    decoder_decode_u8(&dec, z, B, 4, 4, img);
    /* each image is its own: the first and the (5th, same z) agree */
    assert_memory_equal(img, img + 5 * 16, 16);
    net_free(&dec);
    lgc_model_free(&r);
    free(buf);
    lgc_model_free(&m);
}

/* A decoder whose output frames the image (FORMAT.md, DECO): its output
 * may exceed h and w by up to LGCF_MAX_FRAME each, the image being the
 * top-left, which lgc sample decodes; an output smaller than the image,
 * larger by more, or of other channels is refused. The test model's
 * decoder outputs 1x4x4. */
static void test_padded_decoder(void **state)
{
    (void)state;
    forge g;
    forge_init(&g);
    static const struct {
        uint32_t h, w;
        const char *want; /* NULL: accepted */
    } cases[] = {
        {3, 3, NULL},
        {1, 4, NULL},
        {4, 1, NULL},
        {2, 3, NULL},
        {5, 4, "decoder outputs 1x4x4 (c x h x w) but images are 1x5x4 (the output may exceed "
               "h and w by at most 3 each)"},
        {4, 7, "but images are 1x4x7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpatch32(&g.raw[T_SHAP], SHAP_H, cases[i].h);
        tpatch32(&g.raw[T_SHAP], SHAP_H + 4, cases[i].w);
        forge_rebuild(&g);
        if (cases[i].want) {
            expect_reject(&g.file, cases[i].want);
            continue;
        }
        lgc_model r;
        assert_int_equal(lgcf_read_mem(&r, NULL, g.file.p, g.file.len, "framed.lgc"), LGC_OK);
        assert_int_equal(r.h, (int)cases[i].h);
        assert_int_equal(r.w, (int)cases[i].w);
        net dec;
        assert_int_equal(decoder_from_model(&dec, &r, 1), LGC_OK);
        const float z[3] = {0.5f, -1.0f, 2.0f};
        uint8_t full[16], img[16];
        decoder_decode_u8(&dec, z, 1, 4, 4, full);
        decoder_decode_u8(&dec, z, 1, r.h, r.w, img);
        for (int y = 0; y < r.h; y++)
            assert_memory_equal(img + y * r.w, full + y * 4, (size_t)r.w);
        net_free(&dec);
        lgc_model_free(&r);
    }
    forge_free(&g);

    /* A frame of 4 rows or columns is one too many: the writer, which
     * reads its bytes back, refuses it. */
    lgc_model m;
    make_model(&m, LGCF_F32);
    m.n_layers = 2;
    m.dec_specs[0] = (layer_spec){LAYER_DENSE, {1, 8, 8}};
    m.dec_specs[1] = (layer_spec){LAYER_SIGMOID, {0, 0, 0}};
    m.n_dec_params = 3 * 64 + 64;
    m.dec_params = xrealloc(m.dec_params, m.n_dec_params * sizeof(float));
    for (size_t j = 0; j < m.n_dec_params; j++)
        m.dec_params[j] = (float)((j % 7) * 0.1 - 0.3);
    char *path = tmp_path("framed.lgc");
    m.h = m.w = 5;
    assert_int_equal(lgcf_write(path, &m), LGC_OK);
    m.h = 4;
    assert_int_equal(lgcf_write(path, &m), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "decoder outputs 1x8x8 (c x h x w) but images are 1x4x5"));
    m.h = 5;
    m.c = 3;
    assert_int_equal(lgcf_write(path, &m), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "but images are 3x5x5"));
    unlink(path);
    free(path);
    lgc_model_free(&m);
}

/* --- on disk --- */

static void test_disk(void **state)
{
    (void)state;
    lgc_model m, r;
    lgcf_sizes z;
    make_model(&m, LGCF_F16);
    char *path = tmp_path("m.lgc");
    assert_int_equal(lgcf_write(path, &m), LGC_OK);
    assert_int_equal(count_entries(scratch_dir), 1); /* no temporary left */
    assert_int_equal(lgcf_read(&r, &z, path), LGC_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(z.file_bytes, (size_t)sb.st_size);
    assert_models_equal(&m, &r, 0);
    lgc_model_free(&r);

    /* Overwriting replaces the file whole. */
    lgc_model m32;
    make_model(&m32, LGCF_F32);
    assert_int_equal(lgcf_write(path, &m32), LGC_OK);
    assert_int_equal(lgcf_read(&r, NULL, path), LGC_OK);
    assert_models_equal(&m32, &r, 1);
    lgc_model_free(&r);
    lgc_model_free(&m32);

    /* A truncated file on disk. */
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(lgcf_read(&r, NULL, path), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), path));
    unlink(path);
    free(path);
    lgc_model_free(&m);
}

static void test_disk_failures(void **state)
{
    (void)state;
    lgc_model m, r;
    make_model(&m, LGCF_F32);
    int before = count_entries(scratch_dir);

    char *nodir = tmp_path("missing/m.lgc");
    assert_int_equal(lgcf_write(nodir, &m), LGC_EIO);
    assert_non_null(strstr(lgc_errmsg(), nodir));
    assert_int_equal(count_entries(scratch_dir), before);
    assert_int_equal(lgcf_read(&r, NULL, nodir), LGC_EIO);
    assert_non_null(strstr(lgc_errmsg(), nodir));
    free(nodir);

    assert_int_equal(lgcf_read(&r, NULL, scratch_dir), LGC_EIO);
    assert_non_null(strstr(lgc_errmsg(), "not a regular file"));

    /* Models the reader would reject are refused before anything exists. */
    char *path = tmp_path("bad.lgc");
    m.dec_params[7] = NAN;
    assert_int_equal(lgcf_write(path, &m), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "cannot write"));
    assert_non_null(strstr(lgc_errmsg(), "not finite"));
    assert_non_null(strstr(lgc_errmsg(), path));
    m.dec_params[7] = 0;
    m.weight_dtype = LGCF_F16;
    m.dec_params[8] = 70000.0f; /* beyond the f16 range */
    assert_int_equal(lgcf_write(path, &m), LGC_EFORMAT);
    m.dec_params[8] = 0;
    m.gmms[1].chol[2] = 1e-50; /* positive in double, zero in f32 */
    assert_int_equal(lgcf_write(path, &m), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "standard deviation 0"));
    assert_int_equal(count_entries(scratch_dir), before);
    free(path);
    lgc_model_free(&m);
}

/* --- the training record (TRNG) --- */

/* A record that make_model's prior (123,506 images in 3 classes) admits. */
static lgc_training t_record(void)
{
    return (lgc_training){.present = 1,
                          .stop = 2,
                          .steps = 4690,
                          .best_step = 3995,
                          .images_seen = 4690ull * 128 - 3,
                          .held_out = 17350,
                          .held_bce = 0.1875f,
                          .train_bce = 0.1796875f};
}

/* The TRNG payload of docs/FORMAT.md, from the test's own encoder. */
static void encode_training(tbuf *b, const lgc_training *t)
{
    memset(b, 0, sizeof *b);
    tu32(b, (uint32_t)t->stop);
    tu32(b, (uint32_t)t->steps);
    tu32(b, (uint32_t)(t->steps >> 32));
    tu32(b, (uint32_t)t->best_step);
    tu32(b, (uint32_t)(t->best_step >> 32));
    tu32(b, (uint32_t)t->images_seen);
    tu32(b, (uint32_t)(t->images_seen >> 32));
    tu32(b, t->held_out);
    tu32(b, bits_of(t->held_bce));
    tu32(b, bits_of(t->train_bce));
}

/* make_model's five sections and an optional section tag with payload
 * (cut to cut bytes when cut < its length). */
static void forge_with_section(tbuf *f, const char *tag, const tbuf *payload, size_t cut)
{
    lgc_model m;
    make_model(&m, LGCF_F32);
    tbuf raw[T_NSEC];
    encode_payloads(raw, &m);
    tbuf t = *payload;
    t.len = cut < payload->len ? cut : payload->len;
    tsection s[T_NSEC + 1];
    for (int i = 0; i < T_NSEC; i++)
        s[i] = (tsection){t_tags[i], &raw[i], 0};
    s[T_NSEC] = (tsection){tag, &t, 0};
    assemble(f, s, T_NSEC + 1, NULL);
    for (int i = 0; i < T_NSEC; i++)
        tfree(&raw[i]);
    lgc_model_free(&m);
}

/* A hostile value of an optional section: the field to change, its value
 * and the message the reader must give. */
typedef struct {
    int field;
    double value;
    const char *want;
} hostile_field;

/* lgcf_write refuses m (then freed) and creates nothing at name. */
static void expect_write_refused(lgc_model *m, const char *name)
{
    char *path = tmp_path(name);
    assert_int_equal(lgcf_write(path, m), LGC_EFORMAT);
    assert_int_equal(access(path, F_OK), -1);
    free(path);
    lgc_model_free(m);
}

/* Reads make_model with the optional section tag holding payload into r,
 * which must succeed. */
static void read_forged(lgc_model *r, const char *tag, const tbuf *payload)
{
    tbuf f;
    forge_with_section(&f, tag, payload, payload->len);
    assert_int_equal(lgcf_read_mem(r, NULL, f.p, f.len, "forged.lgc"), LGC_OK);
    tfree(&f);
}

/* Every cut of payload, and payload with a byte too many, as section tag:
 * each refused with its message. */
static void expect_cuts_rejected(const char *tag, tbuf *payload)
{
    char want[80];
    tbuf f;
    snprintf(want, sizeof want, "truncated in section %s", tag);
    for (size_t cut = 0; cut < payload->len; cut++) {
        forge_with_section(&f, tag, payload, cut);
        expect_reject(&f, want);
        tfree(&f);
    }
    tu8(payload, 0);
    forge_with_section(&f, tag, payload, payload->len);
    snprintf(want, sizeof want, "1 unexpected bytes at the end of section %s", tag);
    expect_reject(&f, want);
    tfree(&f);
}

/* payload as section tag is refused with want; payload is freed. */
static void expect_payload_rejected(const char *tag, tbuf *payload, const char *want)
{
    tbuf f;
    forge_with_section(&f, tag, payload, payload->len);
    expect_reject(&f, want);
    tfree(&f);
    tfree(payload);
}

/* --- the warps (WARP) --- */

/* Warps and a check that make_model's prior (123,506 images) admits. */
static lgc_warps t_warps(void)
{
    return (lgc_warps){.present = 1,
                       .augment = {7.5f, 0.075f, 0.2142857f, 0.0f},
                       .measured = 1,
                       .held_images = 12350,
                       .real_images = 268,
                       .samples_accuracy = 0.875f,
                       .real_accuracy = 0.9375f};
}

/* The WARP payload of docs/FORMAT.md, from the test's own encoder. */
static void encode_warps(tbuf *b, const lgc_warps *w)
{
    memset(b, 0, sizeof *b);
    tu32(b, bits_of(w->augment.rotate));
    tu32(b, bits_of(w->augment.scale));
    tu32(b, bits_of(w->augment.shift));
    tu32(b, bits_of(w->augment.elastic));
    tu32(b, (uint32_t)w->measured);
    tu32(b, w->held_images);
    tu32(b, w->real_images);
    tu32(b, bits_of(w->samples_accuracy));
    tu32(b, bits_of(w->real_accuracy));
}

static void test_optional_roundtrip(void **state)
{
    (void)state;
    lgc_model m, r;
    lgcf_sizes z;
    make_model(&m, LGCF_F32);
    size_t len0, len;
    uint8_t *without = written_bytes(&m, &len0);
    assert_int_equal(lgcf_read_mem(&r, &z, without, len0, "m.lgc"), LGC_OK);
    assert_false(r.training.present); /* "not recorded" */
    assert_int_equal(z.training_bytes, 0);
    lgc_model_free(&r);
    m.training = t_record();
    uint8_t *buf = written_bytes(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "m.lgc"), LGC_OK);
    assert_memory_equal(&r.training, &m.training, sizeof m.training);
    assert_int_equal(len, len0 + z.training_bytes);
    assert_true(z.training_bytes <= LGCF_TRAINING_SECTION_BYTES);
    assert_int_equal(z.header_bytes + z.shape_bytes + z.prior_bytes + z.decoder_bytes +
                         z.mixture_bytes + z.bic_bytes + z.training_bytes + z.warps_bytes +
                         z.other_bytes,
                     len);
    assert_rewrite_is(&r, buf, len, "rewritten with its record");
    /* the test's encoder, from the spec, reads the same */
    tbuf trng;
    encode_training(&trng, &m.training);
    assert_int_equal(trng.len, 40);
    lgc_model_free(&r);
    read_forged(&r, "TRNG", &trng);
    assert_memory_equal(&r.training, &m.training, sizeof m.training);
    tfree(&trng);
    free(buf);
    lgc_model_free(&r);

    /* the warps (WARP), which a file without them lacks: chosen by a
     * check; given without one, none and the largest */
    m.training.present = 0;
    assert_int_equal(lgcf_read_mem(&r, &z, without, len0, "m.lgc"), LGC_OK);
    assert_true(!r.warps.present && z.warps_bytes == 0);
    lgc_model_free(&r);
    const lgc_warps cases[3] = {t_warps(),
                                {.present = 1, .augment = {0, 0, 0, 0}},
                                {.present = 1, .augment = {180.0f, 0.9f, 64.0f, 64.0f}}};
    for (int i = 0; i < 3; i++) {
        m.warps = cases[i];
        buf = written_bytes(&m, &len);
        assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "m.lgc"), LGC_OK);
        assert_memory_equal(&r.warps, &m.warps, sizeof m.warps);
        assert_true(len == len0 + z.warps_bytes && z.warps_bytes <= LGCF_WARPS_SECTION_BYTES);
        assert_rewrite_is(&r, buf, len, "rewritten with its warps");
        lgc_model_free(&r);
        free(buf);
    }
    tbuf warp;
    encode_warps(&warp, &cases[0]);
    assert_int_equal(warp.len, 36);
    read_forged(&r, "WARP", &warp);
    assert_memory_equal(&r.warps, &cases[0], sizeof cases[0]);
    tfree(&warp);
    free(without);
    lgc_model_free(&r);
    lgc_model_free(&m);
}

static void test_optional_truncated(void **state)
{
    (void)state;
    lgc_training t = t_record();
    tbuf trng;
    encode_training(&trng, &t);
    expect_cuts_rejected("TRNG", &trng);
    tfree(&trng);
    /* and the warps' section (WARP) */
    lgc_warps w = t_warps();
    tbuf warp;
    encode_warps(&warp, &w);
    expect_cuts_rejected("WARP", &warp);
    tfree(&warp);
}

static void test_training_hostile(void **state)
{
    (void)state;
    static const hostile_field cases[] = {
        {0, 3, "unknown stop reason 3"},
        {1, 0, "step counts out of range (0 steps"},
        {1, -1.0, "step counts out of range"}, /* a negative count, as u64 */
        {2, 0, "best 0"},
        {2, 4691, "best 4691"},
        {3, 4689, "4689 images seen in 4690 steps"},
        {3, -1.0, "images seen"},
        {4, 123504, "123504 images held out of 123506 in 3 classes"},
        {5, NAN, "are not finite values >= 0"},
        {5, INFINITY, "are not finite values >= 0"},
        {6, -0.5, "are not finite values >= 0"},
        {6, NAN, "are not finite values >= 0"},
        {7, 0, "are not finite values >= 0"}, /* nothing held out, yet a held-out loss */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lgc_training t = t_record();
        const double v = cases[i].value;
        /* only the count fields read it: NaN and infinity do not convert */
        const uint64_t count = isfinite(v) && v >= 0 ? (uint64_t)v : UINT64_MAX;
        switch (cases[i].field) {
        case 0: t.stop = (int)v; break;
        case 1: t.steps = count; break;
        case 2: t.best_step = count; break;
        case 3: t.images_seen = count; break;
        case 4: t.held_out = (uint32_t)v; break;
        case 5: t.held_bce = (float)v; break;
        case 6: t.train_bce = (float)v; break;
        case 7: t.held_out = 0; break;
        }
        tbuf trng;
        encode_training(&trng, &t);
        expect_payload_rejected("TRNG", &trng, cases[i].want);
    }
    /* the writer refuses such a record before anything exists */
    lgc_model m;
    make_model(&m, LGCF_F32);
    m.training = t_record();
    m.training.train_bce = NAN;
    expect_write_refused(&m, "nan-record.lgc");
}

static void test_warps_hostile(void **state)
{
    (void)state;
    static const hostile_field cases[] = {
        {0, NAN, "out of range"},
        {0, -1.0, "out of range"},
        {0, 180.5, "out of range"},
        {0, INFINITY, "out of range"},
        {1, 0.95, "out of range"},
        {1, -0.0625, "out of range"},
        {2, 64.5, "out of range"},
        {2, NAN, "out of range"},
        {3, 65.0, "out of range"},
        {3, -INFINITY, "out of range"},
        {4, 2, "with choice 2 is not possible"},
        {5, 123504, "check of 123504 held-out"},
        {5, 0, "check of 0 held-out"}, /* measured without a check */
        {6, 123507, "and 123507 real images"},
        {7, NAN, "are not in [0, 1]"},
        {7, 1.5, "are not in [0, 1]"},
        {8, -0.25, "are not in [0, 1]"},
        {9, 0, "are not in [0, 1]"}, /* given, no check, yet accuracies */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        lgc_warps w = t_warps();
        const float v = (float)cases[i].value;
        switch (cases[i].field) {
        case 0: w.augment.rotate = v; break;
        case 1: w.augment.scale = v; break;
        case 2: w.augment.shift = v; break;
        case 3: w.augment.elastic = v; break;
        case 4: w.measured = (int)v; break;
        case 5: w.held_images = (uint32_t)v; break;
        case 6: w.real_images = (uint32_t)v; break;
        case 7: w.samples_accuracy = v; break;
        case 8: w.real_accuracy = v; break;
        case 9: w.measured = 0; w.held_images = 0; w.real_images = 0; break;
        }
        tbuf warp;
        encode_warps(&warp, &w);
        expect_payload_rejected("WARP", &warp, cases[i].want);
    }
    /* the writer refuses such warps before anything exists */
    lgc_model m;
    make_model(&m, LGCF_F32);
    m.warps = t_warps();
    m.warps.augment.shift = NAN;
    expect_write_refused(&m, "nan-warps.lgc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp16_exhaustive),
        cmocka_unit_test(test_fp16_rounding),
        cmocka_unit_test(test_fp16_nearest),
        cmocka_unit_test(test_roundtrip_f32),
        cmocka_unit_test(test_roundtrip_f16),
        cmocka_unit_test(test_roundtrip_f16_mixtures),
        cmocka_unit_test(test_roundtrip_int8),
        cmocka_unit_test(test_read_int8_units),
        cmocka_unit_test(test_roundtrip_int8_rows),
        cmocka_unit_test(test_roundtrip_int4),
        cmocka_unit_test(test_roundtrip_int8_mixtures),
        cmocka_unit_test(test_forged_int8_mixtures),
        cmocka_unit_test(test_int4_odd),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_conformance),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_flipped_everywhere),
        cmocka_unit_test(test_forged_header),
        cmocka_unit_test(test_forged_framing),
        cmocka_unit_test(test_forged_sections),
        cmocka_unit_test(test_forged_accepted),
        cmocka_unit_test(test_forged_counts),
        cmocka_unit_test(test_forged_values),
        cmocka_unit_test(test_forged_int8),
        cmocka_unit_test(test_forged_limits),
        cmocka_unit_test(test_decode_overflow),
        cmocka_unit_test(test_decode_without_conv),
        cmocka_unit_test(test_padded_decoder),
        cmocka_unit_test(test_disk),
        cmocka_unit_test(test_disk_failures),
        cmocka_unit_test(test_optional_roundtrip),
        cmocka_unit_test(test_optional_truncated),
        cmocka_unit_test(test_training_hostile),
        cmocka_unit_test(test_warps_hostile),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
