/* png_write.h - writes 8-bit grey or RGB images as PNG (libpng), atomically. */
#ifndef LGC_PNG_WRITE_H
#define LGC_PNG_WRITE_H

#include <stdint.h>

/* pixels (h, w, c) row-major, c = 1 (grey) or 3 (RGB). Returns LGC_OK or
 * LGC_EIO / LGC_EUSAGE (bad c) with a message naming path. */
int png_write(const char *path, const uint8_t *pixels, int w, int h, int c);

#endif
