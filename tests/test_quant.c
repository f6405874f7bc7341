/* test_quant.c - symmetric per-group quantisation (src/nn/quant.c): the
 * scale rule, rounding and clamping of codes, and the property the .lgc
 * writer relies on, that quantising what was read back gives the same
 * scale and codes again. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "quant.h"
#include "rng.h"

static void scale_and_codes(void **state)
{
    (void)state;
    const float w[4] = {7.0f, -3.5f, 0.5f, -2.5f};
    assert_true(quant_scale(w, 4, 7) == 1.0f);
    assert_true(quant_scale(w, 4, 127) == 7.0f / 127.0f);
    /* ties to even, and clamping to -qmax..qmax */
    assert_int_equal(quant_code(0.5f, 1.0f, 7), 0);
    assert_int_equal(quant_code(-2.5f, 1.0f, 7), -2);
    assert_int_equal(quant_code(-3.5f, 1.0f, 7), -4);
    assert_int_equal(quant_code(7.4f, 1.0f, 7), 7);
    assert_int_equal(quant_code(-9.0f, 1.0f, 7), -7);
    assert_int_equal(quant_code(200.0f, 1.0f, 127), 127);
    /* an all-zero or subnormal group gets the smallest normal scale */
    const float z[3] = {0.0f, -0.0f, 1e-41f};
    assert_true(quant_scale(z, 2, 7) == FLT_MIN);
    assert_true(quant_scale(z, 3, 127) == FLT_MIN);
}

/* quant_snap puts every weight on its group's grid, within half a scale;
 * snapping again changes nothing (the scale of the snapped group is the
 * same), for int4 and int8 groups of random magnitude. */
static void snap_is_a_fixed_point(void **state)
{
    (void)state;
    enum { GROUPS = 50, LEN = 9, N = GROUPS * LEN };
    rng_t rng;
    rng_seed(&rng, 3);
    static const int qmaxes[2] = {7, 127};
    for (int t = 0; t < 2; t++) {
        const int qmax = qmaxes[t];
        float w[N], snapped[N], again[N];
        for (int g = 0; g < GROUPS; g++) {
            const double mag = pow(10.0, (double)rng_below(&rng, 21) - 10.0);
            for (int j = 0; j < LEN; j++)
                w[g * LEN + j] = (float)(mag * rng_normal(&rng));
        }
        memcpy(snapped, w, sizeof w);
        quant_snap(snapped, N, GROUPS, qmax);
        for (int g = 0; g < GROUPS; g++) {
            const float s = quant_scale(w + g * LEN, LEN, qmax);
            assert_true(quant_scale(snapped + g * LEN, LEN, qmax) == s);
            for (int j = 0; j < LEN; j++) {
                const double err = fabs((double)w[g * LEN + j] - snapped[g * LEN + j]);
                assert_true(err <= s / 2.0 + fabs((double)snapped[g * LEN + j]) * 0x1p-24);
            }
        }
        memcpy(again, snapped, sizeof snapped);
        quant_snap(again, N, GROUPS, qmax);
        assert_memory_equal(again, snapped, sizeof snapped);
    }
}

/* The rewrite property for one scale: for s = fl(x / 7), fl(fl(7 s) / 7)
 * is s again. Checked here on 2^22 spread-out f32 x (docs/FORMAT.md states
 * it for every finite x; an exhaustive loop takes seconds, too long for a
 * unit test). */
static void rescaling_the_largest_code_gives_the_scale(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < (1u << 22); i++) {
        const uint32_t bits = i * 509u + (i >> 7); /* covers every exponent */
        if ((bits & 0x7f800000u) == 0x7f800000u)
            continue; /* Inf, NaN */
        float x;
        memcpy(&x, &bits, sizeof x);
        const float w[1] = {x};
        const float s = quant_scale(w, 1, 7);
        if (s == FLT_MIN)
            continue;
        const float top = 7.0f * s;
        if (!isfinite(top))
            continue;
        const float back[1] = {top};
        if (quant_scale(back, 1, 7) != s)
            fail_msg("x = %a: scale %a, 7 s = %a, its scale %a", (double)x, (double)s,
                     (double)top, (double)quant_scale(back, 1, 7));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_and_codes),
        cmocka_unit_test(snap_is_a_fixed_point),
        cmocka_unit_test(rescaling_the_largest_code_gives_the_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
