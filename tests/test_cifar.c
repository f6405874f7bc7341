/* test_cifar.c - CIFAR-10 and CIFAR-100 binary batches.
 *
 * - Layout: a hand-made record's planar bytes land in HWC order, labels
 *   where the format puts them.
 * - Round trips: sets written with cifar_write read back the same, one file
 *   or several into one set, each kind.
 * - Detection: by the archives' file names, by size, ambiguous sizes.
 * - Hostile input: labels out of range (which is also what reading a batch
 *   as the wrong kind gives), every truncation, empty and missing files,
 *   batches of both kinds in one read. */
#define _XOPEN_SOURCE 700 /* nftw, in test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cifar.h"
#include "test_files.h"

#define NAME "test.bin"

/* A set of n images with patterned pixels and labels. */
static cifar_set make_set(cifar_kind kind, int n, int seed)
{
    cifar_set s = {.kind = kind, .n = n};
    s.images = xmalloc((size_t)n * CIFAR_IMAGE_BYTES);
    s.labels = xmalloc((size_t)n);
    s.coarse = kind == CIFAR_100 ? xmalloc((size_t)n) : NULL;
    for (size_t i = 0; i < (size_t)n * CIFAR_IMAGE_BYTES; i++)
        s.images[i] = (uint8_t)(i * 31 + (size_t)seed);
    for (int i = 0; i < n; i++) {
        s.labels[i] = (uint8_t)((i * 7 + seed) % kind);
        if (s.coarse)
            s.coarse[i] = (uint8_t)((i + seed) % CIFAR_100_COARSE_CLASSES);
    }
    return s;
}

static void assert_same_records(const cifar_set *got, size_t at, const cifar_set *want)
{
    assert_memory_equal(got->images + at * CIFAR_IMAGE_BYTES, want->images,
                        (size_t)want->n * CIFAR_IMAGE_BYTES);
    assert_memory_equal(got->labels + at, want->labels, (size_t)want->n);
    if (want->coarse)
        assert_memory_equal(got->coarse + at, want->coarse, (size_t)want->n);
    else
        assert_null(got->coarse);
}

static void test_record_layout(void **state)
{
    (void)state;
    uint8_t rec[3074];
    rec[0] = 19; /* coarse */
    rec[1] = 99; /* fine */
    for (int ch = 0; ch < 3; ch++)
        for (int px = 0; px < 1024; px++)
            rec[2 + ch * 1024 + px] = (uint8_t)(ch * 100 + px % 100);
    cifar_set s = {0};
    assert_int_equal(cifar_read_mem(&s, CIFAR_100, rec, sizeof rec, NAME), LGC_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.labels[0], 99);
    assert_int_equal(s.coarse[0], 19);
    /* pixel (y = 1, x = 3) is plane index 35 */
    const uint8_t *px = s.images + (1 * 32 + 3) * 3;
    assert_int_equal(px[0], 35);
    assert_int_equal(px[1], 135);
    assert_int_equal(px[2], 235);
    cifar_free(&s);
    assert_null(s.images);
    /* the same bytes after the first one are a CIFAR-10 record */
    assert_int_equal(cifar_read_mem(&s, CIFAR_10, rec + 1, 3073, NAME), LGC_EFORMAT);
    rec[1] = 9;
    assert_int_equal(cifar_read_mem(&s, CIFAR_10, rec + 1, 3073, NAME), LGC_OK);
    assert_int_equal(s.labels[0], 9);
    assert_null(s.coarse);
    assert_int_equal(s.images[(1 * 32 + 3) * 3 + 2], 235);
    cifar_free(&s);
}

static void check_round_trip(cifar_kind kind)
{
    char a[512], b[512];
    scratch_path(a, kind == CIFAR_10 ? "data_batch_1.bin" : "train.bin");
    scratch_path(b, kind == CIFAR_10 ? "data_batch_2.bin" : "test.bin");
    cifar_set one = make_set(kind, 5, 1), two = make_set(kind, 3, 2), got = {0};
    assert_int_equal(cifar_write(a, &one), LGC_OK);
    assert_int_equal(cifar_write(b, &two), LGC_OK);
    const char *paths[] = {a, b};
    assert_int_equal(cifar_read(&got, paths, 2, CIFAR_DETECT), LGC_OK);
    assert_int_equal(got.kind, kind);
    assert_int_equal(got.n, 8);
    assert_same_records(&got, 0, &one);
    assert_same_records(&got, 5, &two);
    cifar_free(&got);
    /* the kind given, the memory reader */
    assert_int_equal(cifar_read(&got, paths + 1, 1, kind), LGC_OK);
    assert_same_records(&got, 0, &two);
    cifar_free(&got);
    size_t len;
    uint8_t *file = get_file(a, &len);
    assert_int_equal(len, 5 * cifar_record_bytes(kind));
    assert_int_equal(cifar_read_mem(&got, kind, file, len, NAME), LGC_OK);
    assert_same_records(&got, 0, &one);
    cifar_free(&got);
    free(file);
    cifar_free(&one);
    cifar_free(&two);
}

static void test_round_trips(void **state)
{
    (void)state;
    check_round_trip(CIFAR_10);
    check_round_trip(CIFAR_100);
}

static void test_detect(void **state)
{
    (void)state;
    cifar_kind k = CIFAR_DETECT;
    const size_t both = (size_t)3073 * 3074;
    assert_int_equal(cifar_detect(&k, "d/data_batch_5.bin", both), LGC_OK);
    assert_int_equal(k, CIFAR_10);
    assert_int_equal(cifar_detect(&k, "test.bin", 7), LGC_OK); /* the name wins */
    assert_int_equal(k, CIFAR_100);
    assert_int_equal(cifar_detect(&k, "test_batch.bin", both), LGC_OK);
    assert_int_equal(k, CIFAR_10);
    assert_int_equal(cifar_detect(&k, "x/batch", 2 * 3073), LGC_OK);
    assert_int_equal(k, CIFAR_10);
    assert_int_equal(cifar_detect(&k, "x/batch", 2 * 3074), LGC_OK);
    assert_int_equal(k, CIFAR_100);
    expect_failure(cifar_detect(&k, "x/data_batch_.bin", both), LGC_EFORMAT, "x/data_batch_.bin",
                   "both CIFAR-10 and CIFAR-100");
    expect_failure(cifar_detect(&k, "x/batch", 3075), LGC_EFORMAT, "x/batch",
                   "not a whole number of CIFAR-10 (3073-byte) or CIFAR-100");
    expect_failure(cifar_detect(&k, "x/batch", 0), LGC_EFORMAT, "x/batch", "not a whole number");
}

static void test_reject_labels(void **state)
{
    (void)state;
    cifar_set s = make_set(CIFAR_100, 3, 0), got = {0};
    char path[512];
    scratch_path(path, "train.bin");
    s.labels[2] = 100;
    assert_int_equal(cifar_write(path, &s), LGC_OK);
    const char *paths[] = {path};
    expect_failure(cifar_read(&got, paths, 1, CIFAR_DETECT), LGC_EFORMAT, path,
                   "record 2: label 100 out of range for CIFAR-100 (0..99)");
    assert_null(got.images);
    s.labels[2] = 0;
    s.coarse[1] = 20;
    assert_int_equal(cifar_write(path, &s), LGC_OK);
    expect_failure(cifar_read(&got, paths, 1, CIFAR_DETECT), LGC_EFORMAT, path,
                   "record 1: coarse label 20 out of range (0..19)");
    cifar_free(&s);
    s = make_set(CIFAR_10, 1, 0);
    s.labels[0] = 10;
    size_t len;
    assert_int_equal(cifar_write(path, &s), LGC_OK);
    uint8_t *file = get_file(path, &len);
    expect_failure(cifar_read_mem(&got, CIFAR_10, file, len, NAME), LGC_EFORMAT, NAME,
                   "record 0: label 10 out of range for CIFAR-10 (0..9)");
    free(file);
    cifar_free(&s);
}

static void test_reject_truncated(void **state)
{
    (void)state;
    cifar_set s = make_set(CIFAR_10, 2, 3), got = {0};
    char path[512];
    scratch_path(path, "batch");
    assert_int_equal(cifar_write(path, &s), LGC_OK);
    size_t len;
    uint8_t *file = get_file(path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        int st = cifar_read_mem(&got, CIFAR_10, file, cut, NAME);
        if (cut == 3073) { /* one whole record */
            assert_int_equal(st, LGC_OK);
            assert_int_equal(got.n, 1);
            cifar_free(&got);
            continue;
        }
        assert_int_equal(st, LGC_EFORMAT);
        assert_null(got.images);
    }
    expect_failure(cifar_read_mem(&got, CIFAR_10, file, len - 1, NAME), LGC_EFORMAT, NAME,
                   "6145 bytes is not a whole number of CIFAR-10 records (3073 bytes)");
    /* a file named for CIFAR-10 that is not */
    char named[512];
    put_file(scratch_path(named, "data_batch_3.bin"), file, 3074);
    const char *paths[] = {named};
    expect_failure(cifar_read(&got, paths, 1, CIFAR_DETECT), LGC_EFORMAT, named,
                   "3074 bytes is not a whole number of CIFAR-10 records");
    free(file);
    cifar_free(&s);
}

static void test_reject_files(void **state)
{
    (void)state;
    char a[512], b[512], empty[512], missing[512];
    cifar_set ten = make_set(CIFAR_10, 1, 0), hundred = make_set(CIFAR_100, 1, 0), got = {0};
    assert_int_equal(cifar_write(scratch_path(a, "a.bin"), &ten), LGC_OK);
    assert_int_equal(cifar_write(scratch_path(b, "b.bin"), &hundred), LGC_OK);
    const char *mixed[] = {a, b};
    expect_failure(cifar_read(&got, mixed, 2, CIFAR_DETECT), LGC_EFORMAT, b,
                   "is a CIFAR-10 batch");
    /* the kind given: b's 3074 bytes are no whole number of CIFAR-10 records */
    expect_failure(cifar_read(&got, mixed, 2, CIFAR_10), LGC_EFORMAT, b, "not a whole number");
    put_file(scratch_path(empty, "empty.bin"), "", 0);
    const char *e[] = {empty};
    expect_failure(cifar_read(&got, e, 1, CIFAR_10), LGC_EFORMAT, empty, "0 bytes");
    const char *m[] = {scratch_path(missing, "missing.bin")};
    expect_failure(cifar_read(&got, m, 1, CIFAR_10), LGC_EIO, missing, "No such file");
    const char *d[] = {scratch_dir};
    expect_failure(cifar_read(&got, d, 1, CIFAR_10), LGC_EIO, scratch_dir, "not a regular file");
    assert_null(got.images);
    cifar_free(&ten);
    cifar_free(&hundred);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_layout),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_reject_labels),
        cmocka_unit_test(test_reject_truncated),
        cmocka_unit_test(test_reject_files),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
