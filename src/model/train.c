/* train.c - minibatch training loops for the autoencoder and the judge.
 *
 * The dataset stays uint8; each batch is converted to float on the fly into
 * buffers allocated once per call. Shuffling uses the seeded rng so runs
 * reproduce. The decoder's final sigmoid is not run during training:
 * bce_logits fuses it with the loss, which is exact and stable.
 *
 * The judge trains for a number of optimiser steps rather than epochs, so
 * that `lgc eval` can give a 100-image subset the same training effort as
 * 60,000 images (judge_train_steps); judge_train keeps the epoch view. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"
#include "progress.h"
#include "rng.h"
#include "util.h"

/* Mean BCE per pixel above which autoencoder training has blown up: a
 * decoder that outputs 0.5 everywhere scores ln 2 = 0.69 and a fresh one
 * about that, so 100 nats per pixel means logits of magnitude ~100 that are
 * confidently wrong. Such a run does not come back (--lr 1 on a small
 * synthetic set reaches 10^7 within two epochs, finite all the way, and
 * would otherwise write a useless file or fail later on non-finite
 * latents). */
#define AE_LOSS_DIVERGED 100.0

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
            if (!isfinite(loss) || loss / F > AE_LOSS_DIVERGED) {
                status = lgc_fail(LGC_ENUMERIC,
                                  "training diverged: loss is %g per pixel at epoch %d (try a "
                                  "lower --lr)",
                                  loss / F, e);
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

/* Progress of the judge: one line per epoch (the progress module) while a
 * run has at most JUDGE_EPOCH_LINES epochs; a tiny set cycled for
 * thousands of epochs gets a line every 1/JUDGE_STEP_LINES of the steps
 * instead. */
#define JUDGE_EPOCH_LINES 20
#define JUDGE_STEP_LINES 10

long judge_steps_per_epoch(int n, int batch)
{
    assert(n > 0 && batch > 0);
    return ((long)n + batch - 1) / batch;
}

/* Weighted mean over the batch of the per-example cross-entropies:
 *   l = sum_b w_b l_b / sum_b w_b,   dl/dz_b = w_b (p_b - y_b) / sum_b w_b.
 * Normalising by the batch's own weight sum keeps the loss on the scale of
 * the unweighted mean (equal weights give it back) and every step's
 * gradient a convex combination of per-example gradients whatever the
 * weights' scale: a medoid standing for 5,000 images does not make its
 * batch's step 5,000 times larger (Adam would mostly undo that anyway, but
 * not in its first steps). logits (B,K), labels (B), w (B) -> dlogits (B,K) */
static double weighted_xent(float *dlogits, const float *logits, const int *labels,
                            const float *w, int B, int K)
{
    double wsum = 0.0, total = 0.0;
    for (int b = 0; b < B; b++)
        wsum += w[b];
    for (int b = 0; b < B; b++) {
        float *dz = dlogits + (size_t)b * K;
        double l = softmax_xent(dz, NULL, logits + (size_t)b * K, labels + b, 1, K);
        double scale = wsum > 0.0 ? w[b] / wsum : 0.0;
        for (int k = 0; k < K; k++)
            dz[k] = (float)(dz[k] * scale);
        total += scale * l;
    }
    return total;
}

int judge_train(net *judge, const dataset *ds, const train_opts *o)
{
    return judge_train_steps(judge, ds, NULL,
                             (long)o->epochs * judge_steps_per_epoch(ds->n, o->batch), o);
}

int judge_train_steps(net *judge, const dataset *ds, const float *weights, long steps,
                      const train_opts *o)
{
    assert(steps >= 1);
    size_t F = tshape_size(judge->in);
    int K = (int)tshape_size(net_out_shape(judge));
    float *x = xmalloc((size_t)o->batch * F * sizeof(float));
    float *dlogits = xmalloc((size_t)o->batch * K * sizeof(float));
    int *labels = xmalloc((size_t)o->batch * sizeof(int));
    float *wb = weights ? xmalloc((size_t)o->batch * sizeof(float)) : NULL; /* (batch) */
    rng_t rng;
    rng_seed(&rng, o->seed);
    adam_cfg adam = {o->lr, 0.9f, 0.999f, 1e-8f};
    long per_epoch = judge_steps_per_epoch(ds->n, o->batch);
    long epochs = (steps + per_epoch - 1) / per_epoch;
    int by_epoch = epochs <= JUDGE_EPOCH_LINES;
    long block = (steps + JUDGE_STEP_LINES - 1) / JUDGE_STEP_LINES;
    progress pr;
    progress_start(&pr, "eval: train judge", (int)(by_epoch ? epochs : 0), ds->n, o->quiet);
    double t_block = now_seconds(), block_sum = 0;
    long block_seen = 0, step = 0;
    int status = LGC_OK;
    for (long e = 1; step < steps && status == LGC_OK; e++) {
        int *order = shuffled_order(ds->n, &rng);
        double sum = 0;
        long seen = 0;
        if (by_epoch)
            progress_epoch(&pr, (int)e);
        for (int s = 0; s < ds->n && step < steps; s += o->batch, step++) {
            int B = ds->n - s < o->batch ? ds->n - s : o->batch;
            dataset_batch(x, ds, order + s, B);
            dataset_batch_labels(labels, ds, order + s, B);
            const float *logits = net_forward(judge, x, B, judge->n_layers);
            double loss;
            if (wb) {
                for (int b = 0; b < B; b++)
                    wb[b] = weights[order[s + b]];
                loss = weighted_xent(dlogits, logits, labels, wb, B, K);
            } else {
                loss = softmax_xent(dlogits, NULL, logits, labels, B, K);
            }
            if (!isfinite(loss)) {
                status = lgc_fail(LGC_ENUMERIC, "judge training diverged at epoch %ld (step %ld)",
                                  e, step + 1);
                break;
            }
            net_zero_grad(judge);
            net_backward(judge, x, dlogits, B, judge->n_layers, 0);
            net_adam_step(judge, &adam);
            sum += loss * B;
            seen += B;
            if (by_epoch) {
                progress_update(&pr, seen, sum / seen);
                continue;
            }
            block_sum += loss * B;
            block_seen += B;
            if (!o->quiet && ((step + 1) % block == 0 || step + 1 == steps)) {
                double dt = now_seconds() - t_block;
                fprintf(stderr, "eval: train judge step %ld/%ld (epoch %ld): loss %.5f, %.1f s, "
                                "%.0f img/s\n",
                        step + 1, steps, e, block_sum / block_seen, dt, block_seen / (dt + 1e-9));
                t_block = now_seconds();
                block_sum = 0;
                block_seen = 0;
            }
        }
        free(order);
        if (by_epoch && status == LGC_OK)
            progress_epoch_end(&pr, sum / (seen ? seen : 1));
    }
    free(x);
    free(dlogits);
    free(labels);
    free(wb);
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
