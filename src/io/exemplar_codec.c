/* exemplar_codec.c - exemplar images as one JBIG bi-level image entity
 * (include/exemplar_codec.h), with JBIG-KIT 2.1's libjbig.
 *
 * The picture. With cols = min(n, EXEMPLAR_COLS), the picture is
 * W = cols * w * c pixels wide and H = ceil(n / cols) * h high. Level
 * levels[((i h + y) w + x) c + k] of image i is the pixel in picture column
 * (i mod cols) w c + k w + x, row (i div cols) h + y; every other pixel
 * (the tiles after the last image) is 0.
 *
 * The bit planes. Plane p (0 <= p < bits) holds bit bits-1-p of the Gray
 * code g = q xor (q >> 1) of each pixel's level q: plane 0 is the most
 * significant (jbg_split_planes with use_graycode 1; for bits 1 g = q).
 *
 * The BIE (ITU-T T.82), as jbg_enc_out writes it with the single layer and
 * the options set below, is exactly:
 *   - the 20-byte header (BIH): DL = 0, D = 0, P = bits, a 0 byte,
 *     XD = W, YD = H, L0 = H (u32 big-endian each: one stripe), MX = 0,
 *     MY = 0, the order byte 0 (HITOLO, SEQ, ILEAVE, SMID clear) and the
 *     options byte 0 (LRLTWO, VLENGTH, TPDON, TPBON, DPON, DPPRIV, DPLAST
 *     clear: the three-line template with its adaptive pixel never moved,
 *     no typical or deterministic prediction, no private table);
 *   - then one stripe data entity per plane, plane 0 first: the plane's
 *     arithmetic-coded data (PSCD; a 0xFF byte in it is stuffed as
 *     0xFF 0x00, trailing 0x00 bytes dropped as T.82 allows) and the
 *     SDNORM marker 0xFF 0x02. No other marker segment (ATMOVE, COMMENT,
 *     NEWLEN, SDRST, ABORT) is written.
 * Encoding the same levels always gives the same bytes.
 *
 * These options give the fewest bytes, measured on 1,000 images of MNIST
 * and of Fashion-MNIST at bits 1, 2 and 4 (15.6 to 151.5 bytes an image;
 * deflate -9 of the level bytes needs 1.1 to 2 times as many): libjbig's
 * defaults (about 35 stripes, TPBON, mx 8) are 0.45% larger, TPBON alone
 * 0.14%, stripes of 128 lines 0.02%, the two-line template (LRLTWO) 4%; mx
 * from 0 to 127 changes nothing, as libjbig's encoder never decides to move
 * the adaptive pixel on these pictures. 64 images a row would be 0.3%
 * smaller, 8 a row 0.7% larger.
 *
 * Decoding hostile bytes. libjbig 2.1 allocates the planes as the BIH
 * says (up to 255 planes of 2^32 x 2^32 pixels) as soon as it has read it
 * and aborts the process when malloc fails; jbg_dec_maxsize only stops a
 * progressive BIE between resolution layers. So the BIH is compared with
 * the one the encoder would write, byte for byte, before the decoder sees
 * it: the decoder then allocates the bits planes of W x H pixels
 * (H ceil(W / 8) bytes each, and an eighth of that again for a lower
 * resolution layer it never uses). What follows is JBIG's to judge: the
 * entity must end with the last plane's SDNORM (a prefix of it is
 * truncated: jbg_dec_in asks for more), with no byte after it. The
 * arithmetic code has no checksum, so a corrupt PSCD mostly decodes to
 * other pixels; it is caught only when it leaves bytes over at a marker,
 * breaks a marker, or makes an unused tile non-zero (checked here: a
 * corruption garbles the rest of its plane, so with unused tiles nearly
 * all are caught; without, about one in ten on MNIST). */
#include <assert.h>
#include <jbig.h>
#include <stdlib.h>
#include <string.h>

#include "exemplar_codec.h"
#include "util.h"

#define BIH_LEN 20

uint8_t exemplar_level(uint8_t v, int bits)
{
    assert(bits >= 1 && bits <= EXEMPLAR_MAX_BITS);
    const unsigned m = (1u << bits) - 1;
    /* v m / 255 is never halfway between integers: 2 v m is even, 255 odd */
    return (uint8_t)((v * m + 127) / 255);
}

uint8_t exemplar_value(uint8_t q, int bits)
{
    assert(bits >= 1 && bits <= EXEMPLAR_MAX_BITS);
    const unsigned m = (1u << bits) - 1;
    assert(q <= m);
    /* m is odd, so q 255 / m is never halfway either */
    return (uint8_t)((q * 255u + (m - 1) / 2) / m);
}

typedef struct {
    int n, h, w, c, bits, cols;
    unsigned long width, height; /* the picture's W and H */
} geometry;

/* Checks the sizes and sets g; LGC_EUSAGE naming what is out of range. */
static int picture_geometry(geometry *g, int n, int h, int w, int c, int bits)
{
    if (bits < 1 || bits > EXEMPLAR_MAX_BITS)
        return lgc_fail(LGC_EUSAGE, "%d bits per pixel (1..%d)", bits, EXEMPLAR_MAX_BITS);
    if (n < 1 || h < 1 || w < 1 || c < 1)
        return lgc_fail(LGC_EUSAGE, "%d images of %dx%dx%d", n, h, w, c);
    const int cols = n < EXEMPLAR_COLS ? n : EXEMPLAR_COLS;
    const uint64_t width = (uint64_t)cols * (uint64_t)w * (uint64_t)c;
    const uint64_t height = (uint64_t)(n / cols + (n % cols != 0)) * (uint64_t)h;
    size_t pixels;
    /* JBIG's sizes are 32 bits, and YD 0xffffffff means "told later" */
    if (width > 0xffffffffu || height >= 0xffffffffu ||
        mul_size((size_t)width, (size_t)height, &pixels))
        return lgc_fail(LGC_EUSAGE, "%d images of %dx%dx%d make a picture too large for JBIG",
                        n, h, w, c);
    *g = (geometry){n, h, w, c, bits, cols, (unsigned long)width, (unsigned long)height};
    return LGC_OK;
}

static void put_u32be(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static unsigned long get_u32be(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
           p[3];
}

/* The BIH jbg_enc_out writes for g with the options of exemplar_encode. */
static void expected_bih(unsigned char bih[BIH_LEN], const geometry *g)
{
    memset(bih, 0, BIH_LEN);
    bih[2] = (unsigned char)g->bits;
    put_u32be(bih + 4, g->width);
    put_u32be(bih + 8, g->height);
    put_u32be(bih + 12, g->height); /* L0: one stripe */
}

typedef struct {
    unsigned char *p;
    size_t len, cap;
} out_buf;

static void append(unsigned char *start, size_t len, void *file)
{
    out_buf *o = file;
    if (len > o->cap - o->len) {
        while (len > o->cap - o->len)
            o->cap *= 2;
        o->p = xrealloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, start, len);
    o->len += len;
}

int exemplar_encode(uint8_t **bie, size_t *len, const uint8_t *levels, int n, int h, int w,
                    int c, int bits)
{
    geometry g;
    int st = picture_geometry(&g, n, h, w, c, bits);
    if (st)
        return st;
    const size_t image = (size_t)h * (size_t)w * (size_t)c;
    const size_t total = image * (size_t)n; /* the caller's array: no overflow */
    const unsigned top = 1u << bits;
    for (size_t j = 0; j < total; j++)
        if (levels[j] >= top)
            return lgc_fail(LGC_EUSAGE, "level %u of image %zu is not below 2^%d", levels[j],
                            j / image, bits);

    /* the picture, a byte a pixel, unused tiles 0 */
    const size_t W = g.width, tile_w = (size_t)w * (size_t)c;
    uint8_t *pic = xcalloc(W * g.height, 1);
    for (int i = 0; i < n; i++)
        for (int y = 0; y < h; y++) {
            const uint8_t *src = levels + (size_t)i * image + (size_t)y * tile_w;
            uint8_t *dst = pic + ((size_t)(i / g.cols) * (size_t)h + (size_t)y) * W +
                           (size_t)(i % g.cols) * tile_w;
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++)
                    dst[(size_t)k * (size_t)w + (size_t)x] = src[(size_t)x * (size_t)c + (size_t)k];
        }
    const size_t bpl = (W + 7) / 8;
    unsigned char *planes[EXEMPLAR_MAX_BITS];
    for (int p = 0; p < bits; p++)
        planes[p] = xmalloc(bpl * g.height);
    jbg_split_planes(g.width, g.height, bits, bits, pic, planes, 1);
    free(pic);

    out_buf o = {xmalloc(4096), 0, 4096};
    struct jbg_enc_state s;
    jbg_enc_init(&s, g.width, g.height, bits, planes, append, &o);
    jbg_enc_layers(&s, 0);
    jbg_enc_options(&s, 0, 0, g.height, 0, 0);
    jbg_enc_out(&s);
    jbg_enc_free(&s);
    for (int p = 0; p < bits; p++)
        free(planes[p]);
    assert(o.len > BIH_LEN);
#ifndef NDEBUG
    unsigned char bih[BIH_LEN];
    expected_bih(bih, &g);
    assert(!memcmp(o.p, bih, BIH_LEN));
#endif
    *bie = o.p;
    *len = o.len;
    return LGC_OK;
}

/* Receives the decoded picture's pixels in raster order and puts each in
 * its image; a non-zero pixel outside every image sets nonzero_unused. */
typedef struct {
    const geometry *g;
    uint8_t *levels;
    unsigned long x, y; /* the next pixel */
    size_t count;       /* pixels received */
    int nonzero_unused;
} untiler;

static void untile(unsigned char *start, size_t len, void *file)
{
    untiler *u = file;
    const geometry *g = u->g;
    const size_t tile_w = (size_t)g->w * (size_t)g->c;
    for (size_t j = 0; j < len; j++) {
        if (u->y >= g->height) {
            u->count++; /* more than W H: counted, never stored */
            continue;
        }
        const size_t i = (u->y / (size_t)g->h) * (size_t)g->cols + u->x / tile_w;
        if (i < (size_t)g->n) {
            const size_t y = u->y % (size_t)g->h, in_tile = u->x % tile_w;
            const size_t k = in_tile / (size_t)g->w, x = in_tile % (size_t)g->w;
            u->levels[((i * (size_t)g->h + y) * (size_t)g->w + x) * (size_t)g->c + k] = start[j];
        } else if (start[j]) {
            u->nonzero_unused = 1;
        }
        u->count++;
        if (++u->x == g->width) {
            u->x = 0;
            u->y++;
        }
    }
}

/* Says how the BIH bih differs from the expected one e. */
static int bih_mismatch(const unsigned char *bih, const unsigned char *e)
{
    if (bih[0] != e[0] || bih[1] != e[1])
        return lgc_fail(LGC_EFORMAT, "JBIG resolution layers %u..%u (a single layer 0 expected)",
                        bih[0], bih[1]);
    if (bih[2] != e[2] || get_u32be(bih + 4) != get_u32be(e + 4) ||
        get_u32be(bih + 8) != get_u32be(e + 8))
        return lgc_fail(LGC_EFORMAT, "a JBIG picture of %lux%lu pixels in %u bit planes (%lux%lu "
                        "in %u expected)",
                        get_u32be(bih + 4), get_u32be(bih + 8), bih[2], get_u32be(e + 4),
                        get_u32be(e + 8), e[2]);
    if (get_u32be(bih + 12) != get_u32be(e + 12))
        return lgc_fail(LGC_EFORMAT, "JBIG stripes of %lu lines (%lu expected)",
                        get_u32be(bih + 12), get_u32be(e + 12));
    return lgc_fail(LGC_EFORMAT, "JBIG header bytes 16..19 %02x %02x %02x %02x (all 0 expected)",
                    bih[16], bih[17], bih[18], bih[19]);
}

int exemplar_decode(uint8_t *levels, const uint8_t *bie, size_t len, int n, int h, int w, int c,
                    int bits)
{
    geometry g;
    int st = picture_geometry(&g, n, h, w, c, bits);
    if (st)
        return st;
    if (len < BIH_LEN)
        return lgc_fail(LGC_EFORMAT, "JBIG header truncated (%zu of %d bytes)", len, BIH_LEN);
    unsigned char bih[BIH_LEN];
    expected_bih(bih, &g);
    if (memcmp(bie, bih, BIH_LEN))
        return bih_mismatch(bie, bih);

    struct jbg_dec_state s;
    jbg_dec_init(&s);
    jbg_dec_maxsize(&s, g.width, g.height);
    size_t cnt = 0;
    /* jbg_dec_in only reads the data it is given */
    const int rc = jbg_dec_in(&s, (unsigned char *)bie, len, &cnt);
    if (rc == JBG_EAGAIN)
        st = lgc_fail(LGC_EFORMAT, "JBIG image truncated (%zu bytes)", len);
    else if (rc != JBG_EOK)
        st = lgc_fail(LGC_EFORMAT, "JBIG: %s (code 0x%02x at byte %zu of %zu)", jbg_strerror(rc),
                      (unsigned)rc, cnt, len);
    else if (cnt != len)
        st = lgc_fail(LGC_EFORMAT, "%zu bytes after the JBIG image", len - cnt);
    else if (jbg_dec_getwidth(&s) != g.width || jbg_dec_getheight(&s) != g.height ||
             jbg_dec_getplanes(&s) != bits)
        st = lgc_fail(LGC_EFORMAT, "JBIG decoded %lux%lu pixels in %d planes (%lux%lu in %d "
                      "expected)",
                      jbg_dec_getwidth(&s), jbg_dec_getheight(&s), jbg_dec_getplanes(&s),
                      g.width, g.height, bits);
    if (st) {
        jbg_dec_free(&s);
        return st;
    }
    untiler u = {&g, levels, 0, 0, 0, 0};
    jbg_dec_merge_planes(&s, 1, untile, &u);
    jbg_dec_free(&s);
    if (u.count != (size_t)g.width * g.height)
        return lgc_fail(LGC_EFORMAT, "JBIG gave %zu pixels (%lu expected)", u.count,
                        g.width * g.height);
    if (u.nonzero_unused)
        return lgc_fail(LGC_EFORMAT, "JBIG picture not 0 after the last image");
    return LGC_OK;
}
