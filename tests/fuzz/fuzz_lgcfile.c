/* fuzz_lgcfile.c - libFuzzer target for the .lgc reader (lgcf_read_mem) and
 * for what `lgc sample` does with a file the reader accepted.
 *
 * A mutated .lgc file almost always fails the CRC-32 check, and a mutated
 * section almost always fails zlib's Adler-32, so the fuzzer would never
 * get past the framing. Each input is therefore read three ways:
 *   1. as given;
 *   2. with its CRC trailer recomputed, which opens the framing, the section
 *      headers and inflation to the fuzzer;
 *   3. as an *unpacked* file: the .lgc layout with every section's payload
 *      stored raw (raw_len and the trailer are ignored). The target deflates
 *      each payload and frames it with a valid CRC, so mutations land on the
 *      payload parsers and the semantic checks (decoder plan, mixtures).
 * When the reader accepts a model, the decoder is built as lgc sample builds
 * it, one latent is drawn from every class's mixture and decoded: whatever
 * the reader accepts must be safe to sample.
 *
 * Run with --unpack IN.lgc OUT to write the unpacked form of a valid file
 * (make-corpus.sh uses it to seed form 3). Built and run by `make fuzz`. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gmm.h"
#include "exemplar_codec.h"
#include "lgcfile.h"
#include "model.h"
#include "rng.h"
#include "threads.h"
#include "util.h"

#define NAME "fuzz.lgc"
#define HEADER_BYTES 16
#define SECTION_HEADER_BYTES 12
#define TRAILER_BYTES 4
/* Form 3 builds at most this many sections (the reader knows nine). */
#define MAX_REPACKED 16

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Draws a latent from every class's mixture, as lgc sample does, and
 * decodes one of them (decoding dominates the time per input). */
static void sample_model(const lgc_model *m)
{
    net dec = {0};
    int st = decoder_from_model(&dec, m, 1);
    /* the reader planned the same decoder, so building it cannot fail */
    assert(st == LGC_OK);
    float *z = xmalloc((size_t)m->n_classes * m->latent * sizeof(float));
    uint8_t *img = xmalloc((size_t)m->h * m->w * m->c);
    rng_t rng;
    rng_seed(&rng, 1);
    for (int c = 0; c < m->n_classes; c++)
        gmm_sample(&m->gmms[c], z + (size_t)c * m->latent, 1, &rng);
    decoder_decode_u8(&dec, z + (size_t)(m->n_classes - 1) * m->latent, 1, m->h, m->w,
                      img);
    /* the exemplars the reader accepted: counts that add up, levels in
     * range (their pixel values are what lgc sample writes) */
    const lgc_exemplars *e = &m->exemplars;
    if (e->n) {
        long n = 0;
        for (int c = 0; c < m->n_classes; c++)
            n += e->class_counts[c];
        assert(n == e->n && e->bits >= 1 && e->bits <= EXEMPLAR_MAX_BITS);
        assert(e->share > 0.0f && e->share <= 1.0f);
        const size_t bytes = (size_t)e->n * m->h * m->w * m->c;
        for (size_t i = 0; i < bytes; i++)
            assert(e->levels[i] < (1u << e->bits));
        img[0] = exemplar_value(e->levels[bytes - 1], e->bits);
    }
    free(z);
    free(img);
    net_free(&dec);
}

/* Reads buf; on success checks the model and samples from it. */
static void check_read(const uint8_t *buf, size_t len)
{
    lgc_model m;
    lgcf_sizes z;
    int st = lgcf_read_mem(&m, &z, buf, len, NAME);
    if (st != LGC_OK) {
        assert(st == LGC_EFORMAT && strstr(lgc_errmsg(), NAME));
        assert(!m.gmms && !m.dec_params && !m.class_counts && !m.bic && !m.exemplars.levels);
        return;
    }
    assert(z.file_bytes == len);
    assert(z.header_bytes + z.shape_bytes + z.prior_bytes + z.decoder_bytes + z.mixture_bytes +
               z.bic_bytes + z.training_bytes + z.labels_bytes + z.warps_bytes +
               z.exemplar_bytes + z.other_bytes ==
           len);
    sample_model(&m);
    lgc_model_free(&m);
}

/* --- form 3: unpacked files --- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} obuf;

static void out_put(obuf *b, const void *src, size_t n)
{
    if (b->cap - b->len < n) {
        while (b->cap - b->len < n)
            b->cap = b->cap ? 2 * b->cap : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void out_le32(obuf *b, uint32_t v)
{
    uint8_t x[4];
    put_le32(x, v);
    out_put(b, x, 4);
}

/* One deflater for the whole run (deflateInit per section would dominate
 * the time per input); level 1: the reader does not care how well. */
static z_stream deflater;

static void out_deflate(obuf *b, const uint8_t *raw, size_t len)
{
    int rc = deflateReset(&deflater);
    assert(rc == Z_OK);
    size_t bound = deflateBound(&deflater, (uLong)len);
    if (b->cap - b->len < bound) {
        b->cap = b->len + bound;
        b->p = xrealloc(b->p, b->cap);
    }
    deflater.next_in = (Bytef *)raw;
    deflater.avail_in = (uInt)len;
    deflater.next_out = b->p + b->len;
    deflater.avail_out = (uInt)(b->cap - b->len);
    rc = deflate(&deflater, Z_FINISH);
    assert(rc == Z_STREAM_END);
    b->len = b->cap - deflater.avail_out;
}

/* Packs an unpacked file: header copied, then up to n_sections sections
 * (tag, then payload length and payload), each deflated and framed; any
 * bytes before the last 4 that no section took are kept; a CRC ends it. */
static void repack(obuf *out, const uint8_t *in, size_t len)
{
    out->len = 0;
    if (len < HEADER_BYTES + TRAILER_BYTES)
        return;
    size_t end = len - TRAILER_BYTES, at = HEADER_BYTES;
    out_put(out, in, HEADER_BYTES);
    uint32_t n = le32(in + 12);
    for (uint32_t i = 0; i < n && i < MAX_REPACKED && end - at >= SECTION_HEADER_BYTES; i++) {
        uint32_t raw_len = le32(in + at + 8);
        size_t take = raw_len < end - at - SECTION_HEADER_BYTES ? raw_len
                                                                : end - at - SECTION_HEADER_BYTES;
        out_put(out, in + at, 4); /* tag */
        out_le32(out, (uint32_t)take);
        size_t len_at = out->len;
        out_le32(out, 0);
        size_t start = out->len;
        out_deflate(out, in + at + SECTION_HEADER_BYTES, take);
        put_le32(out->p + len_at, (uint32_t)(out->len - start));
        at += SECTION_HEADER_BYTES + take;
    }
    out_put(out, in + at, end - at);
    out_le32(out, (uint32_t)crc32(0, out->p, (uInt)out->len));
}

/* --unpack IN OUT: the inverse of repack for a valid file (stored_len
 * becomes the raw length, so repack(unpack(f)) reads as f). */
static int unpack_file(const char *in_path, const char *out_path)
{
    FILE *f = fopen(in_path, "rb");
    if (!f) {
        perror(in_path);
        return 1;
    }
    obuf in = {0}, out = {0};
    uint8_t tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        out_put(&in, tmp, got);
    fclose(f);
    int rc = 1;
    if (in.len < HEADER_BYTES + TRAILER_BYTES) {
        fprintf(stderr, "%s: too short\n", in_path);
        goto done;
    }
    out_put(&out, in.p, HEADER_BYTES);
    size_t at = HEADER_BYTES, end = in.len - TRAILER_BYTES;
    for (uint32_t i = 0; i < le32(in.p + 12); i++) {
        if (end - at < SECTION_HEADER_BYTES || le32(in.p + at + 8) > end - at - 12) {
            fprintf(stderr, "%s: bad section %u\n", in_path, i);
            goto done;
        }
        uLongf raw_len = le32(in.p + at + 4);
        uint32_t stored = le32(in.p + at + 8);
        uint8_t *raw = xmalloc(raw_len);
        if (uncompress(raw, &raw_len, in.p + at + 12, stored) != Z_OK) {
            fprintf(stderr, "%s: section %u does not inflate\n", in_path, i);
            free(raw);
            goto done;
        }
        out_put(&out, in.p + at, 4);
        out_le32(&out, (uint32_t)raw_len);
        out_le32(&out, (uint32_t)raw_len);
        out_put(&out, raw, raw_len);
        free(raw);
        at += 12 + stored;
    }
    out_put(&out, in.p + at, in.len - at);
    f = fopen(out_path, "wb");
    if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f)) {
        perror(out_path);
        goto done;
    }
    rc = 0;
done:
    free(in.p);
    free(out.p);
    return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (*argc == 4 && !strcmp((*argv)[1], "--unpack"))
        exit(unpack_file((*argv)[2], (*argv)[3]));
    threads_set(1);
    int rc = deflateInit(&deflater, 1);
    assert(rc == Z_OK);
    (void)rc;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static obuf work;
    if (size > (1u << 20))
        return 0;
    check_read(data, size); /* 1: as given */
    if (size >= TRAILER_BYTES) { /* 2: with a valid CRC */
        work.len = 0;
        out_put(&work, data, size);
        put_le32(work.p + size - TRAILER_BYTES,
                 (uint32_t)crc32(0, work.p, (uInt)(size - TRAILER_BYTES)));
        check_read(work.p, work.len);
    }
    repack(&work, data, size); /* 3: unpacked */
    if (work.len)
        check_read(work.p, work.len);
    return 0;
}
