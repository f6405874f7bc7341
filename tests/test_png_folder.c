/* test_png_folder.c - class folders of PNG files.
 *
 * - Round trips: sets written with png_folder_write read back the same
 *   (grey and RGB), with their class names.
 * - ImageFolder's order: classes and files sorted bytewise; hidden entries
 *   and files at the top level ignored.
 * - Conversions: grey promoted to RGB in a mixed set; alpha dropped (grey
 *   and RGB); palette and 16-bit files read as 8-bit.
 * - Hostile folders: mixed sizes, a non-PNG file, a broken .png, a
 *   sub-folder, an empty class, no classes, too many classes, a missing
 *   root; the decoder on every truncation of a PNG; bad class names for
 *   the writer. */
#define _XOPEN_SOURCE 700 /* nftw, in test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <png.h>

#include "png_folder.h"
#include "png_write.h"
#include "test_files.h"

/* <scratch_dir>/<name> made fresh; returns its path. */
static char *fresh_root(char *buf, const char *name)
{
    scratch_path(buf, name);
    assert_int_equal(mkdir(buf, 0755), 0);
    return buf;
}

/* <scratch_dir>/<rel> */
static void make_dir(const char *rel)
{
    char p[512];
    assert_int_equal(mkdir(scratch_path(p, rel), 0755), 0);
}

/* <scratch_dir>/<rel> as an 8-bit PNG of w x h, c channels, every byte
 * value. */
static void put_png(const char *rel, int w, int h, int c, uint8_t value)
{
    char p[512];
    scratch_path(p, rel);
    uint8_t *px = xmalloc((size_t)w * h * c);
    memset(px, value, (size_t)w * h * c);
    assert_int_equal(png_write(p, px, w, h, c), LGC_OK);
    free(px);
}

/* <scratch_dir>/<rel> through libpng's simplified writer, in any of its
 * formats. */
static void put_png_format(const char *rel, int w, int h, png_uint_32 format, const void *pixels,
                           const void *colormap, int colors)
{
    char p[512];
    scratch_path(p, rel);
    png_image img = {.version = PNG_IMAGE_VERSION, .width = (png_uint_32)w,
                     .height = (png_uint_32)h, .format = format, .colormap_entries = (png_uint_32)colors};
    if (!png_image_write_to_file(&img, p, 0, pixels, 0, colormap))
        fail_msg("writing %s: %s", p, img.message);
}

static void expect_read_fail(const char *root, int status, const char *name, const char *want)
{
    png_folder_set s = {0};
    expect_failure(png_folder_read(&s, root), status, name, want);
    assert_null(s.images);
}

/* --- round trips and order --- */

static void check_round_trip(int c)
{
    char root[512];
    scratch_path(root, c == 1 ? "rt-grey" : "rt-rgb");
    enum { N = 7, H = 3, W = 5 };
    uint8_t images[N * H * W * 3], labels[N] = {0, 0, 1, 1, 1, 2, 2};
    for (size_t i = 0; i < sizeof images; i++)
        images[i] = (uint8_t)(i * 29 + 3);
    char *names[] = {"cat", "dog", "zebra"};
    png_folder_set s = {.n = N, .h = H, .w = W, .c = c, .n_classes = 3, .images = images,
                        .labels = labels, .class_names = names};
    assert_int_equal(png_folder_write(root, &s), LGC_OK);
    char p[512];
    /* indices 0..6 take one digit */
    scratch_path(p, c == 1 ? "rt-grey/zebra/6.png" : "rt-rgb/zebra/6.png");
    size_t len;
    free(get_file(p, &len));
    png_folder_set got = {0};
    assert_int_equal(png_folder_read(&got, root), LGC_OK);
    assert_dims(got.n, got.h, got.w, got.c, N, H, W, c);
    assert_int_equal(got.n_classes, 3);
    for (int k = 0; k < 3; k++)
        assert_string_equal(got.class_names[k], names[k]);
    assert_memory_equal(got.labels, labels, N);
    assert_memory_equal(got.images, images, (size_t)N * H * W * c);
    png_folder_free(&got);
    assert_null(got.class_names);
}

static void test_round_trips(void **state)
{
    (void)state;
    check_round_trip(1);
    check_round_trip(3);
}

static void test_order_and_hidden(void **state)
{
    (void)state;
    char root[512];
    fresh_root(root, "order");
    /* bytewise: "B" < "a" < "a b" < "b" */
    const char *classes[] = {"b", "a b", "B", "a"};
    for (int k = 0; k < 4; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "order/%s", classes[k]);
        make_dir(rel);
    }
    make_dir("order/.hidden");
    put_png("order/.hidden/x.png", 2, 2, 1, 99);
    put_png("order/top-level.png", 9, 9, 3, 99); /* ignored, as ImageFolder does */
    put_file(scratch_path((char[512]){0}, "order/README"), "x", 1);
    put_png("order/B/x.png", 2, 2, 1, 10);
    put_png("order/a/b.png", 2, 2, 1, 21);
    put_png("order/a/10.png", 2, 2, 1, 22);
    put_png("order/a/a.PNG", 2, 2, 1, 23);
    put_png("order/a/.x.png", 2, 2, 1, 99);
    put_file(scratch_path((char[512]){0}, "order/a/.DS_Store"), "junk", 4);
    put_png("order/a b/x.png", 2, 2, 1, 30);
    put_png("order/b/x.png", 2, 2, 1, 40);
    png_folder_set s = {0};
    assert_int_equal(png_folder_read(&s, root), LGC_OK);
    assert_int_equal(s.n_classes, 4);
    const char *want_names[] = {"B", "a", "a b", "b"};
    for (int k = 0; k < 4; k++)
        assert_string_equal(s.class_names[k], want_names[k]);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.c, 1);
    /* a's files: "10.png" < "a.PNG" < "b.png" */
    const uint8_t want_first[] = {10, 22, 23, 21, 30, 40}, want_labels[] = {0, 1, 1, 1, 2, 3};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(s.images[i * 4], want_first[i]);
        assert_int_equal(s.labels[i], want_labels[i]);
    }
    png_folder_free(&s);
}

/* --- conversions --- */

static void test_conversions(void **state)
{
    (void)state;
    char root[512];
    fresh_root(root, "convert");
    make_dir("convert/grey");
    make_dir("convert/rgb");
    put_png("convert/grey/g.png", 2, 1, 1, 77);
    /* grey + alpha: alpha 0 must not darken the grey value */
    const uint8_t ga[] = {50, 0, 60, 255};
    put_png_format("convert/grey/ga.png", 2, 1, PNG_FORMAT_GA, ga, NULL, 0);
    /* 16-bit linear grey: the extremes map exactly */
    const uint16_t y16[] = {0, 65535};
    put_png_format("convert/grey/y16.png", 2, 1, PNG_FORMAT_LINEAR_Y, y16, NULL, 0);
    const uint8_t rgba[] = {1, 2, 3, 0, 4, 5, 6, 128};
    put_png_format("convert/rgb/rgba.png", 2, 1, PNG_FORMAT_RGBA, rgba, NULL, 0);
    const uint8_t index[] = {1, 0}, palette[] = {10, 20, 30, 200, 100, 0};
    put_png_format("convert/rgb/palette.png", 2, 1, PNG_FORMAT_RGB_COLORMAP, index, palette, 2);
    png_folder_set s = {0};
    assert_int_equal(png_folder_read(&s, root), LGC_OK);
    assert_int_equal(s.c, 3); /* grey promoted */
    assert_int_equal(s.n, 5);
    const uint8_t want[5][6] = {
        {77, 77, 77, 77, 77, 77},  /* grey/g.png */
        {50, 50, 50, 60, 60, 60},  /* grey/ga.png */
        {0, 0, 0, 255, 255, 255},  /* grey/y16.png */
        {200, 100, 0, 10, 20, 30}, /* rgb/palette.png */
        {1, 2, 3, 4, 5, 6},        /* rgb/rgba.png */
    };
    for (int i = 0; i < 5; i++)
        assert_memory_equal(s.images + 6 * i, want[i], 6);
    png_folder_free(&s);
    /* without the colour class the set stays grey */
    char rgb[512];
    scratch_path(rgb, "convert/rgb");
    assert_int_equal(rename(rgb, scratch_path((char[512]){0}, "convert-rgb")), 0);
    assert_int_equal(png_folder_read(&s, root), LGC_OK);
    assert_int_equal(s.c, 1);
    const uint8_t grey[] = {77, 77, 50, 60, 0, 255};
    assert_memory_equal(s.images, grey, 6);
    png_folder_free(&s);
}

/* --- hostile folders --- */

static void test_reject_folders(void **state)
{
    (void)state;
    char root[512], p[512];
    fresh_root(root, "bad");
    expect_read_fail(root, LGC_EFORMAT, root, "no class folders");
    make_dir("bad/a");
    scratch_path(p, "bad/a");
    expect_read_fail(root, LGC_EFORMAT, p, "an empty class folder");
    put_png("bad/a/1.png", 4, 3, 1, 0);
    put_png("bad/a/2.png", 3, 4, 1, 0);
    scratch_path(p, "bad/a/2.png");
    expect_read_fail(root, LGC_EFORMAT, p, "a 3x4 image, but");
    put_png("bad/a/2.png", 4, 3, 3, 0);
    put_file(scratch_path(p, "bad/a/3.jpg"), "\xff\xd8\xff", 3);
    expect_read_fail(root, LGC_EFORMAT, p, "not a .png file");
    unlink(p);
    put_file(scratch_path(p, "bad/a/3.png"), "GIF89a", 6);
    expect_read_fail(root, LGC_EFORMAT, p, "not a PNG image");
    unlink(p);
    scratch_path(p, "bad/a/sub");
    assert_int_equal(mkdir(p, 0755), 0);
    expect_read_fail(root, LGC_EFORMAT, p, "a folder inside a class folder");
    rmdir(p);
    png_folder_set s = {0};
    assert_int_equal(png_folder_read(&s, root), LGC_OK);
    png_folder_free(&s);
    expect_read_fail(scratch_path(p, "missing"), LGC_EIO, p, "No such file");
    /* 257 classes */
    fresh_root(root, "many");
    for (int k = 0; k <= 256; k++) {
        char rel[32];
        snprintf(rel, sizeof rel, "many/%03d", k);
        make_dir(rel);
    }
    expect_read_fail(root, LGC_EFORMAT, root, "257 class folders, at most 256");
}

static void test_decode_truncated(void **state)
{
    (void)state;
    char root[512];
    fresh_root(root, "one");
    put_png("one/x.png", 3, 2, 1, 200);
    char p[512];
    size_t len;
    uint8_t *file = get_file(scratch_path(p, "one/x.png"), &len);
    png_pixels px = {0};
    assert_int_equal(png_decode_mem(&px, file, len, 0, "x.png"), LGC_OK);
    assert_int_equal(px.c, 1);
    assert_int_equal(px.w, 3);
    assert_int_equal(px.h, 2);
    assert_int_equal(px.pixels[5], 200);
    free(px.pixels);
    assert_int_equal(png_decode_mem(&px, file, len, 3, "x.png"), LGC_OK);
    assert_int_equal(px.c, 3);
    assert_int_equal(px.pixels[17], 200);
    free(px.pixels);
    /* every cut before the IEND chunk (the last 12 bytes) fails */
    for (size_t cut = 0; cut + 12 < len; cut++) {
        px = (png_pixels){0};
        expect_failure(png_decode_mem(&px, file, cut, 0, "x.png"), LGC_EFORMAT, "x.png", "PNG");
        assert_null(px.pixels);
    }
    free(file);
}

/* A fuzzer's find: an 8x8 image whose second chunk claims 0x74000000
 * bytes made libpng allocate 1.9 GB before noticing the file is 83 bytes
 * long. Refused before libpng sees it, from memory and from a folder. */
static void test_forged_chunk_length(void **state)
{
    (void)state;
    static const uint8_t forged[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x02, 0x03, 0x00, 0x00,
        0x00, 0xb9, 0x61, 0x56, 0x18, 0x74, 0x00, 0x00, 0x00, 0x73, 0x50, 0x4c, 0x54, 0x45,
        0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0x9b, 0xc0,
        0x13, 0xdc, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x08, 0x99, 0x63, 0x90,
        0x96, 0x66, 0xc0, 0x86, 0x00, 0x14, 0x58, 0x01, 0xb1, 0x52, 0x49, 0xaa, 0x97};
    png_pixels px = {0};
    expect_failure(png_decode_mem(&px, forged, sizeof forged, 0, "f.png"), LGC_EFORMAT, "f.png",
                   "more than the file holds");
    assert_null(px.pixels);
    char root[512], p[512];
    fresh_root(root, "forged");
    make_dir("forged/a");
    put_png("forged/a/ok.png", 8, 8, 3, 9);
    put_file(scratch_path(p, "forged/a/z.png"), forged, sizeof forged);
    expect_read_fail(root, LGC_EFORMAT, "z.png", "more than the file holds");
}

static void test_writer_refuses_names(void **state)
{
    (void)state;
    uint8_t px[4] = {0}, labels[2] = {0, 1};
    char *unsorted[] = {"b", "a"}, *hidden[] = {".a", "b"}, *slash[] = {"a/b", "c"};
    char **cases[] = {unsorted, hidden, slash};
    const char *want[] = {"must increase bytewise ('b' before 'a')", "'.a' is not a visible",
                          "'a/b' is not a visible"};
    char root[512];
    scratch_path(root, "never");
    for (int i = 0; i < 3; i++) {
        png_folder_set s = {.n = 2, .h = 1, .w = 1, .c = 1, .n_classes = 2, .images = px,
                            .labels = labels, .class_names = cases[i]};
        expect_failure(png_folder_write(root, &s), LGC_EUSAGE, root, want[i]);
    }
    struct stat sb;
    assert_int_equal(stat(root, &sb), -1); /* nothing made */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_order_and_hidden),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_reject_folders),
        cmocka_unit_test(test_decode_truncated),
        cmocka_unit_test(test_forged_chunk_length),
        cmocka_unit_test(test_writer_refuses_names),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
