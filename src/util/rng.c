/* rng.c - xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
#include <assert.h>
#include <math.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_u64(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t rng_below(rng_t *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased. */
    uint64_t m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (lo < threshold) {
            m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double rng_uniform(rng_t *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

double rng_normal(rng_t *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    /* The second deviate is discarded so the state advance per call is
     * simple to reason about; sampling is not the bottleneck. */
    return u * sqrt(-2.0 * log(s) / s);
}

void rng_shuffle(rng_t *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint32_t)i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* The derivations predate the named streams and are kept so that every
 * seed still gives the outputs it gave: the numbered streams (1 to 6) are
 * seed * 2^64/phi + id, the per-class streams seed * 1000003 + index + 1
 * (all three share it), and the guide seed XOR "guide" in ASCII. splitmix64
 * in rng_seed then spreads these neighbouring values over the state. */
void rng_stream(rng_t *r, uint64_t seed, rng_stream_id id, uint64_t index)
{
    switch (id) {
    case RNG_STREAM_SAMPLE_LABELS:
    case RNG_STREAM_SAMPLE_CODES:
    case RNG_STREAM_GRID_CODES:
    case RNG_STREAM_WARPS:
    case RNG_STREAM_GRID_WARPS:
    case RNG_STREAM_AUGMENT_ORDER:
    case RNG_STREAM_HOLDOUT:
        assert(index == 0);
        rng_seed(r, seed * 0x9e3779b97f4a7c15ULL + (uint64_t)id);
        return;
    case RNG_STREAM_MIXTURE_FIT:
    case RNG_STREAM_SUBSET_CLASS:
    case RNG_STREAM_MEDOIDS:
        rng_seed(r, seed * 1000003u + index + 1);
        return;
    case RNG_STREAM_GUIDE:
        assert(index == 0);
        rng_seed(r, seed ^ 0x6775696465ULL);
        return;
    }
    assert(!"unknown rng stream");
}
