/* npy.c - NumPy .npy files: a strict header parser, image and label readers,
 * and writers whose files numpy.load reads.
 *
 * One parser serves files and memory buffers (npy_read_*_mem, which the
 * fuzz target drives): both go through an npy_src that reads bytes at an
 * offset from the caller's buffer or, with pread, from a regular file whose
 * length fstat gives. The header is parsed from at most its first
 * NPY_PREFIX_MAX bytes; the shape is checked against the IDX limits and the
 * data length against the bytes present before the data buffer is
 * allocated, so a forged header cannot make lgc allocate what the file
 * does not hold.
 *
 * The header dict is parsed as the Python literal it is (numpy itself uses
 * ast.literal_eval), restricted to what the three keys can hold: quoted
 * strings without escapes, True/False, tuples of decimal integers. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "idx.h"
#include "npy.h"
#include "util.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* magic, version, header length (u32 for versions 2.0 and 3.0) */
#define NPY_PREAMBLE_MAX (NPY_MAGIC_LEN + 2 + 4)
#define NPY_PREFIX_MAX (NPY_PREAMBLE_MAX + NPY_MAX_HEADER_LEN)
/* More dimensions than lgc reads are refused while parsing. */
#define NPY_NDIM_MAX 4
/* numpy pads the whole preamble and header to this multiple. */
#define NPY_ALIGN 64
/* numpy leaves room in the header for the first dimension to grow to this
 * many digits (appending in place). */
#define NPY_GROWTH_DIGITS 21

/* What the header says. */
typedef struct {
    char kind;          /* 'u' or 'i' */
    int itemsize;       /* 1, 2, 4 or 8 */
    int big_endian;
    char descr[8];      /* as written, for messages */
    int ndim;
    uint64_t dims[NPY_NDIM_MAX];
    size_t data_offset; /* bytes before the data */
} npy_header;

/* --- the byte source --- */

typedef struct {
    int fd;             /* or -1 for buf */
    const uint8_t *buf;
    size_t total;       /* length of the whole input */
    const char *name;
} npy_src;

/* Copies n bytes at offset off (off + n <= total) into dst. */
static int src_read_at(const npy_src *s, size_t off, void *dst, size_t n)
{
    assert(off <= s->total && n <= s->total - off);
    if (s->fd < 0) {
        memcpy(dst, s->buf + off, n);
        return LGC_OK;
    }
    uint8_t *p = dst;
    while (n > 0) {
        ssize_t got = pread(s->fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lgc_fail(LGC_EIO, "cannot read '%s': %s", s->name, strerror(errno));
        if (got == 0)
            return lgc_fail(LGC_EIO, "cannot read '%s': the file shrank while being read",
                            s->name);
        p += got;
        off += (size_t)got;
        n -= (size_t)got;
    }
    return LGC_OK;
}

static int src_open_file(npy_src *s, const char *path)
{
    int fd;
    do
        fd = open(path, O_RDONLY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        close(fd);
        return lgc_fail(LGC_EIO, "cannot read '%s': not a regular file", path);
    }
    *s = (npy_src){.fd = fd, .total = (size_t)sb.st_size, .name = path};
    return LGC_OK;
}

/* --- the header dict --- */

typedef struct {
    const char *text;   /* the header, without its final '\n' */
    size_t len, pos;
    size_t base;        /* file offset of text[0], for messages */
    const char *name;
} cursor;

static int malformed(const cursor *c, const char *expected)
{
    return lgc_fail(LGC_EFORMAT, "'%s': malformed header at byte %zu: expected %s", c->name,
                    c->base + c->pos, expected);
}

static void skip_space(cursor *c)
{
    while (c->pos < c->len && (c->text[c->pos] == ' ' || c->text[c->pos] == '\t'))
        c->pos++;
}

/* Skips spaces, then consumes ch if it is next. */
static int accept(cursor *c, char ch)
{
    skip_space(c);
    if (c->pos < c->len && c->text[c->pos] == ch) {
        c->pos++;
        return 1;
    }
    return 0;
}

static int expect(cursor *c, char ch, const char *what)
{
    return accept(c, ch) ? LGC_OK : malformed(c, what);
}

/* A quoted string of printable characters (no escapes) into out (cap
 * bytes, NUL-terminated). */
static int parse_string(cursor *c, char *out, size_t cap)
{
    skip_space(c);
    if (c->pos >= c->len || (c->text[c->pos] != '\'' && c->text[c->pos] != '"'))
        return malformed(c, "a quoted string");
    char quote = c->text[c->pos++];
    size_t n = 0;
    while (c->pos < c->len && c->text[c->pos] != quote) {
        char ch = c->text[c->pos];
        if (ch < 0x20 || ch > 0x7e || ch == '\\')
            return malformed(c, "a printable character without escapes");
        if (n + 1 >= cap)
            return malformed(c, "a shorter string");
        out[n++] = ch;
        c->pos++;
    }
    if (c->pos >= c->len)
        return malformed(c, "the closing quote");
    c->pos++;
    out[n] = '\0';
    return LGC_OK;
}

static int parse_bool(cursor *c, int *value)
{
    skip_space(c);
    const char *p = c->text + c->pos;
    size_t left = c->len - c->pos;
    if (left >= 4 && !memcmp(p, "True", 4)) {
        *value = 1;
        c->pos += 4;
    } else if (left >= 5 && !memcmp(p, "False", 5)) {
        *value = 0;
        c->pos += 5;
    } else {
        return malformed(c, "True or False");
    }
    return LGC_OK;
}

/* A decimal integer as Python writes it (no sign, no leading zero), at
 * most UINT32_MAX: more than any limit a dimension is checked against. */
static int parse_int(cursor *c, uint64_t *value)
{
    skip_space(c);
    size_t start = c->pos;
    uint64_t v = 0;
    while (c->pos < c->len && c->text[c->pos] >= '0' && c->text[c->pos] <= '9') {
        v = v * 10 + (uint64_t)(c->text[c->pos] - '0');
        if (v > UINT32_MAX) {
            c->pos = start;
            return malformed(c, "an integer below 2^32");
        }
        c->pos++;
    }
    if (c->pos == start)
        return malformed(c, "an integer");
    if (c->text[start] == '0' && c->pos - start > 1) {
        c->pos = start;
        return malformed(c, "an integer without leading zeros");
    }
    *value = v;
    return LGC_OK;
}

/* A tuple of integers: (), (a,), (a, b) or (a, b,). */
static int parse_shape(cursor *c, npy_header *h)
{
    int st;
    if ((st = expect(c, '(', "'(' opening the shape")))
        return st;
    h->ndim = 0;
    if (accept(c, ')'))
        return LGC_OK;
    for (;;) {
        if (h->ndim == NPY_NDIM_MAX)
            return lgc_fail(LGC_EFORMAT, "'%s': shape has more than %d dimensions", c->name,
                            NPY_NDIM_MAX);
        if ((st = parse_int(c, &h->dims[h->ndim++])))
            return st;
        int comma = accept(c, ',');
        if (accept(c, ')')) {
            if (h->ndim == 1 && !comma) /* "(5)" is an int in Python */
                return malformed(c, "',' after the only dimension");
            return LGC_OK;
        }
        if (!comma)
            return malformed(c, "',' or ')' in the shape");
    }
}

/* Reads descr ("<i8", "|u1", ...) into h. */
static int parse_descr(cursor *c, npy_header *h)
{
    size_t at = c->pos;
    int st = parse_string(c, h->descr, sizeof h->descr);
    if (st)
        return st;
    const char *d = h->descr;
    int ok = strlen(d) == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|') &&
             (d[1] == 'u' || d[1] == 'i') && (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8');
    if (ok) {
        h->kind = d[1];
        h->itemsize = d[2] - '0';
        h->big_endian = d[0] == '>';
        ok = d[0] != '|' || h->itemsize == 1; /* '|': no byte order, one byte only */
    }
    if (!ok) {
        c->pos = at;
        return lgc_fail(LGC_EFORMAT, "'%s': dtype '%s' is not an integer type lgc reads", c->name,
                        d);
    }
    return LGC_OK;
}

/* The dict: the three keys numpy writes, each once, in any order. */
static int parse_dict(cursor *c, npy_header *h)
{
    int st, seen_descr = 0, seen_order = 0, seen_shape = 0;
    if ((st = expect(c, '{', "'{'")))
        return st;
    while (!accept(c, '}')) {
        char key[16];
        if ((st = parse_string(c, key, sizeof key)) || (st = expect(c, ':', "':' after a key")))
            return st;
        int *seen;
        if (!strcmp(key, "descr")) {
            seen = &seen_descr;
            st = parse_descr(c, h);
        } else if (!strcmp(key, "fortran_order")) {
            int fortran = 0;
            seen = &seen_order;
            if ((st = parse_bool(c, &fortran)) == LGC_OK && fortran)
                st = lgc_fail(LGC_EFORMAT, "'%s': fortran_order is True (lgc reads C order only)",
                              c->name);
        } else if (!strcmp(key, "shape")) {
            seen = &seen_shape;
            st = parse_shape(c, h);
        } else {
            return lgc_fail(LGC_EFORMAT, "'%s': unknown header key '%s'", c->name, key);
        }
        if (st)
            return st;
        if (*seen)
            return lgc_fail(LGC_EFORMAT, "'%s': header key '%s' given twice", c->name, key);
        *seen = 1;
        if (!accept(c, ',') && (st = expect(c, '}', "',' or '}' after a value")))
            return st;
        if (c->pos > 0 && c->text[c->pos - 1] == '}')
            break;
    }
    skip_space(c);
    if (c->pos != c->len)
        return malformed(c, "only spaces after the dict");
    if (!seen_descr || !seen_order || !seen_shape)
        return lgc_fail(LGC_EFORMAT, "'%s': header lacks '%s'", c->name,
                        !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
    return LGC_OK;
}

/* Magic, version, length, then the dict, from the input's first bytes. */
static int read_header(npy_header *h, const npy_src *s)
{
    uint8_t pre[NPY_PREFIX_MAX];
    size_t avail = s->total < sizeof pre ? s->total : sizeof pre;
    int st = src_read_at(s, 0, pre, avail);
    if (st)
        return st;
    if (avail < NPY_MAGIC_LEN + 2 || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN))
        return lgc_fail(LGC_EFORMAT, "'%s': %s", s->name,
                        avail < NPY_MAGIC_LEN + 2 ? "truncated header" :
                                                    "bad magic (not a NumPy .npy file)");
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return lgc_fail(LGC_EFORMAT, "'%s': .npy format version %d.%d (lgc reads 1.0, 2.0, 3.0)",
                        s->name, major, minor);
    size_t len_bytes = major == 1 ? 2 : 4, start = NPY_MAGIC_LEN + 2 + len_bytes;
    if (avail < start)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header", s->name);
    uint32_t header_len = pre[8] | (uint32_t)pre[9] << 8;
    if (len_bytes == 4)
        header_len |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    if (header_len > NPY_MAX_HEADER_LEN)
        return lgc_fail(LGC_EFORMAT, "'%s': header of %" PRIu32 " bytes exceeds the limit of %d",
                        s->name, header_len, NPY_MAX_HEADER_LEN);
    if (avail < start + header_len)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated header (%zu of %zu bytes)", s->name, avail,
                        start + header_len);
    if (header_len == 0 || pre[start + header_len - 1] != '\n')
        return lgc_fail(LGC_EFORMAT, "'%s': header does not end with a newline", s->name);
    cursor c = {.text = (const char *)pre + start, .len = header_len - 1, .base = start,
                .name = s->name};
    if ((st = parse_dict(&c, h)))
        return st;
    h->data_offset = start + header_len;
    return LGC_OK;
}

int npy_array_bytes(size_t *bytes, const uint8_t *buf, size_t len, const char *name)
{
    npy_src s = {.fd = -1, .buf = buf, .total = len, .name = name};
    npy_header h = {0};
    int st = read_header(&h, &s);
    if (st)
        return st;
    size_t count = (size_t)h.itemsize;
    for (int i = 0; i < h.ndim; i++)
        if (mul_size(count, (size_t)h.dims[i], &count))
            return lgc_fail(LGC_EFORMAT, "'%s': the array's size overflows", name);
    if (count > len - h.data_offset)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated: the array needs %zu bytes of data, %zu "
                        "are left", name, count, len - h.data_offset);
    *bytes = h.data_offset + count;
    return LGC_OK;
}

/* --- the data --- */

/* A dimension's name (for messages) and upper bound. */
typedef struct {
    const char *what;
    uint64_t limit;
} dim_rule;

static const dim_rule image_dims[] = {
    {"image count", IDX_MAX_COUNT},
    {"height", IDX_MAX_SIDE},
    {"width", IDX_MAX_SIDE},
    {"channel count", IDX_MAX_CHANNELS},
};
static const dim_rule label_dims[] = {{"label count", IDX_MAX_COUNT}};

/* Each of dims[0..n) within [1, its rule's limit]. */
static int check_dims(const uint64_t *dims, const dim_rule *rules, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (dims[i] < 1 || dims[i] > rules[i].limit)
            return lgc_fail(LGC_EFORMAT, "'%s': %s %" PRIu64 " out of range [1, %" PRIu64 "]",
                            name, rules[i].what, dims[i], rules[i].limit);
    return LGC_OK;
}

/* The data must be exactly want bytes: checked before any allocation. */
static int check_data_length(const npy_src *s, const npy_header *h, size_t want)
{
    size_t have = s->total - h->data_offset;
    if (have < want)
        return lgc_fail(LGC_EFORMAT, "'%s': truncated: expected %zu bytes of data, got %zu",
                        s->name, want, have);
    if (have > want)
        return lgc_fail(LGC_EFORMAT, "'%s': trailing bytes after the %zu bytes of data", s->name,
                        want);
    return LGC_OK;
}

static int parse_images(npy_images *out, const npy_src *s)
{
    npy_header h = {0};
    int st = read_header(&h, s);
    if (st)
        return st;
    if (strcmp(h.descr + 1, "u1"))
        return lgc_fail(LGC_EFORMAT, "'%s': dtype '%s', expected '|u1' (uint8 images)", s->name,
                        h.descr);
    if (h.ndim != 3 && h.ndim != 4)
        return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected 3 (N, H, W) or 4 (N, H, W, C)",
                        s->name, h.ndim);
    if (h.ndim == 3)
        h.dims[3] = 1;
    size_t img_bytes, total;
    if ((st = check_dims(h.dims, image_dims, 4, s->name)))
        return st;
    if (mul_size(h.dims[1], h.dims[2], &img_bytes) || mul_size(img_bytes, h.dims[3], &img_bytes) ||
        img_bytes > IDX_MAX_IMAGE_BYTES)
        return lgc_fail(LGC_EFORMAT, "'%s': images of %" PRIu64 "x%" PRIu64 "x%" PRIu64
                        " exceed the limit of %u bytes",
                        s->name, h.dims[1], h.dims[2], h.dims[3], IDX_MAX_IMAGE_BYTES);
    if (mul_size(h.dims[0], img_bytes, &total))
        return lgc_fail(LGC_EFORMAT, "'%s': %" PRIu64 " images of %zu bytes overflow the size type",
                        s->name, h.dims[0], img_bytes);
    if ((st = check_data_length(s, &h, total)))
        return st;
    uint8_t *data = xmalloc(total);
    if ((st = src_read_at(s, h.data_offset, data, total))) {
        free(data);
        return st;
    }
    *out = (npy_images){.n = (int)h.dims[0], .h = (int)h.dims[1], .w = (int)h.dims[2],
                        .c = (int)h.dims[3], .data = data};
    return LGC_OK;
}

/* Label i of the raw data, or an error for a uint64 beyond int64. */
static int decode_label(int64_t *value, const uint8_t *p, const npy_header *h, size_t i,
                        const char *name)
{
    uint64_t u = 0;
    for (int b = 0; b < h->itemsize; b++) {
        int shift = 8 * (h->big_endian ? h->itemsize - 1 - b : b);
        u |= (uint64_t)p[b] << shift;
    }
    int bits = 8 * h->itemsize;
    if (h->kind == 'i' && bits < 64 && (u >> (bits - 1)) & 1)
        u |= ~(uint64_t)0 << bits; /* sign extension */
    if (h->kind == 'u' && u > INT64_MAX)
        return lgc_fail(LGC_EFORMAT, "'%s': label %" PRIu64 " at index %zu exceeds the int64 range",
                        name, u, i);
    memcpy(value, &u, sizeof *value); /* two's complement, as the file stores it */
    return LGC_OK;
}

static int parse_labels(int64_t **labels, int *n, const npy_src *s)
{
    npy_header h = {0};
    int st = read_header(&h, s);
    if (st)
        return st;
    if (h.ndim != 1)
        return lgc_fail(LGC_EFORMAT, "'%s': %d dimensions, expected 1 (N,) for labels", s->name,
                        h.ndim);
    if ((st = check_dims(h.dims, label_dims, 1, s->name)))
        return st;
    size_t count = h.dims[0], bytes = count * (size_t)h.itemsize;
    if ((st = check_data_length(s, &h, bytes)))
        return st;
    uint8_t *raw = xmalloc(bytes);
    int64_t *values = xmalloc(count * sizeof *values);
    if ((st = src_read_at(s, h.data_offset, raw, bytes)) == LGC_OK)
        for (size_t i = 0; i < count && st == LGC_OK; i++)
            st = decode_label(values + i, raw + i * (size_t)h.itemsize, &h, i, s->name);
    free(raw);
    if (st) {
        free(values);
        return st;
    }
    *labels = values;
    *n = (int)count;
    return LGC_OK;
}

/* --- reading: entry points --- */

int npy_read_images(npy_images *out, const char *path)
{
    npy_src s;
    int st = src_open_file(&s, path);
    if (st)
        return st;
    st = parse_images(out, &s);
    close(s.fd); /* read-only: a close error loses nothing */
    return st;
}

int npy_read_labels(int64_t **labels, int *n, const char *path)
{
    npy_src s;
    int st = src_open_file(&s, path);
    if (st)
        return st;
    st = parse_labels(labels, n, &s);
    close(s.fd);
    return st;
}

int npy_read_images_mem(npy_images *out, const uint8_t *buf, size_t len, const char *name)
{
    npy_src s = {.fd = -1, .buf = buf, .total = len, .name = name};
    return parse_images(out, &s);
}

int npy_read_labels_mem(int64_t **labels, int *n, const uint8_t *buf, size_t len,
                        const char *name)
{
    npy_src s = {.fd = -1, .buf = buf, .total = len, .name = name};
    return parse_labels(labels, n, &s);
}

/* --- writing --- */

/* Writes a version 1.0 preamble and header for descr and dims[0..ndim)
 * byte for byte as numpy's np.save does: the dict, room for the first
 * dimension to grow to NPY_GROWTH_DIGITS digits, spaces up to the next
 * multiple of NPY_ALIGN (at least one), '\n'. */
static int write_header(FILE *f, const char *descr, const int *dims, int ndim)
{
    char dict[256], shape[128];
    int len = 0;
    for (int i = 0; i < ndim; i++)
        len += snprintf(shape + len, sizeof shape - (size_t)len, i ? ", %d" : "%d", dims[i]);
    if (ndim == 1)
        snprintf(shape + len, sizeof shape - (size_t)len, ",");
    len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                   descr, shape);
    assert(len > 0 && (size_t)len < sizeof dict);
    char first[16];
    size_t growth = NPY_GROWTH_DIGITS - (size_t)snprintf(first, sizeof first, "%d", dims[0]);
    size_t used = NPY_MAGIC_LEN + 2 + 2 + (size_t)len + growth + 1;
    size_t pad = growth + NPY_ALIGN - used % NPY_ALIGN;
    size_t header_len = (size_t)len + pad + 1;
    uint8_t pre[NPY_MAGIC_LEN + 4] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)header_len,
                                      (uint8_t)(header_len >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre || fwrite(dict, 1, (size_t)len, f) != (size_t)len)
        return LGC_EIO;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return LGC_EIO;
    return fputc('\n', f) == EOF ? LGC_EIO : LGC_OK;
}

static int fail_write(atomic_file *af, const char *path)
{
    int st = lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(errno));
    atomic_abort(af);
    return st;
}

int npy_write_images_header(FILE *f, int n, int h, int w, int c)
{
    assert(n > 0 && h > 0 && w > 0 && c > 0);
    const int dims[] = {n, h, w, c};
    return write_header(f, "|u1", dims, c == 1 ? 3 : 4);
}

int npy_write_labels_header(FILE *f, int n)
{
    assert(n > 0);
    return write_header(f, "<i8", &n, 1);
}

int npy_write_label_values(FILE *f, const int64_t *labels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, labels + i, sizeof u);
        uint8_t le[8];
        for (int b = 0; b < 8; b++)
            le[b] = (uint8_t)(u >> (8 * b));
        if (fwrite(le, 1, sizeof le, f) != sizeof le)
            return LGC_EIO;
    }
    return LGC_OK;
}

int npy_write_images(const char *path, const uint8_t *data, int n, int h, int w, int c)
{
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    size_t bytes = (size_t)n * h * w * c;
    if (npy_write_images_header(af.f, n, h, w, c) || fwrite(data, 1, bytes, af.f) != bytes)
        return fail_write(&af, path);
    return atomic_commit(&af);
}

int npy_write_labels(const char *path, const int64_t *labels, int n)
{
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    if (npy_write_labels_header(af.f, n) || npy_write_label_values(af.f, labels, (size_t)n))
        return fail_write(&af, path);
    return atomic_commit(&af);
}
