/* budget.c - the compress pipeline under a byte budget (stages.h): a
 * ladder of configurations, best first, and the rule that walks it.
 *
 * The rule (docs/DESIGN.md, "Byte budget"):
 * 1. Before training, take the first rung of the ladder below (best first)
 *    whose ESTIMATE fits: lgcf_raw_size of its decoder in its weight
 *    precision, its kmax components in every class and BIC curves of kmax
 *    points, without credit for deflate: an upper bound on the file (BIC
 *    picks at most kmax), up to what deflate adds to incompressible
 *    payloads. When no rung fits, the budget is impossible (a usage error,
 *    LGC_EUSAGE) and nothing is trained.
 * 2. Train it (an int4 rung for its rounding), then try kmax, kmax/2,
 *    ..., 1 and for each f16 then int8 weights (int4 only on an int4
 *    rung), each with f16 and then (int8-mixture rungs only) int8
 *    mixtures: the first whose encoded file (exact size, in memory) fits
 *    is written. BIC often picks fewer components than kmax and deflate
 *    shrinks the weights a little, so f16 can fit where the rung planned
 *    int8; each kmax is fitted once.
 * 3. If none fits (deflate can add a few bytes to incompressible
 *    payloads), train the next rung whose estimate fits. The file is
 *    written only once it is known to fit, so it is never larger than the
 *    budget. */
#include <stdio.h>

#include "latents_csv.h"
#include "quant.h"
#include "stages.h"
#include "util.h"

typedef struct {
    int latent, w1, w2; /* conv: c1, c2; mlp: hidden, unused */
    int kmax;
    lgcf_dtype weights, mixtures;
} budget_rung;

/* Best first, from full-MNIST runs (docs/RESULTS.md, "What a byte buys"):
 * components beyond 4 per class buy nothing (kmax 16: 97.20%, 4: 97.31%)
 * but fewer cost much (2: 96.19%, 1: 95.48%); int8 weights cost nothing
 * measurable (widths 8/16: 96.92% f16 kmax 16, 96.93% int8 kmax 4);
 * halving the widths 0.3 points; int4 weights (trained for them) about
 * 0.5 at widths 16/32 (96.59% against 97.10%, 3 seeds) for 45% fewer
 * decoder bytes; int8 mixtures 97.18% against 97.37% (f16) on the default
 * model, within one seed's noise, for 45% fewer mixture bytes. So the
 * ladder cuts precision first (weights to int4, then mixtures to int8),
 * then width, then the latent, and components last. */
#define W_F16 LGCF_F16
#define W_I8 LGCF_INT8
#define W_I4 LGCF_INT4
static const budget_rung conv_ladder[] = {
    {16, 16, 32, 4, W_F16, W_F16}, {16, 16, 32, 4, W_I8, W_F16}, {16, 16, 32, 4, W_I4, W_F16},
    {16, 16, 32, 4, W_I4, W_I8},   {16, 12, 24, 4, W_I4, W_I8},  {16, 8, 16, 4, W_I4, W_I8},
    {16, 6, 12, 4, W_I4, W_I8},    {16, 4, 8, 4, W_I4, W_I8},    {12, 4, 8, 4, W_I4, W_I8},
    {16, 4, 8, 2, W_I4, W_I8},     {8, 4, 8, 4, W_I4, W_I8},     {8, 4, 8, 2, W_I4, W_I8},
    {6, 4, 8, 2, W_I4, W_I8},      {4, 4, 8, 2, W_I4, W_I8},     {4, 4, 8, 1, W_I4, W_I8},
    {2, 4, 8, 1, W_I4, W_I8},      {2, 2, 4, 1, W_I4, W_I8},
};
/* The mlp keeps int8 weights and f16 mixtures (neither int4 nor int8
 * mixtures has been measured with it). */
static const budget_rung mlp_ladder[] = {
    {16, 256, 0, 4, W_F16, W_F16}, {16, 256, 0, 4, W_I8, W_F16}, {16, 128, 0, 4, W_I8, W_F16},
    {16, 128, 0, 2, W_I8, W_F16},  {8, 128, 0, 2, W_I8, W_F16},  {8, 64, 0, 2, W_I8, W_F16},
    {4, 64, 0, 1, W_I8, W_F16},    {4, 32, 0, 1, W_I8, W_F16},   {2, 16, 0, 1, W_I8, W_F16},
    {2, 8, 0, 1, W_I8, W_F16},
};
#undef W_F16
#undef W_I8
#undef W_I4

static ae_arch budget_apply(const ae_arch *base, const budget_rung *b)
{
    ae_arch a = *base;
    a.latent = b->latent;
    if (a.kind == AE_MLP) {
        a.hidden = b->w1;
    } else {
        a.c1 = b->w1;
        a.c2 = b->w2;
    }
    return a;
}

/* Bytes to keep for the warps (the WARP section is added after the
 * choice, and its deflated size varies by a few bytes with its values):
 * the most it can take. */
static size_t warps_section_bytes(const holdout_split *split, const compress_config *cfg)
{
    return warps_will_store(cfg, split) ? LGCF_WARPS_SECTION_BYTES : 0;
}

/* The estimate of step 1 for rung r; warps_bytes for the WARP section. */
static int budget_estimate(size_t *bytes, const ae_arch *a, const budget_rung *r, tshape img,
                           int n_classes, size_t warps_bytes, const compress_config *cfg)
{
    layer_spec specs[AE_MAX_LAYERS];
    int n = 0, st = decoder_specs_checked(specs, &n, img, a);
    if (st)
        return st;
    if ((st = lgcf_raw_size(bytes, a->latent, n_classes, specs, n, r->weights, r->kmax,
                            cfg->gmm.cov, r->mixtures, r->kmax)))
        return st;
    /* the training record, which every file has but those made the old
     * way (--holdout 0 --epochs N) */
    if (cfg->holdout > 0.0 || cfg->train.epochs == 0)
        *bytes += LGCF_TRAINING_SECTION_BYTES;
    *bytes += warps_bytes;
    return LGC_OK;
}

static void print_arch(FILE *f, const ae_arch *a)
{
    if (a->kind == AE_MLP)
        fprintf(f, "mlp autoencoder, latent %d, hidden %d", a->latent, a->hidden);
    else
        fprintf(f, "conv autoencoder, latent %d, widths %d/%d", a->latent, a->c1, a->c2);
}

/* Trains rung r and writes it if some kmax and precision fit (step 2);
 * *written tells whether it did. */
static int budget_try(int *written, const budget_rung *r, const ae_arch *a, const dataset *ds,
                      const long *counts, const holdout_split *split, const compress_config *cfg,
                      compress_report *report)
{
    const size_t budget = (size_t)cfg->budget;
    *written = 0;
    trained_autoencoder t;
    /* an int4 rung trains for its rounding */
    int st =
        train_autoencoder(&t, a, r->weights == LGCF_INT4 ? QUANT_INT4_MAX : 0, ds, split, cfg);
    if (st)
        return st;
    lgc_model m;
    model_from_autoencoder(&m, &t, ds, counts, LGCF_F16, LGCF_F16);
    /* Weights f16, then int8; a rung trained for int4 stores int4 only (its
     * weights are on the int4 grid: f16 or int8 would store the same values
     * in more bytes, and a decoder trained in f32 loses 1.3 points when
     * rounded to int4). For each, mixtures f16, then int8 if the rung
     * allows it. */
    static const lgcf_dtype float_or_int8[2] = {LGCF_F16, LGCF_INT8}, int4_only[1] = {LGCF_INT4};
    static const lgcf_dtype mixtures[2] = {LGCF_F16, LGCF_INT8};
    const lgcf_dtype *dtypes = r->weights == LGCF_INT4 ? int4_only : float_or_int8;
    const int n_dtypes = r->weights == LGCF_INT4 ? 1 : 2;
    const int n_mix = r->mixtures == LGCF_INT8 ? 2 : 1;
    for (int k = r->kmax, first = 1; k >= 1 && !*written && st == LGC_OK; k /= 2, first = 0) {
        if ((st = fit_mixtures(&m, t.z_train, a->latent, k, &split->train, cfg, first)))
            break;
        for (int di = 0; di < n_dtypes * n_mix && !*written && st == LGC_OK; di++) {
            size_t bytes;
            m.weight_dtype = dtypes[di / n_mix];
            m.gmm_dtype = mixtures[di % n_mix];
            if ((st = lgcf_encoded_size(&m, &bytes)))
                break;
            bytes += warps_section_bytes(split, cfg);
            if (bytes > budget) {
                if (!cfg->quiet)
                    fprintf(stderr,
                            "compress: kmax %d, %s weights, %s mixtures: %zu bytes, over the "
                            "budget\n",
                            k, lgcf_dtype_name(m.weight_dtype), lgcf_dtype_name(m.gmm_dtype),
                            bytes);
                continue;
            }
            fprintf(stderr,
                    "lgc compress: budget %zu bytes: kmax %d, %s weights, %s mixtures: %zu "
                    "bytes\n",
                    budget, k, lgcf_dtype_name(m.weight_dtype), lgcf_dtype_name(m.gmm_dtype),
                    bytes);
            if (cfg->latents)
                st = latents_csv_write(cfg->latents, t.z, ds->labels, ds->n, a->latent);
            if (st == LGC_OK && (st = warps_check(&m, split, t.z_train, cfg)) == LGC_OK)
                st = lgcf_write(cfg->output, &m);
            if (st == LGC_OK && (st = lgcf_encoded_size(&m, &bytes)) == LGC_OK) {
                *written = 1;
                report->bytes = bytes;
                report->final_loss = t.loss;
                report->training = t.record;
                report_code_likelihood(&m, &t, split, cfg);
            }
        }
        if (!*written)
            lgc_model_drop_mixtures(&m);
    }
    lgc_model_free(&m);
    trained_autoencoder_free(&t);
    return st;
}

int run_budget(const dataset *ds, const long *counts, const holdout_split *split,
               const compress_config *cfg, compress_report *report)
{
    tshape img = {ds->c, ds->h, ds->w};
    const budget_rung *ladder = cfg->arch.kind == AE_MLP ? mlp_ladder : conv_ladder;
    const int n_ladder = cfg->arch.kind == AE_MLP ? (int)(sizeof mlp_ladder / sizeof *mlp_ladder)
                                                : (int)(sizeof conv_ladder / sizeof *conv_ladder);
    const size_t budget = (size_t)cfg->budget;
    size_t est = 0, smallest = (size_t)-1;
    int st, tried = 0;
    for (int i = 0; i < n_ladder; i++) {
        const budget_rung *r = &ladder[i];
        ae_arch a = budget_apply(&cfg->arch, r);
        if ((st = budget_estimate(&est, &a, r, img, ds->n_classes, warps_section_bytes(split, cfg),
                                  cfg)))
            return st;
        smallest = est < smallest ? est : smallest;
        if (est > budget)
            continue;
        fprintf(stderr, "lgc compress: budget %zu bytes: ", budget);
        print_arch(stderr, &a);
        fprintf(stderr, ", kmax %d, %s weights, %s mixtures (estimated %zu bytes)\n", r->kmax,
                lgcf_dtype_name(r->weights), lgcf_dtype_name(r->mixtures), est);
        tried = 1;
        int written;
        if ((st = budget_try(&written, r, &a, ds, counts, split, cfg, report)) || written)
            return st;
    }
    if (!tried)
        return lgc_fail(LGC_EUSAGE,
                        "a budget of %zu bytes is too small for %d classes of %dx%dx%d images: "
                        "the smallest %s configuration needs an estimated %zu bytes",
                        budget, ds->n_classes, ds->h, ds->w, ds->c, ae_kind_name(cfg->arch.kind),
                        smallest);
    return lgc_fail(LGC_EUSAGE, "no configuration fits in %zu bytes", budget);
}
