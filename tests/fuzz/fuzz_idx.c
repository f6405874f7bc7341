/* fuzz_idx.c - libFuzzer target for the IDX readers (include/idx.h).
 *
 * Each input is parsed as an image, a label and a float file, as given (raw
 * or, when it starts with the gzip magic, gzip), and then once more wrapped
 * in a fresh gzip member: random bytes are almost never a valid gzip
 * stream, so the wrapping is what lets the fuzzer reach the parser through
 * the gzip path with arbitrary content. The readers must return LGC_OK or
 * an error with a message naming the input; anything else (a crash, a
 * sanitizer report, a leak, an allocation over libFuzzer's -malloc_limit_mb)
 * is a finding. Seeds: tests/fuzz/make-corpus.sh. Built and run by
 * `make fuzz`. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "idx.h"
#include "util.h"

#define NAME "fuzz.idx"

/* The readers' contract on success and on failure. */
static void check_images(const uint8_t *buf, size_t len)
{
    idx_images im = {0};
    int st = idx_read_images_mem(&im, buf, len, NAME);
    if (st == LGC_OK) {
        assert(im.n >= 1 && im.h >= 1 && im.w >= 1 && im.c >= 1 && im.data);
        /* touch the last byte: the buffer must hold n*h*w*c bytes */
        volatile uint8_t last = im.data[(size_t)im.n * im.h * im.w * im.c - 1];
        (void)last;
        free(im.data);
    } else {
        assert(st == LGC_EFORMAT && !im.data && strstr(lgc_errmsg(), NAME));
    }
}

static void check_labels(const uint8_t *buf, size_t len)
{
    uint8_t *labels = NULL;
    int n = 0;
    int st = idx_read_labels_mem(&labels, &n, buf, len, NAME);
    if (st == LGC_OK) {
        assert(n >= 1 && labels);
        volatile uint8_t last = labels[n - 1];
        (void)last;
        free(labels);
    } else {
        assert(st == LGC_EFORMAT && !labels && strstr(lgc_errmsg(), NAME));
    }
}

static void check_floats(const uint8_t *buf, size_t len)
{
    float *v = NULL;
    int n = 0;
    int st = idx_read_floats_mem(&v, &n, buf, len, NAME);
    if (st == LGC_OK) {
        assert(n >= 1 && v);
        volatile float last = v[n - 1];
        (void)last;
        free(v);
    } else {
        assert(st == LGC_EFORMAT && !v && strstr(lgc_errmsg(), NAME));
    }
}

/* One gzip member holding buf, into a buffer the caller frees; level 1
 * because only the container matters here. */
static uint8_t *gzip_wrap(const uint8_t *buf, size_t len, size_t *out_len)
{
    z_stream zs = {0};
    int rc = deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    assert(rc == Z_OK);
    size_t cap = deflateBound(&zs, (uLong)len);
    uint8_t *out = xmalloc(cap);
    zs.next_in = (Bytef *)buf;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    rc = deflate(&zs, Z_FINISH);
    assert(rc == Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* inputs far beyond the seeds only slow the search down */
    if (size > (1u << 20))
        return 0;
    check_images(data, size);
    check_labels(data, size);
    check_floats(data, size);
    size_t gz_len;
    uint8_t *gz = gzip_wrap(data, size, &gz_len);
    check_images(gz, gz_len);
    check_labels(gz, gz_len);
    check_floats(gz, gz_len);
    free(gz);
    return 0;
}
