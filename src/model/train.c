/* train.c - minibatch training loops for the autoencoder (plain, VAE,
 * with or without the contrastive pair loss; for a number of epochs, or
 * for a step budget with early stopping on held-out images) and the judge.
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
#include <string.h>

#include "model.h"
#include "pad.h"
#include "progress.h"
#include "quant.h"
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

/* The autoencoder's loss on one batch, in the order the gradient flows:
 *   h = enc(x)                        (B, d) or, VAE, (B, 2d) = [mu, logvar]
 *   z = h, or mu + exp(logvar/2) eps  (B, d)
 *   logits = dec(z)                   BCE fused with the final sigmoid
 *   dlogits = dBCE/dlogits
 *           + G dCE/dxhat * xhat (1 - xhat)   guide, xhat = sigmoid(logits)
 *   dz  = dloss/dz                    (dec->din after the decoder backward)
 *   dh  = dz (through the reparameterisation for a VAE)
 *       + beta dKL/dh + W dL_CL/d(z or mu)
 * The plain autoencoder without a pair loss hands dec->din straight to the
 * encoder, exactly as before these variants existed. */

void ae_work_init(ae_work *w, const net *enc, const net *dec, int batch, const ae_loss_opts *lo,
                  net *guide, tshape img)
{
    const size_t d = tshape_size(dec->in), dout = tshape_size(net_out_shape(enc));
    const size_t F = tshape_size(enc->in);
    const tshape frame = net_out_shape(dec);
    const int pairs = lo && lo->contrastive > 0.0f, vae = lo && lo->vae;
    assert(dout == (vae ? 2 * d : d));
    assert((lo && lo->guide > 0.0f) == (guide != NULL));
    assert(tshape_size(frame) == F && frame.c == img.c && frame.h >= img.h && frame.w >= img.w);
    assert(!guide || (guide->max_batch >= batch && guide->in.c == img.c &&
                      guide->in.h >= img.h && guide->in.w >= img.w));
    memset(w, 0, sizeof *w);
    w->frame = frame;
    w->img = img;
    if (frame.h != img.h || frame.w != img.w)
        w->crop = xmalloc(3 * (size_t)batch * tshape_size(img) * sizeof(float));
    w->dlogits = xmalloc((size_t)batch * F * sizeof(float));
    if (guide) {
        w->guide = guide;
        w->xhat = xmalloc((size_t)batch * tshape_size(guide->in) * sizeof(float));
        w->dguide = xmalloc((size_t)batch * tshape_size(net_out_shape(guide)) * sizeof(float));
    }
    w->z = vae ? xmalloc((size_t)batch * d * sizeof(float)) : NULL;
    w->mu = vae && pairs ? xmalloc((size_t)batch * d * sizeof(float)) : NULL;
    w->dcl = pairs ? xmalloc((size_t)batch * d * sizeof(float)) : NULL;
    w->dh = vae || pairs ? xmalloc((size_t)batch * dout * sizeof(float)) : NULL;
}

void ae_work_free(ae_work *w)
{
    free(w->crop);
    free(w->dlogits);
    free(w->z);
    free(w->mu);
    free(w->dcl);
    free(w->dh);
    free(w->xhat);
    free(w->dguide);
    memset(w, 0, sizeof *w);
}

double ae_batch_bce(ae_work *w, const float *logits, const float *x, int B)
{
    const tshape f = w->frame, m = w->img;
    if (!w->crop) /* no frame */
        return bce_logits(w->dlogits, logits, x, B, tshape_size(f));
    const size_t planes = (size_t)B * f.c, n = (size_t)B * tshape_size(m);
    float *cl = w->crop, *cx = cl + n, *cd = cx + n;
    pad_crop(cl, logits, planes, m.h, m.w, f.h, f.w);
    pad_crop(cx, x, planes, m.h, m.w, f.h, f.w);
    const double bce = bce_logits(cd, cl, cx, B, tshape_size(m));
    pad_place(w->dlogits, cd, planes, m.h, m.w, f.h, f.w);
    pad_clear(w->dlogits, planes, m.h, m.w, f.h, f.w);
    return bce;
}

/* The guide's cross-entropy on the decoded images, CE(guide(xhat), labels)
 * with xhat = sigmoid(logits), returned; adds G dCE/dlogits to
 * w->dlogits. The guide stays fixed: only its input gradient is computed.
 * It sees the decoded image in its own frame padded as the real images it
 * was trained on (pad.h), so the gradient of the frame's copies flows back
 * to the edge pixels they copy, and none reaches the decoder's frame. */
static double guide_term(ae_work *w, const float *logits, const int *labels, int B, float G)
{
    net *g = w->guide;
    const tshape f = w->frame, m = w->img, gf = g->in;
    const size_t planes = (size_t)B * m.c;
    for (size_t p = 0; p < planes; p++)
        for (int y = 0; y < m.h; y++)
            for (int x = 0; x < m.w; x++) {
                const size_t i = (p * f.h + y) * f.w + x, j = (p * gf.h + y) * gf.w + x;
                w->xhat[j] = sigmoid_stable(logits[i]);
            }
    pad_replicate(w->xhat, planes, m.h, m.w, gf.h, gf.w);
    const float *gl = net_forward(g, w->xhat, B, g->n_layers);
    const double ce =
        softmax_xent(w->dguide, NULL, gl, labels, B, (int)tshape_size(net_out_shape(g)));
    net_backward_input(g, w->xhat, w->dguide, B);
    pad_fold(g->din, planes, m.h, m.w, gf.h, gf.w); /* g->din is scratch to the guide */
    for (size_t p = 0; p < planes; p++)
        for (int y = 0; y < m.h; y++)
            for (int x = 0; x < m.w; x++) {
                const size_t i = (p * f.h + y) * f.w + x, j = (p * gf.h + y) * gf.w + x;
                w->dlogits[i] += G * g->din[j] * w->xhat[j] * (1.0f - w->xhat[j]);
            }
    return ce;
}

double ae_batch(net *enc, net *dec, const float *x, const int *labels, const float *eps, int B,
                const ae_loss_opts *lo, ae_work *w, double terms[4])
{
    static const ae_loss_opts plain = {0, 0.0f, 0.0f, 0.0f, 0.0f};
    if (!lo)
        lo = &plain;
    const int d = (int)tshape_size(dec->in), dout = (int)tshape_size(net_out_shape(enc));
    const int pairs = lo->contrastive > 0.0f;
    const int guided = lo->guide > 0.0f;
    assert(dout == (lo->vae ? 2 * d : d) && (!pairs || labels) && (!lo->vae || eps));
    assert(!guided || (labels && w->guide));
    /* dec's last layer is the sigmoid folded into the loss */
    const int n_dec = dec->n_layers;
    const int upto_dec = dec->layers[n_dec - 1].spec.type == LAYER_SIGMOID ? n_dec - 1 : n_dec;
    const float *h = net_forward(enc, x, B, enc->n_layers);
    const float *z = h;
    if (lo->vae) {
        reparam_forward(w->z, h, eps, B, d);
        z = w->z;
    }
    const float *logits = net_forward(dec, z, B, upto_dec);
    const double bce = ae_batch_bce(w, logits, x, B);
    double kl = 0, cl = 0, ce = 0;
    if (guided)
        ce = guide_term(w, logits, labels, B, lo->guide);
    if (lo->vae)
        kl = kl_normal(w->dh, h, B, d); /* writes dh: the KL part first */
    if (pairs) {
        /* on the means for a VAE: they are what the mixtures are fitted
         * to, and they do not move with eps */
        const float *zc = z;
        if (lo->vae) {
            for (int b = 0; b < B; b++)
                memcpy(w->mu + (size_t)b * d, h + (size_t)b * dout, (size_t)d * sizeof(float));
            zc = w->mu;
        }
        cl = contrastive_loss(w->dcl, zc, labels, B, d, lo->margin);
    }
    net_zero_grad(enc);
    net_zero_grad(dec);
    net_backward(dec, z, w->dlogits, B, upto_dec, 1);
    const float *denc = dec->din; /* (B, dout): what the encoder gets */
    if (w->dh) {
        const size_t n = (size_t)B * dout;
        if (lo->vae) {
            for (size_t i = 0; i < n; i++)
                w->dh[i] *= lo->beta;
            reparam_backward(w->dh, dec->din, h, eps, B, d);
        } else {
            memcpy(w->dh, dec->din, n * sizeof(float));
        }
        /* the pair loss's gradient lands on z, or on mu (the first d of
         * each VAE row) */
        for (int b = 0; b < B && pairs; b++)
            for (int k = 0; k < d; k++)
                w->dh[(size_t)b * dout + k] += lo->contrastive * w->dcl[(size_t)b * d + k];
        denc = w->dh;
    }
    net_backward(enc, x, denc, B, enc->n_layers, 0);
    if (terms) {
        terms[0] = bce;
        terms[1] = kl;
        terms[2] = cl;
        terms[3] = ce;
    }
    return bce + lo->beta * kl + lo->contrastive * cl + lo->guide * ce;
}

/* Rounds every weight of dec (not the biases) as the file will store it:
 * per output channel, codes -qmax..qmax (quant.h). */
static void snap_weights(net *dec, int qmax)
{
    for (int i = 0; i < dec->n_layers; i++) {
        layer *L = &dec->layers[i];
        if (L->n_w)
            quant_snap(L->w, L->n_w, (size_t)L->out.c, qmax);
    }
}

/* Builds the guide for ds (guide_specs) and trains it on ds for
 * AE_GUIDE_EPOCHS epochs, seeded apart from the autoencoder. */
static int guide_train(net *guide, const dataset *ds, const train_opts *o)
{
    layer_spec specs[AE_MAX_LAYERS];
    const tshape img = {ds->c, ds->h, ds->w};
    int n = guide_specs(specs, img, ds->n_classes), st;
    if (n < 0)
        return n;
    if ((st = net_init(guide, conv_input_shape(img), specs, n, o->batch)))
        return st;
    rng_t rng;
    rng_stream(&rng, o->seed, RNG_STREAM_GUIDE, 0);
    net_init_params(guide, &rng);
    train_opts go = *o;
    go.epochs = AE_GUIDE_EPOCHS;
    go.quant_max = 0;
    go.what = "compress: train guide";
    return judge_train(guide, ds, &go);
}

/* The best parameters seen by early stopping (ae_train_held): a copy of
 * the encoder's and the decoder's float parameters. */
typedef struct {
    float *enc, *dec;
} ae_snapshot;

static void snapshot_take(ae_snapshot *s, const net *enc, const net *dec)
{
    if (!s->enc) {
        s->enc = xmalloc(enc->n_params * sizeof(float));
        s->dec = xmalloc(dec->n_params * sizeof(float));
    }
    memcpy(s->enc, enc->params, enc->n_params * sizeof(float));
    memcpy(s->dec, dec->params, dec->n_params * sizeof(float));
}

static void snapshot_restore(const ae_snapshot *s, net *enc, net *dec)
{
    memcpy(enc->params, s->enc, enc->n_params * sizeof(float));
    memcpy(dec->params, s->dec, dec->n_params * sizeof(float));
}

/* The held-out BCE per pixel of the decoder as the file will store it:
 * with quantisation-aware training, its weights rounded (master keeps the
 * float ones meanwhile). */
static double held_out_bce(net *enc, net *dec, const dataset *held, float *master, int qmax)
{
    if (!master)
        return ae_reconstruction_bce(enc, dec, held);
    memcpy(master, dec->params, dec->n_params * sizeof(float));
    snap_weights(dec, qmax);
    double bce = ae_reconstruction_bce(enc, dec, held);
    memcpy(dec->params, master, dec->n_params * sizeof(float));
    return bce;
}

/* Early stopping's bookkeeping between evaluations. */
typedef struct {
    double best;      /* lowest held-out BCE so far (HUGE_VAL before the first) */
    double reference; /* the best value when the patience count was last reset */
    long best_step;
    int stale;        /* evaluations since a relative gain of min_gain */
} early_stop;

/* Records one evaluation h at step; returns 1 when patience runs out. The
 * snapshot follows every new best, even one too small to reset the count. */
static int early_stop_update(early_stop *es, double h, long step, const ae_schedule *sch,
                             ae_snapshot *snap, const net *enc, const net *dec)
{
    if (h < es->best) {
        es->best = h;
        es->best_step = step;
        snapshot_take(snap, enc, dec);
    }
    if (h < es->reference * (1.0 - sch->min_gain)) {
        es->reference = h;
        es->stale = 0;
        return 0;
    }
    return ++es->stale >= sch->patience;
}

/* A step-mode run's state between its lines of progress: early stopping,
 * its snapshot, and the training loss since the last line. */
typedef struct {
    early_stop es;
    ae_snapshot snap;
    double t_block, block_sum; /* the block's start, and its BCE summed over images */
    long block_seen;
} step_watch;

/* After a step of a step-mode run, images seen so far: every
 * sch->eval_every steps and after the last, measures the held-out loss
 * (when held has images), updates early stopping and prints a line of
 * progress. Returns 1 when early stopping ends the run. */
static int step_checkpoint(step_watch *sw, long step, long images, net *enc, net *dec,
                           const dataset *ds, const dataset *held, float *master,
                           const ae_schedule *sch, const train_opts *o)
{
    if (sch->eval_every <= 0 || (step % sch->eval_every && step < sch->max_steps))
        return 0;
    const int watch = held && held->n > 0;
    const double h = watch ? held_out_bce(enc, dec, held, master, o->quant_max) : 0.0;
    const int stop = watch && early_stop_update(&sw->es, h, step, sch, &sw->snap, enc, dec);
    if (!o->quiet) {
        fprintf(stderr, "compress: train step %ld/%ld (epoch %.1f): loss %.5f", step,
                sch->max_steps, (double)images / ds->n,
                sw->block_sum / sw->block_seen / ((double)ds->c * ds->h * ds->w));
        if (watch)
            fprintf(stderr, ", held-out %.5f%s", h, sw->es.best_step == step ? " (best)" : "");
        fprintf(stderr, ", %.1f s\n", now_seconds() - sw->t_block);
    }
    sw->t_block = now_seconds();
    sw->block_sum = 0;
    sw->block_seen = 0;
    return stop;
}

/* The autoencoder's training loop, shared by ae_train (a whole number of
 * epochs, progress per epoch) and ae_train_held (a step budget, progress
 * per evaluation). A step is one batch; batches walk through a shuffled
 * order of ds and a new shuffle starts each epoch, so that
 * e * ceil(n / batch) steps are exactly e epochs, drawing the same random
 * numbers in the same order whichever function runs them. */
static int ae_train_loop(net *enc, net *dec, const dataset *ds, const dataset *held,
                         const ae_schedule *sch, int by_epoch, const train_opts *o,
                         const ae_loss_opts *lo, ae_train_record *rec, double *final_loss,
                         ae_train_stats *stats)
{
    static const ae_loss_opts plain = {0, 0.0f, 0.0f, 0.0f, 0.0f};
    if (!lo)
        lo = &plain;
    const size_t F = tshape_size(enc->in);
    const tshape img = {ds->c, ds->h, ds->w};
    const size_t pixels = tshape_size(img); /* F counts the conv's padded frame too */
    const int d = (int)tshape_size(dec->in), guided = lo->guide > 0.0f;
    const int need_labels = lo->contrastive > 0.0f || guided;
    const int watch = held && held->n > 0 && sch->eval_every > 0; /* early stopping */
    net guide = {0};
    int status = guided ? guide_train(&guide, ds, o) : LGC_OK;
    if (status) {
        net_free(&guide);
        return status;
    }
    float *x = xmalloc((size_t)o->batch * F * sizeof(float));
    int *labels = need_labels ? xmalloc((size_t)o->batch * sizeof(int)) : NULL;
    float *eps = lo->vae ? xmalloc((size_t)o->batch * d * sizeof(float)) : NULL; /* (B,d) */
    ae_work w;
    ae_work_init(&w, enc, dec, o->batch, lo, guided ? &guide : NULL, img);
    /* quantisation-aware training: the float weights, kept while a step
     * runs on their rounded copy */
    float *master = o->quant_max > 0 ? xmalloc(dec->n_params * sizeof(float)) : NULL;
    rng_t rng;
    rng_seed(&rng, o->seed);
    adam_cfg adam = {o->lr, 0.9f, 0.999f, 1e-8f};
    const long per_epoch = judge_steps_per_epoch(ds->n, o->batch);
    progress pr;
    if (by_epoch)
        progress_start(&pr, "compress: train", (int)(sch->max_steps / per_epoch), ds->n,
                       o->quiet);
    step_watch sw = {.es = {HUGE_VAL, HUGE_VAL, 0, 0}, .t_block = now_seconds()};
    double epoch_loss = 0, epoch_kl = 0, epoch_pairs = 0, epoch_guide = 0;
    long step = 0, images = 0;
    int stopped = 0;
    for (int e = 1; step < sch->max_steps && status == LGC_OK && !stopped; e++) {
        int *order = shuffled_order(ds->n, &rng);
        double sum = 0, sum_kl = 0, sum_pairs = 0, sum_guide = 0;
        long seen = 0, batches = 0;
        if (by_epoch)
            progress_epoch(&pr, e);
        for (int s = 0; s < ds->n && step < sch->max_steps && !stopped; s += o->batch) {
            int B = ds->n - s < o->batch ? ds->n - s : o->batch;
            dataset_batch_padded(x, ds, order + s, B, enc->in.h, enc->in.w);
            if (labels)
                dataset_batch_labels(labels, ds, order + s, B);
            /* eps from the shuffling rng, so the seed fixes both */
            for (size_t i = 0; lo->vae && i < (size_t)B * d; i++)
                eps[i] = (float)rng_normal(&rng);
            double terms[4];
            if (master) {
                memcpy(master, dec->params, dec->n_params * sizeof(float));
                snap_weights(dec, o->quant_max);
            }
            const double total = ae_batch(enc, dec, x, labels, eps, B, lo, &w, terms);
            if (master) /* the gradient at the rounded weights updates the float ones */
                memcpy(dec->params, master, dec->n_params * sizeof(float));
            const double loss = terms[0];
            if (!isfinite(total) || loss / pixels > AE_LOSS_DIVERGED) {
                status = lgc_fail(LGC_ENUMERIC,
                                  "training diverged: loss is %g per pixel at epoch %d (try a "
                                  "lower --lr)",
                                  total / pixels, e);
                break;
            }
            net_adam_step(enc, &adam);
            net_adam_step(dec, &adam);
            sum += loss * B;
            sum_kl += terms[1] * B;
            sum_guide += terms[3] * B;
            sum_pairs += terms[2]; /* already a mean over the batch's pairs */
            seen += B;
            batches++;
            step++;
            images += B;
            if (by_epoch) {
                progress_update(&pr, seen, sum / seen / pixels);
                continue;
            }
            sw.block_sum += loss * B;
            sw.block_seen += B;
            stopped = step_checkpoint(&sw, step, images, enc, dec, ds, held, master, sch, o);
        }
        free(order);
        epoch_loss = sum / (seen ? seen : 1) / pixels;
        epoch_kl = sum_kl / (seen ? seen : 1);
        epoch_guide = sum_guide / (seen ? seen : 1);
        epoch_pairs = sum_pairs / (batches ? batches : 1);
        if (by_epoch && status == LGC_OK)
            progress_epoch_end(&pr, epoch_loss);
    }
    if (status == LGC_OK && watch && sw.es.best_step != step)
        snapshot_restore(&sw.snap, enc, dec);
    if (master)
        snap_weights(dec, o->quant_max);
    free(sw.snap.enc);
    free(sw.snap.dec);
    free(master);
    net_free(&guide);
    free(x);
    free(labels);
    free(eps);
    ae_work_free(&w);
    if (final_loss)
        *final_loss = epoch_loss;
    if (stats)
        *stats = (ae_train_stats){epoch_loss, epoch_kl, epoch_pairs, epoch_guide};
    if (rec)
        *rec = (ae_train_record){.steps = step,
                                 .best_step = watch ? sw.es.best_step : step,
                                 .images_seen = images,
                                 .stop = stopped ? AE_STOP_EARLY : AE_STOP_BUDGET,
                                 .held_bce = watch ? sw.es.best : NAN};
    return status;
}

int ae_train(net *enc, net *dec, const dataset *ds, const train_opts *o, const ae_loss_opts *lo,
             double *final_loss, ae_train_stats *stats)
{
    const ae_schedule sch = {(long)o->epochs * judge_steps_per_epoch(ds->n, o->batch), 0, 0, 0};
    return ae_train_loop(enc, dec, ds, NULL, &sch, 1, o, lo, NULL, final_loss, stats);
}

int ae_train_held(net *enc, net *dec, const dataset *ds, const dataset *held,
                  const ae_schedule *sch, const train_opts *o, const ae_loss_opts *lo,
                  ae_train_record *rec, double *final_loss, ae_train_stats *stats)
{
    assert(sch->max_steps >= 1 && sch->eval_every >= 1 && sch->patience >= 1);
    return ae_train_loop(enc, dec, ds, held, sch, 0, o, lo, rec, final_loss, stats);
}

/* Images [s, s + B) of ds as floats into x, padded to the input of nt;
 * idx (B) is scratch. */
static void load_block(float *x, int *idx, const dataset *ds, int s, int B, const net *nt)
{
    for (int i = 0; i < B; i++)
        idx[i] = s + i;
    dataset_batch_padded(x, ds, idx, B, nt->in.h, nt->in.w);
}

void ae_encode(net *enc, const dataset *ds, float *z, int d)
{
    int dout = (int)tshape_size(net_out_shape(enc));
    assert(dout == d || dout == 2 * d);
    int bs = enc->max_batch;
    float *x = xmalloc((size_t)bs * tshape_size(enc->in) * sizeof(float));
    int *idx = xmalloc((size_t)bs * sizeof(int));
    for (int s = 0; s < ds->n; s += bs) {
        int B = ds->n - s < bs ? ds->n - s : bs;
        load_block(x, idx, ds, s, B, enc);
        const float *out = net_forward(enc, x, B, enc->n_layers);
        /* the first d values of each row: z, or a VAE's mean */
        for (int b = 0; b < B; b++)
            memcpy(z + (size_t)(s + b) * d, out + (size_t)b * dout, (size_t)d * sizeof(float));
    }
    free(x);
    free(idx);
}

/* dec(enc(x)) over ds, the encoder's output or a VAE's mean decoded: the
 * mean squared error per pixel after the final sigmoid, or (bce) the mean
 * BCE per pixel on the logits, as training computes it. */
static double reconstruction_error(net *enc, net *dec, const dataset *ds, int bce)
{
    const int d = (int)tshape_size(dec->in), dout = (int)tshape_size(net_out_shape(enc));
    const int bs = enc->max_batch < dec->max_batch ? enc->max_batch : dec->max_batch;
    const tshape f = enc->in; /* the decoder's output too */
    const size_t F = tshape_size(f), planes = (size_t)f.c;
    const size_t pixels = planes * ds->h * ds->w;
    const int framed = f.h != ds->h || f.w != ds->w;
    const int n_dec = dec->n_layers;
    const int upto = bce && dec->layers[n_dec - 1].spec.type == LAYER_SIGMOID ? n_dec - 1 : n_dec;
    assert(dout == d || dout == 2 * d);
    assert(ds->n > 0);
    float *x = xmalloc((size_t)bs * F * sizeof(float));
    float *z = xmalloc((size_t)bs * d * sizeof(float));
    float *dz = bce ? xmalloc((size_t)bs * F * sizeof(float)) : NULL; /* unused gradient */
    /* the image's pixels cut out of the frame, for the BCE */
    float *cy = bce && framed ? xmalloc(2 * (size_t)bs * pixels * sizeof(float)) : NULL;
    float *cx = cy ? cy + (size_t)bs * pixels : NULL;
    int *idx = xmalloc((size_t)bs * sizeof(int));
    double total = 0;
    for (int s = 0; s < ds->n; s += bs) {
        int B = ds->n - s < bs ? ds->n - s : bs;
        load_block(x, idx, ds, s, B, enc);
        const float *h = net_forward(enc, x, B, enc->n_layers);
        for (int b = 0; b < B; b++) /* z, or a VAE's mean */
            memcpy(z + (size_t)b * d, h + (size_t)b * dout, (size_t)d * sizeof(float));
        const float *y = net_forward(dec, z, B, upto);
        if (bce && !framed) {
            total += bce_logits(dz, y, x, B, pixels) * B;
            continue;
        }
        if (bce) { /* the image's pixels, not the frame */
            pad_crop(cy, y, (size_t)B * planes, ds->h, ds->w, f.h, f.w);
            pad_crop(cx, x, (size_t)B * planes, ds->h, ds->w, f.h, f.w);
            total += bce_logits(dz, cy, cx, B, pixels) * B;
            continue;
        }
        for (size_t p = 0; p < (size_t)B * planes; p++) /* the image's pixels, not the frame */
            for (int r = 0; r < ds->h; r++)
                for (int c = 0; c < ds->w; c++) {
                    const size_t i = (p * f.h + r) * f.w + c;
                    total += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
                }
    }
    free(x);
    free(z);
    free(dz);
    free(cy);
    free(idx);
    return total / ((double)ds->n * pixels);
}

double ae_reconstruction_mse(net *enc, net *dec, const dataset *ds)
{
    return reconstruction_error(enc, dec, ds, 0);
}

double ae_reconstruction_bce(net *enc, net *dec, const dataset *ds)
{
    return reconstruction_error(enc, dec, ds, 1);
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
    const char *what = o->what ? o->what : "eval: train judge";
    progress_start(&pr, what, (int)(by_epoch ? epochs : 0), ds->n, o->quiet);
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
            dataset_batch_padded(x, ds, order + s, B, judge->in.h, judge->in.w);
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
                fprintf(stderr, "%s step %ld/%ld (epoch %ld): loss %.5f, %.1f s, %.0f img/s\n",
                        what, step + 1, steps, e, block_sum / block_seen, dt,
                        block_seen / (dt + 1e-9));
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
        load_block(x, idx, ds, s, B, judge);
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
