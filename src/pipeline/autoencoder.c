/* autoencoder.c - the pipeline's first stage (stages.h): train the
 * autoencoder on the training part of the split, for the epochs asked or
 * for the step budget with early stopping on the held-out slice, and
 * encode every image into its latent code, which the mixtures are then
 * fitted to. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stages.h"
#include "util.h"

const char *ae_kind_name(ae_kind k) { return k == AE_MLP ? "mlp" : "conv"; }

/* An mlp decoder grows with the image (hidden x H x W x C weights), so it
 * is the size check that refuses large images. */
int decoder_specs_checked(layer_spec *specs, int *n, tshape img, const ae_arch *a)
{
    int nd = ae_decoder_specs(specs, img, a);
    if (nd < 0)
        return nd;
    tshape out;
    size_t n_params;
    int st = net_plan((tshape){a->latent, 1, 1}, specs, nd, &out, &n_params);
    if (st)
        return st;
    if (n_params > LGCF_MAX_PARAMS)
        return lgc_fail(LGC_EUSAGE,
                        "the %s decoder for %dx%dx%d images would have %zu parameters, more "
                        "than a .lgc file holds (%u)",
                        ae_kind_name(a->kind), img.h, img.w, img.c, n_params, LGCF_MAX_PARAMS);
    *n = nd;
    return LGC_OK;
}

void trained_autoencoder_free(trained_autoencoder *t)
{
    net_free(&t->dec);
    free(t->z);
    free(t->z_train);
    free(t->z_held);
    memset(t, 0, sizeof *t);
}

/* How well the trained autoencoder reconstructs the test split (the one
 * given, or the one found beside the training set by its format's
 * convention): MSE per pixel and PSNR = 10 log10(1 / MSE), on stderr with
 * the progress. The file keeps no encoder, so this is the only moment it
 * can be measured. A missing test split is skipped; a malformed one is
 * reported and skipped (compress does not need it). */
static void report_test_reconstruction(net *enc, net *dec, const dataset *train,
                                       const compress_config *cfg)
{
    dataset test;
    char *found = NULL;
    if (!cfg->test_path && !dataset_find_test(&found, cfg->dataset_dir, cfg->format))
        return;
    int st = dataset_open(&test, cfg->test_path ? cfg->test_path : found, DATASET_TEST,
                          cfg->format);
    free(found);
    if (st != LGC_OK) {
        fprintf(stderr, "compress: test split not used: %s\n", lgc_errmsg());
        return;
    }
    if (test.h == train->h && test.w == train->w && test.c == train->c) {
        double mse = ae_reconstruction_mse(enc, dec, &test);
        fprintf(stderr,
                "compress: test set reconstruction: MSE %.5f per pixel, PSNR %.2f dB "
                "(%d images)\n",
                mse, 10.0 * log10(1.0 / (mse > 1e-12 ? mse : 1e-12)), test.n);
    } else {
        fprintf(stderr, "compress: test split not used: its images are %dx%dx%d\n", test.h,
                test.w, test.c);
    }
    dataset_free(&test);
}

/* The last epoch's loss terms, when there is more than the BCE to show. */
static void report_loss_terms(const ae_train_stats *stats, const ae_loss_opts *lo)
{
    fprintf(stderr, "compress: last epoch: reconstruction %.5f per pixel", stats->bce);
    if (lo->vae)
        fprintf(stderr, ", KL %.4f per image", stats->kl);
    if (lo->contrastive > 0.0f)
        fprintf(stderr, ", pair loss %.4f", stats->pairs);
    if (lo->guide > 0.0f)
        fprintf(stderr, ", guide cross-entropy %.4f per image", stats->guide);
    fprintf(stderr, "\n");
}

/* How long training ran and why it stopped, and how well the kept
 * parameters reconstruct both parts. */
static void report_training(const lgc_training *r, const dataset *train)
{
    static const char *const why[] = {"the epochs asked", "the step budget", "early stopping"};
    fprintf(stderr, "compress: trained %llu steps (%.1f epochs of %d images), stopped by %s",
            (unsigned long long)r->steps, (double)r->images_seen / train->n, train->n,
            why[r->stop]);
    if (r->stop == AE_STOP_EARLY)
        fprintf(stderr, " at step %llu", (unsigned long long)r->steps);
    if (r->best_step != r->steps)
        fprintf(stderr, ", best step %llu restored", (unsigned long long)r->best_step);
    fprintf(stderr, "; reconstruction BCE per pixel: training %.5f", r->train_bce);
    if (r->held_out)
        fprintf(stderr, ", held out %.5f (%u images)", r->held_bce, r->held_out);
    fprintf(stderr, "\n");
}

/* Trains enc and dec on split->train: cfg's epochs exactly, or the step
 * budget with early stopping on split->held. Fills *r, except the
 * training BCE. */
static int run_training(net *enc, net *dec, const holdout_split *split, const train_opts *o,
                        const ae_loss_opts *loss, const compress_config *cfg,
                        trained_autoencoder *t, ae_train_stats *stats)
{
    const dataset *train = &split->train, *held = &split->held;
    lgc_training *r = &t->record;
    int st;
    if (o->epochs > 0) {
        if ((st = ae_train(enc, dec, train, o, loss, &t->loss, stats)))
            return st;
        long steps = (long)o->epochs * judge_steps_per_epoch(train->n, o->batch);
        *r = (lgc_training){.stop = AE_STOP_EPOCHS,
                            .steps = (uint64_t)steps,
                            .best_step = (uint64_t)steps,
                            .images_seen = (uint64_t)o->epochs * (uint64_t)train->n};
        if (held->n)
            r->held_bce = (float)ae_reconstruction_bce(enc, dec, held);
    } else {
        long max_steps = cfg->max_steps ? cfg->max_steps
                                        : compress_step_budget(train->n, o->batch);
        ae_schedule sch = compress_schedule(max_steps, train->n, o->batch);
        ae_train_record rec;
        if ((st = ae_train_held(enc, dec, train, held, &sch, o, loss, &rec, &t->loss, stats)))
            return st;
        *r = (lgc_training){.stop = (int)rec.stop,
                            .steps = (uint64_t)rec.steps,
                            .best_step = (uint64_t)rec.best_step,
                            .images_seen = (uint64_t)rec.images_seen,
                            .held_bce = held->n ? (float)rec.held_bce : 0.0f};
    }
    r->held_out = (uint32_t)held->n;
    /* the old behaviour, asked for explicitly, writes the old file */
    r->present = cfg->holdout > 0.0 || o->epochs == 0;
    return LGC_OK;
}

/* Rows idx (n of them) of z (d values each), in that order. */
static float *gather_codes(const float *z, const int *idx, int n, int d)
{
    if (n == 0)
        return NULL;
    float *out = xmalloc((size_t)n * d * sizeof(float));
    for (int i = 0; i < n; i++)
        memcpy(out + (size_t)i * d, z + (size_t)idx[i] * d, (size_t)d * sizeof(float));
    return out;
}

int train_autoencoder(trained_autoencoder *t, const ae_arch *a, int quant_max, const dataset *ds,
                      const holdout_split *split, const compress_config *cfg)
{
    net enc = {0};
    layer_spec enc_specs[AE_MAX_LAYERS];
    tshape img = {ds->c, ds->h, ds->w};
    train_opts train = cfg->train;
    train.quiet = cfg->quiet;
    train.quant_max = quant_max;
    ae_loss_opts loss = cfg->loss;
    loss.vae = a->vae; /* a VAE's encoder needs the VAE's loss */
    memset(t, 0, sizeof *t);
    t->arch = *a;
    int n_enc = ae_encoder_specs(enc_specs, img, a), st;
    if (n_enc < 0)
        return n_enc;
    if ((st = decoder_specs_checked(t->dec_specs, &t->n_dec, img, a)))
        return st;
    if ((st = net_init(&enc, ae_input_shape(img, a), enc_specs, n_enc, train.batch)) ||
        (st = net_init(&t->dec, (tshape){a->latent, 1, 1}, t->dec_specs, t->n_dec, train.batch)))
        goto done;
    rng_t rng;
    rng_seed(&rng, train.seed);
    net_init_params(&enc, &rng);
    net_init_params(&t->dec, &rng);
    if (!cfg->quiet)
        fprintf(stderr,
                "compress: %d images %dx%dx%d, %d classes; %s%s autoencoder, latent %d, "
                "encoder %zu + decoder %zu parameters\n",
                ds->n, ds->h, ds->w, ds->c, ds->n_classes, ae_kind_name(a->kind),
                a->vae ? " variational" : "", a->latent, enc.n_params, t->dec.n_params);
    if (!cfg->quiet && split->held.n)
        fprintf(stderr, "compress: %d images held out to watch the training\n", split->held.n);
    ae_train_stats stats;
    if ((st = run_training(&enc, &t->dec, split, &train, &loss, cfg, t, &stats)))
        goto done;
    if (t->record.present)
        t->record.train_bce = (float)ae_reconstruction_bce(&enc, &t->dec, &split->train);
    if (!cfg->quiet && (loss.vae || loss.contrastive > 0.0f || loss.guide > 0.0f))
        report_loss_terms(&stats, &loss);
    if (!cfg->quiet && t->record.present)
        report_training(&t->record, &split->train);
    t->z = xmalloc((size_t)ds->n * a->latent * sizeof(float));
    ae_encode(&enc, ds, t->z, a->latent);
    t->z_train = gather_codes(t->z, split->train_index, split->train.n, a->latent);
    t->z_held = gather_codes(t->z, split->held_index, split->held.n, a->latent);
    if (!cfg->quiet)
        report_test_reconstruction(&enc, &t->dec, ds, cfg);
done:
    net_free(&enc);
    if (st)
        trained_autoencoder_free(t);
    return st;
}
