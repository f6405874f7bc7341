/* util.h - error status codes, fatal-on-OOM allocation, small helpers.
 *
 * Two tiers of error (docs/DESIGN.md): broken invariants are assert()s;
 * runtime failures (bad file, bad option, numerical breakdown) are returned
 * as a negative lgc_status after lgc_fail() recorded a one-line message.
 * Only main() and cmd_*() print the message and choose the exit code. */
#ifndef LGC_UTIL_H
#define LGC_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LGC_OK = 0,
    LGC_EIO = -1,      /* the OS refused: open, read, write, rename */
    LGC_EFORMAT = -2,  /* an input file is malformed */
    LGC_EUSAGE = -3,   /* bad option or argument */
    LGC_ENUMERIC = -4, /* numerical breakdown: NaN loss, singular matrix */
} lgc_status;

/* Process exit codes, documented in README and lgc(1). */
enum {
    LGC_EXIT_OK = 0,
    LGC_EXIT_FAILURE = 1, /* runtime failure: I/O, malformed input, numerics */
    LGC_EXIT_USAGE = 2,   /* command-line misuse */
};

/* Byte c as it may appear in a one-line message quoting hostile input:
 * printable ASCII as itself, anything else as '?'. */
static inline char printable_char(unsigned char c) { return c >= 0x20 && c < 0x7f ? (char)c : '?'; }

/* Records "msg" (printf format) as the last error and returns code.
 * Typical use: return lgc_fail(LGC_EFORMAT, "'%s': truncated header", path); */
int lgc_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message recorded by lgc_fail ("" if none). */
const char *lgc_errmsg(void);
/* Maps a status to the process exit code. */
int lgc_exit_code(int status);

/* Allocation that never returns NULL: on failure it prints the size and
 * aborts, so callers do not check (redis zmalloc style). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Allocates count*size bytes, or fails with LGC_EFORMAT through *status
 * when the product overflows or exceeds limit; used for sizes read from
 * files, where a forged header must not abort the process. */
void *xmalloc_checked(size_t count, size_t size, size_t limit, int *status);

/* a*b with overflow detection: returns 0 and sets *out, or -1 on overflow. */
int mul_size(size_t a, size_t b, size_t *out);

/* Monotonic wall-clock seconds. */
double now_seconds(void);

/* On AVX-512 CPUs with OPENBLAS_CORETYPE unset, sets it to SkylakeX and
 * re-executes the program (argv) so that OpenBLAS loads its AVX-512
 * kernels; otherwise returns. Call first thing in main. */
void prefer_avx512_blas(char **argv);

#endif
