/* autoencoder.c - the pipeline's first stage (stages.h): train the
 * autoencoder on the training set and encode every image into its latent
 * code, which the mixtures are then fitted to. */
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
    memset(t, 0, sizeof *t);
}

/* How well the trained autoencoder reconstructs the test split of dir,
 * when dir has one (t10k-*): MSE per pixel and PSNR = 10 log10(1 / MSE),
 * on stderr with the progress. The file keeps no encoder, so this is the
 * only moment it can be measured. A missing test split is skipped; a
 * malformed one is reported and skipped (compress does not need it). */
static void report_test_reconstruction(net *enc, net *dec, const dataset *train, const char *dir)
{
    dataset test;
    if (!dataset_has_split(dir, DATASET_TEST))
        return;
    if (dataset_load(&test, dir, DATASET_TEST) != LGC_OK) {
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

int train_autoencoder(trained_autoencoder *t, const ae_arch *a, int quant_max, const dataset *ds,
                      const compress_config *cfg)
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
    ae_train_stats stats;
    if ((st = ae_train(&enc, &t->dec, ds, &train, &loss, &t->loss, &stats)))
        goto done;
    if (!cfg->quiet && (loss.vae || loss.contrastive > 0.0f || loss.guide > 0.0f))
        report_loss_terms(&stats, &loss);
    t->z = xmalloc((size_t)ds->n * a->latent * sizeof(float));
    ae_encode(&enc, ds, t->z, a->latent);
    if (!cfg->quiet)
        report_test_reconstruction(&enc, &t->dec, ds, cfg->dataset_dir);
done:
    net_free(&enc);
    if (st)
        trained_autoencoder_free(t);
    return st;
}
