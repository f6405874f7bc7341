/* decoder_check.c - how much of the images' class evidence the decoder
 * keeps (stages.h): said at the end of lgc compress, and measured by the
 * latent rule (latent_rule.c). The quick classifier is trained on random
 * training images and, alike, on their reconstructions (their codes
 * decoded by the decoder, unwarped), and both are tested on the held-out
 * slice. Samples are decoded codes too, so what the reconstructions lose
 * no mixture can give back: a wide gap says the file's bytes would do more
 * in the decoder (a larger latent) than anywhere else. On Fashion-MNIST
 * the judge trained on the reconstructions of the whole training set
 * scored 81.5% at latent 16 and 85.3% at latent 32, against 91.5% for the
 * images (docs/RESULTS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "stages.h"
#include "util.h"
#include "warps.h"

/* The reconstructions of the images idx[0..n) of a dataset shaped like
 * real: their codes z_train decoded by dec, labels copied from real. */
static void reconstruct(dataset *recon, const dataset *real, const int *idx, net *dec,
                        const float *z_train, int d)
{
    const long n = real->n;
    const size_t img_bytes = (size_t)real->h * real->w * real->c;
    *recon = *real;
    recon->images = xmalloc((size_t)n * img_bytes);
    recon->labels = xmalloc((size_t)n);
    memcpy(recon->labels, real->labels, (size_t)n);
    float *z = xmalloc((size_t)dec->max_batch * d * sizeof(float));
    for (long i0 = 0; i0 < n; i0 += dec->max_batch) {
        const int B = (int)(n - i0 < dec->max_batch ? n - i0 : dec->max_batch);
        for (int b = 0; b < B; b++)
            memcpy(z + (size_t)b * d, z_train + (size_t)idx[i0 + b] * d,
                   (size_t)d * sizeof(float));
        decoder_decode_u8(dec, z, B, real->h, real->w, recon->images + (size_t)i0 * img_bytes);
    }
    free(z);
}

int decoder_measure(decoder_kept *k, quick_check *q, net *dec, const dataset *train,
                    const float *z_train, int d, long n)
{
    n = n < train->n ? n : train->n;
    dataset real, recon;
    int *idx = random_images(&real, train, n, n, q->seed);
    if (!idx)
        return 0;
    reconstruct(&recon, &real, idx, dec, z_train, d);
    *k = (decoder_kept){.images = n, .real = quick_accuracy(q, &real),
                        .recon = quick_accuracy(q, &recon)};
    k->loses = k->real - k->recon > 2.0 * warps_margin(k->real, q->held->n);
    dataset_free(&recon);
    dataset_free(&real);
    free(idx);
    return 1;
}

void decoder_check(quick_check *q, net *dec, const dataset *train, const float *z_train, int d,
                   long n)
{
    decoder_kept k;
    if (!decoder_measure(&k, q, dec, train, z_train, d, n))
        return;
    fprintf(stderr,
            "compress: trained on %ld random training images, the quick classifier scores "
            "%.1f%% on the held-out slice; on their reconstructions, %.1f%%\n",
            k.images, 100.0 * k.real, 100.0 * k.recon);
    if (k.loses)
        fprintf(stderr,
                "compress: the decoder loses %.1f points of what the images teach, and no "
                "mixture can give them back: a larger --latent may keep more, at more bytes\n",
                100.0 * (k.real - k.recon));
}
