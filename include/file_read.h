/* file_read.h - a whole regular file into memory, its size checked first. */
#ifndef LGC_FILE_READ_H
#define LGC_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

/* Reads path into *buf (caller frees) and *len. A file larger than max
 * bytes is refused before anything is allocated (LGC_EFORMAT); a missing,
 * unreadable or non-regular file is LGC_EIO. Messages name path. */
int file_read_all(uint8_t **buf, size_t *len, const char *path, size_t max);

#endif
