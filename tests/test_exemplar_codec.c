/* test_exemplar_codec.c - exemplar images coded with JBIG
 * (src/io/exemplar_codec.c).
 *
 * - Levels: known values at bits 1, 2, 4 and 8; level and value agree with
 *   round(v m / 255) and round(q 255 / m) for every v, q and bits; value
 *   then level gives q back at every bits, level then value v at bits 8.
 * - Round trips at bits 1, 2, 3, 4 and 8, for 1, 31, 32, 33 and 100
 *   images of 5x7 and 28x28 pixels in 1 and 3 channels, random levels;
 *   encoding twice gives the same bytes.
 * - The layout of exemplar_codec.c's head comment, checked by decoding
 *   with libjbig directly: the 20-byte header, one SDE per plane ending in
 *   SDNORM, each pixel's Gray-code bit in each plane, 0 in unused tiles;
 *   and the exact bytes of one small entity, so that a change of libjbig's
 *   output shows.
 * - Hostile input: every truncation; the entity of another n, h, w, c or
 *   bits (each alone); bytes after it; a header changed anywhere; random
 *   byte corruptions, which decode to levels below 2^bits if JBIG cannot
 *   tell. Each rejection is LGC_EFORMAT with the message of the check
 *   aimed at.
 * - Encoding rejects bits 0 and 9, no images, an empty image and a level
 *   of 2^bits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jbig.h>

#include "exemplar_codec.h"
#include "rng.h"
#include "util.h"

static size_t volume(int n, int h, int w, int c) { return (size_t)n * h * w * c; }

static uint8_t *random_levels(rng_t *rng, size_t len, int bits)
{
    uint8_t *q = xmalloc(len ? len : 1);
    for (size_t j = 0; j < len; j++)
        q[j] = (uint8_t)rng_below(rng, 1u << bits);
    return q;
}

/* Images that compress like real ones: a disc per image on a 0
 * background, its level and size varying with the image. */
static uint8_t *disc_levels(int n, int h, int w, int c, int bits)
{
    uint8_t *q = xmalloc(volume(n, h, w, c));
    const int top = (1 << bits) - 1;
    for (int i = 0; i < n; i++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) {
                    const double dy = y - h / 2.0, dx = x - w / 2.0;
                    const double r = 2.0 + (i % 5) * (h < w ? h : w) / 12.0;
                    const int inside = dx * dx + dy * dy < r * r;
                    q[((size_t)(i * h + y) * w + x) * c + k] =
                        (uint8_t)(inside ? 1 + (i + k + (x + y) / 3) % top : 0);
                }
    return q;
}

/* Asserts that st is LGC_EFORMAT with a message containing want. */
static void assert_rejected(int st, const char *want)
{
    if (st != LGC_EFORMAT || !strstr(lgc_errmsg(), want))
        fail_msg("status %d, message '%s'; expected LGC_EFORMAT with '%s'", st, lgc_errmsg(),
                 want);
}

static void known_levels_and_values(void **state)
{
    (void)state;
    assert_int_equal(exemplar_level(0, 1), 0);
    assert_int_equal(exemplar_level(127, 1), 0);
    assert_int_equal(exemplar_level(128, 1), 1);
    assert_int_equal(exemplar_level(255, 1), 1);
    assert_int_equal(exemplar_value(0, 1), 0);
    assert_int_equal(exemplar_value(1, 1), 255);
    static const uint8_t v2[4] = {0, 85, 170, 255};
    for (int q = 0; q < 4; q++) {
        assert_int_equal(exemplar_value((uint8_t)q, 2), v2[q]);
        assert_int_equal(exemplar_level(v2[q], 2), q);
    }
    assert_int_equal(exemplar_level(42, 2), 0); /* 42 * 3 / 255 = 0.494 */
    assert_int_equal(exemplar_level(43, 2), 1); /* 0.506 */
    assert_int_equal(exemplar_level(127, 2), 1);
    assert_int_equal(exemplar_level(128, 2), 2);
    assert_int_equal(exemplar_value(7, 4), 119);
    assert_int_equal(exemplar_level(8, 4), 0);
    assert_int_equal(exemplar_level(9, 4), 1);
    assert_int_equal(exemplar_value(3, 3), 109); /* 3 * 255 / 7 = 109.29 */
    assert_int_equal(exemplar_value(4, 3), 146); /* 145.71 */
    assert_int_equal(exemplar_level(200, 8), 200);
    assert_int_equal(exemplar_value(200, 8), 200);
}

static void levels_round_trip(void **state)
{
    (void)state;
    for (int bits = 1; bits <= EXEMPLAR_MAX_BITS; bits++) {
        const int m = (1 << bits) - 1;
        for (int v = 0; v < 256; v++) {
            const uint8_t q = exemplar_level((uint8_t)v, bits);
            assert_int_equal(q, (int)nearbyint(v * (double)m / 255.0));
            if (bits == 8)
                assert_int_equal(exemplar_value(q, bits), v);
        }
        for (int q = 0; q <= m; q++) {
            const uint8_t v = exemplar_value((uint8_t)q, bits);
            assert_int_equal(v, (int)nearbyint(q * 255.0 / m));
            assert_int_equal(exemplar_level(v, bits), q);
        }
    }
}

static void encode_decode_round_trip(void **state)
{
    (void)state;
    static const int bitss[] = {1, 2, 3, 4, 8};
    static const int ns[] = {1, 31, 32, 33, 100};
    static const int cs[] = {1, 3};
    static const int hw[][2] = {{5, 7}, {28, 28}};
    rng_t rng;
    rng_seed(&rng, 11);
    for (size_t b = 0; b < sizeof bitss / sizeof *bitss; b++)
        for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
            for (size_t ci = 0; ci < sizeof cs / sizeof *cs; ci++)
                for (size_t s = 0; s < sizeof hw / sizeof *hw; s++) {
                    const int bits = bitss[b], n = ns[ni], c = cs[ci];
                    const int h = hw[s][0], w = hw[s][1];
                    const size_t len = volume(n, h, w, c);
                    uint8_t *q = random_levels(&rng, len, bits);
                    uint8_t *bie = NULL, *again = NULL;
                    size_t bie_len = 0, again_len = 0;
                    assert_int_equal(exemplar_encode(&bie, &bie_len, q, n, h, w, c, bits),
                                     LGC_OK);
                    assert_int_equal(exemplar_encode(&again, &again_len, q, n, h, w, c, bits),
                                     LGC_OK);
                    assert_int_equal(again_len, bie_len);
                    assert_memory_equal(again, bie, bie_len);
                    uint8_t *back = xmalloc(len);
                    memset(back, 0xff, len);
                    const int st = exemplar_decode(back, bie, bie_len, n, h, w, c, bits);
                    if (st != LGC_OK)
                        fail_msg("bits %d, %d images of %dx%dx%d: %s", bits, n, h, w, c,
                                 lgc_errmsg());
                    assert_memory_equal(back, q, len);
                    free(back);
                    free(again);
                    free(bie);
                    free(q);
                }
    /* structured images, all 0 and all at the top level */
    for (int bits = 1; bits <= EXEMPLAR_MAX_BITS; bits++) {
        const int n = 45, h = 9, w = 6, c = 2;
        const size_t len = volume(n, h, w, c);
        uint8_t *q = disc_levels(n, h, w, c, bits), *back = xmalloc(len);
        for (int fill = -1; fill < 2; fill++) {
            if (fill >= 0)
                memset(q, fill ? (1 << bits) - 1 : 0, len);
            uint8_t *bie;
            size_t bie_len;
            assert_int_equal(exemplar_encode(&bie, &bie_len, q, n, h, w, c, bits), LGC_OK);
            memset(back, 0xff, len);
            assert_int_equal(exemplar_decode(back, bie, bie_len, n, h, w, c, bits), LGC_OK);
            assert_memory_equal(back, q, len);
            free(bie);
        }
        free(back);
        free(q);
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes with libjbig directly and checks every pixel of every plane
 * against the layout the head comment of exemplar_codec.c specifies. */
static void check_layout(const uint8_t *q, int n, int h, int w, int c, int bits)
{
    uint8_t *bie;
    size_t len;
    assert_int_equal(exemplar_encode(&bie, &len, q, n, h, w, c, bits), LGC_OK);
    const int cols = n < EXEMPLAR_COLS ? n : EXEMPLAR_COLS;
    const uint32_t W = (uint32_t)(cols * w * c), H = (uint32_t)((n + cols - 1) / cols * h);
    static const uint8_t zero_bih_bytes[] = {0, 1, 3, 16, 17, 18, 19};
    for (size_t j = 0; j < sizeof zero_bih_bytes; j++)
        assert_int_equal(bie[zero_bih_bytes[j]], 0);
    assert_int_equal(bie[2], bits);
    assert_int_equal(be32(bie + 4), W);
    assert_int_equal(be32(bie + 8), H);
    assert_int_equal(be32(bie + 12), H);
    /* one SDE per plane: as many SDNORM markers, the last at the end, and
     * no other marker (0xff is followed by 0x00, stuffing, or 0x02) */
    int sdnorm = 0;
    for (size_t j = 20; j + 1 < len; j++)
        if (bie[j] == 0xff) {
            assert_true(bie[j + 1] == 0x00 || bie[j + 1] == 0x02);
            sdnorm += bie[j + 1] == 0x02;
            j++;
        }
    assert_int_equal(sdnorm, bits);
    assert_int_equal(bie[len - 2], 0xff);
    assert_int_equal(bie[len - 1], 0x02);

    struct jbg_dec_state s;
    jbg_dec_init(&s);
    size_t cnt;
    assert_int_equal(jbg_dec_in(&s, bie, len, &cnt), JBG_EOK);
    assert_int_equal(cnt, len);
    assert_int_equal(jbg_dec_getwidth(&s), W);
    assert_int_equal(jbg_dec_getheight(&s), H);
    assert_int_equal(jbg_dec_getplanes(&s), bits);
    const size_t bpl = (W + 7) / 8;
    for (int p = 0; p < bits; p++) {
        const unsigned char *plane = jbg_dec_getimage(&s, p);
        for (uint32_t Y = 0; Y < H; Y++)
            for (uint32_t X = 0; X < W; X++) {
                const int i = (int)(Y / (uint32_t)h) * cols + (int)(X / (uint32_t)(w * c));
                const int y = (int)(Y % (uint32_t)h), k = (int)(X % (uint32_t)(w * c)) / w,
                          x = (int)(X % (uint32_t)(w * c)) % w;
                int g = 0;
                if (i < n) {
                    const int level = q[((size_t)(i * h + y) * w + x) * c + k];
                    g = level ^ (level >> 1);
                }
                const int want = (g >> (bits - 1 - p)) & 1;
                const int got = (plane[Y * bpl + X / 8] >> (7 - X % 8)) & 1;
                if (got != want)
                    fail_msg("bits %d, plane %d, pixel (%u, %u): %d, expected %d", bits, p, X, Y,
                             got, want);
            }
    }
    jbg_dec_free(&s);
    free(bie);
}

static void layout_is_as_documented(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 5);
    static const int shapes[][4] = {{3, 2, 3, 2}, {33, 5, 7, 3}, {70, 4, 3, 1}, {1, 28, 28, 1}};
    for (int bits = 1; bits <= EXEMPLAR_MAX_BITS; bits++)
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            const int n = shapes[s][0], h = shapes[s][1], w = shapes[s][2], c = shapes[s][3];
            uint8_t *q = random_levels(&rng, volume(n, h, w, c), bits);
            check_layout(q, n, h, w, c, bits);
            free(q);
        }
}

/* The entity of 2 images of 2x3 pixels at bits 2: levels 0..3 and back;
 * a change here changes the files lgc writes. */
static void exact_bytes_of_a_small_entity(void **state)
{
    (void)state;
    static const uint8_t q[12] = {0, 1, 2, 3, 3, 2, 1, 0, 0, 3, 3, 0};
    static const uint8_t want[] = {
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x02, /* BIH */
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0xa0, 0x30, 0xff, 0x02, /* plane 0 */
        0x1d, 0x80, 0xff, 0x02, /* plane 1 */
    };
    uint8_t *bie;
    size_t len;
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 2, 3, 1, 2), LGC_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(bie, want, len);
    free(bie);
}

typedef struct {
    int n, h, w, c, bits;
    uint8_t *q, *bie;
    size_t len;
} coded;

static coded make_coded(int n, int h, int w, int c, int bits)
{
    coded e = {n, h, w, c, bits, disc_levels(n, h, w, c, bits), NULL, 0};
    assert_int_equal(exemplar_encode(&e.bie, &e.len, e.q, n, h, w, c, bits), LGC_OK);
    return e;
}

static void free_coded(coded *e)
{
    free(e->q);
    free(e->bie);
}

static int decode_as(const uint8_t *bie, size_t len, int n, int h, int w, int c, int bits)
{
    uint8_t *back = xmalloc(volume(n, h, w, c));
    const int st = exemplar_decode(back, bie, len, n, h, w, c, bits);
    free(back);
    return st;
}

static void truncations_are_rejected(void **state)
{
    (void)state;
    coded e = make_coded(5, 5, 7, 1, 3);
    assert_int_equal(decode_as(e.bie, e.len, 5, 5, 7, 1, 3), LGC_OK);
    for (size_t len = 0; len < e.len; len++) {
        uint8_t *prefix = xmalloc(len); /* exactly len bytes, for ASan */
        memcpy(prefix, e.bie, len);
        assert_rejected(decode_as(prefix, len, 5, 5, 7, 1, 3), "truncated");
        free(prefix);
    }
    free_coded(&e);
}

static void other_sizes_are_rejected(void **state)
{
    (void)state;
    /* n 40: two rows of 32 tiles; n 20: one row of 20 */
    static const int shapes[][5] = {{40, 5, 7, 1, 2}, {20, 6, 5, 3, 1}, {1, 4, 4, 1, 8}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const int n = shapes[s][0], h = shapes[s][1], w = shapes[s][2], c = shapes[s][3],
                  bits = shapes[s][4];
        coded e = make_coded(n, h, w, c, bits);
        assert_int_equal(decode_as(e.bie, e.len, n, h, w, c, bits), LGC_OK);
        for (int d = -1; d <= 1; d += 2) {
            if (h + d >= 1)
                assert_rejected(decode_as(e.bie, e.len, n, h + d, w, c, bits), "JBIG picture of");
            if (w + d >= 1)
                assert_rejected(decode_as(e.bie, e.len, n, h, w + d, c, bits), "JBIG picture of");
            if (c + d >= 1)
                assert_rejected(decode_as(e.bie, e.len, n, h, w, c + d, bits), "JBIG picture of");
            if (bits + d >= 1 && bits + d <= EXEMPLAR_MAX_BITS)
                assert_rejected(decode_as(e.bie, e.len, n, h, w, c, bits + d), "bit planes");
        }
        if (n == 40) {
            /* fewer images: the last one is not 0; another row: the height */
            assert_rejected(decode_as(e.bie, e.len, n - 1, h, w, c, bits), "after the last image");
            assert_rejected(decode_as(e.bie, e.len, 32, h, w, c, bits), "JBIG picture of");
            assert_rejected(decode_as(e.bie, e.len, 65, h, w, c, bits), "JBIG picture of");
        } else {
            /* fewer than 32 images: one row as wide as they are */
            assert_rejected(decode_as(e.bie, e.len, n + 1, h, w, c, bits), "JBIG picture of");
            if (n > 1)
                assert_rejected(decode_as(e.bie, e.len, n - 1, h, w, c, bits), "JBIG picture of");
        }
        free_coded(&e);
    }
}

static void bytes_after_the_entity_are_rejected(void **state)
{
    (void)state;
    coded e = make_coded(7, 5, 7, 1, 2);
    static const uint8_t tails[][3] = {{0, 0, 0}, {0xff, 0x02, 0}, {0x5a, 0, 0}, {0xff, 0, 0}};
    static const size_t tail_len[] = {1, 2, 1, 2};
    for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
        uint8_t *longer = xmalloc(e.len + tail_len[t]);
        memcpy(longer, e.bie, e.len);
        memcpy(longer + e.len, tails[t], tail_len[t]);
        assert_rejected(decode_as(longer, e.len + tail_len[t], 7, 5, 7, 1, 2),
                        "after the JBIG image");
        free(longer);
    }
    /* the entity twice */
    uint8_t *twice = xmalloc(2 * e.len);
    memcpy(twice, e.bie, e.len);
    memcpy(twice + e.len, e.bie, e.len);
    assert_rejected(decode_as(twice, 2 * e.len, 7, 5, 7, 1, 2), "after the JBIG image");
    free(twice);
    free_coded(&e);
}

/* Every byte of the header, changed in every bit, is rejected before
 * libjbig sees it (the header is where it takes its allocation sizes). */
static void changed_headers_are_rejected(void **state)
{
    (void)state;
    coded e = make_coded(3, 5, 7, 1, 4);
    uint8_t *copy = xmalloc(e.len);
    for (int j = 0; j < 20; j++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, e.bie, e.len);
            copy[j] ^= (uint8_t)(1u << bit);
            assert_rejected(decode_as(copy, e.len, 3, 5, 7, 1, 4), "JBIG");
        }
    /* a forged size in the BIE alone, the caller's sizes right */
    memcpy(copy, e.bie, e.len);
    copy[8] = copy[9] = 0xff;
    assert_rejected(decode_as(copy, e.len, 3, 5, 7, 1, 4), "JBIG picture of");
    free(copy);
    free_coded(&e);
}

/* Random corruptions after the header: JBIG's arithmetic code carries no
 * checksum, so some decode to other pixels; those must still be whole
 * (every level written, each below 2^bits). Under ASan (make sanitize)
 * this also checks that libjbig stays within its buffers. */
static void corruptions_are_rejected_or_harmless(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 17);
    static const int bitss[] = {1, 2, 4, 8};
    int rejected = 0, tries = 0;
    /* 40 images leave 24 tiles unused, whose pixels must decode to 0;
     * 64 leave none */
    for (size_t b = 0; b < 2 * sizeof bitss / sizeof *bitss; b++) {
        const int n = b % 2 ? 64 : 40, h = 9, w = 8, c = 1, bits = bitss[b / 2];
        coded e = make_coded(n, h, w, c, bits);
        const size_t len = volume(n, h, w, c);
        uint8_t *copy = xmalloc(e.len), *back = xmalloc(len);
        for (int t = 0; t < 200; t++) {
            memcpy(copy, e.bie, e.len);
            const int flips = 1 + (int)rng_below(&rng, 3);
            for (int f = 0; f < flips; f++) {
                const size_t at = 20 + rng_below(&rng, (uint32_t)(e.len - 20));
                copy[at] = t % 2 ? (uint8_t)rng_below(&rng, 256)
                                 : (uint8_t)(copy[at] ^ (1u << rng_below(&rng, 8)));
            }
            memset(back, 0xff, len);
            const int st = exemplar_decode(back, copy, e.len, n, h, w, c, bits);
            tries++;
            if (st == LGC_EFORMAT) {
                rejected++;
                assert_true(strlen(lgc_errmsg()) > 0);
                continue;
            }
            assert_int_equal(st, LGC_OK);
            for (size_t j = 0; j < len; j++)
                if (back[j] >= 1u << bits)
                    fail_msg("bits %d: level %u at %zu", bits, back[j], j);
        }
        free(back);
        free(copy);
        free_coded(&e);
    }
    print_message("%d of %d corrupt entities rejected\n", rejected, tries);
    assert_true(rejected > 0);
}

static void encoding_rejects_bad_arguments(void **state)
{
    (void)state;
    uint8_t q[4 * 3 * 2] = {0};
    uint8_t *bie = NULL;
    size_t len = 0;
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 2, 2, 0), LGC_EUSAGE);
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 2, 2, 9), LGC_EUSAGE);
    assert_int_equal(exemplar_encode(&bie, &len, q, 0, 3, 2, 2, 1), LGC_EUSAGE);
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 0, 2, 2, 1), LGC_EUSAGE);
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 0, 2, 1), LGC_EUSAGE);
    assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 2, 0, 1), LGC_EUSAGE);
    assert_null(bie);
    for (int bits = 1; bits < EXEMPLAR_MAX_BITS; bits++) {
        memset(q, 0, sizeof q);
        q[sizeof q - 1] = (uint8_t)(1u << bits); /* one too large, in the last image */
        assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 2, 2, bits), LGC_EUSAGE);
        assert_non_null(strstr(lgc_errmsg(), "image 1"));
        assert_null(bie);
        q[sizeof q - 1]--;
        assert_int_equal(exemplar_encode(&bie, &len, q, 2, 3, 2, 2, bits), LGC_OK);
        free(bie);
        bie = NULL;
    }
    /* a picture wider than JBIG's 32-bit sizes (rejected before the
     * levels are read) */
    assert_int_equal(exemplar_encode(&bie, &len, q, 32, 1, 1 << 20, 1 << 10, 1), LGC_EUSAGE);
    assert_null(bie);
    /* decoding checks its sizes alike */
    assert_int_equal(exemplar_decode(q, q, sizeof q, 0, 3, 2, 2, 1), LGC_EUSAGE);
    assert_int_equal(exemplar_decode(q, q, sizeof q, 2, 3, 2, 2, 9), LGC_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_levels_and_values),
        cmocka_unit_test(levels_round_trip),
        cmocka_unit_test(encode_decode_round_trip),
        cmocka_unit_test(layout_is_as_documented),
        cmocka_unit_test(exact_bytes_of_a_small_entity),
        cmocka_unit_test(truncations_are_rejected),
        cmocka_unit_test(other_sizes_are_rejected),
        cmocka_unit_test(bytes_after_the_entity_are_rejected),
        cmocka_unit_test(changed_headers_are_rejected),
        cmocka_unit_test(corruptions_are_rejected_or_harmless),
        cmocka_unit_test(encoding_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
