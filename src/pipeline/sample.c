/* sample.c - lgc sample's training set (sample.h): class quotas, the
 * codes, decoding and warping in batches, and the set written into a
 * directory or onto a stream (set_writer.h). */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checked_write.h"
#include "exemplar_codec.h"
#include "idx.h"
#include "model.h"
#include "quota.h"
#include "sample.h"
#include "set_writer.h"
#include "util.h"

#define DECODE_BATCH 256
/* Memory the decoding batch may take (see decode_batch). */
#define DECODE_BUDGET ((size_t)512 << 20)

/* Images decoded at once: DECODE_BATCH, or fewer when that many would take
 * more than DECODE_BUDGET (each image's layer outputs and their gradients,
 * which net_init allocates too, and its pixels). The reader bounds one
 * image's activations (LGCF_MAX_ACTIVATIONS), so a file claiming huge
 * images costs time, not unbounded memory. lgc's decoder keeps the full
 * batch up to images of about 80x80. */
static int decode_batch(const lgc_model *m)
{
    size_t acts = 0;
    for (int i = 1; i <= m->n_layers; i++) {
        tshape out;
        size_t n_params;
        int st = net_plan((tshape){m->latent, 1, 1}, m->dec_specs, i, &out, &n_params);
        assert(st == LGC_OK); /* the reader planned the same layers */
        (void)st;
        acts += tshape_size(out);
    }
    size_t per_image = 2 * acts * sizeof(float) + (size_t)m->h * m->w * m->c;
    size_t b = DECODE_BUDGET / per_image;
    return b < 1 ? 1 : b > DECODE_BATCH ? DECODE_BATCH : (int)b;
}

int sample_decoder_init(net *dec, const lgc_model *m)
{
    return decoder_from_model(dec, m, decode_batch(m));
}

void sample_quota(long *quota, const sample_config *cfg)
{
    const lgc_model *m = cfg->model;
    if (cfg->per_class > 0) {
        assert(cfg->per_class <= SAMPLE_MAX_IMAGES / m->n_classes);
        for (int c = 0; c < m->n_classes; c++)
            quota[c] = cfg->per_class;
        return;
    }
    quota_largest_remainder(quota, m->class_counts, m->n_classes, cfg->n, NULL);
}

long sample_count(const sample_config *cfg)
{
    if (cfg->given)
        return cfg->given->n;
    return cfg->per_class > 0 ? cfg->per_class * cfg->model->n_classes : cfg->n;
}

void sample_decode(const sample_config *cfg, const float *z, int B, uint8_t *img, uint8_t *tmp,
                   rng_t *warp_rng)
{
    const lgc_model *m = cfg->model;
    decoder_decode_u8(cfg->decoder, z, B, m->h, m->w, img);
    if (!augment_is_identity(&cfg->augment))
        augment_images(img, tmp, B, m->h, m->w, m->c, &cfg->augment, warp_rng);
}

/* The images of the set, a batch at a time: each label from the label
 * stream, then either its class's next exemplar or a code drawn from its
 * class's mixture (or the given codes in their order). With share s, image
 * j of a class (from 0) is an exemplar when floor((j + 1) s) > floor(j s):
 * the first j images of every class hold floor(j s) exemplars, spread
 * evenly, and each class uses its exemplars in turn, all equally often to
 * within one. */
typedef struct {
    const sample_config *cfg;
    sample_labels labels;
    rng_t rng;
    float *z; /* (decoder batch, latent) */
    long next; /* index of the next image */
    long seen[LGCF_MAX_CLASSES];  /* images of each class so far */
    long used[LGCF_MAX_CLASSES];  /* exemplars of each class so far */
    long first[LGCF_MAX_CLASSES]; /* index of each class's first exemplar */
} code_source;

static void codes_init(code_source *cs, const sample_config *cfg)
{
    memset(cs, 0, sizeof *cs);
    cs->cfg = cfg;
    if (cfg->given)
        return;
    const lgc_model *m = cfg->model;
    long quota[LGCF_MAX_CLASSES];
    sample_quota(quota, cfg);
    sample_labels_init(&cs->labels, quota, m->n_classes, cfg->seed);
    rng_stream(&cs->rng, cfg->seed, RNG_STREAM_SAMPLE_CODES, 0);
    cs->z = xmalloc((size_t)cfg->decoder->max_batch * m->latent * sizeof(float));
    for (int c = 1; c < m->n_classes && m->exemplars.n; c++)
        cs->first[c] = cs->first[c - 1] + m->exemplars.class_counts[c - 1];
}

/* The exemplar the next image of class c is, or -1 for a decoded one. */
static long next_exemplar(code_source *cs, int c)
{
    const lgc_exemplars *e = &cs->cfg->model->exemplars;
    const long j = cs->seen[c]++;
    if (!e->n || e->class_counts[c] == 0 || floor((double)(j + 1) * e->share) <=
                                                  floor((double)j * e->share))
        return -1;
    return cs->first[c] + cs->used[c]++ % e->class_counts[c];
}

/* The next B images' sources (B at most the decoder's batch): their class
 * indices into labels[0..B), for each the exemplar it is or -1 into
 * from[0..B), and the codes of the decoded ones, in order, valid until the
 * next call; *n_codes gets their number. */
static const float *codes_next(code_source *cs, int B, uint8_t *labels, long *from,
                               int *n_codes)
{
    const lgc_model *m = cs->cfg->model;
    const size_t d = (size_t)m->latent;
    const float *z = cs->z;
    int k = 0;
    if (cs->cfg->given) {
        z = cs->cfg->given->z + (size_t)cs->next * d;
        memcpy(labels, cs->cfg->given->labels + cs->next, (size_t)B);
        for (int i = 0; i < B; i++)
            from[i] = -1;
        k = B;
    } else {
        for (int i = 0; i < B; i++) {
            int c = sample_labels_next(&cs->labels);
            labels[i] = (uint8_t)c;
            if ((from[i] = next_exemplar(cs, c)) < 0)
                gmm_sample(&m->gmms[c], cs->z + k++ * d, 1, &cs->rng);
        }
    }
    cs->next += B;
    *n_codes = k;
    return z;
}

/* Puts exemplar e's pixel values into img (one image). */
static void exemplar_image(const lgc_model *m, long e, uint8_t *img)
{
    const size_t bytes = (size_t)m->h * m->w * m->c;
    const uint8_t *q = m->exemplars.levels + (size_t)e * bytes;
    for (size_t i = 0; i < bytes; i++)
        img[i] = exemplar_value(q[i], m->exemplars.bits);
}

/* The labels of the set, replayed from the seed, onto a stream after its
 * images. */
static int write_labels(FILE *f, const sample_config *cfg, const char *name)
{
    const long n = sample_count(cfg);
    const class_labels *cl = &cfg->model->classes;
    int st = set_write_labels_header(f, cfg->format, n, name);
    if (st)
        return st;
    if (cfg->given)
        return set_write_labels(f, cfg->format, cl, cfg->given->labels, (size_t)n, name);
    long quota[LGCF_MAX_CLASSES];
    sample_quota(quota, cfg);
    sample_labels ls;
    sample_labels_init(&ls, quota, cfg->model->n_classes, cfg->seed);
    uint8_t buf[4096];
    for (long i = 0; i < n && st == LGC_OK;) {
        size_t b = 0;
        for (; b < sizeof buf && i < n; b++, i++)
            buf[b] = (uint8_t)sample_labels_next(&ls);
        st = set_write_labels(f, cfg->format, cl, buf, b, name);
    }
    return st;
}

/* Where each batch of images (and their class indices) goes. */
typedef int (*batch_sink)(void *to, const uint8_t *images, const uint8_t *labels, int B);

/* Draws, decodes and warps the set a batch at a time into sink: the
 * decoded images first, then moved to their slots among the exemplars
 * (from the last, so none is overwritten before it moves), then every
 * image warped in order. */
static int make_set(const sample_config *cfg, batch_sink sink, void *to)
{
    const lgc_model *m = cfg->model;
    const long n = sample_count(cfg);
    const size_t img_bytes = (size_t)m->h * m->w * m->c;
    code_source codes;
    codes_init(&codes, cfg);
    rng_t warp_rng;
    rng_stream(&warp_rng, cfg->seed, RNG_STREAM_WARPS, 0);
    const int batch = cfg->decoder->max_batch;
    uint8_t *img = xmalloc((size_t)batch * img_bytes), *tmp = xmalloc(img_bytes);
    uint8_t *labels = xmalloc((size_t)batch);
    long *from = xmalloc((size_t)batch * sizeof *from);
    int st = LGC_OK;
    for (long s = 0; s < n && st == LGC_OK; s += batch) {
        int B = n - s < batch ? (int)(n - s) : batch, k;
        const float *z = codes_next(&codes, B, labels, from, &k);
        if (k)
            decoder_decode_u8(cfg->decoder, z, k, m->h, m->w, img);
        for (int i = B - 1; i >= 0 && k <= i; i--) {
            if (from[i] >= 0)
                exemplar_image(m, from[i], img + (size_t)i * img_bytes);
            else if (--k != i)
                memcpy(img + (size_t)i * img_bytes, img + (size_t)k * img_bytes, img_bytes);
        }
        if (!augment_is_identity(&cfg->augment))
            augment_images(img, tmp, B, m->h, m->w, m->c, &cfg->augment, &warp_rng);
        st = sink(to, img, labels, B);
    }
    free(codes.z);
    free(img);
    free(tmp);
    free(labels);
    free(from);
    return st;
}

/* Collects the batches into a set in memory, in order. */
typedef struct {
    dataset *set;
    size_t img_bytes;
    long next; /* index of the next image */
} memory_sink;

static int put_memory(void *to, const uint8_t *images, const uint8_t *labels, int B)
{
    memory_sink *s = to;
    memcpy(s->set->images + (size_t)s->next * s->img_bytes, images, (size_t)B * s->img_bytes);
    memcpy(s->set->labels + s->next, labels, (size_t)B);
    s->next += B;
    return LGC_OK;
}

void sample_draw(const sample_config *cfg, dataset *out)
{
    const lgc_model *m = cfg->model;
    const long n = sample_count(cfg);
    assert(!cfg->given && n >= 1 && n <= INT_MAX);
    memory_sink s = {out, (size_t)m->h * m->w * m->c, 0};
    *out = (dataset){.n = (int)n, .h = m->h, .w = m->w, .c = m->c, .n_classes = m->n_classes};
    out->images = xmalloc((size_t)n * s.img_bytes);
    out->labels = xmalloc((size_t)n);
    class_labels_copy(&out->classes, &m->classes);
    int st = make_set(cfg, put_memory, &s);
    assert(st == LGC_OK); /* the memory sink cannot fail */
    (void)st;
}

void sample_warp_set(dataset *set, const augment_opts *a, uint64_t seed)
{
    rng_t warp_rng;
    rng_stream(&warp_rng, seed, RNG_STREAM_WARPS, 0);
    uint8_t *tmp = xmalloc((size_t)set->h * set->w * set->c);
    if (!augment_is_identity(a))
        augment_images(set->images, tmp, set->n, set->h, set->w, set->c, a, &warp_rng);
    free(tmp);
}

typedef struct {
    FILE *f;
    const char *name;
    size_t img_bytes;
} stream_sink;

static int put_stream(void *to, const uint8_t *images, const uint8_t *labels, int B)
{
    stream_sink *s = to;
    (void)labels; /* they follow the images, replayed */
    return checked_write(s->f, images, (size_t)B * s->img_bytes, s->name);
}

static int put_set(void *to, const uint8_t *images, const uint8_t *labels, int B)
{
    return set_writer_put(to, images, labels, B);
}

int sample_write_dir(const sample_config *cfg, const char *dir)
{
    const lgc_model *m = cfg->model;
    set_writer w;
    int st = set_writer_open(&w, dir, cfg->format, sample_count(cfg), m->h, m->w, m->c,
                             &m->classes, m->n_classes);
    if (st)
        return st;
    if ((st = make_set(cfg, put_set, &w))) {
        set_writer_abort(&w);
        return st;
    }
    return set_writer_commit(&w);
}

int sample_write_stream(const sample_config *cfg, FILE *f, const char *name)
{
    const lgc_model *m = cfg->model;
    stream_sink s = {f, name, (size_t)m->h * m->w * m->c};
    int st = set_labels_check(&m->classes, m->n_classes, cfg->format);
    if (st || (st = set_write_images_header(f, cfg->format, sample_count(cfg), m->h, m->w, m->c,
                                            name)) ||
        (st = make_set(cfg, put_stream, &s)))
        return st;
    return write_labels(f, cfg, name);
}
