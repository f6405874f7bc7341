/* test_lgcfile_labels.c - the optional LABL section of .lgc files (the
 * class labels of the user's data, src/io/lgcfile_labels.c): absent for
 * the indices 0..K-1, integers and names round-trip bit for bit, and
 * forged payloads (unknown kind, truncation, order, duplicates, names
 * that are no folder name, a second LABL) are refused with a message; the
 * section beside a training record (TRNG). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lgcfile.h"
#include "test_lgcfile_forge.h"
#include "util.h"

static void test_indices_write_no_section(void **state)
{
    (void)state;
    lgc_model m, r;
    lgcf_sizes z;
    make_small_model(&m, 3, 2);
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "plain"), LGC_OK);
    assert_int_equal(z.labels_bytes, 0);
    assert_int_equal(r.classes.kind, CLASS_LABELS_INDICES);
    for (size_t i = 0; i + 4 <= len; i++)
        assert_false(!memcmp(buf + i, "LABL", 4));
    lgc_model_free(&r);
    lgc_model_free(&m);
    free(buf);
}

static void test_integers_round_trip(void **state)
{
    (void)state;
    static const int64_t values[3] = {INT64_MIN, -1, 1000};
    lgc_model m, r;
    lgcf_sizes z;
    make_small_model(&m, 3, 2);
    class_labels_from_values(&m.classes, values, 3);
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "ints"), LGC_OK);
    assert_true(z.labels_bytes > 0);
    assert_int_equal(r.classes.kind, CLASS_LABELS_INTEGERS);
    assert_int_equal(r.classes.n, 3);
    assert_memory_equal(r.classes.values, values, sizeof values);
    /* the file read back writes the same bytes */
    assert_rewrite_same(&r, buf, len);
    lgc_model_free(&r);
    lgc_model_free(&m);
    free(buf);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    char long_name[CLASS_NAME_MAX + 1];
    memset(long_name, 'z', CLASS_NAME_MAX);
    long_name[CLASS_NAME_MAX] = 0;
    char *names[3] = {"cat", "d\xc3\xa9j\xc3\xa0 vu", long_name};
    lgc_model m, r;
    make_small_model(&m, 3, 2);
    class_labels_from_names(&m.classes, names, 3);
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, NULL, buf, len, "names"), LGC_OK);
    assert_int_equal(r.classes.kind, CLASS_LABELS_NAMES);
    for (int k = 0; k < 3; k++)
        assert_string_equal(r.classes.names[k], names[k]);
    lgc_model_free(&r);
    lgc_model_free(&m);
    free(buf);
}

/* A forged LABL payload for a 2-class model must fail naming want. */
static void expect_refused(const uint8_t *raw, size_t raw_len, const char *want)
{
    lgc_model m, r;
    make_small_model(&m, 2, 2);
    size_t len, forged_len;
    uint8_t *buf = file_image(&m, &len);
    uint8_t *forged = with_section(buf, len, "LABL", raw, raw_len, &forged_len);
    int st = lgcf_read_mem(&r, NULL, forged, forged_len, "forged");
    if (st != LGC_EFORMAT || !strstr(lgc_errmsg(), "forged") || !strstr(lgc_errmsg(), want))
        fail_msg("status %d, message \"%s\", expected \"%s\"", st, lgc_errmsg(), want);
    assert_int_equal(r.n_classes, 0); /* left empty */
    free(forged);
    free(buf);
    lgc_model_free(&m);
}

static void test_forged_payloads(void **state)
{
    (void)state;
    /* integers: kind 1, then 2 x i64 */
    static const uint8_t ints_ok[] = {1, 5, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
    expect_refused((const uint8_t[]){3}, 1, "unknown kind 3");
    expect_refused((const uint8_t[]){0}, 0, "truncated in section LABL");
    expect_refused(ints_ok, 9, "truncated in section LABL");
    expect_refused((const uint8_t[]){1, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0}, 17,
                   "must increase (class 1 is 5 after 9)");
    expect_refused((const uint8_t[]){1, 5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0}, 17,
                   "must increase (class 1 is 5 after 5)");
    uint8_t extra[sizeof ints_ok + 1];
    memcpy(extra, ints_ok, sizeof ints_ok);
    extra[sizeof ints_ok] = 0;
    expect_refused(extra, sizeof extra, "1 unexpected bytes at the end of section LABL");
    /* names: kind 2, then per class u8 length and bytes */
    expect_refused((const uint8_t[]){2, 3, 'c', 'a', 't', 0}, 6, "class 1 has an empty name");
    expect_refused((const uint8_t[]){2, 3, 'c', 'a', 't', 9, 'd'}, 7, "truncated");
    expect_refused((const uint8_t[]){2, 3, 'c', '/', 't', 1, 'd'}, 7,
                   "class 0's name is not a visible folder name");
    expect_refused((const uint8_t[]){2, 1, 'a', 2, '.', 'd'}, 6,
                   "class 1's name is not a visible folder name");
    expect_refused((const uint8_t[]){2, 1, 'a', 2, 'x', '\n'}, 6, "not a visible folder name");
    expect_refused((const uint8_t[]){2, 3, 'd', 'o', 'g', 3, 'c', 'a', 't'}, 9,
                   "must increase bytewise (class 1 'cat' after 'dog')");
    expect_refused((const uint8_t[]){2, 3, 'c', 'a', 't', 3, 'c', 'a', 't'}, 9,
                   "must increase bytewise");
}

static void test_second_labl_refused(void **state)
{
    (void)state;
    static const int64_t values[2] = {3, 7};
    lgc_model m, r;
    make_small_model(&m, 2, 2);
    class_labels_from_values(&m.classes, values, 2);
    size_t len, forged_len;
    uint8_t *buf = file_image(&m, &len);
    static const uint8_t again[] = {1, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0};
    uint8_t *forged = with_section(buf, len, "LABL", again, sizeof again, &forged_len);
    assert_int_equal(lgcf_read_mem(&r, NULL, forged, forged_len, "twice"), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "duplicate section LABL"));
    free(forged);
    free(buf);
    lgc_model_free(&m);
}

/* Offset of the first occurrence of tag in buf, or len. */
static size_t find_tag(const uint8_t *buf, size_t len, const char *tag)
{
    size_t i = 0;
    while (i + 4 <= len && memcmp(buf + i, tag, 4))
        i++;
    return i + 4 <= len ? i : len;
}

static void test_labels_with_training_record(void **state)
{
    (void)state;
    static const int64_t values[2] = {3, 7};
    lgc_model m, r;
    lgcf_sizes z;
    make_small_model(&m, 2, 2); /* 21 training images */
    class_labels_from_values(&m.classes, values, 2);
    m.training = (lgc_training){.present = 1, .stop = 2, .steps = 100, .best_step = 80,
                                .images_seen = 1700, .held_out = 4, .held_bce = 0.25f,
                                .train_bce = 0.125f};
    size_t len;
    uint8_t *buf = file_image(&m, &len);
    assert_int_equal(lgcf_read_mem(&r, &z, buf, len, "both"), LGC_OK);
    assert_memory_equal(&r.training, &m.training, sizeof m.training);
    assert_memory_equal(r.classes.values, values, sizeof values);
    assert_true(z.training_bytes > 0 && z.labels_bytes > 0);
    assert_int_equal(z.header_bytes + z.shape_bytes + z.prior_bytes + z.decoder_bytes +
                         z.mixture_bytes + z.bic_bytes + z.training_bytes + z.labels_bytes +
                         z.other_bytes,
                     z.file_bytes);
    /* the writer's order: TRNG, then LABL */
    assert_true(find_tag(buf, len, "TRNG") < find_tag(buf, len, "LABL"));
    assert_true(find_tag(buf, len, "LABL") < len);
    lgc_model_free(&r);
    lgc_model_free(&m);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indices_write_no_section),
        cmocka_unit_test(test_integers_round_trip),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_forged_payloads),
        cmocka_unit_test(test_second_labl_refused),
        cmocka_unit_test(test_labels_with_training_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
