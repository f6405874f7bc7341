/* threads.c - the thread policy of threads.h.
 *
 * One slice of the batch per thread with single-threaded BLAS inside was
 * measured faster for lgc's small products than one multi-threaded GEMM
 * per layer, and it never oversubscribes the cores. */
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "threads.h"

/* OpenBLAS's own extension, declared here rather than taken from
 * <cblas.h>: when Debian's cblas.h alternative points to the reference
 * (netlib) header, that header does not declare it. */
void openblas_set_num_threads(int num_threads);

static int n_threads;

void threads_set(int n)
{
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    n_threads = n;
#ifdef _OPENMP
    openblas_set_num_threads(1);
    omp_set_num_threads(n);
#else
    openblas_set_num_threads(n);
#endif
}

int threads_count(void) { return n_threads ? n_threads : 1; }

void threads_blas_only(int n)
{
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
}
