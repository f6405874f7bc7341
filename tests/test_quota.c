/* test_quota.c - largest remainder class quotas (quota.h): exact cases
 * worked by hand (floors, the extra ones, ties to the lower class), the
 * cap, and on random weights that the quotas sum to n and each is within
 * one of its exact share. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "quota.h"
#include "rng.h"

static void assert_quota(const long *weights, int K, long n, const long *cap,
                         const long *expected)
{
    long quota[16];
    quota_largest_remainder(quota, weights, K, n, cap);
    for (int c = 0; c < K; c++)
        assert_int_equal(quota[c], expected[c]);
}

static void floors_then_largest_fractions(void **state)
{
    (void)state;
    /* 7 * (0.2, 0.3, 0.5) = 1.4, 2.1, 3.5: floors 1, 2, 3, the 7th to 3.5 */
    assert_quota((long[]){2, 3, 5}, 3, 7, NULL, (long[]){1, 2, 4});
    /* 10 * (0.1, 0.2, 0.7) is whole: no rounding */
    assert_quota((long[]){1, 2, 7}, 3, 10, NULL, (long[]){1, 2, 7});
    /* 100 * (5, 7, 11) / 23 = 21.74, 30.43, 47.83: two extras, to 0.83 and 0.74 */
    assert_quota((long[]){5, 7, 11}, 3, 100, NULL, (long[]){22, 30, 48});
    /* an empty class gets nothing */
    assert_quota((long[]){0, 3, 1}, 3, 5, NULL, (long[]){0, 4, 1});
    assert_quota((long[]){4, 4}, 2, 0, NULL, (long[]){0, 0});
}

static void ties_go_to_the_lower_class(void **state)
{
    (void)state;
    /* 10 / 3 = 3.33 each: the one left over to class 0 */
    assert_quota((long[]){1, 1, 1}, 3, 10, NULL, (long[]){4, 3, 3});
    /* 6 / 4 = 1.5 each: two left over, to classes 0 and 1 */
    assert_quota((long[]){1, 1, 1, 1}, 4, 6, NULL, (long[]){2, 2, 1, 1});
    /* equal fractions after a larger one: 9 * (2, 1, 1, 2) / 6 = 3, 1.5, 1.5, 3 */
    assert_quota((long[]){2, 1, 1, 2}, 4, 9, NULL, (long[]){3, 2, 1, 3});
}

static void cap_passes_the_extra_on(void **state)
{
    (void)state;
    /* 3 / 2 = 1.5 each: class 0 is at its cap of 1, so class 1 takes it */
    assert_quota((long[]){1, 1}, 2, 3, (long[]){1, 5}, (long[]){1, 2});
    /* without the cap the tie goes to class 0 */
    assert_quota((long[]){1, 1}, 2, 3, NULL, (long[]){2, 1});
}

static void random_weights_sum_to_n(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 11);
    for (int trial = 0; trial < 200; trial++) {
        int K = 1 + (int)rng_below(&rng, 16);
        long weights[16], quota[16], total = 0;
        for (int c = 0; c < K; c++)
            total += weights[c] = (long)rng_below(&rng, 1000);
        if (total == 0)
            total += weights[0] = 1;
        long n = (long)rng_below(&rng, 100000), sum = 0;
        quota_largest_remainder(quota, weights, K, n, NULL);
        for (int c = 0; c < K; c++) {
            double exact = (double)n * (double)weights[c] / (double)total;
            assert_true(quota[c] >= (long)exact && quota[c] <= (long)exact + 1);
            sum += quota[c];
        }
        assert_int_equal(sum, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(floors_then_largest_fractions),
        cmocka_unit_test(ties_go_to_the_lower_class),
        cmocka_unit_test(cap_passes_the_extra_on),
        cmocka_unit_test(random_weights_sum_to_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
