/* test_random.h - random operands for the numerical tests. */
#ifndef LGC_TEST_RANDOM_H
#define LGC_TEST_RANDOM_H

#include <stddef.h>

#include "rng.h"
#include "util.h"

/* n standard normal floats from rng, in a new array. */
static inline float *randn(rng_t *rng, size_t n)
{
    float *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)rng_normal(rng);
    return x;
}

#endif
