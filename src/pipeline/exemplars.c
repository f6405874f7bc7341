/* exemplars.c - real training images beside the mixtures (docs/DESIGN.md,
 * "Exemplars"): how many fit in their bytes at each bit depth, which bit
 * depth and which share of lgc sample's images the held-out slice prefers.
 *
 * The images are random training images (the held-out slice is never
 * stored, so it stays a fair test), class quotas in proportion to the
 * classes, nested across sizes (subset_random). Every candidate is judged
 * by the quick classifier of the warps check on the same held-out images:
 * each bit depth with as many exemplars as its bytes hold, alone and
 * warped as lgc sample will warp them; then what lgc sample draws with half
 * of its images from the kept ones (COMPRESS_DEFAULT_EXEMPLAR_SHARE), which
 * gives way to all of them when they alone are clearly better. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exemplar_codec.h"
#include "sample.h"
#include "stages.h"
#include "subset.h"
#include "util.h"
#include "warps.h"

/* Without a held-out check (fewer than WARPS_MIN_HELD held-out images):
 * 2 bits kept 99.6% of the judge's accuracy on 1,000 Fashion-MNIST images
 * where 1 bit kept 98.4%. */
#define EXEMPLARS_UNCHECKED_BITS 2
/* Bytes left unused for the word's accuracies, which are stored in WARP
 * after the exemplars are chosen and deflate a few bytes longer or
 * shorter. */
#define EXEMPLARS_SLACK 16
/* 4 bits lost to 1 and 2 on MNIST, Fashion-MNIST and a 1,000-image MNIST
 * subset alike (docs/RESULTS.md), and would cost one more training. */
static const int bit_candidates[] = {1, 2};
#define N_BITS (int)(sizeof bit_candidates / sizeof bit_candidates[0])

/* e gets n random images of train at bits, in class order; counts is
 * n_classes long. Returns 0, or -1 when no quota of n can be drawn. */
static int pick_images(lgc_exemplars *e, const dataset *train, long n, int bits, uint64_t seed)
{
    long counts[DATASET_MAX_CLASSES], quota[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, train);
    if (subset_quota(quota, counts, train->n_classes, n))
        return -1;
    int *idx = xmalloc((size_t)n * sizeof(int));
    subset_random(idx, train, quota, seed);
    const size_t bytes = (size_t)train->h * train->w * train->c;
    free(e->class_counts);
    free(e->levels);
    e->n = (int)n;
    e->bits = bits;
    e->class_counts = xcalloc((size_t)train->n_classes, sizeof(long));
    e->levels = xmalloc((size_t)n * bytes);
    long at = 0;
    for (int c = 0; c < train->n_classes; c++)
        for (long i = 0; i < n; i++) {
            if (train->labels[idx[i]] != c)
                continue;
            const uint8_t *px = train->images + (size_t)idx[i] * bytes;
            for (size_t j = 0; j < bytes; j++)
                e->levels[(size_t)at * bytes + j] = exemplar_level(px[j], bits);
            e->class_counts[c]++;
            at++;
        }
    free(idx);
    return 0;
}

/* Bytes m's file would take with its exemplars (0 on an encoding failure,
 * which cannot happen for images of a dataset lgc read). */
static size_t file_bytes(const lgc_model *m)
{
    size_t b = 0;
    return lgcf_encoded_size(m, &b) == LGC_OK ? b : 0;
}

/* Fills m->exemplars at bits with the most random images of train that
 * keep the file within limit bytes (all of them if they fit), by
 * bisection. Returns the count, 0 when not even one fits (then m has
 * none). */
static long fill_bytes(lgc_model *m, const dataset *train, size_t limit, int bits, uint64_t seed)
{
    long lo = 0, hi = (long)train->n + 1, n = 64 < train->n ? 64 : train->n;
    while (hi - lo > 1 && hi - lo > lo / 256) {
        if (pick_images(&m->exemplars, train, n, bits, seed) == 0 && file_bytes(m) <= limit)
            lo = n;
        else
            hi = n;
        /* double until the bracket closes, then bisect */
        n = hi > (long)train->n ? (2 * lo < (long)train->n ? 2 * lo : (long)train->n)
                                : lo + (hi - lo) / 2;
        if (n <= lo)
            n = lo + 1;
        if (n >= hi)
            break;
    }
    if (lo == 0)
        lgc_model_drop_exemplars(m);
    else
        pick_images(&m->exemplars, train, lo, bits, seed);
    return lo;
}

/* n_samples images cycled from m's exemplars, warped as lgc sample warps. */
static void exemplar_set(dataset *out, const lgc_model *m, long n_samples, uint64_t seed)
{
    const lgc_exemplars *e = &m->exemplars;
    const size_t bytes = (size_t)m->h * m->w * m->c;
    *out = (dataset){.n = (int)n_samples, .h = m->h, .w = m->w, .c = m->c,
                     .n_classes = m->n_classes};
    out->images = xmalloc((size_t)n_samples * bytes);
    out->labels = xmalloc((size_t)n_samples);
    long first = 0;
    uint8_t *label = xmalloc((size_t)e->n);
    for (int c = 0; c < m->n_classes; c++) {
        memset(label + first, c, (size_t)e->class_counts[c]);
        first += e->class_counts[c];
    }
    for (long i = 0; i < n_samples; i++) {
        const long j = i % e->n;
        for (size_t k = 0; k < bytes; k++)
            out->images[(size_t)i * bytes + k] =
                exemplar_value(e->levels[(size_t)j * bytes + k], e->bits);
        out->labels[i] = label[j];
    }
    free(label);
    const augment_opts a = m->warps.present ? m->warps.augment : AUGMENT_DEFAULT;
    sample_warp_set(out, &a, seed);
}

int exemplars_wanted(const lgc_model *m, const compress_config *cfg)
{
    /* none by default for the old behaviour (--holdout 0 --epochs N, no
     * training record), whose files stay what earlier versions wrote */
    return cfg->exemplar_bytes > 0 || (cfg->exemplar_bytes < 0 && m->training.present);
}

/* The held-out accuracy of q trained on n_samples images of what lgc
 * sample draws from m as stored, with its warps; -1 if m does not
 * encode. */
static double samples_accuracy(quick_check *q, const lgc_model *m, long n_samples, uint64_t seed)
{
    lgc_model stored = {0};
    net dec = {0};
    size_t bytes;
    double acc = -1.0;
    if (lgcf_as_stored(&stored, &bytes, m) == LGC_OK &&
        sample_decoder_init(&dec, &stored) == LGC_OK) {
        dataset set;
        const augment_opts a = stored.warps.present ? stored.warps.augment : AUGMENT_DEFAULT;
        sample_draw(&(sample_config){.model = &stored, .decoder = &dec, .n = n_samples,
                                     .seed = seed, .augment = a},
                    &set);
        acc = quick_accuracy(q, &set);
        dataset_free(&set);
    }
    net_free(&dec);
    lgc_model_free(&stored);
    return acc;
}

/* What exemplars_add found, on stderr. */
static void print_exemplars(const lgc_model *m, const compress_config *cfg, int checked,
                            int n_cand, const long *count, const double *acc, double best,
                            double samples, long n, int drop, size_t bytes, size_t allowance,
                            double seconds)
{
    const int bits = m->exemplars.bits;
    if (checked) {
        fprintf(stderr, "compress: exemplars in %zu bytes, held-out accuracy of the quick "
                        "classifier trained on them alone:", allowance);
        for (int i = 0; i < n_cand; i++)
            fprintf(stderr, "%s %d bit%s (%ld images) %.1f%%", i ? "," : "",
                    cfg->exemplar_bits ? cfg->exemplar_bits : bit_candidates[i],
                    (cfg->exemplar_bits ? cfg->exemplar_bits : bit_candidates[i]) > 1 ? "s" : "",
                    count[i], 100.0 * acc[i]);
        fprintf(stderr, " (%.1f s)\n", seconds);
    }
    if (n == 0)
        fprintf(stderr, "compress: no exemplar fits in %zu bytes\n", allowance);
    else if (drop)
        fprintf(stderr, "compress: no exemplars: alone they score %.1f%%, clearly below the "
                        "samples' %.1f%%\n", 100.0 * best, 100.0 * samples);
    else
        fprintf(stderr,
                "compress: keeping %ld exemplars at %d bit%s per pixel (%zu bytes); lgc "
                "sample takes %.0f%% of its images from them\n",
                n, bits, bits > 1 ? "s" : "", bytes, 100.0 * m->exemplars.share);
}

int exemplars_add(lgc_model *m, const holdout_split *split, const compress_config *cfg)
{
    if (!exemplars_wanted(m, cfg))
        return LGC_OK;
    const size_t base = file_bytes(m);
    const size_t allowance = cfg->exemplar_bytes < 0 ? base : (size_t)cfg->exemplar_bytes;
    const size_t limit = base + (allowance > EXEMPLARS_SLACK ? allowance - EXEMPLARS_SLACK : 0);
    const dataset *held = &split->held;
    const uint64_t seed = cfg->train.seed;
    const long n_samples = warps_sample_count(split->train.n);
    const double t0 = now_seconds();
    layer_spec specs[AE_MAX_LAYERS];
    const tshape img = {m->c, m->h, m->w};
    int checked = held->n >= WARPS_MIN_HELD && quick_specs(specs, img, m->n_classes) >= 0;
    quick_check q = {0};
    int st;
    if (checked && (st = quick_check_init(&q, img, m->n_classes, held, seed)))
        return st;
    /* the bit depth: given, or the candidate whose exemplars alone the
     * quick classifier learns best from; a tie within the margin goes to
     * the one holding more images, and when both hold every image, to the
     * finer one */
    int bits = cfg->exemplar_bits ? cfg->exemplar_bits : EXEMPLARS_UNCHECKED_BITS;
    double acc[N_BITS] = {0}, best = -1.0;
    long count[N_BITS] = {0};
    const int n_cand = cfg->exemplar_bits ? 1 : N_BITS;
    for (int i = 0; checked && i < n_cand; i++) {
        const int b = cfg->exemplar_bits ? cfg->exemplar_bits : bit_candidates[i];
        acc[i] = -1.0;
        if ((count[i] = fill_bytes(m, &split->train, limit, b, seed))) {
            dataset set;
            exemplar_set(&set, m, n_samples, seed);
            acc[i] = quick_accuracy(&q, &set);
            dataset_free(&set);
        }
        best = acc[i] > best ? acc[i] : best;
    }
    double alone = acc[0]; /* the kept depth's exemplars alone */
    if (checked && !cfg->exemplar_bits) {
        const int pick = warps_exemplar_depth(acc, count, N_BITS, warps_margin(best, held->n));
        bits = bit_candidates[pick];
        alone = acc[pick];
    }
    /* the check's last candidate is already in m when it was kept */
    const long n = m->exemplars.n && m->exemplars.bits == bits
                       ? m->exemplars.n
                       : fill_bytes(m, &split->train, limit, bits, seed);
    /* by default, exemplars that alone teach clearly less than the samples
     * alone are dropped (lgc's decoder may know more than a few images);
     * bytes given for them are kept as asked */
    const double samples = m->warps.present ? m->warps.samples_accuracy : 0.0;
    const int drop = n > 0 && checked && m->warps.held_images && cfg->exemplar_bytes < 0 &&
                     best < samples - warps_margin(samples, held->n);
    if (drop)
        lgc_model_drop_exemplars(m);
    m->exemplars.share = (float)(cfg->exemplar_share > 0.0 ? cfg->exemplar_share
                                                           : COMPRESS_DEFAULT_EXEMPLAR_SHARE);
    /* the share: given, or half, or all of the images when the exemplars
     * alone clearly beat half of them with samples (a decoder trained on
     * a few hundred images draws worse images than it stores); what the
     * file's own sampling scores is the word's */
    double mixed = -1.0, half = -1.0;
    if (checked && m->exemplars.n && m->warps.held_images) {
        mixed = samples_accuracy(&q, m, n_samples, seed);
        if (cfg->exemplar_share <= 0.0 && warps_exemplars_alone_win(alone, mixed, held->n)) {
            half = mixed;
            m->exemplars.share = 1.0f;
            mixed = samples_accuracy(&q, m, n_samples, seed);
        }
        m->warps.samples_accuracy = (float)(mixed > 0.0 ? mixed : 0.0);
    }
    if (!cfg->quiet) {
        print_exemplars(m, cfg, checked, n_cand, count, acc, best, samples, n, drop,
                        file_bytes(m) - base, allowance, now_seconds() - t0);
        if (half >= 0.0)
            fprintf(stderr,
                    "compress: (with half of its images from them, lgc sample's scored %.1f%% "
                    "on the held-out slice, clearly below the exemplars alone)\n",
                    100.0 * half);
    }
    /* the word on the file as written: its own samples against real images
     * in all its bytes */
    if (checked && m->warps.held_images)
        warps_compare_real(m, &q, &split->train, n_samples, cfg);
    quick_check_free(&q);
    return LGC_OK;
}
