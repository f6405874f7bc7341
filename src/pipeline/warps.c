/* warps.c - the held-out check at the end of lgc compress (warps.h): the
 * candidate warps, the choice among them, and the comparison with real
 * images in the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sample.h"
#include "stages.h"
#include "subset.h"
#include "util.h"
#include "warps.h"

augment_opts warps_candidate(int i, int h, int w)
{
    static const float strength[WARPS_N_CANDIDATES] = {0.0f, 0.5f, 1.0f};
    const augment_opts d = AUGMENT_DEFAULT;
    const float s = strength[i], pixels = (float)(h < w ? h : w) / 28.0f;
    return (augment_opts){d.rotate * s, d.scale * s, d.shift * s * pixels,
                          d.elastic * s * pixels};
}

long warps_sample_count(long n_train)
{
    long n = (long)WARPS_CHECK_STEPS * WARPS_CHECK_BATCH / WARPS_CHECK_EPOCHS;
    return n < WARPS_SAMPLES_PER_IMAGE * n_train ? n : WARPS_SAMPLES_PER_IMAGE * n_train;
}

double warps_margin(double best, long n_held)
{
    double se = sqrt(best * (1.0 - best) / (double)n_held);
    return se > WARPS_MIN_MARGIN ? se : WARPS_MIN_MARGIN;
}

int warps_choose(const double *accuracy, int n, double margin)
{
    double best = accuracy[0];
    for (int i = 1; i < n; i++)
        best = accuracy[i] > best ? accuracy[i] : best;
    int i = n - 1;
    while (accuracy[i] < best - margin)
        i--;
    return i;
}

int warps_file_loses(double samples, double real, long n_held)
{
    return real > samples + warps_margin(real, n_held);
}

int warps_exemplar_depth(const double *accuracy, const long *count, int n, double margin)
{
    double best = accuracy[0];
    for (int i = 1; i < n; i++)
        best = accuracy[i] > best ? accuracy[i] : best;
    int pick = -1;
    for (int i = 0; i < n; i++)
        if (accuracy[i] >= best - margin && (pick < 0 || count[i] >= count[pick]))
            pick = i;
    return pick;
}

int warps_exemplars_alone_win(double alone, double half, long n_held)
{
    return half < alone - warps_margin(alone, n_held);
}

int warps_will_store(const compress_config *cfg, const holdout_split *split)
{
    return cfg->warps_given || split->held.n >= WARPS_MIN_HELD;
}

/* n images cycled from the random real training images that gzip into
 * bytes (*n_real of them; 0 when not even one fits), warped by a. */
static void real_in_bytes(dataset *out, long *n_real, const dataset *train, size_t bytes, long n,
                          const augment_opts *a, uint64_t seed)
{
    size_t gz_bytes;
    subset_gzip_fit(n_real, &gz_bytes, train, bytes, seed);
    *out = (dataset){0};
    if (*n_real == 0)
        return;
    int *idx = random_images(out, train, *n_real, n, seed);
    const size_t img_bytes = (size_t)train->h * train->w * train->c;
    rng_t rng;
    rng_stream(&rng, seed, RNG_STREAM_WARPS_REAL, 0);
    uint8_t *tmp = xmalloc(img_bytes);
    if (!augment_is_identity(a))
        augment_images(out->images, tmp, (int)n, train->h, train->w, train->c, a, &rng);
    free(tmp);
    free(idx);
}

static void print_warps(FILE *f, const augment_opts *a)
{
    if (augment_is_identity(a))
        fprintf(f, "none");
    else
        fprintf(f, "%.3g,%.3g,%.3g,%.3g", a->rotate, a->scale, a->shift, a->elastic);
}

/* The candidates the check tried and the warps it stored. */
static void print_candidates(const lgc_warps *w, const augment_opts *cand, const double *acc,
                             int n_cand, double seconds)
{
    fprintf(stderr, "compress: held-out check on %u images (%.1f s): ", w->held_images, seconds);
    for (int i = 0; i < n_cand; i++) {
        fprintf(stderr, "%swarps ", i ? ", " : "");
        print_warps(stderr, &cand[i]);
        fprintf(stderr, " %.1f%%", 100.0 * acc[i]);
    }
    fprintf(stderr, "; lgc sample warps by ");
    print_warps(stderr, &w->augment);
    fprintf(stderr, "%s\n", w->measured ? "" : " (--warps)");
}

/* The word at the end of compress: what the held-out slice says, and a
 * warning when real images in the same bytes beat the file by more than
 * the check's noise (a Fashion-MNIST file was warned for a 0.1-point lead,
 * one standard error 0.5, where the judge put it 7 points ahead). The
 * check's bias against samples remains (docs/DESIGN.md, "Warps and the
 * held-out check"). */
static void print_word(const lgc_warps *w, long n_samples, size_t bytes)
{
    const double s = 100.0 * w->samples_accuracy, r = 100.0 * w->real_accuracy;
    fprintf(stderr,
            "compress: a quick classifier trained on %ld samples scores %.1f%% on the "
            "held-out slice; on %u random real images in the same %zu bytes (gzip), %s, "
            "%.1f%% (one standard error: %.1f points)\n",
            n_samples, s, w->real_images, bytes,
            augment_is_identity(&w->augment) ? "unwarped" : "warped alike", r,
            100.0 * sqrt(w->samples_accuracy * (1.0 - w->samples_accuracy) / w->held_images));
    if (warps_file_loses(w->samples_accuracy, w->real_accuracy, w->held_images))
        fprintf(stderr,
                "compress: warning: on the held-out slice, random real images in the same %zu "
                "bytes train a classifier better (%.1f%% vs %.1f%%): this file is probably "
                "worse than keeping them\n",
                bytes, r, s);
}

void warps_compare_real(lgc_model *m, quick_check *q, const dataset *train, long n_samples,
                        const compress_config *cfg)
{
    size_t bytes;
    if (lgcf_encoded_size(m, &bytes))
        return;
    lgc_warps *w = &m->warps;
    dataset real;
    long n_real;
    real_in_bytes(&real, &n_real, train, bytes, n_samples, &w->augment, cfg->train.seed);
    double real_acc = n_real ? quick_accuracy(q, &real) : 0.0;
    dataset_free(&real);
    w->real_images = (uint32_t)n_real;
    w->real_accuracy = (float)(real_acc > 0.0 ? real_acc : 0.0);
    if (!cfg->quiet)
        print_word(w, n_samples, bytes);
}

int warps_check(lgc_model *m, const holdout_split *split, const float *z_train,
                const compress_config *cfg)
{
    const dataset *held = &split->held;
    if (!warps_will_store(cfg, split)) {
        if (held->n > 0 && !cfg->quiet)
            fprintf(stderr,
                    "compress: %d held-out images are too few for the warps check (at least "
                    "%d): no check, lgc sample warps by its default\n",
                    held->n, WARPS_MIN_HELD);
        return LGC_OK;
    }
    m->warps = (lgc_warps){.present = 1, .augment = cfg->warps};
    if (held->n < WARPS_MIN_HELD)
        return LGC_OK;
    layer_spec specs[AE_MAX_LAYERS];
    const tshape img = {m->c, m->h, m->w};
    int st;
    if (quick_specs(specs, img, m->n_classes) < 0) {
        if (!cfg->warps_given)
            m->warps.present = 0;
        if (!cfg->quiet)
            fprintf(stderr, "compress: no held-out check (%s)\n", lgc_errmsg());
        return LGC_OK;
    }
    const double t0 = now_seconds();
    quick_check q = {0};
    net dec = {0};
    /* the model lgc sample will read, weights and mixtures rounded */
    lgc_model stored = {0};
    size_t bytes;
    if ((st = lgcf_as_stored(&stored, &bytes, m)) ||
        (st = quick_check_init(&q, img, m->n_classes, held, cfg->train.seed)) ||
        (st = sample_decoder_init(&dec, &stored)))
        goto done;
    augment_opts cand[WARPS_N_CANDIDATES];
    double acc[WARPS_N_CANDIDATES];
    const int n_cand = cfg->warps_given ? 1 : WARPS_N_CANDIDATES;
    const long n_samples = warps_sample_count(split->train.n);
    /* decoded once, warped per candidate: the images lgc sample -n
     * n_samples --seed <the seed> --augment <candidate> will write */
    dataset plain, samples;
    sample_draw(&(sample_config){.model = &stored, .decoder = &dec, .n = n_samples,
                                 .seed = cfg->train.seed},
                &plain);
    samples = plain;
    samples.images = xmalloc((size_t)plain.n * plain.h * plain.w * plain.c);
    for (int i = 0; i < n_cand; i++) {
        cand[i] = cfg->warps_given ? cfg->warps : warps_candidate(i, m->h, m->w);
        memcpy(samples.images, plain.images, (size_t)plain.n * plain.h * plain.w * plain.c);
        sample_warp_set(&samples, &cand[i], cfg->train.seed);
        acc[i] = quick_accuracy(&q, &samples);
    }
    free(samples.images);
    dataset_free(&plain);
    int best = 0;
    for (int i = 1; i < n_cand; i++)
        best = acc[i] > acc[best] ? i : best;
    const int pick = warps_choose(acc, n_cand, warps_margin(acc[best], held->n));
    lgc_warps *w = &m->warps;
    w->augment = cand[pick];
    w->measured = !cfg->warps_given;
    w->held_images = (uint32_t)held->n;
    w->samples_accuracy = (float)(acc[pick] > 0.0 ? acc[pick] : 0.0);
    if (!cfg->quiet)
        print_candidates(w, cand, acc, n_cand, now_seconds() - t0);
    /* with exemplars to come, the file is compared once they are in */
    if (!exemplars_wanted(m, cfg))
        warps_compare_real(m, &q, &split->train, n_samples, cfg);
    if (!cfg->quiet)
        decoder_check(&q, &dec, &split->train, z_train, m->latent, n_samples);
done:
    lgc_model_free(&stored);
    net_free(&dec);
    quick_check_free(&q);
    return st;
}
