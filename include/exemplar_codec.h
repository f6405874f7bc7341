/* exemplar_codec.h - real training images in a few bits per pixel, coded
 * with JBIG (ITU-T T.82, Debian's libjbig): the exemplars an .lgc file may
 * carry beside its mixtures (docs/FORMAT.md, EXMP; docs/DESIGN.md).
 *
 * A pixel value v (0..255) is kept as its level q = round(v m / 255),
 * m = 2^bits - 1, and read back as round(q 255 / m). The n images, each
 * (h, w, c) as in dataset.h, are tiled into one picture, EXEMPLAR_COLS
 * images per row (fewer when n is smaller), an image's c channel planes side
 * by side: picture width cols * w * c, height ceil(n / cols) * h, unused
 * tiles 0. The picture's bit planes (Gray-coded, most significant first) are
 * one JBIG bi-level image entity (BIE): JBIG's context model sees the
 * neighbouring pixels of each pixel, which is why it stores MNIST's binary
 * digits in half the bytes deflate needs. */
#ifndef LGC_EXEMPLAR_CODEC_H
#define LGC_EXEMPLAR_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define EXEMPLAR_COLS 32
#define EXEMPLAR_MAX_BITS 8

/* The level of pixel value v at bits (1..8). */
uint8_t exemplar_level(uint8_t v, int bits);
/* The pixel value of level q at bits. */
uint8_t exemplar_value(uint8_t q, int bits);

/* Codes n >= 1 images of levels (n * h * w * c bytes, each < 2^bits) as
 * one BIE into *bie (malloc'ed, caller frees), *len its bytes; the same
 * levels always give the same bytes (the layout: exemplar_codec.c). Returns
 * LGC_OK, or LGC_EUSAGE if a size is out of range (bits not 1..8, a size
 * below 1, a picture beyond JBIG's 32-bit sizes) or a level too large. */
int exemplar_encode(uint8_t **bie, size_t *len, const uint8_t *levels, int n, int h, int w,
                    int c, int bits);
/* Decodes the BIE of these n images at bits into levels (n * h * w * c
 * bytes; unspecified on failure). LGC_EUSAGE for sizes out of range as
 * above; LGC_EFORMAT with a message for another picture size or plane count
 * (any other bits, h, w or c alone; n too where it changes the picture, or
 * when fewer images than coded would drop a non-zero one: the BIE does not
 * hold n, so a larger n within the last row's unused tiles decodes blank
 * images), a truncated entity, bytes after it, and such corruption as JBIG
 * or a non-zero unused tile shows (its arithmetic code has no checksum:
 * other corruptions decode to other levels, still below 2^bits). The JBIG
 * header is checked before libjbig sees it, so libjbig allocates only the
 * expected picture's bit planes (about 9/64 bytes a pixel and plane). */
int exemplar_decode(uint8_t *levels, const uint8_t *bie, size_t len, int n, int h, int w, int c,
                    int bits);

#endif
