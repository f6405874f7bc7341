/* model.h - lgc's two fixed architectures and their training loops.
 *
 * Autoencoder (default d = 16), for an image (C, H, W) with H, W divisible
 * by 4:
 *   encoder: conv C->c1 + ReLU, max-pool; conv c1->c2 + ReLU, max-pool;
 *            dense (c2*H/4*W/4) -> d
 *   decoder: dense d -> (c2*H/4*W/4) + ReLU; upsample; conv c2->c1 + ReLU;
 *            upsample; conv c1->C; sigmoid
 * Judge classifier (lgc eval):
 *   conv C->32 + ReLU, max-pool; conv 32->64 + ReLU, max-pool;
 *   dense (64*H/4*W/4) -> 128 + ReLU; dense 128 -> classes */
#ifndef LGC_MODEL_H
#define LGC_MODEL_H

#include <stdint.h>
#include "dataset.h"
#include "lgcfile.h"
#include "net.h"

typedef struct {
    int latent; /* d */
    int c1, c2; /* channel widths */
} ae_arch;

#define AE_DEFAULT_LATENT 16
#define AE_DEFAULT_C1 16
#define AE_DEFAULT_C2 32
#define AE_MAX_LAYERS 16

/* Fill specs (room for AE_MAX_LAYERS) and return the layer count, or
 * LGC_EUSAGE when the image size does not fit the architecture. */
int ae_encoder_specs(layer_spec *specs, tshape img, const ae_arch *a);
int ae_decoder_specs(layer_spec *specs, tshape img, const ae_arch *a);
int judge_specs(layer_spec *specs, tshape img, int n_classes);

typedef struct {
    int epochs;
    int batch;
    float lr;
    int quiet;     /* no progress on stderr */
    uint64_t seed; /* shuffling */
} train_opts;

/* Trains enc and dec (built with max_batch >= o->batch, parameters
 * initialised) to reconstruct ds with the BCE loss. Returns LGC_OK, or
 * LGC_ENUMERIC if the loss becomes NaN/Inf. *final_loss gets the last
 * epoch's mean BCE per pixel. */
int ae_train(net *enc, net *dec, const dataset *ds, const train_opts *o, double *final_loss);
/* Encodes all n images of ds into z (n, d) in batches of enc->max_batch. */
void ae_encode(net *enc, const dataset *ds, float *z);

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
/* Decodes z (B, d) into 8-bit images (B, H, W, C), channels interleaved as
 * in IDX, rounding the sigmoid output to the nearest of 0..255. */
void decoder_decode_u8(net *dec, const float *z, int B, uint8_t *out);

#endif
