/* test_files.h - scratch files for the format tests: a mkdtemp directory
 * removed with everything in it, whole-file writes and reads, and the
 * check that a failure's message names the file and the problem. */
#ifndef LGC_TEST_FILES_H
#define LGC_TEST_FILES_H

/* nftw needs _XOPEN_SOURCE, which the including file defines before its
 * first include. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char scratch_dir[64];

/* scratch_path(buf, "x") -> "<scratch_dir>/x"; buf holds 512 bytes. */
static inline char *scratch_path(char *buf, const char *name)
{
    snprintf(buf, 512, "%s/%s", scratch_dir, name);
    return buf;
}

static inline int scratch_remove_entry(const char *path, const struct stat *sb, int flag,
                                       struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Group setup and teardown for cmocka: makes scratch_dir, then removes it
 * with everything in it, children first. */
static inline int scratch_setup(void **state)
{
    (void)state;
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/lgc_test.XXXXXX");
    return mkdtemp(scratch_dir) ? 0 : -1;
}

static inline int scratch_teardown(void **state)
{
    (void)state;
    return nftw(scratch_dir, scratch_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The dimensions of a result against the expected ones, in one check. */
static inline void assert_dims(int n, int h, int w, int c, int want_n, int want_h, int want_w,
                               int want_c)
{
    const int got[] = {n, h, w, c}, want[] = {want_n, want_h, want_w, want_c};
    assert_memory_equal(got, want, sizeof want);
}

static inline void put_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The whole file at path, in a new buffer; its length in *len. */
static inline uint8_t *get_file(const char *path, size_t *len)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    *len = (size_t)sb.st_size;
    uint8_t *p = xmalloc(*len ? *len : 1);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(p, 1, *len, f), *len);
    assert_int_equal(fclose(f), 0);
    return p;
}

/* A failure: status st as expected, and the last message names name and
 * contains want (so an incidental earlier failure does not pass). */
static inline void expect_failure(int st, int want_status, const char *name, const char *want)
{
    const char *msg = lgc_errmsg();
    if (st != want_status)
        fail_msg("status %d, expected %d (message: %s)", st, want_status, msg);
    if (!strstr(msg, name) || !strstr(msg, want))
        fail_msg("message \"%s\" should name '%s' and contain \"%s\"", msg, name, want);
}

#endif
