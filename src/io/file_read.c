/* file_read.c - a whole regular file into memory (file_read.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_read.h"
#include "util.h"

int file_read_all(uint8_t **buf, size_t *len, const char *path, size_t max)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    int st = LGC_OK;
    if (fstat(fileno(f), &sb))
        st = lgc_fail(LGC_EIO, "cannot stat '%s': %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = lgc_fail(LGC_EIO, "cannot read '%s': not a regular file", path);
    else if ((uint64_t)sb.st_size > max)
        st = lgc_fail(LGC_EFORMAT, "'%s': file has %lld bytes (limit %zu)", path,
                      (long long)sb.st_size, max);
    if (st) {
        fclose(f);
        return st;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *b = xmalloc(n ? n : 1);
    /* one byte more than the size: a file that grew meanwhile is an error */
    size_t got = fread(b, 1, n, f);
    int more = fgetc(f) != EOF;
    if (got != n || more || ferror(f)) {
        st = lgc_fail(LGC_EIO, "cannot read '%s': %s", path,
                      ferror(f) ? strerror(errno) : "the file changed while being read");
        free(b);
        b = NULL;
    }
    fclose(f);
    *buf = b;
    *len = b ? n : 0;
    return st;
}
