/* lgcfile_exemplars.c - the optional EXMP section's payload: real training
 * images in a few bits per pixel, coded with JBIG (exemplar_codec.h), and
 * the share of lgc sample's images taken from them (docs/FORMAT.md).
 *
 * The parser needs SHAP and PRIO: the image shape sizes the picture, and
 * no class may hold more exemplars than it has training images. The
 * levels' bytes are bounded (LGCF_MAX_EXEMPLAR_BYTES) before anything is
 * allocated: JBIG codes a blank picture in a few bytes, so a forged count
 * could otherwise ask for any amount of memory. */
#include <math.h>
#include <stdlib.h>

#include "exemplar_codec.h"
#include "lgcfile_internal.h"
#include "util.h"

#define CODEC_JBIG 1

int exemplars_section_wanted(const lgc_model *m) { return m->exemplars.n > 0; }

int encode_exemplars(bytebuf *b, const lgc_model *m, const char *name)
{
    const lgc_exemplars *e = &m->exemplars;
    uint8_t *bie = NULL;
    size_t len = 0;
    int st = exemplar_encode(&bie, &len, e->levels, e->n, m->h, m->w, m->c, e->bits);
    if (st)
        return lgc_fail(LGC_EFORMAT, "'%s': exemplars: %s", name, lgc_errmsg());
    if (len > UINT32_MAX) {
        free(bie);
        return lgc_fail(LGC_EFORMAT, "'%s': exemplars take %zu bytes", name, len);
    }
    put_u8(b, (uint8_t)e->bits);
    put_u8(b, CODEC_JBIG);
    put_u16(b, 0);
    put_f32(b, e->share);
    for (int i = 0; i < m->n_classes; i++)
        put_u32(b, (uint32_t)e->class_counts[i]);
    put_u32(b, (uint32_t)len);
    put_bytes(b, bie, len);
    free(bie);
    return LGC_OK;
}

int parse_exemplars(lgc_model *m, cursor *c, const char *name)
{
    uint8_t bits, codec;
    uint16_t reserved;
    float share;
    if (get_u8(c, &bits) || get_u8(c, &codec) || get_u16(c, &reserved) || get_f32(c, &share))
        return TRUNCATED;
    if (bits < 1 || bits > EXEMPLAR_MAX_BITS || codec != CODEC_JBIG || reserved != 0)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': exemplars: %u bits per pixel with codec %u (1..%d bits, codec "
                        "%d, reserved 0)",
                        name, bits, codec, EXEMPLAR_MAX_BITS, CODEC_JBIG);
    if (!(isfinite(share) && share > 0.0f && share <= 1.0f))
        return lgc_fail(LGC_EFORMAT, "'%s': exemplars: share %g is not in (0, 1]", name, share);
    if (c->left < 4 * (size_t)m->n_classes + 4)
        return TRUNCATED;
    long *counts = xcalloc((size_t)m->n_classes, sizeof *counts);
    uint64_t n = 0;
    for (int i = 0; i < m->n_classes; i++) {
        uint32_t k;
        (void)get_u32(c, &k);
        if ((long)k > m->class_counts[i]) {
            free(counts);
            return lgc_fail(LGC_EFORMAT,
                            "'%s': exemplars: class %d has %u of its %ld training images", name,
                            i, k, m->class_counts[i]);
        }
        counts[i] = (long)k;
        n += k;
    }
    uint32_t len;
    (void)get_u32(c, &len);
    const uint64_t image = (uint64_t)m->h * m->w * m->c;
    if (n < 1 || n > INT32_MAX || n * image > LGCF_MAX_EXEMPLAR_BYTES) {
        free(counts);
        return lgc_fail(LGC_EFORMAT,
                        "'%s': exemplars: %llu images of %llu bytes (1..%llu bytes in all)", name,
                        (unsigned long long)n, (unsigned long long)image,
                        (unsigned long long)LGCF_MAX_EXEMPLAR_BYTES);
    }
    if (len != c->left) {
        free(counts);
        return len > c->left ? TRUNCATED
                             : lgc_fail(LGC_EFORMAT, "'%s': exemplars: %zu bytes after the images",
                                        name, c->left - len);
    }
    uint8_t *levels = xmalloc((size_t)(n * image));
    int st = exemplar_decode(levels, c->p, len, (int)n, m->h, m->w, m->c, bits);
    if (st) {
        free(counts);
        free(levels);
        return lgc_fail(LGC_EFORMAT, "'%s': exemplars: %s", name, lgc_errmsg());
    }
    c->p += len;
    c->left = 0;
    m->exemplars = (lgc_exemplars){(int)n, bits, share, counts, levels};
    return LGC_OK;
}
