/* error.c - the last-error message behind lgc_fail. lgc is single-threaded
 * wherever errors can arise, so one static buffer suffices. */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

static char last_error[1024];

int lgc_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

const char *lgc_errmsg(void) { return last_error; }

int lgc_exit_code(int status)
{
    if (status == LGC_OK)
        return LGC_EXIT_OK;
    return status == LGC_EUSAGE ? LGC_EXIT_USAGE : LGC_EXIT_FAILURE;
}
