/* checked_write.h - writes whose failure becomes an error message. */
#ifndef LGC_CHECKED_WRITE_H
#define LGC_CHECKED_WRITE_H

#include <stddef.h>
#include <stdio.h>

/* Writes the n bytes at p to f. Returns LGC_OK, or LGC_EIO with the
 * message "cannot write 'name': <strerror>". */
int checked_write(FILE *f, const void *p, size_t n, const char *name);
/* Records that message for the write to name that just failed (errno
 * still set) and returns LGC_EIO; for writers other than fwrite. */
int write_failed(const char *name);

#endif
