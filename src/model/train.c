/* train.c - minibatch training loops for the autoencoder and the judge.
 *
 * The dataset stays uint8; each batch is converted to float on the fly into
 * buffers allocated once per call. Shuffling uses the seeded rng so runs
 * reproduce. The decoder's final sigmoid is not run during training:
 * bce_logits fuses it with the loss, which is exact and stable. */
#include <math.h>
#include <stdlib.h>

#include "model.h"
#include "progress.h"
#include "rng.h"
#include "util.h"

static int *shuffled_order(int n, rng_t *rng)
{
    int *order = xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        order[i] = i;
    rng_shuffle(rng, order, n);
    return order;
}

int ae_train(net *enc, net *dec, const dataset *ds, const train_opts *o, double *final_loss)
{
    tshape img = enc->in;
    size_t F = tshape_size(img);
    int n_enc = enc->n_layers, n_dec = dec->n_layers;
    /* dec's last layer is the sigmoid folded into the loss */
    int upto_dec = dec->layers[n_dec - 1].spec.type == LAYER_SIGMOID ? n_dec - 1 : n_dec;
    float *x = xmalloc((size_t)o->batch * F * sizeof(float));
    float *dlogits = xmalloc((size_t)o->batch * F * sizeof(float));
    rng_t rng;
    rng_seed(&rng, o->seed);
    adam_cfg adam = {o->lr, 0.9f, 0.999f, 1e-8f};
    progress pr;
    progress_start(&pr, "compress: train", o->epochs, ds->n, o->quiet);
    int status = LGC_OK;
    double epoch_loss = 0;
    for (int e = 1; e <= o->epochs && status == LGC_OK; e++) {
        int *order = shuffled_order(ds->n, &rng);
        double sum = 0;
        long seen = 0;
        progress_epoch(&pr, e);
        for (int s = 0; s < ds->n; s += o->batch) {
            int B = ds->n - s < o->batch ? ds->n - s : o->batch;
            dataset_batch(x, ds, order + s, B);
            const float *z = net_forward(enc, x, B, n_enc);
            const float *logits = net_forward(dec, z, B, upto_dec);
            double loss = bce_logits(dlogits, logits, x, B, F);
            if (!isfinite(loss)) {
                status = lgc_fail(LGC_ENUMERIC,
                                  "training diverged: loss is %g at epoch %d (try a lower --lr)",
                                  loss, e);
                break;
            }
            net_zero_grad(enc);
            net_zero_grad(dec);
            net_backward(dec, z, dlogits, B, upto_dec, 1);
            net_backward(enc, x, dec->din, B, n_enc, 0);
            net_adam_step(enc, &adam);
            net_adam_step(dec, &adam);
            sum += loss * B;
            seen += B;
            progress_update(&pr, seen, sum / seen / F);
        }
        free(order);
        epoch_loss = sum / (seen ? seen : 1) / F;
        if (status == LGC_OK)
            progress_epoch_end(&pr, epoch_loss);
    }
    free(x);
    free(dlogits);
    if (final_loss)
        *final_loss = epoch_loss;
    return status;
}

void ae_encode(net *enc, const dataset *ds, float *z)
{
    int d = (int)tshape_size(net_out_shape(enc));
    int bs = enc->max_batch;
    float *x = xmalloc((size_t)bs * tshape_size(enc->in) * sizeof(float));
    int *idx = xmalloc((size_t)bs * sizeof(int));
    for (int s = 0; s < ds->n; s += bs) {
        int B = ds->n - s < bs ? ds->n - s : bs;
        for (int i = 0; i < B; i++)
            idx[i] = s + i;
        dataset_batch(x, ds, idx, B);
        const float *out = net_forward(enc, x, B, enc->n_layers);
        for (size_t i = 0; i < (size_t)B * d; i++)
            z[(size_t)s * d + i] = out[i];
    }
    free(x);
    free(idx);
}

int judge_train(net *judge, const dataset *ds, const train_opts *o)
{
    size_t F = tshape_size(judge->in);
    int K = (int)tshape_size(net_out_shape(judge));
    float *x = xmalloc((size_t)o->batch * F * sizeof(float));
    float *dlogits = xmalloc((size_t)o->batch * K * sizeof(float));
    int *labels = xmalloc((size_t)o->batch * sizeof(int));
    rng_t rng;
    rng_seed(&rng, o->seed);
    adam_cfg adam = {o->lr, 0.9f, 0.999f, 1e-8f};
    progress pr;
    progress_start(&pr, "eval: train judge", o->epochs, ds->n, o->quiet);
    int status = LGC_OK;
    for (int e = 1; e <= o->epochs && status == LGC_OK; e++) {
        int *order = shuffled_order(ds->n, &rng);
        double sum = 0;
        long seen = 0;
        progress_epoch(&pr, e);
        for (int s = 0; s < ds->n; s += o->batch) {
            int B = ds->n - s < o->batch ? ds->n - s : o->batch;
            dataset_batch(x, ds, order + s, B);
            dataset_batch_labels(labels, ds, order + s, B);
            const float *logits = net_forward(judge, x, B, judge->n_layers);
            double loss = softmax_xent(dlogits, NULL, logits, labels, B, K);
            if (!isfinite(loss)) {
                status = lgc_fail(LGC_ENUMERIC, "judge training diverged at epoch %d", e);
                break;
            }
            net_zero_grad(judge);
            net_backward(judge, x, dlogits, B, judge->n_layers, 0);
            net_adam_step(judge, &adam);
            sum += loss * B;
            seen += B;
            progress_update(&pr, seen, sum / seen);
        }
        free(order);
        if (status == LGC_OK)
            progress_epoch_end(&pr, sum / (seen ? seen : 1));
    }
    free(x);
    free(dlogits);
    free(labels);
    return status;
}

void judge_predict(net *judge, const dataset *ds, int *pred)
{
    int bs = judge->max_batch;
    int K = (int)tshape_size(net_out_shape(judge));
    float *x = xmalloc((size_t)bs * tshape_size(judge->in) * sizeof(float));
    int *idx = xmalloc((size_t)bs * sizeof(int));
    for (int s = 0; s < ds->n; s += bs) {
        int B = ds->n - s < bs ? ds->n - s : bs;
        for (int i = 0; i < B; i++)
            idx[i] = s + i;
        dataset_batch(x, ds, idx, B);
        const float *logits = net_forward(judge, x, B, judge->n_layers);
        for (int i = 0; i < B; i++) {
            const float *l = logits + (size_t)i * K;
            int best = 0;
            for (int k = 1; k < K; k++)
                if (l[k] > l[best])
                    best = k;
            pred[s + i] = best;
        }
    }
    free(x);
    free(idx);
}
