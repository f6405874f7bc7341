/* error.c - the last-error message behind lgc_fail. The buffer is per
 * thread: mixtures are fitted in parallel, and a failing class must not
 * garble another thread's message (the caller collects it by class). */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

static _Thread_local char last_error[1024];

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
