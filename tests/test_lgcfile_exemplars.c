/* test_lgcfile_exemplars.c - the optional EXMP section of .lgc files (real
 * training images beside the mixtures, src/io/lgcfile_exemplars.c): absent
 * without exemplars, levels, class counts and share round-trip exactly at
 * every bit depth, lgc info's byte count, every truncation refused, and
 * forged payloads (bits, codec, reserved field, share, counts above the
 * prior, no image, a picture beyond the reader's bound, a length that is
 * not the rest, a JBIG entity of another picture, a second EXMP) refused
 * with a message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "exemplar_codec.h"
#include "lgcfile.h"
#include "rng.h"
#include "test_lgcfile_forge.h"
#include "util.h"

#define K 3
#define SIDE 5

static const long t_counts[K] = {4, 0, 7}; /* class 1 has none */
#define T_N 11

/* Random levels at bits for T_N images, in class order. */
static void add_exemplars(lgc_model *m, int bits, float share, uint64_t seed)
{
    lgc_exemplars *e = &m->exemplars;
    e->n = T_N;
    e->bits = bits;
    e->share = share;
    e->class_counts = xmalloc(K * sizeof(long));
    memcpy(e->class_counts, t_counts, sizeof t_counts);
    e->levels = xmalloc(T_N * SIDE * SIDE);
    rng_t r;
    rng_seed(&r, seed);
    for (int i = 0; i < T_N * SIDE * SIDE; i++)
        e->levels[i] = (uint8_t)(rng_u64(&r) & ((1u << bits) - 1));
}

/* An EXMP payload from its fields (docs/FORMAT.md), into raw (room for
 * 4096 bytes); returns its length. */
static size_t payload(uint8_t *raw, int bits, int codec, int reserved, float share,
                      const uint32_t *counts, const uint8_t *jbig, size_t jbig_len,
                      uint32_t len_field)
{
    size_t at = 0;
    raw[at++] = (uint8_t)bits;
    raw[at++] = (uint8_t)codec;
    raw[at++] = (uint8_t)reserved;
    raw[at++] = (uint8_t)(reserved >> 8);
    uint32_t sb;
    memcpy(&sb, &share, 4);
    le32(raw + at, sb);
    at += 4;
    for (int k = 0; k < K; k++, at += 4)
        le32(raw + at, counts[k]);
    le32(raw + at, len_field);
    at += 4;
    assert_true(at + jbig_len <= 4096);
    memcpy(raw + at, jbig, jbig_len);
    return at + jbig_len;
}

static void no_exemplars_no_section(void **state)
{
    (void)state;
    lgc_model m, r;
    lgcf_sizes z;
    make_small_model(&m, K, SIDE);
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "plain"), LGC_OK);
    assert_int_equal(z.exemplar_bytes, 0);
    assert_int_equal(r.exemplars.n, 0);
    for (size_t i = 0; i + 4 <= len; i++)
        assert_false(!memcmp(buf + i, "EXMP", 4));
    lgc_model_free(&r);
    lgc_model_free(&m);
    free(buf);
}

static void round_trip_every_depth(void **state)
{
    (void)state;
    for (int bits = 1; bits <= EXEMPLAR_MAX_BITS; bits++) {
        lgc_model m, r;
        lgcf_sizes z;
        make_small_model(&m, K, SIDE);
        add_exemplars(&m, bits, bits == 8 ? 1.0f : 0.25f * (float)(bits % 4 + 1) - 0.125f,
                      (uint64_t)bits);
        size_t len;
        uint8_t *buf = file_image(&m, &len);
        assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "ex"), LGC_OK);
        assert_int_equal(r.exemplars.n, T_N);
        assert_int_equal(r.exemplars.bits, bits);
        assert_true(r.exemplars.share == m.exemplars.share);
        for (int k = 0; k < K; k++)
            assert_int_equal(r.exemplars.class_counts[k], t_counts[k]);
        assert_memory_equal(r.exemplars.levels, m.exemplars.levels, T_N * SIDE * SIDE);
        /* lgc info's accounting: the section is counted, and all parts sum up */
        assert_true(z.exemplar_bytes > 12);
        assert_int_equal(z.header_bytes + z.shape_bytes + z.prior_bytes + z.decoder_bytes +
                             z.mixture_bytes + z.bic_bytes + z.training_bytes +
                             z.labels_bytes + z.warps_bytes + z.exemplar_bytes + z.other_bytes,
                         len);
        /* a rewrite reproduces the file */
        assert_rewrite_same(&r, buf, len);
        lgc_model_free(&r);
        lgc_model_free(&m);
        free(buf);
    }
}

static void truncated_everywhere(void **state)
{
    (void)state;
    lgc_model m, r;
    make_small_model(&m, K, SIDE);
    add_exemplars(&m, 3, 0.5f, 9);
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    for (size_t cut = 0; cut + 4 < len; cut++) {
        /* the file cut before its trailer, a CRC appended, so the
         * parsers see the cut (cut + 4 = len is the file itself) */
        uint8_t *t = xmalloc(cut + 4);
        memcpy(t, buf, cut);
        le32(t + cut, (uint32_t)crc32(0, t, (uInt)cut));
        assert_int_equal(lgcf_read_mem(&r, NULL, t, cut + 4, "cut"), LGC_EFORMAT);
        assert_int_equal(r.exemplars.n, 0);
        free(t);
    }
    lgc_model_free(&m);
    free(buf);
}

/* Reads file + an EXMP of raw and expects a refusal whose message has want. */
static void expect_refused(const uint8_t *file, size_t len, const uint8_t *raw, size_t raw_len,
                           const char *want)
{
    size_t n;
    uint8_t *f = with_section(file, len, "EXMP", raw, raw_len, &n);
    lgc_model r;
    assert_int_equal(lgcf_read_mem(&r, NULL, f, n, "forged"), LGC_EFORMAT);
    if (!strstr(lgc_errmsg(), want))
        fail_msg("message '%s' lacks '%s'", lgc_errmsg(), want);
    assert_non_null(strstr(lgc_errmsg(), "'forged'"));
    free(f);
}

static void forged_payloads(void **state)
{
    (void)state;
    lgc_model m;
    make_small_model(&m, K, SIDE);
    size_t len;
    uint8_t *file = file_image(&m, &len); /* no EXMP yet */
    /* a valid entity of T_N images at 2 bits */
    lgc_model e;
    make_small_model(&e, K, SIDE);
    add_exemplars(&e, 2, 0.5f, 4);
    uint8_t *jbig;
    size_t jlen;
    assert_int_equal(exemplar_encode(&jbig, &jlen, e.exemplars.levels, T_N, SIDE, SIDE, 1, 2),
                     LGC_OK);
    const uint32_t ok[K] = {4, 0, 7};
    uint8_t raw[4096];
    size_t n;
    /* the valid payload reads, and is what the writer writes */
    n = payload(raw, 2, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    {
        size_t fl;
        uint8_t *f = with_section(file, len, "EXMP", raw, n, &fl);
        lgc_model r;
        assert_int_equal(lgcf_read_mem(&r, NULL, f, fl, "forged"), LGC_OK);
        assert_memory_equal(r.exemplars.levels, e.exemplars.levels, T_N * SIDE * SIDE);
        lgc_model_free(&r);
        size_t wl;
        uint8_t *w = file_image(&e, &wl);
        assert_int_equal(wl, fl);
        assert_memory_equal(w, f, fl);
        free(w);
        free(f);
    }
    n = payload(raw, 0, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "bits per pixel");
    n = payload(raw, 9, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "bits per pixel");
    n = payload(raw, 2, 2, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "codec 2");
    n = payload(raw, 2, 1, 1, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "reserved");
    const float bad_shares[4] = {0.0f, -0.5f, 1.5f, NAN};
    for (int i = 0; i < 4; i++) {
        n = payload(raw, 2, 1, 0, bad_shares[i], ok, jbig, jlen, (uint32_t)jlen);
        expect_refused(file, len, raw, n, "share");
    }
    const uint32_t above[K] = {4, 12, 7}; /* class 1 has 11 images */
    n = payload(raw, 2, 1, 0, 0.5f, above, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "class 1 has 12 of its 11");
    const uint32_t none[K] = {0, 0, 0};
    n = payload(raw, 2, 1, 0, 0.5f, none, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "0 images");
    /* the entity of 11 images read as 10: another picture */
    const uint32_t fewer[K] = {4, 0, 6};
    n = payload(raw, 2, 1, 0, 0.5f, fewer, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "exemplars");
    n = payload(raw, 3, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    expect_refused(file, len, raw, n, "exemplars");
    /* a length field that is not the rest: longer (truncated), shorter */
    n = payload(raw, 2, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen + 1);
    expect_refused(file, len, raw, n, "truncated in section EXMP");
    n = payload(raw, 2, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen - 1);
    expect_refused(file, len, raw, n, "1 bytes after the images");
    /* a second EXMP */
    n = payload(raw, 2, 1, 0, 0.5f, ok, jbig, jlen, (uint32_t)jlen);
    {
        size_t l1, l2;
        uint8_t *f1 = with_section(file, len, "EXMP", raw, n, &l1);
        uint8_t *f2 = with_section(f1, l1, "EXMP", raw, n, &l2);
        lgc_model r;
        assert_int_equal(lgcf_read_mem(&r, NULL, f2, l2, "forged"), LGC_EFORMAT);
        assert_non_null(strstr(lgc_errmsg(), "duplicate section EXMP"));
        free(f1);
        free(f2);
    }
    free(jbig);
    lgc_model_free(&e);
    lgc_model_free(&m);
    free(file);
}

/* Counts whose picture exceeds LGCF_MAX_EXEMPLAR_BYTES are refused before
 * any allocation, whatever the JBIG data. */
static void picture_beyond_the_bound(void **state)
{
    (void)state;
    lgc_model m;
    make_small_model(&m, K, SIDE);
    /* a prior large enough for the counts */
    for (int k = 0; k < K; k++)
        m.class_counts[k] = 1L << 30;
    size_t len;
    uint8_t *file = file_image(&m, &len);
    const uint64_t per = SIDE * SIDE, max_n = LGCF_MAX_EXEMPLAR_BYTES / per;
    const uint32_t big[K] = {(uint32_t)max_n, 1, 0};
    uint8_t raw[4096];
    const uint8_t junk[8] = {0};
    size_t n = payload(raw, 1, 1, 0, 0.5f, big, junk, sizeof junk, sizeof junk);
    expect_refused(file, len, raw, n, "bytes in all");
    lgc_model_free(&m);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_exemplars_no_section),
        cmocka_unit_test(round_trip_every_depth),
        cmocka_unit_test(truncated_everywhere),
        cmocka_unit_test(forged_payloads),
        cmocka_unit_test(picture_beyond_the_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
