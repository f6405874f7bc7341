/* test_threads.c - the thread policy of threads.h: the count asked for is
 * the count lgc's loops run on, 0 (or less) means one thread per online
 * core, and BLAS stays single-threaded inside lgc's own threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "threads.h"

/* OpenBLAS's own extension (not in every cblas.h), to read the policy back. */
int openblas_get_num_threads(void);

/* The threads lgc's OpenMP loops would start now. */
static int lgc_loop_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static void one_before_any_call(void **state)
{
    (void)state;
    assert_int_equal(threads_count(), 1);
}

static void count_is_what_was_set(void **state)
{
    (void)state;
    threads_set(1);
    assert_int_equal(threads_count(), 1);
    assert_int_equal(lgc_loop_threads(), 1);
    assert_int_equal(openblas_get_num_threads(), 1);
    threads_set(3);
    assert_int_equal(threads_count(), 3);
#ifdef _OPENMP
    assert_int_equal(lgc_loop_threads(), 3);
    assert_int_equal(openblas_get_num_threads(), 1);
#endif
}

static void zero_means_every_core(void **state)
{
    (void)state;
    const int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    threads_set(0);
    assert_int_equal(threads_count(), cores);
    threads_set(1);
    threads_set(-1);
    assert_int_equal(threads_count(), cores);
}

static void blas_only_gives_blas_the_threads(void **state)
{
    (void)state;
    threads_set(2);
    threads_blas_only(2);
    assert_int_equal(threads_count(), 2);
    assert_int_equal(lgc_loop_threads(), 1);
    assert_int_equal(openblas_get_num_threads(), 2);
    threads_set(2);
#ifdef _OPENMP
    assert_int_equal(lgc_loop_threads(), 2);
    assert_int_equal(openblas_get_num_threads(), 1);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_before_any_call),
        cmocka_unit_test(count_is_what_was_set),
        cmocka_unit_test(zero_means_every_core),
        cmocka_unit_test(blas_only_gives_blas_the_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
