/* fuzz_png.c - libFuzzer target for the per-file step of the PNG class
 * folder reader (png_decode_mem in include/png_folder.h).
 *
 * Each input is decoded as the file's own channels and promoted to RGB.
 * The decoder must return LGC_OK with an image of the size it reports, or
 * LGC_EFORMAT with a message naming the input; anything else is a finding.
 * libpng itself is not instrumented: what is tested is lgc's use of it
 * (sizes, the alpha path, the buffers). Run with --seeds DIR to write seed
 * PNGs of every colour type (tests/fuzz/make-corpus.sh does). Built and run
 * by `make fuzz`. */
#include <png.h>

#include "fuzz_common.h"
#include "png_folder.h"
#include "png_write.h"

#define NAME "fuzz.png"

static void check(const uint8_t *buf, size_t len, int c)
{
    png_pixels px = {0};
    int st = png_decode_mem(&px, buf, len, c, NAME);
    if (st != LGC_OK) {
        assert_clean_failure(st, px.pixels, NAME);
        return;
    }
    assert(px.w >= 1 && px.h >= 1 && px.pixels && (c ? px.c == c : px.c == 1 || px.c == 3));
    touch_last(px.pixels, (size_t)px.w * px.h * px.c);
    free(px.pixels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* inputs far beyond the seeds only slow the search down */
    if (size > (1u << 16))
        return 0;
    check(data, size, 0);
    check(data, size, 3);
    return 0;
}

/* dir/name, 8x8, in one of libpng's simplified formats. */
static int write_format(const char *dir, const char *name, png_uint_32 format,
                        const void *pixels, const void *colormap, int colors)
{
    char path[PATH_BYTES];
    png_image img = {.version = PNG_IMAGE_VERSION, .width = 8, .height = 8, .format = format,
                     .colormap_entries = (png_uint_32)colors};
    if (!png_image_write_to_file(&img, seed_path(path, dir, name), 0, pixels, 0, colormap))
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, img.message);
    return LGC_OK;
}

static int write_seeds(const char *dir)
{
    uint8_t px[8 * 8 * 4], index[8 * 8];
    uint16_t px16[8 * 8];
    for (int i = 0; i < 8 * 8 * 4; i++)
        px[i] = (uint8_t)(i * 5);
    for (int i = 0; i < 8 * 8; i++) {
        px16[i] = (uint16_t)(i * 1000);
        index[i] = (uint8_t)(i % 4);
    }
    const uint8_t palette[4 * 3] = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255};
    char path[PATH_BYTES];
    int st = png_write(seed_path(path, dir, "grey.png"), px, 8, 8, 1);
    if (st == LGC_OK)
        st = png_write(seed_path(path, dir, "rgb.png"), px, 8, 8, 3);
    if (st == LGC_OK)
        st = write_format(dir, "ga.png", PNG_FORMAT_GA, px, NULL, 0);
    if (st == LGC_OK)
        st = write_format(dir, "rgba.png", PNG_FORMAT_RGBA, px, NULL, 0);
    if (st == LGC_OK)
        st = write_format(dir, "palette.png", PNG_FORMAT_RGB_COLORMAP, index, palette, 4);
    if (st == LGC_OK)
        st = write_format(dir, "grey16.png", PNG_FORMAT_LINEAR_Y, px16, NULL, 0);
    return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    seeds_mode(*argc, *argv, write_seeds);
    return 0;
}
