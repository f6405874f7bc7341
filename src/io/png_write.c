/* png_write.c - 8-bit grey or RGB PNG through libpng, into an atomic file.
 *
 * libpng reports errors by longjmp; the handlers below keep its message
 * for lgc_fail instead of letting it print to stderr, so a failure reads
 * like every other lgc error and leaves no partial file. */
#include <assert.h>
#include <png.h>
#include <stdio.h>

#include "atomic_file.h"
#include "png_write.h"
#include "util.h"

typedef struct {
    char msg[256];
} png_error_info;

static void on_error(png_structp png, png_const_charp msg)
{
    png_error_info *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings concern nothing lgc writes; without this libpng prints them. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

int png_write(const char *path, const uint8_t *pixels, int w, int h, int c)
{
    if (c != 1 && c != 3)
        return lgc_fail(LGC_EUSAGE, "cannot write '%s': PNG needs 1 or 3 channels, not %d", path,
                        c);
    assert(w > 0 && h > 0);
    atomic_file af;
    png_error_info err = {""};
    png_structp png = NULL;
    png_infop info = NULL;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
    if (png)
        info = png_create_info_struct(png);
    if (!info) {
        st = lgc_fail(LGC_EIO, "cannot write '%s': libpng could not allocate its state", path);
        goto fail;
    }
    /* png and info are not modified from here until after the last libpng
     * call that can fail, so they keep their values across the longjmp */
    if (setjmp(png_jmpbuf(png))) {
        st = lgc_fail(LGC_EIO, "cannot write '%s': %s", path, err.msg);
        goto fail;
    }
    png_init_io(png, af.f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 c == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, pixels + (size_t)y * w * c);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return atomic_commit(&af);
fail:
    png_destroy_write_struct(&png, &info);
    atomic_abort(&af);
    return st;
}
