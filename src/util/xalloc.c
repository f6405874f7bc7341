/* xalloc.c - allocation that aborts on exhaustion (callers never check),
 * plus checked allocation for sizes that come from files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static void oom(size_t n)
{
    fprintf(stderr, "lgc: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

int mul_size(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

void *xmalloc_checked(size_t count, size_t size, size_t limit, int *status)
{
    size_t n;
    if (mul_size(count, size, &n) || n > limit) {
        *status = lgc_fail(LGC_EFORMAT, "size %zu x %zu exceeds the limit of %zu bytes",
                           count, size, limit);
        return NULL;
    }
    *status = LGC_OK;
    return xmalloc(n);
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
