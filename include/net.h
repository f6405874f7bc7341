/* net.h - a sequential network over the layers of layers.h.
 *
 * A network is a list of layer specs applied to an input of shape (C,H,W)
 * per example. net_init derives every shape, then makes one allocation per
 * kind of float (params, grads, Adam m, Adam v, activations, activation
 * grads) with each layer holding named views into them (llm.c style), so
 * init, the optimiser and serialisation are flat loops.
 *
 * Parameter order (also the .lgc order): for each layer with weights, w then
 * b. Dense w is (O, F) with F the flattened CHW input; conv w is
 * (OC, C, 3, 3); instance norm's w and b are its scale and shift (C). The
 * .lgc format stores decoders, which use the first six layer types only. */
#ifndef LGC_NET_H
#define LGC_NET_H

#include <stddef.h>
#include "layers.h"
#include "rng.h"

typedef enum {
    LAYER_DENSE = 1,     /* out: any (c,h,w); output flattened CHW */
    LAYER_CONV3 = 2,     /* out.c = output channels; 3x3, pad 1 */
    LAYER_MAXPOOL2 = 3,  /* halves h and w (both must be even) */
    LAYER_UPSAMPLE2 = 4, /* doubles h and w */
    LAYER_RELU = 5,
    LAYER_SIGMOID = 6,
    LAYER_AVGPOOL2 = 7,  /* halves h and w, floored (both must be >= 2) */
    LAYER_INSTNORM = 8,  /* instance norm; w = per-channel scale, b = shift */
} layer_type;

#define NET_MAX_LAYERS 64
/* Each thread pushes its slice of a batch through the network NET_CHUNK
 * images at a time, so that a chunk's activations stay in cache from one
 * layer to the next instead of streaming through memory once per layer. */
#ifndef NET_CHUNK
#define NET_CHUNK 16
#endif
#define NET_MAX_DIM 65536 /* bound on any c, h, w in a spec */

typedef struct {
    int c, h, w;
} tshape;

static inline size_t tshape_size(tshape s) { return (size_t)s.c * s.h * s.w; }

typedef struct {
    layer_type type;
    tshape out; /* DENSE: full output shape; CONV3: out.c only; else unused */
} layer_spec;

typedef struct {
    layer_spec spec;
    tshape in, out;
    size_t n_w, n_b; /* parameter counts (0 for parameter-free layers) */
    float *w, *b;    /* views into net.params */
    float *dw, *db;  /* views into net.grads */
    float *act;      /* (B, out) output, view into net.acts; a ReLU after
                      * another layer shares that layer's (runs in place) */
    float *dact;     /* (B, out) gradient of the output; shared likewise */
    int *argmax;     /* (B, out) max-pool cache, else NULL */
    float *mean, *rstd; /* (B, C) instance-norm cache, else NULL */
} layer;

typedef struct {
    int n_layers;
    layer *layers;
    tshape in;
    int max_batch;
    size_t n_params;
    float *params, *grads, *adam_m, *adam_v; /* (n_params) each */
    float *acts, *dacts;                     /* all layer outputs, (B, sum out) */
    float *din;                              /* (B, in) gradient w.r.t. the input */
    int n_threads;                           /* OpenMP threads a batch is split over */
    size_t col_size;                         /* conv workspace floats per thread */
    float *col;                              /* (n_threads, col_size) */
    float *thread_grads;                     /* (n_threads - 1, n_params) */
    int *argmax_buf;
    float *norm_buf;                         /* every instance norm's mean and rstd */
    long step; /* Adam steps taken */
} net;

/* Derives shapes without allocating: returns LGC_OK and sets *out and
 * *n_params, or LGC_EFORMAT (message says which layer is inconsistent).
 * Used by net_init and by the .lgc reader to validate a stored model. */
int net_plan(tshape in, const layer_spec *specs, int n_layers, tshape *out,
             size_t *n_params);

/* Builds the network for batches up to max_batch. Returns LGC_OK or the
 * status of net_plan. Free with net_free. */
int net_init(net *nt, tshape in, const layer_spec *specs, int n_layers, int max_batch);
void net_free(net *nt);

/* He-normal weights for layers followed by ReLU, Glorot otherwise; zero
 * biases; instance norms start as the identity (scale 1, shift 0, and no
 * draw from rng); Adam's state cleared: a net trained again after this
 * trains as a new one. */
void net_init_params(net *nt, rng_t *rng);

/* Runs layers [0, upto) on in (B, in) and returns the output of layer
 * upto-1 (a view valid until the next forward). upto = n_layers for all. */
const float *net_forward(net *nt, const float *in, int B, int upto);
/* Back-propagates dout, the gradient w.r.t. the output of layer upto-1,
 * through layers [0, upto) after the matching net_forward; accumulates
 * into grads and, when want_din, writes nt->din. */
void net_backward(net *nt, const float *in, const float *dout, int B, int upto, int want_din);
/* The gradient w.r.t. the input alone, into nt->din, for a network whose
 * parameters are constants (the guide of model.h): back-propagates dout
 * through all layers after a net_forward of all of them, skipping every
 * parameter gradient; nt->grads is not touched. */
void net_backward_input(net *nt, const float *in, const float *dout, int B);
void net_zero_grad(net *nt);
/* One layer alone on images [0, B), on the calling thread, for benchmarks
 * that time layers one by one: forward reads the previous layer's output
 * (in, for layer 0) and writes this layer's; backward reads this layer's
 * output gradient buffer (layer i's dact, so the caller fills it for the
 * last layer) and writes the previous layer's (nt->din for layer 0 when
 * want_din), accumulating into grads. Run a whole forward first. */
void net_layer_forward(net *nt, int i, const float *in, int B);
void net_layer_backward(net *nt, int i, const float *in, int B, int want_din);
void net_adam_step(net *nt, const adam_cfg *cfg);
/* "dense", "conv3x3", ... for messages and reports. */
const char *layer_type_name(layer_type t);
/* Output shape of the whole network. */
tshape net_out_shape(const net *nt);

#endif
