/* test_idx.c - IDX reading and writing, dataset directories, atomic output
 * files and PNG output.
 *
 * - Round trips: files made with idx_write_*_header read back bit-exact,
 *   raw and gzip, ndim 3 and ndim 4 (C = 3).
 * - Hostile input: each malformed file is rejected with the expected status
 *   and a message that names the file and the problem (the message is
 *   matched, so an incidental earlier failure does not pass). Forged sizes
 *   far beyond the data must fail without allocating what they claim.
 * - Datasets: raw or .gz, raw preferred, count mismatch, missing files,
 *   HWC -> CHW conversion and class counts.
 * - Atomic files: commit, abort, a missing directory, an existing
 *   destination kept on abort, and a signal removing the temporary.
 * Every file lives in a mkdtemp directory removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw, for test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"
#include "dataset.h"
#include "idx.h"
#include "png_write.h"
#include "test_files.h"
#include "util.h"


/* --- helpers --- */

/* tmp_path(buf, "x") -> "<scratch_dir>/x"; buf holds 512 bytes. */
static char *tmp_path(char *buf, const char *name)
{
    snprintf(buf, 512, "%s/%s", scratch_dir, name);
    return buf;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_gzip(const char *path, const void *p, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, p, (unsigned)n), (int)n);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* Reads a whole file into a new buffer; returns its length. */
static size_t slurp(uint8_t **out, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *p = xmalloc(cap);
    while ((got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            p = xrealloc(p, cap *= 2);
    }
    assert_int_equal(fclose(f), 0);
    *out = p;
    return n;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Number of entries in dir whose name contains ".tmp.". */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* An IDX file: magic 0 0 type ndim, the sizes big-endian, then len data
 * bytes. Builds malformed files as easily as valid ones. */
static size_t make_idx(uint8_t **out, uint8_t type, int ndim, const uint32_t *dims,
                       const uint8_t *data, size_t len)
{
    size_t n = 4 + 4 * (size_t)ndim + len;
    uint8_t *p = xmalloc(n);
    p[0] = p[1] = 0;
    p[2] = type;
    p[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        p[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        p[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        p[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        p[7 + 4 * i] = (uint8_t)dims[i];
    }
    if (len)
        memcpy(p + 4 + 4 * ndim, data, len);
    *out = p;
    return n;
}

/* Writes an IDX file with make_idx and len zero bytes of data. */
static void put_idx(const char *path, int ndim, const uint32_t *dims, size_t len)
{
    uint8_t *data = xcalloc(len ? len : 1, 1), *file;
    size_t n = make_idx(&file, 0x08, ndim, dims, data, len);
    write_bytes(path, file, n);
    free(file);
    free(data);
}

/* Image/label files through the writers under test; gz adds ".gz" to the
 * names and compresses. */
static void write_image_file(const char *path, int n, int h, int w, int c, const uint8_t *data,
                             int gz)
{
    char raw[512];
    snprintf(raw, sizeof raw, "%s.raw", path);
    FILE *f = fopen(raw, "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_images_header(f, n, h, w, c), LGC_OK);
    size_t len = (size_t)n * h * w * c;
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    uint8_t *bytes;
    size_t nb = slurp(&bytes, raw);
    unlink(raw);
    if (gz)
        write_gzip(path, bytes, nb);
    else
        write_bytes(path, bytes, nb);
    free(bytes);
}

static void write_label_file(const char *path, int n, const uint8_t *labels, int gz)
{
    char raw[512];
    snprintf(raw, sizeof raw, "%s.raw", path);
    FILE *f = fopen(raw, "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_labels_header(f, n), LGC_OK);
    assert_int_equal(fwrite(labels, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(fclose(f), 0);
    uint8_t *bytes;
    size_t nb = slurp(&bytes, raw);
    unlink(raw);
    if (gz)
        write_gzip(path, bytes, nb);
    else
        write_bytes(path, bytes, nb);
    free(bytes);
}

/* The last error names path and contains want. */
static void assert_message(const char *path, const char *want)
{
    const char *msg = lgc_errmsg();
    if (!strstr(msg, path) || !strstr(msg, want))
        fail_msg("message \"%s\" should name '%s' and contain \"%s\"", msg, path, want);
}

static void expect_images_fail(const char *path, int status, const char *want)
{
    idx_images im = {0};
    int st = idx_read_images(&im, path);
    if (st != status)
        fail_msg("status %d, expected %d (message: %s)", st, status, lgc_errmsg());
    assert_null(im.data);
    assert_message(path, want);
}

static void expect_labels_fail(const char *path, int status, const char *want)
{
    uint8_t *labels = NULL;
    int n = -1;
    int st = idx_read_labels(&labels, &n, path);
    if (st != status)
        fail_msg("status %d, expected %d (message: %s)", st, status, lgc_errmsg());
    assert_null(labels);
    assert_int_equal(n, -1);
    assert_message(path, want);
}

/* --- IDX round trips --- */

static void check_image_round_trip(int n, int h, int w, int c, int gz)
{
    char path[512];
    tmp_path(path, gz ? "rt-images.gz" : "rt-images");
    size_t len = (size_t)n * h * w * c;
    uint8_t *data = xmalloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 37 + 11);
    write_image_file(path, n, h, w, c, data, gz);
    idx_images im = {0};
    assert_int_equal(idx_read_images(&im, path), LGC_OK);
    assert_int_equal(im.n, n);
    assert_int_equal(im.h, h);
    assert_int_equal(im.w, w);
    assert_int_equal(im.c, c);
    assert_memory_equal(im.data, data, len);
    free(im.data);
    free(data);
    unlink(path);
}

static void test_round_trip_images(void **state)
{
    (void)state;
    check_image_round_trip(5, 4, 3, 1, 0);
    check_image_round_trip(5, 4, 3, 1, 1);
    check_image_round_trip(3, 2, 5, 3, 0);
    check_image_round_trip(3, 2, 5, 3, 1);
    /* larger than the reader's first buffer, so the buffer has to grow */
    check_image_round_trip(300, 64, 64, 3, 1);
}

static void test_round_trip_labels(void **state)
{
    (void)state;
    const uint8_t labels[] = {3, 1, 4, 1, 5, 9, 2, 6, 255, 0};
    for (int gz = 0; gz <= 1; gz++) {
        char path[512];
        tmp_path(path, gz ? "rt-labels.gz" : "rt-labels");
        write_label_file(path, 10, labels, gz);
        uint8_t *got = NULL;
        int n = 0;
        assert_int_equal(idx_read_labels(&got, &n, path), LGC_OK);
        assert_int_equal(n, 10);
        assert_memory_equal(got, labels, sizeof labels);
        free(got);
    }
}

/* The writers emit exactly the IDX layout, ndim 3 for grey and 4 otherwise. */
static void test_write_headers(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "headers");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(idx_write_images_header(f, 2, 3, 4, 1), LGC_OK);
    assert_int_equal(idx_write_images_header(f, 70000, 28, 28, 3), LGC_OK);
    assert_int_equal(idx_write_labels_header(f, 258), LGC_OK);
    assert_int_equal(fclose(f), 0);
    const uint8_t want[] = {
        0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,                          /* grey */
        0, 0, 8, 4, 0, 1, 0x11, 0x70, 0, 0, 0, 28, 0, 0, 0, 28, 0, 0, 0, 3,     /* RGB */
        0, 0, 8, 1, 0, 0, 1, 2,                                                 /* labels */
    };
    uint8_t *got;
    assert_int_equal(slurp(&got, path), sizeof want);
    assert_memory_equal(got, want, sizeof want);
    free(got);
    unlink(path);
}

/* --- rejection of malformed IDX files --- */

static void test_reject_truncated_header(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "short-header");
    write_bytes(path, "", 0);
    expect_images_fail(path, LGC_EFORMAT, "truncated header");
    write_bytes(path, "\0\0\x08", 3);
    expect_images_fail(path, LGC_EFORMAT, "truncated header");
    /* magic complete, sizes cut off after one and a half */
    write_bytes(path, "\0\0\x08\x03\0\0\0\x05\0\0", 10);
    expect_images_fail(path, LGC_EFORMAT, "truncated header (10 of 16 bytes)");
    write_bytes(path, "\0\0\x08\x01\0\0", 6);
    expect_labels_fail(path, LGC_EFORMAT, "truncated header (6 of 8 bytes)");
}

static void test_reject_truncated_data(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "short-data");
    const uint32_t dims[] = {3, 2, 2};
    put_idx(path, 3, dims, 11);
    expect_images_fail(path, LGC_EFORMAT, "truncated: expected 12 bytes of image data, got 11");
    const uint32_t ldims[] = {5};
    put_idx(path, 1, ldims, 4);
    expect_labels_fail(path, LGC_EFORMAT, "truncated: expected 5 bytes of label data, got 4");
    /* the same through gzip */
    uint8_t *file;
    size_t n = make_idx(&file, 0x08, 3, dims, (const uint8_t *)"0123456789a", 11);
    tmp_path(path, "short-data.gz");
    write_gzip(path, file, n);
    free(file);
    expect_images_fail(path, LGC_EFORMAT, "truncated: expected 12 bytes of image data, got 11");
}

static void test_reject_trailing_bytes(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "trailing");
    const uint32_t dims[] = {3, 2, 2};
    put_idx(path, 3, dims, 13);
    expect_images_fail(path, LGC_EFORMAT, "trailing bytes");
    const uint32_t ldims[] = {5};
    put_idx(path, 1, ldims, 6);
    expect_labels_fail(path, LGC_EFORMAT, "trailing bytes");
}

static void test_reject_bad_magic(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "bad-magic");
    write_bytes(path, "\x1f\x8c\x08\x03\0\0\0\x01\0\0\0\x01\0\0\0\x01\0", 17);
    expect_images_fail(path, LGC_EFORMAT, "bad magic 0x1f8c0803 (not an IDX file)");
    write_bytes(path, "P5\n28 28\n255\n", 13);
    expect_labels_fail(path, LGC_EFORMAT, "(not an IDX file)");
}

static void test_reject_wrong_type(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "wrong-type");
    const uint32_t dims[] = {1, 1, 1};
    uint8_t *file;
    size_t n = make_idx(&file, 0x09, 3, dims, (const uint8_t *)"x", 1);
    write_bytes(path, file, n);
    expect_images_fail(path, LGC_EFORMAT, "bad magic 0x00000903 (not an IDX ubyte file)");
    free(file);
    const uint32_t ldims[] = {4};
    n = make_idx(&file, 0x0d, 1, ldims, (const uint8_t *)"floa", 4); /* float labels */
    write_bytes(path, file, n);
    expect_labels_fail(path, LGC_EFORMAT, "bad magic 0x00000d01 (not an IDX ubyte file)");
    free(file);
}

static void test_reject_wrong_ndim(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "wrong-ndim");
    const uint32_t dims[] = {2, 2, 2, 2, 2};
    put_idx(path, 2, dims, 4);
    expect_images_fail(path, LGC_EFORMAT, "2 dimensions, expected 3 or 4");
    put_idx(path, 5, dims, 32);
    expect_images_fail(path, LGC_EFORMAT, "5 dimensions, expected 3 or 4");
    put_idx(path, 3, dims, 8); /* an image file given as labels */
    expect_labels_fail(path, LGC_EFORMAT, "3 dimensions, expected 1");
    write_bytes(path, "\0\0\x08\0", 4);
    expect_labels_fail(path, LGC_EFORMAT, "0 dimensions, expected 1");
}

static void test_reject_zero_dimension(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "zero-dim");
    const uint32_t no_images[] = {0, 28, 28};
    put_idx(path, 3, no_images, 0);
    expect_images_fail(path, LGC_EFORMAT, "image count 0 out of range [1, 100000000]");
    const uint32_t no_width[] = {5, 28, 0};
    put_idx(path, 3, no_width, 0);
    expect_images_fail(path, LGC_EFORMAT, "width 0 out of range");
    const uint32_t no_channels[] = {1, 2, 2, 0};
    put_idx(path, 4, no_channels, 0);
    expect_images_fail(path, LGC_EFORMAT, "channel count 0 out of range");
    const uint32_t no_labels[] = {0};
    put_idx(path, 1, no_labels, 0);
    expect_labels_fail(path, LGC_EFORMAT, "label count 0 out of range");
}

/* Each forged size is rejected before any allocation it would imply: the
 * files hold a few bytes of data. */
static void test_reject_huge_dimension(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "huge-dim");
    const uint32_t many[] = {4000000000u, 28, 28};
    put_idx(path, 3, many, 16);
    expect_images_fail(path, LGC_EFORMAT, "image count 4000000000 out of range [1, 100000000]");
    const uint32_t wide[] = {1, 70000, 70000};
    put_idx(path, 3, wide, 16);
    expect_images_fail(path, LGC_EFORMAT, "height 70000 out of range [1, 4096]");
    const uint32_t deep[] = {1, 2, 2, 65};
    put_idx(path, 4, deep, 16);
    expect_images_fail(path, LGC_EFORMAT, "channel count 65 out of range [1, 64]");
    const uint32_t many_labels[] = {0xffffffffu};
    put_idx(path, 1, many_labels, 16);
    expect_labels_fail(path, LGC_EFORMAT, "label count 4294967295 out of range");
    /* Every size within its limit but 1.6e15 bytes claimed in all: the
     * reader must discover the truncation, not try to allocate the claim
     * (which would abort in xmalloc, or trip the sanitizer). */
    const uint32_t claim[] = {IDX_MAX_COUNT, 4096, 4096};
    put_idx(path, 3, claim, 100);
    expect_images_fail(path, LGC_EFORMAT, "expected 1677721600000000 bytes of image data, got 100");
    const uint32_t label_claim[] = {IDX_MAX_COUNT};
    put_idx(path, 1, label_claim, 100);
    expect_labels_fail(path, LGC_EFORMAT, "expected 100000000 bytes of label data, got 100");
}

/* Sides and channels each within limits whose product is not: 4096 x 4096 x
 * 64 is 1 GiB per image, over IDX_MAX_IMAGE_BYTES. (With these limits the
 * total n*H*W*C cannot overflow a 64-bit size_t, so the per-image product is
 * the one that can be forged.) */
static void test_reject_overflowing_product(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "product");
    const uint32_t dims[] = {IDX_MAX_COUNT, IDX_MAX_SIDE, IDX_MAX_SIDE, IDX_MAX_CHANNELS};
    put_idx(path, 4, dims, 64);
    expect_images_fail(path, LGC_EFORMAT, "images of 4096x4096x64 exceed the limit of 67108864 bytes");
}

static void test_reject_missing_file(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "no-such-file");
    expect_images_fail(path, LGC_EIO, "cannot open");
    assert_message(path, "No such file or directory");
    expect_labels_fail(path, LGC_EIO, "No such file or directory");
    /* a directory opens but cannot be read */
    expect_images_fail(scratch_dir, LGC_EIO, "cannot read");
}

static void test_reject_corrupt_gzip(void **state)
{
    (void)state;
    const uint32_t dims[] = {4, 8, 8};
    uint8_t data[256], *file, *gz;
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)(i * i);
    size_t n = make_idx(&file, 0x08, 3, dims, data, sizeof data);
    char path[512];
    tmp_path(path, "corrupt.gz");
    write_gzip(path, file, n);
    free(file);
    size_t gz_len = slurp(&gz, path);

    /* a bad CRC: every data byte decodes, only the trailer check fails */
    gz[gz_len - 8] ^= 0x55;
    write_bytes(path, gz, gz_len);
    expect_images_fail(path, LGC_EFORMAT, "corrupt gzip data");
    gz[gz_len - 8] ^= 0x55;

    /* damage inside the deflate stream */
    gz[gz_len / 2] ^= 0xff;
    write_bytes(path, gz, gz_len);
    expect_images_fail(path, LGC_EFORMAT, "corrupt gzip data");
    gz[gz_len / 2] ^= 0xff;

    /* a gzip stream cut short */
    write_bytes(path, gz, gz_len - 12);
    expect_images_fail(path, LGC_EFORMAT, "corrupt gzip data (unexpected end of file)");

    /* undamaged, it reads */
    write_bytes(path, gz, gz_len);
    idx_images im = {0};
    assert_int_equal(idx_read_images(&im, path), LGC_OK);
    assert_memory_equal(im.data, data, sizeof data);
    free(im.data);
    free(gz);
}

/* gzip members may be concatenated (RFC 1952; what `cat a.gz b.gz` and
 * bgzip make); anything else after the last member is refused. */
static void test_gzip_members(void **state)
{
    (void)state;
    const uint8_t labels[] = {1, 2, 3, 4, 5, 6};
    uint8_t *file, *a, *b;
    const uint32_t dims[] = {6};
    size_t n = make_idx(&file, 0x08, 1, dims, labels, sizeof labels);
    char path[512];
    /* the header and two labels in one member, the rest in another */
    tmp_path(path, "part-a.gz");
    write_gzip(path, file, 10);
    size_t na = slurp(&a, path);
    tmp_path(path, "part-b.gz");
    write_gzip(path, file + 10, n - 10);
    size_t nb = slurp(&b, path);
    uint8_t *both = xmalloc(na + nb + 4);
    memcpy(both, a, na);
    memcpy(both + na, b, nb);
    tmp_path(path, "members.gz");
    write_bytes(path, both, na + nb);
    uint8_t *got = NULL;
    int count = 0;
    assert_int_equal(idx_read_labels(&got, &count, path), LGC_OK);
    assert_int_equal(count, 6);
    assert_memory_equal(got, labels, 6);
    free(got);

    /* junk after the last member, short or long */
    memcpy(both + na + nb, "\0\0\0\0", 4);
    write_bytes(path, both, na + nb + 4);
    expect_labels_fail(path, LGC_EFORMAT, "trailing bytes after the gzip data");
    write_bytes(path, both, na + nb + 1);
    expect_labels_fail(path, LGC_EFORMAT, "trailing bytes after the gzip data");
    /* a second member cut short is junk too */
    write_bytes(path, both, na + 5);
    expect_labels_fail(path, LGC_EFORMAT, "trailing bytes after the gzip data");
    /* a gzip header cut short */
    write_bytes(path, a, 5);
    expect_labels_fail(path, LGC_EFORMAT, "corrupt gzip data (unexpected end of file)");
    free(both);
    free(a);
    free(b);
    free(file);
}

/* idx_read_*_mem parses exactly as the file readers do: the same status
 * and the same message for valid, malformed and gzip inputs. */
static void test_mem_matches_file(void **state)
{
    (void)state;
    const uint32_t img_dims[] = {2, 2, 3}, lab_dims[] = {3}, bad_dims[] = {0, 2, 3};
    uint8_t pixels[12] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 128};
    uint8_t *cases[8];
    size_t lens[8];
    int n_cases = 0;
    lens[n_cases] = make_idx(&cases[n_cases], 0x08, 3, img_dims, pixels, 12), n_cases++;
    lens[n_cases] = make_idx(&cases[n_cases], 0x08, 3, img_dims, pixels, 11), n_cases++;
    lens[n_cases] = make_idx(&cases[n_cases], 0x08, 3, bad_dims, pixels, 12), n_cases++;
    lens[n_cases] = make_idx(&cases[n_cases], 0x08, 1, lab_dims, pixels, 3), n_cases++;
    lens[n_cases] = make_idx(&cases[n_cases], 0x08, 1, lab_dims, pixels, 4), n_cases++;
    lens[n_cases] = make_idx(&cases[n_cases], 0x09, 1, lab_dims, pixels, 3), n_cases++;
    char path[512];
    tmp_path(path, "same.gz");
    write_gzip(path, cases[0], lens[0]);
    lens[n_cases] = slurp(&cases[n_cases], path), n_cases++;
    cases[n_cases] = xmalloc(1);
    lens[n_cases++] = 0;
    tmp_path(path, "same");
    for (int i = 0; i < n_cases; i++) {
        write_bytes(path, cases[i], lens[i]);
        char file_msg[1024];
        idx_images a = {0}, b = {0};
        int sa = idx_read_images(&a, path);
        snprintf(file_msg, sizeof file_msg, "%s", lgc_errmsg());
        int sb = idx_read_images_mem(&b, cases[i], lens[i], path);
        assert_int_equal(sa, sb);
        if (sa == LGC_OK) {
            assert_int_equal(a.n * a.h * a.w * a.c, b.n * b.h * b.w * b.c);
            assert_memory_equal(a.data, b.data, (size_t)a.n * a.h * a.w * a.c);
        } else {
            assert_string_equal(file_msg, lgc_errmsg());
        }
        free(a.data);
        free(b.data);
        uint8_t *la = NULL, *lb = NULL;
        int na = 0, nb = 0;
        sa = idx_read_labels(&la, &na, path);
        snprintf(file_msg, sizeof file_msg, "%s", lgc_errmsg());
        sb = idx_read_labels_mem(&lb, &nb, cases[i], lens[i], path);
        assert_int_equal(sa, sb);
        if (sa == LGC_OK) {
            assert_int_equal(na, nb);
            assert_memory_equal(la, lb, (size_t)na);
        } else {
            assert_string_equal(file_msg, lgc_errmsg());
        }
        free(la);
        free(lb);
        free(cases[i]);
    }
}

/* Every prefix of a valid file, raw and gzip, is refused with a message
 * naming it; every single-byte flip is refused or (in the pixels of a raw
 * file) read. Exact-size copies let a sanitizer see any overread. */
static void test_truncated_and_flipped_everywhere(void **state)
{
    (void)state;
    const uint32_t dims[] = {3, 4, 4};
    uint8_t pixels[48], *raw, *gz;
    for (int i = 0; i < 48; i++)
        pixels[i] = (uint8_t)(i * 5);
    size_t n_raw = make_idx(&raw, 0x08, 3, dims, pixels, sizeof pixels);
    char path[512];
    tmp_path(path, "every.gz");
    write_gzip(path, raw, n_raw);
    size_t n_gz = slurp(&gz, path);
    const uint8_t *files[2] = {raw, gz};
    const size_t lens[2] = {n_raw, n_gz};
    for (int f = 0; f < 2; f++) {
        for (size_t n = 0; n < lens[f]; n++) {
            uint8_t *cut = xmalloc(n ? n : 1);
            memcpy(cut, files[f], n);
            idx_images im = {0};
            int st = idx_read_images_mem(&im, cut, n, "cut.idx");
            if (st != LGC_EFORMAT || !strstr(lgc_errmsg(), "'cut.idx'"))
                fail_msg("%s cut to %zu of %zu bytes: status %d, \"%s\"", f ? "gzip" : "raw",
                         n, lens[f], st, lgc_errmsg());
            assert_null(im.data);
            free(cut);
        }
        uint8_t *flip = xmalloc(lens[f]);
        memcpy(flip, files[f], lens[f]);
        for (size_t i = 0; i < lens[f]; i++) {
            flip[i] ^= 0xff;
            idx_images im = {0};
            int st = idx_read_images_mem(&im, flip, lens[f], "flip.idx");
            /* raw pixels (after the 16-byte header) may change freely, and
             * so may gzip's informational MTIME, XFL and OS (bytes 4..9) */
            if ((f == 0 && i >= 16) || (f == 1 && i >= 4 && i <= 9))
                assert_int_equal(st, LGC_OK);
            else if (st != LGC_EFORMAT)
                fail_msg("%s byte %zu flipped: status %d", f ? "gzip" : "raw", i, st);
            free(im.data);
            flip[i] ^= 0xff;
        }
        free(flip);
    }
    free(raw);
    free(gz);
}

/* --- datasets --- */

/* A dataset directory <scratch_dir>/<name> with split prefix and n images of
 * 3x2x1, pixel values from i, labels given. */
static void make_dataset_dir(char *dir, const char *name, const char *prefix, int n,
                             const uint8_t *labels, int n_labels, int gz)
{
    tmp_path(dir, name);
    mkdir(dir, 0777);
    uint8_t data[64 * 6];
    assert_true(n <= 64);
    for (int i = 0; i < n * 6; i++)
        data[i] = (uint8_t)i;
    char path[600];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    write_image_file(path, n, 3, 2, 1, data, gz);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
    write_label_file(path, n_labels, labels, gz);
}

static void test_dataset_load(void **state)
{
    (void)state;
    const uint8_t labels[] = {0, 3, 1, 3, 2};
    char dir[512];
    for (int gz = 0; gz <= 1; gz++) {
        make_dataset_dir(dir, gz ? "ds-gz" : "ds-raw", "train", 5, labels, 5, gz);
        dataset ds;
        assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_OK);
        assert_int_equal(ds.n, 5);
        assert_int_equal(ds.h, 3);
        assert_int_equal(ds.w, 2);
        assert_int_equal(ds.c, 1);
        assert_int_equal(ds.n_classes, 4);
        assert_memory_equal(ds.labels, labels, 5);
        assert_int_equal(ds.images[29], 29);
        dataset_free(&ds);
        assert_null(ds.images);
        assert_null(ds.labels);
    }
    /* the test split uses the t10k names */
    make_dataset_dir(dir, "ds-test", "t10k", 5, labels, 5, 0);
    dataset ds;
    assert_int_equal(dataset_load(&ds, dir, DATASET_TEST), LGC_OK);
    assert_int_equal(ds.n, 5);
    dataset_free(&ds);
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_EIO);
    assert_message("train-images-idx3-ubyte", "No such file or directory");
}

static void test_dataset_prefers_raw(void **state)
{
    (void)state;
    const uint8_t raw_labels[] = {1, 1, 1}, gz_labels[] = {2, 2, 2};
    char dir[512];
    make_dataset_dir(dir, "ds-both", "train", 3, raw_labels, 3, 0);
    make_dataset_dir(dir, "ds-both", "train", 3, gz_labels, 3, 1);
    dataset ds;
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_OK);
    /* one class, index 0, whose label is the raw file's 1 */
    const uint8_t classes[] = {0, 0, 0};
    assert_memory_equal(ds.labels, classes, 3);
    assert_int_equal(ds.n_classes, 1);
    assert_int_equal(ds.classes.kind, CLASS_LABELS_INTEGERS);
    assert_true(ds.classes.values[0] == raw_labels[0]);
    dataset_free(&ds);
}

static void test_dataset_count_mismatch(void **state)
{
    (void)state;
    const uint8_t labels[] = {0, 1, 0, 1};
    char dir[512];
    make_dataset_dir(dir, "ds-mismatch", "train", 5, labels, 4, 0);
    dataset ds;
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_EFORMAT);
    assert_message("train-images-idx3-ubyte", "has 5 images but");
    assert_message("train-labels-idx1-ubyte", "has 4 labels");
    assert_null(ds.images);
}

static void test_dataset_missing_files(void **state)
{
    (void)state;
    char dir[512], path[600];
    tmp_path(dir, "ds-empty");
    mkdir(dir, 0777);
    dataset ds;
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_EIO);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    assert_message(path, "No such file or directory (nor .gz)");
    /* images present, labels missing */
    const uint8_t labels[] = {0, 1};
    make_dataset_dir(dir, "ds-nolabels", "train", 2, labels, 2, 0);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    unlink(path);
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_EIO);
    assert_message(path, "No such file or directory");
    /* a malformed member fails with its own message */
    make_dataset_dir(dir, "ds-badlabels", "train", 2, labels, 2, 0);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    write_bytes(path, "\0\0\x08\x01\0\0\0\x02\x01", 9);
    assert_int_equal(dataset_load(&ds, dir, DATASET_TRAIN), LGC_EFORMAT);
    assert_message(path, "truncated: expected 2 bytes of label data, got 1");
}

/* Images (2, 2, 3, 3) HWC; each pixel value encodes (image, y, x, channel)
 * so a misplaced element is caught. */
static void test_dataset_batch_chw(void **state)
{
    (void)state;
    enum { N = 2, H = 2, W = 3, C = 3 };
    uint8_t images[N * H * W * C], labels[N] = {7, 2};
    for (int i = 0; i < N; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < C; c++)
                    images[((i * H + y) * W + x) * C + c] = (uint8_t)(i * 100 + y * 30 + x * 10 + c);
    images[0] = 255; /* (0, 0, 0, 0) must become exactly 1 */
    const dataset ds = {.n = N, .h = H, .w = W, .c = C, .n_classes = 8, .images = images,
                        .labels = labels};
    const int idx[] = {1, 0, 1};
    float out[3 * C * H * W];
    dataset_batch(out, &ds, idx, 3);
    for (int b = 0; b < 3; b++)
        for (int c = 0; c < C; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    uint8_t v = images[((idx[b] * H + y) * W + x) * C + c];
                    float got = out[((b * C + c) * H + y) * W + x];
                    assert_float_equal(got, v / 255.0, 1e-7);
                }
    assert_true(out[1 * C * H * W] == 1.0f); /* batch item 1 is image 0 */
    int lab[3];
    dataset_batch_labels(lab, &ds, idx, 3);
    assert_int_equal(lab[0], 2);
    assert_int_equal(lab[1], 7);
    assert_int_equal(lab[2], 2);
}

static void test_dataset_class_counts(void **state)
{
    (void)state;
    uint8_t labels[] = {0, 4, 4, 1, 4, 0}, images[6] = {0};
    const dataset ds = {.n = 6, .h = 1, .w = 1, .c = 1, .n_classes = 5, .images = images,
                        .labels = labels};
    long counts[5] = {-1, -1, -1, -1, -1};
    dataset_class_counts(counts, &ds);
    const long want[] = {2, 1, 0, 0, 3};
    for (int k = 0; k < 5; k++)
        assert_int_equal(counts[k], want[k]);
}

/* --- atomic files --- */

static void test_atomic_commit(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "atomic-commit");
    atomic_file af;
    assert_int_equal(atomic_open(&af, path), LGC_OK);
    assert_false(exists(path)); /* nothing at the destination until commit */
    assert_int_equal(count_temporaries(scratch_dir), 1);
    fputs("hello", af.f);
    assert_int_equal(atomic_commit(&af), LGC_OK);
    assert_null(af.f);
    assert_null(af.tmp_path);
    uint8_t *got;
    assert_int_equal(slurp(&got, path), 5);
    assert_memory_equal(got, "hello", 5);
    free(got);
    assert_int_equal(count_temporaries(scratch_dir), 0);
    /* commit replaces an existing file */
    assert_int_equal(atomic_open(&af, path), LGC_OK);
    fputs("bye", af.f);
    assert_int_equal(atomic_commit(&af), LGC_OK);
    assert_int_equal(slurp(&got, path), 3);
    free(got);
    unlink(path);
}

static void test_atomic_abort(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "atomic-abort");
    atomic_file af;
    assert_int_equal(atomic_open(&af, path), LGC_OK);
    fputs("partial", af.f);
    atomic_abort(&af);
    assert_false(exists(path));
    assert_int_equal(count_temporaries(scratch_dir), 0);
    atomic_abort(&af); /* safe on a cleared af */
    atomic_file cleared = {0};
    atomic_abort(&cleared);
}

static void test_atomic_abort_keeps_existing(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "atomic-existing");
    write_bytes(path, "old", 3);
    atomic_file af;
    assert_int_equal(atomic_open(&af, path), LGC_OK);
    fputs("new and longer", af.f);
    fflush(af.f);
    atomic_abort(&af);
    uint8_t *got;
    assert_int_equal(slurp(&got, path), 3);
    assert_memory_equal(got, "old", 3);
    free(got);
    assert_int_equal(count_temporaries(scratch_dir), 0);
    unlink(path);
}

static void test_atomic_missing_dir(void **state)
{
    (void)state;
    char path[512];
    tmp_path(path, "no-such-dir/out.lgc");
    atomic_file af;
    assert_int_equal(atomic_open(&af, path), LGC_EIO);
    assert_message(path, "cannot write");
    assert_message(path, "No such file or directory");
    assert_null(af.f);
    atomic_abort(&af); /* what callers do on their cleanup path */
}

/* A child process opens an output, writes, and is killed by SIGTERM: the
 * handler removes the temporary and the child dies of that signal. */
static void test_atomic_signal(void **state)
{
    (void)state;
    char dir[512], path[600];
    tmp_path(dir, "signal");
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/out", dir);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        atomic_install_signal_handlers();
        atomic_file af;
        if (atomic_open(&af, path) != LGC_OK || count_temporaries(dir) != 1)
            _exit(3);
        fputs("partial", af.f);
        fflush(af.f);
        raise(SIGTERM);
        _exit(4); /* not reached */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(count_temporaries(dir), 0);
    assert_false(exists(path));
}

/* --- PNG --- */

static void test_png_write(void **state)
{
    (void)state;
    enum { W = 5, H = 3 };
    uint8_t rgb[H * W * 3];
    for (int i = 0; i < H * W * 3; i++)
        rgb[i] = (uint8_t)(i * 17);
    char path[512];
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (int c = 1; c <= 3; c += 2) {
        tmp_path(path, c == 1 ? "grey.png" : "rgb.png");
        assert_int_equal(png_write(path, rgb, W, H, c), LGC_OK);
        uint8_t *got;
        assert_true(slurp(&got, path) > sizeof sig);
        assert_memory_equal(got, sig, sizeof sig);
        free(got);
        /* decode it again: same size, same pixels */
        png_image img = {.version = PNG_IMAGE_VERSION};
        assert_true(png_image_begin_read_from_file(&img, path));
        assert_int_equal(img.width, W);
        assert_int_equal(img.height, H);
        img.format = c == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
        uint8_t back[H * W * 3];
        assert_true(png_image_finish_read(&img, NULL, back, 0, NULL));
        assert_memory_equal(back, rgb, (size_t)H * W * c);
    }
    assert_int_equal(count_temporaries(scratch_dir), 0);
    tmp_path(path, "two-channel.png");
    assert_int_equal(png_write(path, rgb, W, H, 2), LGC_EUSAGE);
    assert_message(path, "1 or 3 channels");
    assert_false(exists(path));
    tmp_path(path, "no-such-dir/x.png");
    assert_int_equal(png_write(path, rgb, W, H, 1), LGC_EIO);
    assert_message(path, "No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_images),
        cmocka_unit_test(test_round_trip_labels),
        cmocka_unit_test(test_write_headers),
        cmocka_unit_test(test_reject_truncated_header),
        cmocka_unit_test(test_reject_truncated_data),
        cmocka_unit_test(test_reject_trailing_bytes),
        cmocka_unit_test(test_reject_bad_magic),
        cmocka_unit_test(test_reject_wrong_type),
        cmocka_unit_test(test_reject_wrong_ndim),
        cmocka_unit_test(test_reject_zero_dimension),
        cmocka_unit_test(test_reject_huge_dimension),
        cmocka_unit_test(test_reject_overflowing_product),
        cmocka_unit_test(test_reject_missing_file),
        cmocka_unit_test(test_reject_corrupt_gzip),
        cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_mem_matches_file),
        cmocka_unit_test(test_truncated_and_flipped_everywhere),
        cmocka_unit_test(test_dataset_load),
        cmocka_unit_test(test_dataset_prefers_raw),
        cmocka_unit_test(test_dataset_count_mismatch),
        cmocka_unit_test(test_dataset_missing_files),
        cmocka_unit_test(test_dataset_batch_chw),
        cmocka_unit_test(test_dataset_class_counts),
        cmocka_unit_test(test_atomic_commit),
        cmocka_unit_test(test_atomic_abort),
        cmocka_unit_test(test_atomic_abort_keeps_existing),
        cmocka_unit_test(test_atomic_missing_dir),
        cmocka_unit_test(test_atomic_signal),
        cmocka_unit_test(test_png_write),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
