/* test_lgcfile_forge.h - for the tests of one optional section's payload:
 * a tiny valid model, little-endian fields, and a valid .lgc file image
 * with one more section appended, its count and CRC fixed, so the reader
 * gets past the framing to the payload. Include after cmocka.h: the file
 * image helpers assert. */
#ifndef LGC_TEST_LGCFILE_FORGE_H
#define LGC_TEST_LGCFILE_FORGE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <zlib.h>

#include "lgc_model.h"
#include "lgcfile.h"
#include "util.h"

/* A valid side x side grey model of n classes (prior 10, 11, ...):
 * latent 1 -> dense (1, side, side) -> sigmoid, weights 0, one unit
 * Gaussian per class, no BIC curves. */
static inline void make_small_model(lgc_model *m, int n, int side)
{
    const layer_spec specs[2] = {{LAYER_DENSE, {1, side, side}}, {LAYER_SIGMOID, {0, 0, 0}}};
    memset(m, 0, sizeof *m);
    m->h = m->w = side;
    m->c = 1;
    m->n_classes = n;
    m->latent = 1;
    m->class_counts = xmalloc((size_t)n * sizeof(long));
    m->gmms = xcalloc((size_t)n, sizeof(gmm_t));
    for (int k = 0; k < n; k++) {
        m->class_counts[k] = 10 + k;
        gmm_init(&m->gmms[k], 1, 1, GMM_COV_DIAG);
        m->gmms[k].weights[0] = 1.0;
        m->gmms[k].means[0] = 0.25 * k;
        m->gmms[k].chol[0] = 1.0;
    }
    m->n_layers = 2;
    m->dec_specs = xmalloc(sizeof specs);
    memcpy(m->dec_specs, specs, sizeof specs);
    m->n_dec_params = 2 * (size_t)side * side;
    m->dec_params = xcalloc(m->n_dec_params, sizeof(float));
    m->weight_dtype = LGCF_F32;
    m->gmm_dtype = LGCF_F32;
}

/* The bytes lgcf_write writes for m (through a temporary file, so the
 * atomic writer is what is tested): malloc'ed, *len of them. */
static inline uint8_t *file_image(const lgc_model *m, size_t *len)
{
    assert_int_equal(lgcf_encoded_size(m, len), LGC_OK);
    char path[] = "/tmp/test_lgcfile_forge.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(lgcf_write(path, m), LGC_OK);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = xmalloc(*len + 1);
    assert_int_equal(fread(buf, 1, *len + 1, f), *len);
    fclose(f);
    unlink(path);
    return buf;
}

/* r, read from the file image buf, writes that image again. */
static inline void assert_rewrite_same(const lgc_model *r, const uint8_t *buf, size_t len)
{
    size_t len2;
    uint8_t *buf2 = file_image(r, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(buf2, buf, len);
    free(buf2);
}

static inline void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* file (valid, len bytes) with one more section tagged tag (4 letters)
 * holding the raw payload (deflated as the writer does), the section count
 * and the CRC fixed: a new buffer of *out_len bytes (caller frees). */
static inline uint8_t *with_section(const uint8_t *file, size_t len, const char *tag,
                                    const uint8_t *raw, size_t raw_len, size_t *out_len)
{
    uLongf stored = compressBound((uLong)raw_len);
    uint8_t *out = xmalloc(len + 12 + stored);
    memcpy(out, file, len - 4);
    size_t at = len - 4;
    memcpy(out + at, tag, 4);
    le32(out + at + 4, (uint32_t)raw_len);
    if (compress2(out + at + 12, &stored, raw, (uLong)raw_len, 9) != Z_OK)
        abort(); /* only out of memory: stored has compressBound's room */
    le32(out + at + 8, (uint32_t)stored);
    at += 12 + stored;
    le32(out + 12, get_le32(out + 12) + 1);
    le32(out + at, (uint32_t)crc32(0, out, (uInt)at));
    *out_len = at + 4;
    return out;
}

#endif
