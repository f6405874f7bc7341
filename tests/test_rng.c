/* test_rng.c - the named random streams (rng_stream).
 *
 * - Pinned values: the first draw of every stream for a fixed seed, so a
 *   change of derivation (which would change every output of lgc for the
 *   same seed) fails here first.
 * - The legacy derivations written out: numbered streams seed * 2^64/phi
 *   + id, per-class streams seed * 1000003 + class + 1, the guide seed XOR
 *   "guide".
 * - Streams of one seed differ from each other, and per-class streams
 *   differ between classes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rng.h"

static uint64_t first_draw(uint64_t seed, rng_stream_id id, uint64_t index)
{
    rng_t r;
    rng_stream(&r, seed, id, index);
    return rng_u64(&r);
}

static uint64_t first_draw_seeded(uint64_t value)
{
    rng_t r;
    rng_seed(&r, value);
    return rng_u64(&r);
}

static void streams_are_pinned(void **state)
{
    (void)state;
    static const struct {
        rng_stream_id id;
        uint64_t seed, index, first;
    } pins[] = {
        {RNG_STREAM_SAMPLE_LABELS, 1, 0, 0xf9d20113ec80c6d5ULL},
        {RNG_STREAM_SAMPLE_CODES, 1, 0, 0xe016dcf79a4fa5e5ULL},
        {RNG_STREAM_GRID_CODES, 1, 0, 0xbbf2a94f1b6c96c8ULL},
        {RNG_STREAM_WARPS, 7, 0, 0x1604719dcb6aae94ULL},
        {RNG_STREAM_GRID_WARPS, 1, 0, 0x67a09971787cbe34ULL},
        {RNG_STREAM_AUGMENT_ORDER, 1, 0, 0x88fccd93f527a844ULL},
        {RNG_STREAM_HOLDOUT, 1, 0, 0x61ab506892312f40ULL},
        {RNG_STREAM_MIXTURE_FIT, 1, 0, 0x3a85094d38d10280ULL},
        {RNG_STREAM_SUBSET_CLASS, 5, 9, 0xe0387d976b7df0ecULL},
        {RNG_STREAM_MEDOIDS, 1, 3, 0x77e1c6fdeb73b578ULL},
        {RNG_STREAM_GUIDE, 1, 0, 0xc3bc7d6fabe352efULL},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++)
        assert_int_equal(first_draw(pins[i].seed, pins[i].id, pins[i].index), pins[i].first);
}

static void streams_keep_the_legacy_derivations(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0, 1, 42, 0xffffffffffffffffULL};
    static const rng_stream_id numbered[] = {
        RNG_STREAM_SAMPLE_LABELS, RNG_STREAM_SAMPLE_CODES, RNG_STREAM_GRID_CODES,
        RNG_STREAM_WARPS,         RNG_STREAM_GRID_WARPS,   RNG_STREAM_AUGMENT_ORDER,
        RNG_STREAM_HOLDOUT};
    static const rng_stream_id per_class[] = {RNG_STREAM_MIXTURE_FIT, RNG_STREAM_SUBSET_CLASS,
                                              RNG_STREAM_MEDOIDS};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        const uint64_t seed = seeds[s];
        for (int i = 0; i < 6; i++)
            assert_int_equal(first_draw(seed, numbered[i], 0),
                             first_draw_seeded(seed * 0x9e3779b97f4a7c15ULL + (uint64_t)(i + 1)));
        for (int i = 0; i < 3; i++)
            for (uint64_t c = 0; c < 10; c++)
                assert_int_equal(first_draw(seed, per_class[i], c),
                                 first_draw_seeded(seed * 1000003u + c + 1));
        assert_int_equal(first_draw(seed, RNG_STREAM_GUIDE, 0),
                         first_draw_seeded(seed ^ 0x6775696465ULL));
    }
}

static void streams_differ(void **state)
{
    (void)state;
    const uint64_t labels = first_draw(3, RNG_STREAM_SAMPLE_LABELS, 0);
    assert_int_not_equal(labels, first_draw(3, RNG_STREAM_SAMPLE_CODES, 0));
    assert_int_not_equal(labels, first_draw(3, RNG_STREAM_WARPS, 0));
    assert_int_not_equal(labels, first_draw(4, RNG_STREAM_SAMPLE_LABELS, 0));
    assert_int_not_equal(first_draw(3, RNG_STREAM_SUBSET_CLASS, 0),
                         first_draw(3, RNG_STREAM_SUBSET_CLASS, 1));
    assert_int_not_equal(first_draw(3, RNG_STREAM_GUIDE, 0), first_draw_seeded(3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streams_are_pinned),
        cmocka_unit_test(streams_keep_the_legacy_derivations),
        cmocka_unit_test(streams_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
