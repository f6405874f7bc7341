/* model.h - lgc's architectures and their training loops.
 *
 * Autoencoder, conv (the default; d = 16), for an image (C, H, W) padded
 * to (C, H', W'), H' and W' the next multiples of 4 (conv_input_shape):
 *   encoder: conv C->c1 + ReLU, max-pool; conv c1->c2 + ReLU, max-pool;
 *            dense (c2*H'/4*W'/4) -> d
 *   decoder: dense d -> (c2*H'/4*W'/4) + ReLU; upsample; conv c2->c1 + ReLU;
 *            upsample; conv c1->C; sigmoid
 *            (its output is (C, H', W'), the image its top-left H x W)
 * Autoencoder, mlp (any H, W):
 *   encoder: dense (C*H*W) -> hidden + ReLU; dense hidden -> d
 *   decoder: dense d -> hidden + ReLU; dense hidden -> (C, H, W); sigmoid
 * VAE (either kind): the encoder's last dense layer outputs 2d values per
 * image, the mean and the log-variance of z; the decoder is unchanged.
 * Judge classifier (lgc eval), on the padded image too:
 *   conv C->32 + ReLU, max-pool; conv 32->64 + ReLU, max-pool;
 *   dense (64*H'/4*W'/4) -> 128 + ReLU; dense 128 -> classes
 * Guide classifier (compress --guide; trained and used during compress,
 * never stored): the judge's layout at half its widths (16, 32, 64).
 * Quick classifier (the warps check of compress, warps.h; never stored):
 * the judge's layout at a quarter of its widths (8, 16, 32).
 * ConvNet-3 judge (lgc eval --judge convnet3), on the image itself (H, W
 * at least 8; no padding):
 *   3 x [conv ->128 (bias), instance norm (per-channel scale and shift),
 *   ReLU, 2x2 average pool (sizes floored)]; dense (128*(H/8)*(W/8)) ->
 *   classes; on 28x28 the sides go 28, 14, 7, 3 (1,152 features). */
#ifndef LGC_MODEL_H
#define LGC_MODEL_H

#include <stdint.h>
#include "dataset.h"
#include "lgc_model.h"
#include "net.h"

typedef enum { AE_CONV = 0, AE_MLP = 1 } ae_kind;

typedef struct {
    int latent;   /* d */
    int c1, c2;   /* conv: channel widths */
    ae_kind kind;
    int hidden;   /* mlp: width of the hidden layers */
    int vae;      /* encoder outputs (mean, log-variance), 2d values */
} ae_arch;

#define AE_DEFAULT_LATENT 16
#define AE_DEFAULT_C1 16
#define AE_DEFAULT_C2 32
#define AE_DEFAULT_HIDDEN 256
#define AE_MAX_LAYERS 16
#define AE_MAX_WIDTH 4096 /* bound on --widths and --hidden */

/* The conv networks' input for images of shape img: padded at the bottom
 * and right to the next multiples of 4 (pad.h), which the training and
 * prediction loops fill with dataset_batch_padded. ae_input_shape is the
 * encoder's: that, or img itself for the mlp. */
tshape conv_input_shape(tshape img);
tshape ae_input_shape(tshape img, const ae_arch *a);
/* Fill specs (room for AE_MAX_LAYERS) and return the layer count, or
 * LGC_EUSAGE when the image size does not fit the architecture. The
 * networks take the input shapes above; the conv decoder outputs
 * conv_input_shape(img). The encoder's output has d values per image, 2d
 * for a VAE; the decoder's input is always d. */
int ae_encoder_specs(layer_spec *specs, tshape img, const ae_arch *a);
int ae_decoder_specs(layer_spec *specs, tshape img, const ae_arch *a);
int judge_specs(layer_spec *specs, tshape img, int n_classes);
int guide_specs(layer_spec *specs, tshape img, int n_classes);
int quick_specs(layer_spec *specs, tshape img, int n_classes);
#define CONVNET3_WIDTH 128
int convnet3_specs(layer_spec *specs, tshape img, int n_classes);

typedef struct {
    int epochs;
    int batch;
    float lr;
    int quiet;     /* no progress on stderr */
    uint64_t seed; /* shuffling */
    /* > 0 (autoencoder only): quantisation-aware training of the decoder
     * for codes -quant_max..quant_max with one scale per output channel
     * (int4: 7). Each step runs forward and backward with the weights
     * rounded as the file will store them, and Adam updates the float
     * weights (the straight-through estimator); the trained decoder is
     * left rounded. 0: off. */
    int quant_max;
    const char *what; /* progress label of a classifier's training; NULL: "eval: train judge" */
} train_opts;

/* What the autoencoder minimises besides the reconstruction BCE; all off
 * when zeroed (or NULL). Per batch of B:
 *   loss = BCE + beta * KL + contrastive * L_CL + guide * CE
 * BCE summed over pixels and KL over latent dimensions, each averaged over
 * the batch (beta = 1 is the VAE's ELBO); L_CL is contrastive_loss over
 * all B(B-1)/2 pairs of the batch (layers.h) with the given margin, on z
 * (autoencoder) or on the means (VAE); CE is the softmax cross-entropy,
 * averaged over the batch, of a fixed classifier (the guide) on the
 * decoded images sigmoid(dec(z)) against the images' labels: it asks the
 * decoder for images that carry their class, which is what a classifier
 * trained on its samples needs (docs/DESIGN.md, "Class guidance"). */
typedef struct {
    int vae;           /* the encoder outputs (mu, logvar); z = mu + exp(logvar/2) eps */
    float beta;        /* weight of the KL term (vae only) */
    float contrastive; /* weight W of the pair loss; 0 = off */
    float margin;      /* its margin M */
    float guide;       /* weight G of the guide's cross-entropy; 0 = off */
} ae_loss_opts;

/* Per-term means over the last epoch (per image; bce per pixel). */
typedef struct {
    double bce, kl, pairs, guide;
} ae_train_stats;

/* Epochs of the guide's training on the real images, before the
 * autoencoder's (ae_train with lo->guide > 0). */
#define AE_GUIDE_EPOCHS 1

/* Trains enc and dec (built with max_batch >= o->batch, parameters
 * initialised) to reconstruct ds with the BCE loss plus the terms of lo
 * (NULL: BCE only). A VAE's eps is drawn from an rng seeded with o->seed.
 * With lo->guide > 0 it first trains a guide classifier (guide_specs) on ds
 * for AE_GUIDE_EPOCHS epochs, then keeps it fixed while the autoencoder
 * trains; the guide is freed on return.
 * Returns LGC_OK, or LGC_ENUMERIC if the loss becomes NaN/Inf or the BCE
 * blows up. *final_loss gets the last epoch's mean BCE per pixel; stats,
 * when not NULL, every term's mean. */
int ae_train(net *enc, net *dec, const dataset *ds, const train_opts *o, const ae_loss_opts *lo,
             double *final_loss, ae_train_stats *stats);
/* A step budget with early stopping on held-out images (ae_train_held). */
typedef struct {
    long max_steps;  /* Adam steps at most */
    long eval_every; /* steps between two evaluations of the held-out loss */
    int patience;    /* evaluations without a relative gain of min_gain before stopping */
    double min_gain; /* e.g. 1e-3: 0.1% lower than the best so far */
} ae_schedule;

typedef enum {
    AE_STOP_EPOCHS = 0, /* ran the epochs asked (ae_train) */
    AE_STOP_BUDGET = 1, /* ran max_steps */
    AE_STOP_EARLY = 2   /* the held-out loss stopped improving */
} ae_stop;

/* What a training run did. */
typedef struct {
    long steps;       /* Adam steps run */
    long best_step;   /* the step whose parameters were kept (steps without held-out images) */
    long images_seen; /* images over all steps: steps * batch, less the partial batches */
    ae_stop stop;
    double held_bce;  /* the best held-out BCE per pixel; NaN without held-out images */
} ae_train_record;

/* Trains like ae_train, but for at most sch->max_steps steps (an epoch is
 * ceil(ds->n / batch) steps; the last one may be partial) instead of
 * o->epochs epochs. Every sch->eval_every steps and after the last, the
 * BCE per pixel of held (the VAE's mean path; a quantisation-aware
 * decoder rounded) is measured; the parameters of the best evaluation are
 * kept, and training stops once sch->patience evaluations in a row have
 * not improved on the best by a relative sch->min_gain. At the end the
 * best parameters are restored. held may be NULL or empty: then the
 * budget alone decides and the last parameters are kept. Progress: one
 * line per evaluation. rec (may be NULL) gets the run's record. */
int ae_train_held(net *enc, net *dec, const dataset *ds, const dataset *held,
                  const ae_schedule *sch, const train_opts *o, const ae_loss_opts *lo,
                  ae_train_record *rec, double *final_loss, ae_train_stats *stats);
/* One batch of ae_train without the update, for ae_train and the tests:
 * forward, the loss terms of lo (NULL: BCE only) and the backward pass,
 * which ZEROES and fills enc's and dec's parameter gradients. x (B, enc's
 * input) in [0,1], the images padded as dataset_batch_padded pads them
 * (the decoder outputs that shape too); labels (B) are needed with a pair
 * loss or a guide, eps (B,d) standard normal with a VAE (else both may be
 * NULL); w from ae_work_init with a batch >= B and the same lo. Returns BCE + beta KL + W L_CL + G CE
 * (BCE summed over the image's pixels, not the frame's, KL over latent
 * dimensions, all averaged over B)
 * and, when terms is not NULL, the four terms unweighted. */
typedef struct {
    tshape frame;   /* the decoder's output: the image, or its padded frame (conv) */
    tshape img;     /* the image, the top-left of frame: the BCE's pixels */
    float *crop;    /* with a frame: (3, batch, C*h*w) cropped logits, images, gradient */
    float *dlogits; /* (batch, frame) */
    float *z;       /* VAE: (batch, d) the sampled latents */
    float *mu;      /* VAE with pairs: (batch, d) the means, contiguous */
    float *dcl;     /* pairs: (batch, d) gradient of L_CL */
    float *dh;      /* VAE or pairs: (batch, enc out) the encoder's output gradient */
    net *guide;     /* guide: the classifier (not owned; only its input gradient is used) */
    float *xhat;    /* guide: (batch, guide's input) the decoded images, padded */
    float *dguide;  /* guide: (batch, classes) gradient of CE w.r.t. its logits */
} ae_work;
/* guide: the trained guide classifier when lo->guide > 0 (built for a
 * batch >= batch, on conv_input_shape(img)), else NULL. img: the images'
 * shape, the decoder's output or its top-left. */
void ae_work_init(ae_work *w, const net *enc, const net *dec, int batch, const ae_loss_opts *lo,
                  net *guide, tshape img);
void ae_work_free(ae_work *w);
/* The reconstruction BCE of ae_batch: bce_logits (layers.h) of the
 * decoder's logits (B, w->frame) against x (B, w->frame), summed over the
 * pixels of w->img only and averaged over B; writes w->dlogits, zero on
 * the frame, which is cropped away when sampling and so is not trained
 * towards anything. */
double ae_batch_bce(ae_work *w, const float *logits, const float *x, int B);
double ae_batch(net *enc, net *dec, const float *x, const int *labels, const float *eps, int B,
                const ae_loss_opts *lo, ae_work *w, double terms[4]);
/* Encodes all n images of ds into z (n, d) in batches of enc->max_batch:
 * the encoder's output, or for a VAE (output 2d per image) its means, the
 * first d values. */
void ae_encode(net *enc, const dataset *ds, float *z, int d);

/* Mean squared error per pixel (values in [0, 1]) of dec(enc(x)) over ds:
 * the encoder's output, or a VAE's mean, decoded with the final sigmoid. */
double ae_reconstruction_mse(net *enc, net *dec, const dataset *ds);
/* The same reconstruction's BCE per pixel (on the logits, as training
 * computes it); ds must not be empty. */
double ae_reconstruction_bce(net *enc, net *dec, const dataset *ds);

/* Trains the judge on ds with softmax cross-entropy for o->epochs epochs,
 * that is judge_train_steps with steps = o->epochs * judge_steps_per_epoch
 * and no weights. */
int judge_train(net *judge, const dataset *ds, const train_opts *o);
/* Optimiser steps in one epoch: ceil(n / batch) (the last batch of an
 * epoch is partial when batch does not divide n). */
long judge_steps_per_epoch(int n, int batch);
/* Trains the judge for exactly `steps` Adam steps (o->epochs is ignored).
 * A step is one batch; batches walk through a shuffled order of ds and a
 * new shuffle starts each epoch, so a set smaller than steps * batch is
 * cycled and steps = e * judge_steps_per_epoch gives exactly e epochs.
 * weights (ds->n) or NULL: per-example loss weights, >= 0 and finite
 * (checked by the caller); each batch then minimises
 *   sum_b w_b l_b / sum_b w_b
 * (a batch whose weights are all 0 contributes a zero gradient).
 * Returns LGC_OK or LGC_ENUMERIC if the loss becomes NaN/Inf. */
int judge_train_steps(net *judge, const dataset *ds, const float *weights, long steps,
                      const train_opts *o);
/* Classifies ds; pred (n) receives the predicted class of each image. */
void judge_predict(net *judge, const dataset *ds, int *pred);

/* Builds the decoder stored in m as a network for batches up to max_batch
 * (parameters copied in). Returns LGC_OK or the status of net_init. */
int decoder_from_model(net *dec, const lgc_model *m, int max_batch);
/* Decodes z (B, d) into 8-bit images (B, h, w, C), channels interleaved as
 * in IDX, rounding the sigmoid output to the nearest of 0..255. The image is
 * the top-left h x w of the decoder's output (C, H', W'), H' >= h, W' >= w:
 * a conv decoder outputs the padded frame. */
void decoder_decode_u8(net *dec, const float *z, int B, int h, int w, uint8_t *out);

#endif
