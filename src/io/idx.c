/* idx.c - IDX files (the MNIST format): validating readers, header writers.
 *
 * Workload: a few files per run, each read once and whole into memory (the
 * largest usual one is MNIST's 47 MB training image file).
 *
 * One parser serves files and memory buffers (idx_read_*_mem, which the
 * fuzz targets in tests/fuzz/ drive): both go through an idx_src that
 * yields the decoded bytes, pulling input from a file descriptor in chunks
 * or from the caller's buffer, and inflating it with zlib when it starts
 * with the gzip magic (an IDX file starts with two zero bytes, so the two
 * never clash).
 *
 * Nothing in a header is trusted: magic, type, ndim and every size are
 * checked against the IDX_MAX_* limits first. Raw input then has its length
 * checked against the header before the data buffer is allocated; gzip
 * input, whose decoded length is unknown, grows the buffer with the bytes
 * actually inflated. Either way a forged file cannot make lgc allocate much
 * more than it holds. The data length must then match the header exactly. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"
#include "util.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_TYPE_FLOAT 0x0D
#define IDX_NDIM_MAX 4
/* First data buffer for gzip input; it doubles up to the claimed size. */
#define READ_CHUNK ((size_t)1 << 22)
/* File input is read this much at a time. */
#define FILE_CHUNK ((size_t)1 << 16)
/* zlib counts in uInt: at most this much input or output per call. */
#define ZLIB_MAX ((size_t)1 << 30)

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

/* --- the byte source --- */

/* The decoded bytes of one IDX file. Input not yet consumed is next/avail:
 * the caller's whole buffer (memory), or the last chunk read from fd.
 * gzip members may be concatenated, as RFC 1952 allows; anything else after
 * the last member is an error. */
typedef struct {
    const char *name;    /* for messages */
    int fd;              /* file input, or -1 for memory */
    uint8_t *chunk;      /* file input: FILE_CHUNK bytes */
    const uint8_t *next; /* input not yet consumed */
    size_t avail;
    int eof;             /* no input beyond next/avail */
    int gzip;
    int zs_live;         /* zs initialised */
    int member_done;     /* gzip: the current member ended */
    int later_member;    /* gzip: the current member follows a complete one */
    z_stream zs;
    gz_header gzh;       /* gzh.done tells whether a member's header is complete */
} idx_src;

/* Reads the next chunk of a file source (when all input is consumed). */
static int src_fill(idx_src *s)
{
    assert(s->avail == 0 && !s->eof);
    if (s->fd < 0) {
        s->eof = 1;
        return LGC_OK;
    }
    ssize_t r;
    do
        r = read(s->fd, s->chunk, FILE_CHUNK);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return lgc_fail(LGC_EIO, "cannot read '%s': %s", s->name, strerror(errno));
    s->next = s->chunk;
    s->avail = (size_t)r;
    s->eof = r == 0;
    return LGC_OK;
}

/* Starts reading: fd >= 0 reads that file (which the caller closes), else
 * the len bytes at buf. Looks at the first two bytes for the gzip magic. */
static int src_open(idx_src *s, int fd, const uint8_t *buf, size_t len, const char *name)
{
    *s = (idx_src){.name = name, .fd = fd, .next = buf, .avail = len, .eof = fd < 0};
    if (fd >= 0) {
        s->chunk = xmalloc(FILE_CHUNK);
        s->next = s->chunk;
        /* a pipe may deliver the first bytes one at a time */
        while (s->avail < 2 && !s->eof) {
            ssize_t r = read(fd, s->chunk + s->avail, FILE_CHUNK - s->avail);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return lgc_fail(LGC_EIO, "cannot read '%s': %s", name, strerror(errno));
            s->avail += (size_t)r;
            s->eof = r == 0;
        }
    }
    s->gzip = s->avail >= 2 && s->next[0] == 0x1f && s->next[1] == 0x8b;
    if (!s->gzip)
        return LGC_OK;
    /* 16 + MAX_WBITS: a gzip wrapper, whose CRC-32 and length zlib checks */
    if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK)
        return lgc_fail(LGC_EIO, "cannot read '%s': zlib cannot start (out of memory)", name);
    s->zs_live = 1;
    inflateGetHeader(&s->zs, &s->gzh);
    return LGC_OK;
}

static void src_close(idx_src *s)
{
    if (s->zs_live)
        inflateEnd(&s->zs);
    free(s->chunk);
    *s = (idx_src){.fd = -1};
}

/* Fails for a gzip stream that zlib refused with rc, or that ran out. */
static int gzip_error(const idx_src *s, int rc)
{
    if (rc == Z_MEM_ERROR)
        return lgc_fail(LGC_EIO, "cannot read '%s': zlib ran out of memory", s->name);
    if (s->later_member && s->gzh.done != 1)
        return lgc_fail(LGC_EFORMAT, "'%s': trailing bytes after the gzip data", s->name);
    const char *why = rc == Z_BUF_ERROR ? "unexpected end of file"
                      : s->zs.msg       ? s->zs.msg
                                        : "zlib error";
    return lgc_fail(LGC_EFORMAT, "'%s': corrupt gzip data (%s)", s->name, why);
}

/* Inflates into buf (len bytes) as far as the input goes; *got says how
 * much. Returns at a member's end or when buf is full. */
static int src_inflate(idx_src *s, uint8_t *buf, size_t len, size_t *got)
{
    size_t in = s->avail < ZLIB_MAX ? s->avail : ZLIB_MAX;
    size_t out = len < ZLIB_MAX ? len : ZLIB_MAX;
    s->zs.next_in = (Bytef *)s->next; /* zlib never writes through next_in */
    s->zs.avail_in = (uInt)in;
    s->zs.next_out = buf;
    s->zs.avail_out = (uInt)out;
    int rc = inflate(&s->zs, Z_NO_FLUSH);
    size_t used = in - s->zs.avail_in;
    s->next += used;
    s->avail -= used;
    *got = out - s->zs.avail_out;
    if (rc == Z_STREAM_END) {
        s->member_done = 1;
        return LGC_OK;
    }
    if (rc == Z_OK || (rc == Z_BUF_ERROR && s->avail == 0))
        return LGC_OK; /* wants more input: the caller refills */
    return gzip_error(s, rc);
}

/* Reads up to len decoded bytes into buf, stopping early only at the end
 * of the input; *got says how many arrived. A read error or a damaged gzip
 * stream fails. */
static int src_read(idx_src *s, void *buf, size_t len, size_t *got)
{
    uint8_t *p = buf;
    int st;
    *got = 0;
    while (*got < len) {
        if (s->avail == 0 && !s->eof && (st = src_fill(s)))
            return st;
        if (!s->gzip) {
            if (s->avail == 0)
                break; /* end of file */
            size_t n = len - *got < s->avail ? len - *got : s->avail;
            memcpy(p + *got, s->next, n);
            s->next += n;
            s->avail -= n;
            *got += n;
            continue;
        }
        if (s->member_done) {
            if (s->avail == 0)
                break; /* the last member ended with the input */
            /* more input after a complete member: it must be another one */
            inflateReset(&s->zs);
            inflateGetHeader(&s->zs, &s->gzh);
            s->member_done = 0;
            s->later_member = 1;
        }
        if (s->avail == 0) /* the input ended inside a member */
            return gzip_error(s, Z_BUF_ERROR);
        size_t n;
        if ((st = src_inflate(s, p + *got, len - *got, &n)))
            return st;
        *got += n;
    }
    return LGC_OK;
}

/* Decoded bytes left when the input says so without decoding (raw input:
 * the rest of the buffer, or of a regular file), else SIZE_MAX. */
static size_t src_raw_left(const idx_src *s)
{
    if (s->gzip)
        return SIZE_MAX;
    if (s->fd < 0)
        return s->avail;
    struct stat sb;
    off_t pos = lseek(s->fd, 0, SEEK_CUR);
    if (pos < 0 || fstat(s->fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size < pos)
        return SIZE_MAX;
    return s->avail + (size_t)(sb.st_size - pos);
}

/* --- parsing --- */

/* Reads the magic and the sizes into dims[0..*ndim); the type byte must be
 * type and ndim must lie in [min_ndim, max_ndim]. */
static int read_header(uint32_t *dims, int *ndim, idx_src *s, int type, int min_ndim,
                       int max_ndim)
{
    /* one or two consecutive counts, as the messages below assume */
    assert(1 <= min_ndim && (max_ndim == min_ndim || max_ndim == min_ndim + 1) &&
           max_ndim <= IDX_NDIM_MAX);
    const char *path = s->name;
    uint8_t hdr[4 + 4 * IDX_NDIM_MAX];
    size_t got;
    int st = src_read(s, hdr, 4, &got);
    if (st)
        return st;
    if (got < 4)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header (%zu bytes)", path, got);
    uint32_t magic = get_be32(hdr);
    if (hdr[0] || hdr[1])
        return lgc_fail(LGC_EFORMAT, "'%s': bad magic 0x%08" PRIx32 " (not an IDX file)", path,
                        magic);
    if (hdr[2] != type)
        return lgc_fail(LGC_EFORMAT, "'%s': bad magic 0x%08" PRIx32 " (not an IDX %s file)", path,
                        magic, type == IDX_TYPE_FLOAT ? "float" : "ubyte");
    if (hdr[3] < min_ndim || hdr[3] > max_ndim) {
        if (min_ndim == max_ndim)
            return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected %d", path, hdr[3],
                            min_ndim);
        return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected %d or %d", path, hdr[3],
                        min_ndim, max_ndim);
    }
    *ndim = hdr[3];
    size_t len = 4 * (size_t)*ndim;
    if ((st = src_read(s, hdr + 4, len, &got)))
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

static int fail_truncated(const char *path, size_t want, size_t got, const char *what)
{
    return lgc_fail(LGC_EFORMAT, "'%s': truncated: expected %zu bytes of %s data, got %zu", path,
                    want, what, got);
}

static int fail_trailing(const char *path, size_t want, const char *what)
{
    return lgc_fail(LGC_EFORMAT, "'%s': trailing bytes after the %zu bytes of %s data", path,
                    want, what);
}

/* Reads exactly want bytes of data (what: "image" or "label") into a new
 * buffer, then requires the end of the input. The final read also makes
 * zlib verify the gzip trailer (CRC and length). */
static int read_data(uint8_t **out, idx_src *s, size_t want, const char *what)
{
    assert(want > 0);
    const char *path = s->name;
    /* Raw input: the length is known, so it is checked before allocating. */
    size_t left = src_raw_left(s);
    if (left != SIZE_MAX && left < want)
        return fail_truncated(path, want, left, what);
    if (left != SIZE_MAX && left > want)
        return fail_trailing(path, want, what);
    size_t cap = left == want || want < READ_CHUNK ? want : READ_CHUNK, got = 0, n;
    uint8_t *buf = xmalloc(cap);
    int st;
    for (;;) {
        if ((st = src_read(s, buf + got, cap - got, &n)))
            goto fail;
        got += n;
        if (got < cap || cap == want)
            break;
        cap = cap > want / 2 ? want : 2 * cap;
        buf = xrealloc(buf, cap);
    }
    if (got < want) {
        st = fail_truncated(path, want, got, what);
        goto fail;
    }
    uint8_t extra;
    if ((st = src_read(s, &extra, 1, &n)))
        goto fail;
    if (n) {
        st = fail_trailing(path, want, what);
        goto fail;
    }
    *out = buf;
    return LGC_OK;
fail:
    free(buf);
    return st;
}

/* Parses an image file from s into *out. */
static int parse_images(idx_images *out, idx_src *s)
{
    const char *path = s->name;
    uint32_t dims[IDX_NDIM_MAX] = {0}; /* set by read_header; zeroed for -Wmaybe-uninitialized */
    int ndim = 0;
    uint8_t *data = NULL;
    int st = read_header(dims, &ndim, s, IDX_TYPE_UBYTE, 3, 4);
    if (st)
        return st;
    if (ndim == 3)
        dims[3] = 1;
    size_t img_bytes, total;
    if ((st = check_dim(dims[0], IDX_MAX_COUNT, "image count", path)) ||
        (st = check_dim(dims[1], IDX_MAX_SIDE, "height", path)) ||
        (st = check_dim(dims[2], IDX_MAX_SIDE, "width", path)) ||
        (st = check_dim(dims[3], IDX_MAX_CHANNELS, "channel count", path)))
        return st;
    if (mul_size(dims[1], dims[2], &img_bytes) || mul_size(img_bytes, dims[3], &img_bytes) ||
        img_bytes > IDX_MAX_IMAGE_BYTES)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': images of %" PRIu32 "x%" PRIu32 "x%" PRIu32
                        " exceed the limit of %u bytes",
                        path, dims[1], dims[2], dims[3], IDX_MAX_IMAGE_BYTES);
    if (mul_size(dims[0], img_bytes, &total))
        return lgc_fail(LGC_EFORMAT, "'%s': %" PRIu32 " images of %zu bytes overflow the size type",
                        path, dims[0], img_bytes);
    if ((st = read_data(&data, s, total, "image")))
        return st;
    *out = (idx_images){
        .n = (int)dims[0], .h = (int)dims[1], .w = (int)dims[2], .c = (int)dims[3], .data = data};
    return LGC_OK;
}

/* Parses a label file from s into *labels and *n. */
static int parse_labels(uint8_t **labels, int *n, idx_src *s)
{
    uint32_t dims[IDX_NDIM_MAX] = {0}; /* set by read_header; zeroed for -Wmaybe-uninitialized */
    int ndim = 0;
    uint8_t *data = NULL;
    int st = read_header(dims, &ndim, s, IDX_TYPE_UBYTE, 1, 1);
    if (st == LGC_OK && (st = check_dim(dims[0], IDX_MAX_COUNT, "label count", s->name)) == LGC_OK)
        st = read_data(&data, s, dims[0], "label");
    if (st)
        return st;
    *labels = data;
    *n = (int)dims[0];
    return LGC_OK;
}

/* Parses a float vector file from s into *v and *n. */
static int parse_floats(float **v, int *n, idx_src *s)
{
    uint32_t dims[IDX_NDIM_MAX] = {0};
    int ndim = 0;
    uint8_t *data = NULL;
    int st = read_header(dims, &ndim, s, IDX_TYPE_FLOAT, 1, 1);
    if (st == LGC_OK && (st = check_dim(dims[0], IDX_MAX_COUNT, "value count", s->name)) == LGC_OK)
        st = read_data(&data, s, (size_t)dims[0] * 4, "float");
    if (st)
        return st;
    /* In place: float i is stored over the 4 bytes it was decoded from, so
     * nothing is overwritten before it is read; memcpy keeps the bit
     * pattern (NaNs included) for the caller to judge. */
    static_assert(sizeof(float) == 4, "IDX floats are binary32");
    float *out = (float *)(void *)data;
    for (uint32_t i = 0; i < dims[0]; i++) {
        uint32_t bits = get_be32(data + 4 * (size_t)i);
        memcpy(out + i, &bits, 4);
    }
    *v = out;
    *n = (int)dims[0];
    return LGC_OK;
}

/* --- reading: entry points --- */

static int open_file(int *fd, const char *path)
{
    do
        *fd = open(path, O_RDONLY);
    while (*fd < 0 && errno == EINTR);
    if (*fd < 0)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    return LGC_OK;
}

int idx_read_images(idx_images *out, const char *path)
{
    int fd, st = open_file(&fd, path);
    if (st)
        return st;
    idx_src s;
    if ((st = src_open(&s, fd, NULL, 0, path)) == LGC_OK)
        st = parse_images(out, &s);
    src_close(&s);
    close(fd); /* read-only: a close error loses nothing */
    return st;
}

int idx_read_labels(uint8_t **labels, int *n, const char *path)
{
    int fd, st = open_file(&fd, path);
    if (st)
        return st;
    idx_src s;
    if ((st = src_open(&s, fd, NULL, 0, path)) == LGC_OK)
        st = parse_labels(labels, n, &s);
    src_close(&s);
    close(fd);
    return st;
}

int idx_read_floats(float **v, int *n, const char *path)
{
    int fd, st = open_file(&fd, path);
    if (st)
        return st;
    idx_src s;
    if ((st = src_open(&s, fd, NULL, 0, path)) == LGC_OK)
        st = parse_floats(v, n, &s);
    src_close(&s);
    close(fd);
    return st;
}

int idx_read_images_mem(idx_images *out, const uint8_t *buf, size_t len, const char *name)
{
    idx_src s;
    int st = src_open(&s, -1, buf, len, name);
    if (st == LGC_OK)
        st = parse_images(out, &s);
    src_close(&s);
    return st;
}

int idx_read_labels_mem(uint8_t **labels, int *n, const uint8_t *buf, size_t len,
                        const char *name)
{
    idx_src s;
    int st = src_open(&s, -1, buf, len, name);
    if (st == LGC_OK)
        st = parse_labels(labels, n, &s);
    src_close(&s);
    return st;
}

int idx_read_floats_mem(float **v, int *n, const uint8_t *buf, size_t len, const char *name)
{
    idx_src s;
    int st = src_open(&s, -1, buf, len, name);
    if (st == LGC_OK)
        st = parse_floats(v, n, &s);
    src_close(&s);
    return st;
}

/* --- writing --- */

int idx_array_bytes(size_t *bytes, const uint8_t *buf, size_t len, const char *name)
{
    if (len < 4 || buf[0] || buf[1] || buf[2] != IDX_TYPE_UBYTE || buf[3] < 1 ||
        buf[3] > IDX_NDIM_MAX)
        return lgc_fail(LGC_EFORMAT, "'%s': not a raw IDX array of unsigned bytes", name);
    size_t total = 4 + 4 * (size_t)buf[3];
    if (len < total)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated IDX header", name);
    size_t count = 1;
    for (int i = 0; i < buf[3]; i++)
        if (mul_size(count, get_be32(buf + 4 + 4 * i), &count))
            return lgc_fail(LGC_EFORMAT, "'%s': IDX sizes overflow", name);
    if (count > len - total)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated: the IDX array needs %zu bytes of data, "
                        "%zu are left", name, count, len - total);
    *bytes = total + count;
    return LGC_OK;
}

static int write_header(FILE *f, int type, const uint32_t *dims, int ndim)
{
    assert(1 <= ndim && ndim <= IDX_NDIM_MAX);
    uint8_t hdr[4 + 4 * IDX_NDIM_MAX] = {0, 0, (uint8_t)type, (uint8_t)ndim};
    for (int i = 0; i < ndim; i++)
        put_be32(hdr + 4 + 4 * i, dims[i]);
    size_t len = 4 + 4 * (size_t)ndim;
    return fwrite(hdr, 1, len, f) == len ? LGC_OK : LGC_EIO;
}

int idx_write_images_header(FILE *f, int n, int h, int w, int c)
{
    assert(n > 0 && h > 0 && w > 0 && c > 0);
    const uint32_t dims[] = {(uint32_t)n, (uint32_t)h, (uint32_t)w, (uint32_t)c};
    return write_header(f, IDX_TYPE_UBYTE, dims, c == 1 ? 3 : 4);
}

int idx_write_labels_header(FILE *f, int n)
{
    assert(n > 0);
    const uint32_t dims[] = {(uint32_t)n};
    return write_header(f, IDX_TYPE_UBYTE, dims, 1);
}

int idx_write_floats(FILE *f, const float *v, int n)
{
    assert(n > 0);
    const uint32_t dims[] = {(uint32_t)n};
    if (write_header(f, IDX_TYPE_FLOAT, dims, 1))
        return LGC_EIO;
    uint8_t buf[4096];
    for (int i = 0; i < n;) {
        size_t len = 0;
        for (; len < sizeof buf && i < n; len += 4, i++) {
            uint32_t bits;
            memcpy(&bits, v + i, 4);
            put_be32(buf + len, bits);
        }
        if (fwrite(buf, 1, len, f) != len)
            return LGC_EIO;
    }
    return LGC_OK;
}
