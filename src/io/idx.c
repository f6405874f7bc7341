/* idx.c - IDX files (the MNIST format): validating readers, header writers.
 *
 * Workload: a few files per run, each read once and whole into memory (the
 * largest usual one is MNIST's 47 MB training image file). zlib's gzread
 * reads gzip and raw files alike, so one code path serves both.
 *
 * Nothing in a header is trusted: magic, type, ndim and every size are
 * checked against the IDX_MAX_* limits first, and even then the data buffer
 * grows with the bytes actually read rather than being sized from the
 * header, so a forged file cannot make lgc allocate much more than it
 * holds. The data length must then match the header exactly. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "idx.h"
#include "util.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_NDIM_MAX 4
/* First data buffer; it doubles from here up to the claimed size. */
#define READ_CHUNK ((size_t)1 << 22)
/* gzread counts in unsigned int and returns int. */
#define GZREAD_MAX ((size_t)1 << 30)

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* --- reading --- */

static int open_gz(gzFile *gz, const char *path)
{
    errno = 0;
    *gz = gzopen(path, "rb");
    if (!*gz) /* errno stays 0 when zlib itself ran out of memory */
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno ? errno : ENOMEM));
    return LGC_OK;
}

/* Reads up to len bytes, stopping early only at the end of the data; *got
 * says how many arrived. A read error or a damaged gzip stream fails. */
static int read_some(gzFile gz, void *buf, size_t len, size_t *got, const char *path)
{
    uint8_t *p = buf;
    *got = 0;
    while (*got < len) {
        size_t want = len - *got < GZREAD_MAX ? len - *got : GZREAD_MAX;
        int n = gzread(gz, p + *got, (unsigned)want);
        if (n <= 0)
            break;
        *got += (size_t)n;
    }
    if (*got == len)
        return LGC_OK;
    int errnum;
    const char *msg = gzerror(gz, &errnum);
    if (errnum == Z_OK)
        return LGC_OK; /* a clean end of file */
    if (errnum == Z_ERRNO)
        return lgc_fail(LGC_EIO, "cannot read '%s': %s", path, strerror(errno));
    /* zlib prefixes its message with the path, which ours already names */
    size_t plen = strlen(path);
    if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
        msg += plen + 2;
    return lgc_fail(LGC_EFORMAT, "'%s': corrupt gzip data (%s)", path, msg);
}

/* Reads the magic and the sizes into dims[0..*ndim); ndim must lie in
 * [min_ndim, max_ndim]. */
static int read_header(uint32_t *dims, int *ndim, gzFile gz, const char *path, int min_ndim,
                       int max_ndim)
{
    /* one or two consecutive counts, as the messages below assume */
    assert(1 <= min_ndim && (max_ndim == min_ndim || max_ndim == min_ndim + 1) &&
           max_ndim <= IDX_NDIM_MAX);
    uint8_t hdr[4 + 4 * IDX_NDIM_MAX];
    size_t got;
    int st = read_some(gz, hdr, 4, &got, path);
    if (st)
        return st;
    if (got < 4)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header (%zu bytes)", path, got);
    uint32_t magic = get_be32(hdr);
    if (hdr[0] || hdr[1])
        return lgc_fail(LGC_EFORMAT, "'%s': bad magic 0x%08" PRIx32 " (not an IDX file)", path,
                        magic);
    if (hdr[2] != IDX_TYPE_UBYTE)
        return lgc_fail(LGC_EFORMAT, "'%s': bad magic 0x%08" PRIx32 " (not an IDX ubyte file)",
                        path, magic);
    if (hdr[3] < min_ndim || hdr[3] > max_ndim) {
        if (min_ndim == max_ndim)
            return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected %d", path, hdr[3],
                            min_ndim);
        return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected %d or %d", path, hdr[3],
                        min_ndim, max_ndim);
    }
    *ndim = hdr[3];
    size_t len = 4 * (size_t)*ndim;
    if ((st = read_some(gz, hdr + 4, len, &got, path)))
        return st;
    if (got < len)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header (%zu of %zu bytes)", path, 4 + got,
                        4 + len);
    for (int i = 0; i < *ndim; i++)
        dims[i] = get_be32(hdr + 4 + 4 * i);
    return LGC_OK;
}

static int check_dim(uint32_t v, uint32_t limit, const char *what, const char *path)
{
    if (v < 1 || v > limit)
        return lgc_fail(LGC_EFORMAT, "'%s': %s %" PRIu32 " out of range [1, %" PRIu32 "]", path,
                        what, v, limit);
    return LGC_OK;
}

/* Reads exactly want bytes of data (what: "image" or "label") into a new
 * buffer, then requires the end of the file. The final read also makes zlib
 * verify the gzip trailer (CRC and length). */
static int read_data(uint8_t **out, gzFile gz, const char *path, size_t want, const char *what)
{
    assert(want > 0);
    size_t cap = want < READ_CHUNK ? want : READ_CHUNK, got = 0, n;
    uint8_t *buf = xmalloc(cap);
    int st;
    for (;;) {
        if ((st = read_some(gz, buf + got, cap - got, &n, path)))
            goto fail;
        got += n;
        if (got < cap || cap == want)
            break;
        cap = cap > want / 2 ? want : 2 * cap;
        buf = xrealloc(buf, cap);
    }
    if (got < want) {
        st = lgc_fail(LGC_EFORMAT, "'%s': truncated: expected %zu bytes of %s data, got %zu", path,
                      want, what, got);
        goto fail;
    }
    uint8_t extra;
    if ((st = read_some(gz, &extra, 1, &n, path)))
        goto fail;
    if (n) {
        st = lgc_fail(LGC_EFORMAT, "'%s': trailing bytes after the %zu bytes of %s data", path,
                      want, what);
        goto fail;
    }
    *out = buf;
    return LGC_OK;
fail:
    free(buf);
    return st;
}

/* Closes gz; a close failure matters only when all else succeeded. */
static int close_gz(gzFile gz, const char *path, int st)
{
    int rc = gzclose(gz);
    if (st == LGC_OK && rc != Z_OK)
        return lgc_fail(LGC_EIO, "cannot close '%s': %s", path,
                        rc == Z_ERRNO ? strerror(errno) : "zlib error");
    return st;
}

int idx_read_images(idx_images *out, const char *path)
{
    gzFile gz;
    uint32_t dims[IDX_NDIM_MAX];
    int ndim;
    uint8_t *data = NULL;
    int st = open_gz(&gz, path);
    if (st)
        return st;
    if ((st = read_header(dims, &ndim, gz, path, 3, 4)))
        goto done;
    if (ndim == 3)
        dims[3] = 1;
    size_t img_bytes, total;
    if ((st = check_dim(dims[0], IDX_MAX_COUNT, "image count", path)) ||
        (st = check_dim(dims[1], IDX_MAX_SIDE, "height", path)) ||
        (st = check_dim(dims[2], IDX_MAX_SIDE, "width", path)) ||
        (st = check_dim(dims[3], IDX_MAX_CHANNELS, "channel count", path)))
        goto done;
    if (mul_size(dims[1], dims[2], &img_bytes) || mul_size(img_bytes, dims[3], &img_bytes) ||
        img_bytes > IDX_MAX_IMAGE_BYTES) {
        st = lgc_fail(LGC_EFORMAT,
                      "'%s': images of %" PRIu32 "x%" PRIu32 "x%" PRIu32
                      " exceed the limit of %u bytes",
                      path, dims[1], dims[2], dims[3], IDX_MAX_IMAGE_BYTES);
        goto done;
    }
    if (mul_size(dims[0], img_bytes, &total)) {
        st = lgc_fail(LGC_EFORMAT, "'%s': %" PRIu32 " images of %zu bytes overflow the size type",
                      path, dims[0], img_bytes);
        goto done;
    }
    st = read_data(&data, gz, path, total, "image");
done:
    if ((st = close_gz(gz, path, st))) {
        free(data);
        return st;
    }
    *out = (idx_images){
        .n = (int)dims[0], .h = (int)dims[1], .w = (int)dims[2], .c = (int)dims[3], .data = data};
    return LGC_OK;
}

int idx_read_labels(uint8_t **labels, int *n, const char *path)
{
    gzFile gz;
    uint32_t dims[IDX_NDIM_MAX];
    int ndim;
    uint8_t *data = NULL;
    int st = open_gz(&gz, path);
    if (st)
        return st;
    if ((st = read_header(dims, &ndim, gz, path, 1, 1)) == LGC_OK &&
        (st = check_dim(dims[0], IDX_MAX_COUNT, "label count", path)) == LGC_OK)
        st = read_data(&data, gz, path, dims[0], "label");
    if ((st = close_gz(gz, path, st))) {
        free(data);
        return st;
    }
    *labels = data;
    *n = (int)dims[0];
    return LGC_OK;
}

/* --- writing --- */

static int write_header(FILE *f, const uint32_t *dims, int ndim)
{
    assert(1 <= ndim && ndim <= IDX_NDIM_MAX);
    uint8_t hdr[4 + 4 * IDX_NDIM_MAX] = {0, 0, IDX_TYPE_UBYTE, (uint8_t)ndim};
    for (int i = 0; i < ndim; i++)
        put_be32(hdr + 4 + 4 * i, dims[i]);
    size_t len = 4 + 4 * (size_t)ndim;
    return fwrite(hdr, 1, len, f) == len ? LGC_OK : LGC_EIO;
}

int idx_write_images_header(FILE *f, int n, int h, int w, int c)
{
    assert(n > 0 && h > 0 && w > 0 && c > 0);
    const uint32_t dims[] = {(uint32_t)n, (uint32_t)h, (uint32_t)w, (uint32_t)c};
    return write_header(f, dims, c == 1 ? 3 : 4);
}

int idx_write_labels_header(FILE *f, int n)
{
    assert(n > 0);
    const uint32_t dims[] = {(uint32_t)n};
    return write_header(f, dims, 1);
}
