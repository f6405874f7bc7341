/* fuzz_common.h - what the format readers' fuzz targets share: the checks
 * of a reader's contract and the --seeds DIR mode that writes their seed
 * files (tests/fuzz/make-corpus.sh runs it). */
#ifndef LGC_FUZZ_COMMON_H
#define LGC_FUZZ_COMMON_H

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A failed read: LGC_EFORMAT, no result handed out, a message naming the
 * input. */
static inline void assert_clean_failure(int st, const void *result, const char *name)
{
    assert(st == LGC_EFORMAT && result == NULL && strstr(lgc_errmsg(), name));
    (void)st, (void)result, (void)name;
}

/* Reads the last of len bytes at p: ASan reports a buffer shorter than the
 * sizes a reader returned. */
static inline void touch_last(const void *p, size_t len)
{
    volatile uint8_t last = ((const uint8_t *)p)[len - 1];
    (void)last;
}

/* "<dir>/<name>" into path (PATH_BYTES). */
#define PATH_BYTES 4096
static inline const char *seed_path(char *path, const char *dir, const char *name)
{
    snprintf(path, PATH_BYTES, "%s/%s", dir, name);
    return path;
}

/* For LLVMFuzzerInitialize: given "--seeds DIR", runs write_seeds(DIR) and
 * exits, 0 on LGC_OK, 1 after printing the message otherwise. */
static inline void seeds_mode(int argc, char **argv, int (*write_seeds)(const char *dir))
{
    if (argc != 3 || strcmp(argv[1], "--seeds"))
        return;
    int st = write_seeds(argv[2]);
    if (st)
        fprintf(stderr, "%s\n", lgc_errmsg());
    exit(st ? 1 : 0);
}

#endif
