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

/* The streams drawn from one user seed, by name. Every place that needs
 * randomness of its own asks for its stream here instead of mixing the
 * seed by hand, so the derivations live in one place (rng_stream) and a
 * new use gets a stream of its own. The values 1 to 6 are part of the
 * derivation: renumbering them changes every output of lgc sample, lgc
 * augment and lgc compress. */
typedef enum {
    RNG_STREAM_SAMPLE_LABELS = 1, /* lgc sample: the order of the labels */
    RNG_STREAM_SAMPLE_CODES = 2,  /* lgc sample: the codes drawn from the mixtures */
    RNG_STREAM_GRID_CODES = 3,    /* lgc sample --png: the grid's codes */
    RNG_STREAM_WARPS = 4,         /* --augment warps (lgc sample, lgc augment) */
    RNG_STREAM_GRID_WARPS = 5,    /* lgc sample --png: the grid's warps */
    RNG_STREAM_AUGMENT_ORDER = 6, /* lgc augment: the rounds over the source images */
    RNG_STREAM_HOLDOUT = 7,       /* lgc compress: the held-out slice */
    /* Per-class streams, index = the class: each class's draw is then
     * independent of the others and of the thread that runs it. Their
     * values are not part of the derivation. */
    RNG_STREAM_MIXTURE_FIT = 16, /* lgc compress: fitting class index's mixtures */
    RNG_STREAM_SUBSET_CLASS, /* lgc subset: class index's random choice */
    RNG_STREAM_MEDOIDS,      /* lgc subset --method gradient: class index's k-medoids */
    RNG_STREAM_GUIDE,        /* lgc compress --guide: the guide's initial weights */
} rng_stream_id;

/* Seeds *r as stream id (with index, for the per-class streams; 0
 * otherwise) of seed. */
void rng_stream(rng_t *r, uint64_t seed, rng_stream_id id, uint64_t index);

#endif
