/* test_warps.c - the rules of lgc compress's warps check (warps.h): the
 * candidates scaled to the image size, the number of samples, the margin
 * of a tie and the choice, ties going to the stronger warp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "warps.h"

static void assert_warps(augment_opts a, float rotate, float scale, float shift, float elastic)
{
    assert_float_equal(a.rotate, rotate, 1e-6);
    assert_float_equal(a.scale, scale, 1e-6);
    assert_float_equal(a.shift, shift, 1e-6);
    assert_float_equal(a.elastic, elastic, 1e-6);
}

static void candidates_scale_with_the_image(void **state)
{
    (void)state;
    const augment_opts d = AUGMENT_DEFAULT;
    /* 28x28, what the default was chosen on: none, half, the default */
    assert_warps(warps_candidate(0, 28, 28), 0, 0, 0, 0);
    assert_warps(warps_candidate(1, 28, 28), d.rotate / 2, d.scale / 2, d.shift / 2, 0);
    assert_warps(warps_candidate(2, 28, 28), d.rotate, d.scale, d.shift, d.elastic);
    /* pixels scale with the shorter side; angles and ratios do not */
    assert_warps(warps_candidate(2, 8, 8), d.rotate, d.scale, d.shift * 8 / 28, 0);
    assert_warps(warps_candidate(2, 56, 112), d.rotate, d.scale, d.shift * 2, 0);
    assert_warps(warps_candidate(1, 64, 32), d.rotate / 2, d.scale / 2, d.shift * 32 / 56, 0);
    /* every candidate is one lgc sample --augment accepts */
    for (int i = 0; i < WARPS_N_CANDIDATES; i++) {
        augment_opts a = warps_candidate(i, 1000, 1000);
        assert_true(a.rotate <= AUGMENT_MAX_ROTATE && a.scale <= AUGMENT_MAX_SCALE &&
                    a.shift <= AUGMENT_MAX_SHIFT && a.elastic <= AUGMENT_MAX_ELASTIC);
    }
}

static void sample_count_shrinks_for_tiny_sets(void **state)
{
    (void)state;
    /* five passes of the quick classifier's steps */
    const long full = (long)WARPS_CHECK_STEPS * WARPS_CHECK_BATCH / 5;
    assert_int_equal(full, 3840);
    assert_int_equal(warps_sample_count(54000), full);
    assert_int_equal(warps_sample_count(full / WARPS_SAMPLES_PER_IMAGE), full);
    assert_int_equal(warps_sample_count(180), 180 * WARPS_SAMPLES_PER_IMAGE);
    assert_int_equal(warps_sample_count(1), WARPS_SAMPLES_PER_IMAGE);
}

static void margin_is_one_standard_error(void **state)
{
    (void)state;
    /* 135 held-out images at 80%: 3.4 points */
    assert_float_equal(warps_margin(0.8, 135), sqrt(0.8 * 0.2 / 135), 1e-12);
    /* 1,000 at 70%: 1.4 points, raised to the floor; 6,000 at 95%: 0.28 */
    assert_float_equal(warps_margin(0.7, 1000), WARPS_MIN_MARGIN, 1e-12);
    assert_float_equal(warps_margin(0.95, 6000), WARPS_MIN_MARGIN, 1e-12);
    assert_float_equal(warps_margin(1.0, 50), WARPS_MIN_MARGIN, 1e-12);
}

static void choice_ties_go_to_the_stronger(void **state)
{
    (void)state;
    const double clear[3] = {0.80, 0.85, 0.90};
    assert_int_equal(warps_choose(clear, 3, 0.01), 2);
    /* a clear loss of the stronger warps still picks the weaker */
    const double none_best[3] = {0.90, 0.85, 0.80};
    assert_int_equal(warps_choose(none_best, 3, 0.01), 0);
    const double default_loses[3] = {0.90, 0.895, 0.80};
    assert_int_equal(warps_choose(default_loses, 3, 0.01), 1);
    /* within the margin of the best: the stronger warp */
    assert_int_equal(warps_choose(default_loses, 3, 0.1), 2);
    const double close[3] = {0.80, 0.90, 0.895};
    assert_int_equal(warps_choose(close, 3, 0.01), 2);
    assert_int_equal(warps_choose(close, 3, 0.001), 1);
    /* exactly at the margin is a tie; beyond it is not */
    const double edge[3] = {0.9375, 0.5, 0.875};
    assert_int_equal(warps_choose(edge, 3, 0.0625), 2);
    assert_int_equal(warps_choose(edge, 3, 0.0625 - 1e-9), 0);
    /* equal accuracies, a zero margin: the strongest */
    const double equal[3] = {0.5, 0.5, 0.5};
    assert_int_equal(warps_choose(equal, 3, 0.0), 2);
    /* a failed training (-1) loses */
    const double failed[3] = {0.75, 0.7, -1.0};
    assert_int_equal(warps_choose(failed, 3, 0.01), 0);
    const double one[1] = {0.3};
    assert_int_equal(warps_choose(one, 1, 0.01), 0);
}

static void warning_needs_a_lead_beyond_the_noise(void **state)
{
    (void)state;
    /* Fashion-MNIST at latent 32: real 78.1% vs samples 78.0% on 6,000
     * held-out images is noise (margin 1.5 points), no warning */
    assert_false(warps_file_loses(0.780, 0.781, 6000));
    /* 1,000 MNIST images: 97.9% vs 95.7% on 94 images, margin 1.5: warns */
    assert_true(warps_file_loses(0.957, 0.979, 94));
    /* the margin grows on a small slice: 8 points on 30 images at 75% */
    assert_false(warps_file_loses(0.70, 0.75, 30));
    assert_true(warps_file_loses(0.60, 0.75, 30));
    /* samples ahead never warn */
    assert_false(warps_file_loses(0.90, 0.80, 6000));
}

static void exemplar_depth_ties_go_to_more_images(void **state)
{
    (void)state;
    const double margin = 0.015;
    /* MNIST: 1 bit 94.4% (2,912 images), 2 bits 94.2% (1,144): a tie, 1 bit */
    const double mnist[2] = {0.944, 0.942};
    const long mnist_n[2] = {2912, 1144};
    assert_int_equal(warps_exemplar_depth(mnist, mnist_n, 2, margin), 0);
    /* Fashion-MNIST: 73.0% against 81.9%: 2 bits, whatever the counts */
    const double fm[2] = {0.730, 0.819};
    const long fm_n[2] = {4416, 1780};
    assert_int_equal(warps_exemplar_depth(fm, fm_n, 2, margin), 1);
    /* both hold every image: a tie goes to the deeper one, even when
     * the shallower scored a little more */
    const double all[2] = {0.968, 0.957};
    const long all_n[2] = {906, 906};
    assert_int_equal(warps_exemplar_depth(all, all_n, 2, 0.023), 1);
    /* one candidate (the depth given) */
    assert_int_equal(warps_exemplar_depth(fm, fm_n, 1, margin), 0);
}

static void all_from_exemplars_needs_a_clear_lead(void **state)
{
    (void)state;
    /* mnist-1k: half 94.7% against alone 96.8% on 94 images (margin 1.8) */
    assert_true(warps_exemplars_alone_win(0.968, 0.947, 94));
    /* MNIST: half 94.7% against alone 94.4%: half stays */
    assert_false(warps_exemplars_alone_win(0.944, 0.947, 5996));
    /* a lead within the margin is noise */
    assert_false(warps_exemplars_alone_win(0.950, 0.940, 5996));
    assert_true(warps_exemplars_alone_win(0.960, 0.940, 5996));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(candidates_scale_with_the_image),
        cmocka_unit_test(sample_count_shrinks_for_tiny_sets),
        cmocka_unit_test(margin_is_one_standard_error),
        cmocka_unit_test(choice_ties_go_to_the_stronger),
        cmocka_unit_test(warning_needs_a_lead_beyond_the_noise),
        cmocka_unit_test(exemplar_depth_ties_go_to_more_images),
        cmocka_unit_test(all_from_exemplars_needs_a_clear_lead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
