/* rng.h - explicit, seeded pseudo-random state (xoshiro256**).
 * Every random choice in lgc draws from an rng_t passed in, so that a run
 * with the same seed reproduces exactly. Not for cryptography. */
#ifndef LGC_RNG_H
#define LGC_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_t;

/* Seeds the state from one 64-bit value (expanded by splitmix64). */
void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_u64(rng_t *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t rng_below(rng_t *r, uint32_t n);
/* Uniform double in [0, 1). */
double rng_uniform(rng_t *r);
/* Standard normal deviate (Marsaglia polar method). */
double rng_normal(rng_t *r);
/* Fisher-Yates shuffle of an int array. */
void rng_shuffle(rng_t *r, int *a, int n);

#endif
