/* checked_write.c - writes whose failure becomes an error message
 * (checked_write.h). */
#include <errno.h>
#include <string.h>

#include "checked_write.h"
#include "util.h"

int write_failed(const char *name)
{
    return lgc_fail(LGC_EIO, "cannot write '%s': %s", name, strerror(errno));
}

int checked_write(FILE *f, const void *p, size_t n, const char *name)
{
    return fwrite(p, 1, n, f) == n ? LGC_OK : write_failed(name);
}
