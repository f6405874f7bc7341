/* test_npy.c - NumPy .npy reading and writing, and the label map.
 *
 * - Exact bytes: the writer's header is the one np.save writes, checked
 *   against bytes spelled out here.
 * - Round trips: images (C = 1 and 3) and int64 labels, file and memory.
 * - Headers as other writers make them: versions 2.0 and 3.0, keys in any
 *   order, double quotes, no trailing comma, every integer dtype in both
 *   byte orders with negative values.
 * - Hostile input: each malformed header is refused with the expected
 *   message; forged sizes fail before allocating; every truncation of a
 *   valid file fails.
 * - Label map: sorted numbering, 256 classes accepted, 257 refused. */
#define _XOPEN_SOURCE 700 /* nftw, in test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "label_map.h"
#include "npy.h"
#include "test_files.h"

#define NAME "test.npy"

/* A .npy buffer: magic, version major.0, the header length, dict padded
 * with spaces to a multiple of 64 and ended by '\n', then len data bytes. */
static uint8_t *make_npy(size_t *out_len, int major, const char *dict, const void *data,
                         size_t len)
{
    size_t pre = major == 1 ? 10 : 12, dict_len = strlen(dict);
    size_t total_header = (pre + dict_len + 1 + 63) / 64 * 64;
    size_t header_len = total_header - pre;
    uint8_t *p = xmalloc(total_header + len + 1);
    memcpy(p, "\x93NUMPY", 6);
    p[6] = (uint8_t)major;
    p[7] = 0;
    for (size_t b = 0; b < pre - 8; b++)
        p[8 + b] = (uint8_t)(header_len >> (8 * b));
    memcpy(p + pre, dict, dict_len);
    memset(p + pre + dict_len, ' ', header_len - dict_len - 1);
    p[total_header - 1] = '\n';
    if (len)
        memcpy(p + total_header, data, len);
    *out_len = total_header + len;
    return p;
}

static void expect_images_fail(const uint8_t *buf, size_t len, const char *want)
{
    npy_images im = {0};
    expect_failure(npy_read_images_mem(&im, buf, len, NAME), LGC_EFORMAT, NAME, want);
    assert_null(im.data);
}

static void expect_labels_fail(const uint8_t *buf, size_t len, const char *want)
{
    int64_t *labels = NULL;
    int n = -1;
    expect_failure(npy_read_labels_mem(&labels, &n, buf, len, NAME), LGC_EFORMAT, NAME, want);
    assert_null(labels);
    assert_int_equal(n, -1);
}

/* --- exact bytes and round trips --- */

static void test_writer_bytes_match_numpy(void **state)
{
    (void)state;
    char path[512];
    scratch_path(path, "a.npy");
    uint8_t data[24];
    for (int i = 0; i < 24; i++)
        data[i] = (uint8_t)i;
    assert_int_equal(npy_write_images(path, data, 2, 3, 4, 1), LGC_OK);
    /* np.save(f, np.arange(24, dtype=np.uint8).reshape(2, 3, 4)) */
    static const char dict[] = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }";
    uint8_t want[128 + 24];
    memcpy(want, "\x93NUMPY\x01\x00v\x00", 10);
    memcpy(want + 10, dict, sizeof dict - 1);
    memset(want + 10 + sizeof dict - 1, ' ', 127 - 10 - (sizeof dict - 1));
    want[127] = '\n';
    memcpy(want + 128, data, 24);
    size_t len;
    uint8_t *got = get_file(path, &len);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(got, want, sizeof want);
    free(got);
    /* np.save(f, np.array([3, -1], dtype=np.int64)): 128 header bytes */
    const int64_t labels[] = {3, -1};
    assert_int_equal(npy_write_labels(path, labels, 2), LGC_OK);
    got = get_file(path, &len);
    assert_int_equal(len, 128 + 16);
    static const char ldict[] = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
    assert_memory_equal(got + 10, ldict, sizeof ldict - 1);
    assert_memory_equal(got + 128, "\x03\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16);
    free(got);
}

static void check_image_round_trip(int n, int h, int w, int c)
{
    char path[512];
    scratch_path(path, "rt.npy");
    size_t len = (size_t)n * h * w * c;
    uint8_t *data = xmalloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 37 + 11);
    assert_int_equal(npy_write_images(path, data, n, h, w, c), LGC_OK);
    npy_images im = {0};
    assert_int_equal(npy_read_images(&im, path), LGC_OK);
    assert_dims(im.n, im.h, im.w, im.c, n, h, w, c);
    assert_memory_equal(im.data, data, len);
    free(im.data);
    /* the memory reader agrees; the header takes a multiple of 64 bytes */
    size_t flen;
    uint8_t *file = get_file(path, &flen);
    assert_int_equal(flen % 64, len % 64);
    npy_images again = {0};
    assert_int_equal(npy_read_images_mem(&again, file, flen, NAME), LGC_OK);
    free(file);
    assert_memory_equal(again.data, data, len);
    free(again.data);
    free(data);
}

static void test_round_trip_images(void **state)
{
    (void)state;
    /* grey, RGB, and a first dimension long enough to use numpy's room for it */
    static const int shapes[][4] = {{5, 4, 3, 1}, {2, 3, 5, 3}, {123456, 1, 1, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        check_image_round_trip(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3]);
}

static void test_round_trip_labels(void **state)
{
    (void)state;
    char path[512];
    scratch_path(path, "labels.npy");
    const int64_t labels[] = {0, 9, -1, 1000, INT64_MAX, INT64_MIN, 7};
    int n_in = (int)(sizeof labels / sizeof *labels), n = 0;
    assert_int_equal(npy_write_labels(path, labels, n_in), LGC_OK);
    int64_t *got = NULL;
    assert_int_equal(npy_read_labels(&got, &n, path), LGC_OK);
    assert_int_equal(n, n_in);
    assert_memory_equal(got, labels, sizeof labels);
    free(got);
}

/* --- headers as other writers make them --- */

static void test_header_variants(void **state)
{
    (void)state;
    const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    const char *dicts[] = {
        "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), }",
        "{'shape': (1, 2, 3), 'fortran_order': False, 'descr': '|u1'}",
        "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (1,2,3,)}",
        "{'descr':'<u1','fortran_order':False,'shape':(1, 2, 3, 1)}",
        "{ 'descr' : '>u1' , 'fortran_order' : False , 'shape' : ( 1 , 2 , 3 ) , }",
    };
    for (size_t d = 0; d < sizeof dicts / sizeof *dicts; d++)
        for (int major = 1; major <= 3; major++) {
            size_t len;
            uint8_t *buf = make_npy(&len, major, dicts[d], data, sizeof data);
            npy_images im = {0};
            if (npy_read_images_mem(&im, buf, len, NAME))
                fail_msg("header %s, version %d: %s", dicts[d], major, lgc_errmsg());
            assert_int_equal(im.n * im.h * im.w * im.c, 6);
            assert_int_equal(im.w, 3);
            assert_memory_equal(im.data, data, sizeof data);
            free(im.data);
            free(buf);
        }
}

/* Labels {-2, 1} (or {254, 1} unsigned one byte) in every integer dtype. */
static void test_label_dtypes(void **state)
{
    (void)state;
    const char orders[] = "<>|";
    for (int o = 0; o < 3; o++)
        for (int kind = 0; kind < 2; kind++)
            for (int size = 1; size <= 8; size *= 2) {
                if ((orders[o] == '|' && size > 1) || (kind == 0 && size == 8))
                    continue; /* no such dtype; 2^64 - 2 is refused, below */
                char dict[128];
                snprintf(dict, sizeof dict,
                         "{'descr': '%c%c%d', 'fortran_order': False, 'shape': (2,), }",
                         orders[o], kind ? 'i' : 'u', size);
                uint8_t data[16];
                int64_t values[2] = {-2, 1};
                for (int v = 0; v < 2; v++)
                    for (int b = 0; b < size; b++) {
                        int shift = 8 * (orders[o] == '>' ? size - 1 - b : b);
                        data[v * size + b] = (uint8_t)((uint64_t)values[v] >> shift);
                    }
                size_t len;
                uint8_t *buf = make_npy(&len, 1, dict, data, 2 * (size_t)size);
                int64_t *labels = NULL;
                int n = 0;
                if (npy_read_labels_mem(&labels, &n, buf, len, NAME))
                    fail_msg("%s: %s", dict, lgc_errmsg());
                assert_int_equal(n, 2);
                /* unsigned: -2 reads as 2^bits - 2 */
                int64_t want = kind ? -2 : (int64_t)((1ull << 8 * size) - 2);
                assert_int_equal(labels[0], want);
                assert_int_equal(labels[1], 1);
                free(labels);
                free(buf);
            }
    const uint8_t big[8] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t len;
    uint8_t *buf =
        make_npy(&len, 1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", big, 8);
    expect_labels_fail(buf, len, "exceeds the int64 range");
    free(buf);
}

/* --- hostile input --- */

static void test_reject_bad_headers(void **state)
{
    (void)state;
    static const struct {
        const char *dict, *want;
    } cases[] = {
        {"{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2, 3), }", "fortran_order is True"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), 'x': 1}",
         "unknown header key 'x'"},
        {"{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3)}",
         "'descr' given twice"},
        {"{'descr': '|u1', 'shape': (1, 2, 3)}", "lacks 'fortran_order'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", "dtype '<f4'"},
        {"{'descr': '|u2', 'fortran_order': False, 'shape': (1, 2, 3), }", "dtype '|u2'"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2, 3), }",
         "expected '|u1' (uint8 images)"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }", "expected 3 (N, H, W)"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1, 2, 3), }",
         "more than 4 dimensions"},
        {"{'descr': '|u1', 'fortran_order': 0, 'shape': (1, 2, 3), }", "True or False"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 02, 3), }", "leading zeros"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, -2, 3), }", "an integer"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': [1, 2, 3], }", "'(' opening"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1 2 3), }", "',' or ')'"},
        {"{'descr': '|u\\x31', 'fortran_order': False, 'shape': (1, 2, 3), }", "without escapes"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), } x", "only spaces"},
        {"{'descr': '|u1' 'fortran_order': False, 'shape': (1, 2, 3)}", "',' or '}'"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (0, 2, 3), }", "image count 0"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 5000, 3), }", "height 5000"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3, 65), }",
         "channel count 65"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4096, 4096, 64), }",
         "exceed the limit"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (100000000, 4096, 4096), }",
         "truncated: expected"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999999, 2, 3), }",
         "at byte 61: expected an integer below 2^32"},
    };
    const uint8_t data[6] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        uint8_t *buf = make_npy(&len, 1, cases[i].dict, data, sizeof data);
        expect_images_fail(buf, len, cases[i].want);
        free(buf);
    }
    /* labels: 1 dimension only */
    size_t len;
    uint8_t *buf = make_npy(&len, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5), }",
                            data, 0);
    expect_labels_fail(buf, len, "',' after the only dimension");
    free(buf);
    buf = make_npy(&len, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", data,
                   6);
    expect_labels_fail(buf, len, "expected 1 (N,)");
    free(buf);
}

static void test_reject_bad_preamble(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = make_npy(&len, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1), }",
                            "x", 1);
    buf[1] = 'n';
    expect_images_fail(buf, len, "bad magic");
    buf[1] = 'N';
    buf[6] = 4;
    expect_images_fail(buf, len, "version 4.0");
    buf[6] = 1;
    buf[len - 2] = ' '; /* the '\n' ending the header */
    expect_images_fail(buf, len, "does not end with a newline");
    buf[len - 2] = '\n';
    /* a header length beyond the bound, with that many bytes present */
    uint8_t *huge = xcalloc(12 + NPY_MAX_HEADER_LEN + 2, 1);
    memcpy(huge, "\x93NUMPY\x02\x00", 8);
    uint32_t hl = NPY_MAX_HEADER_LEN + 1;
    for (int b = 0; b < 4; b++)
        huge[8 + b] = (uint8_t)(hl >> 8 * b);
    expect_images_fail(huge, 12 + NPY_MAX_HEADER_LEN + 2, "header of 10001 bytes exceeds");
    huge[11] = 0x80; /* 2 GiB */
    expect_images_fail(huge, 12 + NPY_MAX_HEADER_LEN + 2, "exceeds the limit");
    free(huge);
    /* trailing data */
    uint8_t *more = xmalloc(len + 1);
    memcpy(more, buf, len);
    more[len] = 0;
    expect_images_fail(more, len + 1, "trailing bytes");
    free(more);
    /* every truncation of a valid file fails */
    for (size_t cut = 0; cut < len; cut++) {
        npy_images im = {0};
        assert_int_equal(npy_read_images_mem(&im, buf, cut, NAME), LGC_EFORMAT);
        assert_null(im.data);
    }
    free(buf);
}

static void test_reject_files(void **state)
{
    (void)state;
    char path[512];
    npy_images im = {0};
    expect_failure(npy_read_images(&im, scratch_path(path, "missing.npy")), LGC_EIO, path,
                   "No such file");
    expect_failure(npy_read_images(&im, scratch_dir), LGC_EIO, scratch_dir, "not a regular file");
    int64_t *labels = NULL;
    int n;
    put_file(scratch_path(path, "short.npy"), "\x93NUMPY\x01", 7);
    expect_failure(npy_read_labels(&labels, &n, path), LGC_EFORMAT, path, "truncated header");
    /* an unwritable destination leaves nothing behind */
    uint8_t px = 0;
    expect_failure(npy_write_images(scratch_path(path, "no/such/dir.npy"), &px, 1, 1, 1, 1),
                   LGC_EIO, path, "No such file");
}

/* --- label map --- */

static void test_label_map(void **state)
{
    (void)state;
    const int64_t values[] = {1000, -1, 7, 1000, -1, INT64_MIN};
    uint8_t classes[6];
    label_map map;
    assert_int_equal(label_map_build(&map, classes, values, 6, NAME), LGC_OK);
    assert_int_equal(map.n_classes, 4);
    const int64_t sorted[] = {INT64_MIN, -1, 7, 1000};
    assert_memory_equal(map.values, sorted, sizeof sorted);
    const uint8_t want[] = {3, 1, 2, 3, 1, 0};
    assert_memory_equal(classes, want, sizeof want);
    assert_int_equal(label_map_find(&map, 7), 2);
    assert_int_equal(label_map_find(&map, 8), -1);
    /* 256 distinct values fit, descending so every insertion shifts */
    int64_t many[DATASET_MAX_CLASSES + 1];
    uint8_t many_classes[DATASET_MAX_CLASSES + 1];
    for (int i = 0; i <= DATASET_MAX_CLASSES; i++)
        many[i] = 5 * (DATASET_MAX_CLASSES - i);
    assert_int_equal(label_map_build(&map, many_classes, many, DATASET_MAX_CLASSES, NAME), LGC_OK);
    assert_int_equal(map.n_classes, DATASET_MAX_CLASSES);
    for (int i = 0; i < DATASET_MAX_CLASSES; i++)
        assert_int_equal(many_classes[i], DATASET_MAX_CLASSES - 1 - i);
    expect_failure(label_map_build(&map, many_classes, many, DATASET_MAX_CLASSES + 1, NAME),
                   LGC_EFORMAT, NAME, "more than 256 distinct labels (label 0 at index 256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_bytes_match_numpy),
        cmocka_unit_test(test_round_trip_images),
        cmocka_unit_test(test_round_trip_labels),
        cmocka_unit_test(test_header_variants),
        cmocka_unit_test(test_label_dtypes),
        cmocka_unit_test(test_reject_bad_headers),
        cmocka_unit_test(test_reject_bad_preamble),
        cmocka_unit_test(test_reject_files),
        cmocka_unit_test(test_label_map),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
