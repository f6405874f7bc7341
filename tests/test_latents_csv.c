/* test_latents_csv.c - the latent codes CSV writer (latents_csv.h) through
 * the reader: the codes come back as printed (6 significant digits), with
 * their classes, in order; a file the writer cannot create is LGC_EIO and
 * leaves nothing. The reader's refusals are fuzzed (tests/fuzz) and tested
 * through the CLI (tests/cli/test_hostile.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "latents_csv.h"
#include "rng.h"
#include "util.h"

/* A code as the file holds it: printed with "%.6g", read back. */
static float as_printed(float v)
{
    char s[32];
    snprintf(s, sizeof s, "%.6g", (double)v);
    return (float)strtod(s, NULL);
}

static void test_round_trip(void **state)
{
    (void)state;
    enum { N = 50, D = 7, K = 4 };
    float z[N * D];
    uint8_t labels[N];
    rng_t rng;
    rng_seed(&rng, 3);
    for (int i = 0; i < N; i++) {
        labels[i] = (uint8_t)rng_below(&rng, K);
        for (int k = 0; k < D; k++) /* every magnitude from 1e-8 to 1e6, both signs */
            z[i * D + k] = (float)(rng_normal(&rng) * pow(10.0, (double)rng_below(&rng, 15) - 8));
    }
    z[0] = 0.0f;
    z[1] = -1.0f / 3.0f;
    z[2] = 123456789.0f; /* printed as 1.23457e+08 */

    char path[] = "/tmp/test_latents_csv.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(latents_csv_write(path, z, labels, N, D), LGC_OK);
    latents_csv back;
    int st = latents_csv_read(&back, path, D, K, N);
    unlink(path);
    assert_int_equal(st, LGC_OK);
    assert_int_equal(back.n, N);
    assert_int_equal(back.d, D);
    assert_memory_equal(back.labels, labels, N);
    for (int j = 0; j < N * D; j++)
        assert_true(back.z[j] == as_printed(z[j]));
    /* 6 digits is within half a unit of the sixth digit */
    for (int j = 0; j < N * D; j++)
        assert_true(fabsf(back.z[j] - z[j]) <= 5.1e-6f * fabsf(z[j]));
    latents_csv_free(&back);
}

static void test_unwritable(void **state)
{
    (void)state;
    const float z[2] = {1.0f, 2.0f};
    const uint8_t labels[1] = {0};
    const char *path = "/tmp/test_latents_csv.no-such-dir/codes.csv";
    assert_int_equal(latents_csv_write(path, z, labels, 1, 2), LGC_EIO);
    assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
