/* cifar.c - CIFAR-10 and CIFAR-100 binary batches: detection, validating
 * readers (planar to HWC), a writer.
 *
 * Workload: up to six files of 30 MB (the whole CIFAR-10 training set is
 * five), each read once. Every file is sized with fstat first, so the set
 * is allocated once for all of them and only when every length is a whole
 * number of records; the records are then read in chunks and converted. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cifar.h"
#include "idx.h"
#include "util.h"

#define CIFAR_PLANE (CIFAR_SIDE * CIFAR_SIDE)
/* Records read from a file at a time (3 MB). */
#define CHUNK_RECORDS 1024

size_t cifar_record_bytes(cifar_kind kind)
{
    assert(kind == CIFAR_10 || kind == CIFAR_100);
    return (kind == CIFAR_10 ? 1 : 2) + (size_t)CIFAR_IMAGE_BYTES;
}

static const char *kind_name(cifar_kind kind) { return kind == CIFAR_10 ? "CIFAR-10" : "CIFAR-100"; }

/* Whether name is prefix, one or more digits, ".bin". */
static int is_numbered(const char *name, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(name, prefix, len))
        return 0;
    const char *p = name + len;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return !strcmp(p, ".bin");
}

int cifar_detect(cifar_kind *kind, const char *path, size_t size)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    if (is_numbered(base, "data_batch_") || !strcmp(base, "test_batch.bin")) {
        *kind = CIFAR_10;
        return LGC_OK;
    }
    if (!strcmp(base, "train.bin") || !strcmp(base, "test.bin")) {
        *kind = CIFAR_100;
        return LGC_OK;
    }
    int fits10 = size > 0 && size % cifar_record_bytes(CIFAR_10) == 0;
    int fits100 = size > 0 && size % cifar_record_bytes(CIFAR_100) == 0;
    if (fits10 && fits100)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': %zu bytes is a whole number of both CIFAR-10 and CIFAR-100 "
                        "records; name the kind",
                        path, size);
    if (!fits10 && !fits100)
        return lgc_fail(LGC_EFORMAT,
                        "'%s': %zu bytes is not a whole number of CIFAR-10 (3073-byte) or "
                        "CIFAR-100 (3074-byte) records",
                        path, size);
    *kind = fits10 ? CIFAR_10 : CIFAR_100;
    return LGC_OK;
}

/* The record count of a file of size bytes, checked. */
static int count_records(size_t *n, cifar_kind kind, size_t size, const char *name)
{
    size_t rec = cifar_record_bytes(kind);
    if (size == 0 || size % rec)
        return lgc_fail(LGC_EFORMAT, "'%s': %zu bytes is not a whole number of %s records (%zu bytes)",
                        name, size, kind_name(kind), rec);
    *n = size / rec;
    return LGC_OK;
}

static int check_total(size_t total, const char *name)
{
    if (total > IDX_MAX_COUNT)
        return lgc_fail(LGC_EFORMAT, "'%s': more than %d images in all", name, IDX_MAX_COUNT);
    return LGC_OK;
}

static void set_alloc(cifar_set *s, cifar_kind kind, size_t n)
{
    *s = (cifar_set){.kind = kind, .n = (int)n};
    s->images = xmalloc(n * CIFAR_IMAGE_BYTES);
    s->labels = xmalloc(n);
    s->coarse = kind == CIFAR_100 ? xmalloc(n) : NULL;
}

void cifar_free(cifar_set *s)
{
    free(s->images);
    free(s->labels);
    free(s->coarse);
    *s = (cifar_set){0};
}

/* Decodes count records at p into s from record first on; record numbers
 * in messages count from the file's start (file_first). */
static int decode_records(cifar_set *s, size_t first, const uint8_t *p, size_t count,
                          size_t file_first, const char *name)
{
    size_t rec = cifar_record_bytes(s->kind);
    for (size_t r = 0; r < count; r++, p += rec) {
        size_t i = first + r;
        const uint8_t *planes = p + rec - CIFAR_IMAGE_BYTES;
        uint8_t fine = planes[-1];
        if (fine >= s->kind)
            return lgc_fail(LGC_EFORMAT, "'%s': record %zu: label %d out of range for %s (0..%d)",
                            name, file_first + r, fine, kind_name(s->kind), s->kind - 1);
        s->labels[i] = fine;
        if (s->kind == CIFAR_100) {
            if (p[0] >= CIFAR_100_COARSE_CLASSES)
                return lgc_fail(LGC_EFORMAT, "'%s': record %zu: coarse label %d out of range (0..%d)",
                                name, file_first + r, p[0], CIFAR_100_COARSE_CLASSES - 1);
            s->coarse[i] = p[0];
        }
        uint8_t *hwc = s->images + i * CIFAR_IMAGE_BYTES;
        for (int px = 0; px < CIFAR_PLANE; px++)
            for (int ch = 0; ch < CIFAR_CHANNELS; ch++)
                hwc[px * CIFAR_CHANNELS + ch] = planes[ch * CIFAR_PLANE + px];
    }
    return LGC_OK;
}

int cifar_read_mem(cifar_set *out, cifar_kind kind, const uint8_t *buf, size_t len,
                   const char *name)
{
    assert(kind == CIFAR_10 || kind == CIFAR_100);
    size_t n = 0;
    int st = count_records(&n, kind, len, name);
    if (st == LGC_OK)
        st = check_total(n, name);
    if (st)
        return st;
    cifar_set s;
    set_alloc(&s, kind, n);
    if ((st = decode_records(&s, 0, buf, n, 0, name))) {
        cifar_free(&s);
        return st;
    }
    *out = s;
    return LGC_OK;
}

/* --- files --- */

static int open_sized(int *fd, size_t *size, const char *path)
{
    do
        *fd = open(path, O_RDONLY);
    while (*fd < 0 && errno == EINTR);
    if (*fd < 0)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(*fd, &sb) || !S_ISREG(sb.st_mode)) {
        close(*fd);
        return lgc_fail(LGC_EIO, "cannot read '%s': not a regular file", path);
    }
    *size = (size_t)sb.st_size;
    return LGC_OK;
}

/* Reads exactly n bytes; the file ending early is an I/O error (it was
 * sized just before). */
static int read_exact(int fd, uint8_t *p, size_t n, const char *path)
{
    while (n > 0) {
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lgc_fail(LGC_EIO, "cannot read '%s': %s", path, strerror(errno));
        if (got == 0)
            return lgc_fail(LGC_EIO, "cannot read '%s': the file shrank while being read", path);
        p += got;
        n -= (size_t)got;
    }
    return LGC_OK;
}

/* Reads the count records of path into s from record first on. */
static int read_file_records(cifar_set *s, size_t first, size_t count, const char *path)
{
    int fd;
    size_t size;
    int st = open_sized(&fd, &size, path);
    if (st)
        return st;
    size_t rec = cifar_record_bytes(s->kind);
    if (size != count * rec) {
        close(fd);
        return lgc_fail(LGC_EIO, "cannot read '%s': the file changed while being read", path);
    }
    uint8_t *chunk = xmalloc(CHUNK_RECORDS * rec);
    for (size_t done = 0; done < count && st == LGC_OK;) {
        size_t k = count - done < CHUNK_RECORDS ? count - done : CHUNK_RECORDS;
        if ((st = read_exact(fd, chunk, k * rec, path)) == LGC_OK)
            st = decode_records(s, first + done, chunk, k, done, path);
        done += k;
    }
    free(chunk);
    close(fd); /* read-only: a close error loses nothing */
    return st;
}

int cifar_read(cifar_set *out, const char *const *paths, int n_paths, cifar_kind kind)
{
    assert(n_paths >= 1);
    size_t *counts = xmalloc((size_t)n_paths * sizeof *counts), total = 0;
    cifar_kind first_kind = kind;
    int st = LGC_OK;
    /* sizes first: nothing is allocated for a set that cannot be read */
    for (int f = 0; f < n_paths && st == LGC_OK; f++) {
        int fd;
        size_t size;
        cifar_kind k = kind;
        if ((st = open_sized(&fd, &size, paths[f])))
            break;
        close(fd);
        if (kind == CIFAR_DETECT && (st = cifar_detect(&k, paths[f], size)))
            break;
        if (f == 0)
            first_kind = k;
        if (k != first_kind)
            st = lgc_fail(LGC_EFORMAT, "'%s' is a %s batch, '%s' a %s one: one kind at a time",
                          paths[0], kind_name(first_kind), paths[f], kind_name(k));
        else if ((st = count_records(&counts[f], k, size, paths[f])) == LGC_OK)
            st = check_total(total += counts[f], paths[f]);
    }
    if (st) {
        free(counts);
        return st;
    }
    cifar_set s;
    set_alloc(&s, first_kind, total);
    size_t first = 0;
    for (int f = 0; f < n_paths && st == LGC_OK; f++) {
        st = read_file_records(&s, first, counts[f], paths[f]);
        first += counts[f];
    }
    free(counts);
    if (st) {
        cifar_free(&s);
        return st;
    }
    *out = s;
    return LGC_OK;
}

/* --- writing --- */

int cifar_write(const char *path, const cifar_set *s)
{
    assert(s->kind == CIFAR_10 || (s->kind == CIFAR_100 && s->coarse));
    assert(s->n > 0);
    size_t rec = cifar_record_bytes(s->kind);
    uint8_t *record = xmalloc(rec);
    atomic_file af;
    int st = atomic_open(&af, path);
    for (int i = 0; i < s->n && st == LGC_OK; i++) {
        if (s->kind == CIFAR_100)
            record[0] = s->coarse[i];
        uint8_t *planes = record + rec - CIFAR_IMAGE_BYTES;
        planes[-1] = s->labels[i];
        const uint8_t *hwc = s->images + (size_t)i * CIFAR_IMAGE_BYTES;
        for (int px = 0; px < CIFAR_PLANE; px++)
            for (int ch = 0; ch < CIFAR_CHANNELS; ch++)
                planes[ch * CIFAR_PLANE + px] = hwc[px * CIFAR_CHANNELS + ch];
        if (fwrite(record, 1, rec, af.f) != rec) {
            st = lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(errno));
            atomic_abort(&af);
        }
    }
    free(record);
    return st ? st : atomic_commit(&af);
}
