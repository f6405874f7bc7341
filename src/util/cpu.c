/* cpu.c - choosing OpenBLAS's kernels before the library initialises.
 *
 * Debian's OpenBLAS 0.3.21 picks its AVX2 (Haswell) kernels on AVX-512
 * CPUs; its SkylakeX kernels are about 1.9x faster for sgemm here. The core
 * type is read when the library loads, before main, so the program
 * re-executes itself once with OPENBLAS_CORETYPE set. A user's own setting
 * is left alone, and so is everything when /proc/self/exe is unavailable. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

void prefer_avx512_blas(char **argv)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (getenv("OPENBLAS_CORETYPE") || !__builtin_cpu_supports("avx512f") ||
        !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl"))
        return;
    if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the default kernels */
#else
    (void)argv;
#endif
}
