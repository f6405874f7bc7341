/* net.c - sequential network: shape planning, flat allocation, forward,
 * backward and Adam over the layer functions of layers.h.
 *
 * Memory: one allocation per kind of float (params, grads, Adam m and v,
 * activations, activation gradients) and one convolution workspace per
 * thread sized to the largest layer; nothing is allocated per step.
 *
 * Threads: a batch is cut into chunks of NET_CHUNK images at fixed offsets
 * (0, NET_CHUNK, 2 NET_CHUNK, ...), each OpenMP thread takes a contiguous
 * run of chunks and pushes each chunk through every layer (NCHW is
 * batch-major, so a chunk is a plain offset into each buffer). One
 * fork/join per pass instead of one per layer, and each GEMM is
 * single-threaded and small enough to stay in cache. Because the chunks do
 * not depend on the thread count, every image goes through the same GEMM
 * calls whatever the thread count (OpenBLAS's result for a row can depend on
 * the other rows of the call), so outputs and input gradients are identical
 * for any thread count. In backward, thread t > 0 accumulates parameter
 * gradients into its own buffer, summed into grads in thread order
 * afterwards, so those depend on the thread count (through the order of
 * the sum) but not on scheduling. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "net.h"
#include "util.h"

const char *layer_type_name(layer_type t)
{
    switch (t) {
    case LAYER_DENSE: return "dense";
    case LAYER_CONV3: return "conv3x3";
    case LAYER_MAXPOOL2: return "maxpool2";
    case LAYER_UPSAMPLE2: return "upsample2";
    case LAYER_RELU: return "relu";
    case LAYER_SIGMOID: return "sigmoid";
    case LAYER_AVGPOOL2: return "avgpool2";
    case LAYER_INSTNORM: return "instnorm";
    }
    return "unknown";
}

static int dim_ok(int v) { return v >= 1 && v <= NET_MAX_DIM; }

/* Output shape and parameter counts of one layer, or LGC_EFORMAT. */
static int layer_plan(const layer_spec *s, tshape in, int i, tshape *out, size_t *n_w,
                      size_t *n_b)
{
    *n_w = *n_b = 0;
    *out = in;
    switch (s->type) {
    case LAYER_DENSE:
        if (!dim_ok(s->out.c) || !dim_ok(s->out.h) || !dim_ok(s->out.w))
            return lgc_fail(LGC_EFORMAT, "layer %d (dense): bad output shape", i);
        *out = s->out;
        *n_w = tshape_size(in) * tshape_size(s->out);
        *n_b = tshape_size(s->out);
        break;
    case LAYER_CONV3:
        if (!dim_ok(s->out.c))
            return lgc_fail(LGC_EFORMAT, "layer %d (conv3x3): bad channel count", i);
        out->c = s->out.c;
        *n_w = (size_t)s->out.c * in.c * 9;
        *n_b = (size_t)s->out.c;
        break;
    case LAYER_MAXPOOL2:
    case LAYER_AVGPOOL2: {
        /* the max-pool's argmax needs whole windows; the average pool
         * floors, as the literature's ConvNet-3 does */
        const int max = s->type == LAYER_MAXPOOL2;
        if (max ? in.h % 2 || in.w % 2 : in.h < 2 || in.w < 2)
            return lgc_fail(LGC_EFORMAT, "layer %d (%s): input %dx%d is %s", i,
                            layer_type_name(s->type), in.h, in.w,
                            max ? "not even" : "below 2x2");
        out->h /= 2;
        out->w /= 2;
        break;
    }
    case LAYER_INSTNORM:
        *n_w = *n_b = (size_t)in.c;
        break;
    case LAYER_UPSAMPLE2:
        if (in.h > NET_MAX_DIM / 2 || in.w > NET_MAX_DIM / 2)
            return lgc_fail(LGC_EFORMAT, "layer %d (upsample2): output too large", i);
        out->h *= 2;
        out->w *= 2;
        break;
    case LAYER_RELU:
    case LAYER_SIGMOID:
        break;
    default:
        return lgc_fail(LGC_EFORMAT, "layer %d: unknown type %d", i, (int)s->type);
    }
    /* Bound every tensor so that sizes computed from a file cannot overflow. */
    if (tshape_size(*out) > (size_t)1 << 28 || *n_w > (size_t)1 << 28)
        return lgc_fail(LGC_EFORMAT, "layer %d (%s): tensor too large", i, layer_type_name(s->type));
    return LGC_OK;
}

int net_plan(tshape in, const layer_spec *specs, int n_layers, tshape *out, size_t *n_params)
{
    if (n_layers < 1 || n_layers > NET_MAX_LAYERS)
        return lgc_fail(LGC_EFORMAT, "network has %d layers (1..%d allowed)", n_layers,
                        NET_MAX_LAYERS);
    if (!dim_ok(in.c) || !dim_ok(in.h) || !dim_ok(in.w))
        return lgc_fail(LGC_EFORMAT, "network input shape is out of range");
    size_t total = 0;
    tshape s = in;
    for (int i = 0; i < n_layers; i++) {
        size_t n_w, n_b;
        int st = layer_plan(&specs[i], s, i, &s, &n_w, &n_b);
        if (st)
            return st;
        total += n_w + n_b;
    }
    *out = s;
    *n_params = total;
    return LGC_OK;
}

/* A ReLU after another layer runs in place on that layer's output, and its
 * gradient in place on that layer's output gradient: nothing reads a
 * pre-activation (conv, dense and instance-norm backward need their input
 * and caches, not their output; ReLU's own backward reads its output), so
 * the second buffer, a pass over memory forward and a cleared buffer
 * backward are saved. */
static int relu_in_place(const net *nt, int i)
{
    return i > 0 && nt->layers[i].spec.type == LAYER_RELU;
}

int net_init(net *nt, tshape in, const layer_spec *specs, int n_layers, int max_batch)
{
    assert(max_batch > 0);
    tshape out;
    size_t n_params;
    int st = net_plan(in, specs, n_layers, &out, &n_params);
    if (st)
        return st;

    memset(nt, 0, sizeof *nt);
    nt->n_layers = n_layers;
    nt->layers = xcalloc((size_t)n_layers, sizeof(layer));
    nt->in = in;
    nt->max_batch = max_batch;
    nt->n_params = n_params;

    /* First pass: shapes and the size of every flat buffer. */
    size_t n_act = 0, n_argmax = 0, n_col = 0, n_norm = 0;
    tshape s = in;
    for (int i = 0; i < n_layers; i++) {
        layer *L = &nt->layers[i];
        L->spec = specs[i];
        L->in = s;
        layer_plan(&specs[i], s, i, &L->out, &L->n_w, &L->n_b);
        s = L->out;
        if (!relu_in_place(nt, i))
            n_act += tshape_size(L->out) * (size_t)max_batch;
        if (L->spec.type == LAYER_MAXPOOL2)
            n_argmax += tshape_size(L->out) * (size_t)max_batch;
        if (L->spec.type == LAYER_INSTNORM)
            n_norm += 2 * (size_t)L->out.c * max_batch;
        if (L->spec.type == LAYER_CONV3) {
            size_t c = conv3x3_col_size(L->in.c, L->out.c, L->in.h, L->in.w);
            n_col = c > n_col ? c : n_col;
        }
    }
    nt->params = xcalloc(n_params, sizeof(float));
    nt->grads = xcalloc(n_params, sizeof(float));
    nt->adam_m = xcalloc(n_params, sizeof(float));
    nt->adam_v = xcalloc(n_params, sizeof(float));
    nt->acts = xcalloc(n_act, sizeof(float));
    nt->dacts = xcalloc(n_act, sizeof(float));
    nt->din = xcalloc(tshape_size(in) * (size_t)max_batch, sizeof(float));
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    nt->n_threads = threads < max_batch ? threads : max_batch;
    nt->col_size = n_col;
    nt->col = n_col ? xmalloc(n_col * nt->n_threads * sizeof(float)) : NULL;
    nt->thread_grads = nt->n_threads > 1
                           ? xmalloc(n_params * (size_t)(nt->n_threads - 1) * sizeof(float))
                           : NULL;
    nt->argmax_buf = n_argmax ? xmalloc(n_argmax * sizeof(int)) : NULL;
    nt->norm_buf = n_norm ? xmalloc(n_norm * sizeof(float)) : NULL;

    /* Second pass: point every layer's views into the flat buffers. */
    size_t p = 0, a = 0, m = 0, s_norm = 0;
    for (int i = 0; i < n_layers; i++) {
        layer *L = &nt->layers[i];
        if (L->n_w) {
            L->w = nt->params + p;
            L->dw = nt->grads + p;
            p += L->n_w;
            L->b = nt->params + p;
            L->db = nt->grads + p;
            p += L->n_b;
        }
        if (relu_in_place(nt, i)) { /* shares the previous layer's buffers */
            L->act = nt->layers[i - 1].act;
            L->dact = nt->layers[i - 1].dact;
        } else {
            L->act = nt->acts + a;
            L->dact = nt->dacts + a;
            a += tshape_size(L->out) * (size_t)max_batch;
        }
        if (L->spec.type == LAYER_MAXPOOL2) {
            L->argmax = nt->argmax_buf + m;
            m += tshape_size(L->out) * (size_t)max_batch;
        }
        if (L->spec.type == LAYER_INSTNORM) {
            L->mean = nt->norm_buf + s_norm;
            L->rstd = L->mean + (size_t)L->out.c * max_batch;
            s_norm += 2 * (size_t)L->out.c * max_batch;
        }
    }
    assert(p == n_params);
    return LGC_OK;
}

void net_free(net *nt)
{
    free(nt->layers);
    free(nt->params);
    free(nt->grads);
    free(nt->adam_m);
    free(nt->adam_v);
    free(nt->acts);
    free(nt->dacts);
    free(nt->din);
    free(nt->col);
    free(nt->thread_grads);
    free(nt->argmax_buf);
    free(nt->norm_buf);
    memset(nt, 0, sizeof *nt);
}

void net_init_params(net *nt, rng_t *rng)
{
    /* a fresh start: Adam's moments and step count too, so a net trained
     * again after this trains exactly as a new one */
    memset(nt->adam_m, 0, nt->n_params * sizeof(float));
    memset(nt->adam_v, 0, nt->n_params * sizeof(float));
    nt->step = 0;
    for (int i = 0; i < nt->n_layers; i++) {
        layer *L = &nt->layers[i];
        if (!L->n_w)
            continue;
        if (L->spec.type == LAYER_INSTNORM) {
            for (size_t j = 0; j < L->n_w; j++)
                L->w[j] = 1.0f;
            memset(L->b, 0, L->n_b * sizeof(float));
            continue;
        }
        size_t fan_in = L->spec.type == LAYER_CONV3 ? (size_t)L->in.c * 9 : tshape_size(L->in);
        size_t fan_out = L->n_b;
        /* He init keeps ReLU activations' variance constant through depth;
         * a layer feeding anything else (latent code, logits) gets Glorot. */
        int relu_next = i + 1 < nt->n_layers && nt->layers[i + 1].spec.type == LAYER_RELU;
        double std = relu_next ? sqrt(2.0 / (double)fan_in)
                               : sqrt(2.0 / (double)(fan_in + fan_out));
        for (size_t j = 0; j < L->n_w; j++)
            L->w[j] = (float)(std * rng_normal(rng));
        memset(L->b, 0, L->n_b * sizeof(float));
    }
}

static int n_chunks(int B) { return (B + NET_CHUNK - 1) / NET_CHUNK; }

/* The images [*b0, *b1) of a batch of B that thread t of T works on: whole
 * chunks, as evenly as the chunk count allows. */
static void batch_slice(int B, int t, int T, int *b0, int *b1)
{
    const int nc = n_chunks(B);
    *b0 = (int)((long)nc * t / T) * NET_CHUNK;
    *b1 = (int)((long)nc * (t + 1) / T) * NET_CHUNK;
    *b1 = *b1 < B ? *b1 : B;
    *b0 = *b0 < *b1 ? *b0 : *b1;
}

/* Threads worth starting for a batch of B: one per chunk at most. */
static int batch_threads(const net *nt, int B)
{
    return nt->n_threads < n_chunks(B) ? nt->n_threads : n_chunks(B);
}

/* Thread t's convolution workspace; NULL for a network without convolutions
 * (no workspace: NULL + 0 would be undefined behaviour, and UBSan says so). */
static float *thread_col(const net *nt, int t)
{
    return nt->col ? nt->col + nt->col_size * (size_t)t : NULL;
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Layer i forward on images [b0, b0 + B), x its input at image b0. */
static void layer_forward(net *nt, int i, const float *x, int b0, int B, float *col)
{
    layer *L = &nt->layers[i];
    size_t n = tshape_size(L->out) * (size_t)B;
    float *y = L->act + (size_t)b0 * tshape_size(L->out);
    switch (L->spec.type) {
    case LAYER_DENSE:
        dense_forward(y, x, L->w, L->b, B, (int)tshape_size(L->in), (int)tshape_size(L->out));
        break;
    case LAYER_CONV3:
        conv3x3_forward(y, x, L->w, L->b, col, B, L->in.c, L->in.h, L->in.w, L->out.c);
        break;
    case LAYER_MAXPOOL2:
        maxpool2_forward(y, L->argmax + (size_t)b0 * tshape_size(L->out), x, B, L->in.c,
                         L->in.h, L->in.w);
        break;
    case LAYER_UPSAMPLE2:
        upsample2_forward(y, x, B, L->in.c, L->in.h, L->in.w);
        break;
    case LAYER_AVGPOOL2:
        avgpool2_forward(y, x, B, L->in.c, L->in.h, L->in.w);
        break;
    case LAYER_INSTNORM:
        instance_norm_forward(y, L->mean + (size_t)b0 * L->in.c, L->rstd + (size_t)b0 * L->in.c,
                              x, L->w, L->b, B, L->in.c, L->in.h, L->in.w);
        break;
    case LAYER_RELU:
        relu_forward(y, x, n);
        break;
    case LAYER_SIGMOID:
        sigmoid_forward(y, x, n);
        break;
    }
}

/* Layers [0, upto) on images [b0, b0 + B) of the batch. */
static void forward_slice(net *nt, const float *in, int b0, int B, int upto, float *col)
{
    const float *x = in + (size_t)b0 * tshape_size(nt->in);
    for (int i = 0; i < upto; i++) {
        layer_forward(nt, i, x, b0, B, col);
        x = nt->layers[i].act + (size_t)b0 * tshape_size(nt->layers[i].out);
    }
}

const float *net_forward(net *nt, const float *in, int B, int upto)
{
    assert(B >= 1 && B <= nt->max_batch && upto >= 1 && upto <= nt->n_layers);
    int T = batch_threads(nt, B);
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = thread_id(), b0, b1;
        batch_slice(B, t, T, &b0, &b1);
        for (int c = b0; c < b1; c += NET_CHUNK)
            forward_slice(nt, in, c, b1 - c < NET_CHUNK ? b1 - c : NET_CHUNK, upto,
                          thread_col(nt, t));
    }
    return nt->layers[upto - 1].act;
}

/* Layer i backward on images [b0, b0 + B): x its input and dy its output
 * gradient at image b0; dx (NULL: not wanted) is cleared, then receives
 * the input gradient; parameter gradients go to grads (laid out like
 * nt->grads). */
static void layer_backward(net *nt, int i, const float *x, const float *dy, float *dx, int b0,
                           int B, float *grads, float *col)
{
    layer *L = &nt->layers[i];
    size_t in_size = tshape_size(L->in);
    /* layers accumulate into dx, so clear it first; ReLU writes it (in
     * place when it shares its buffers, see relu_in_place) */
    if (dx && L->spec.type != LAYER_RELU)
        memset(dx, 0, in_size * (size_t)B * sizeof(float));
    size_t n = tshape_size(L->out) * (size_t)B;
    const float *y = L->act + (size_t)b0 * tshape_size(L->out);
    /* grads NULL: the parameters are constants (net_backward_input) */
    float *dw = L->n_w && grads ? grads + (L->dw - nt->grads) : NULL;
    float *db = L->n_w && grads ? grads + (L->db - nt->grads) : NULL;
    switch (L->spec.type) {
    case LAYER_DENSE:
        dense_backward(dx, dw, db, dy, x, L->w, B, (int)in_size, (int)tshape_size(L->out));
        break;
    case LAYER_CONV3:
        conv3x3_backward(dx, dw, db, dy, x, L->w, col, B, L->in.c, L->in.h, L->in.w, L->out.c);
        break;
    case LAYER_MAXPOOL2:
        if (dx)
            maxpool2_backward(dx, dy, L->argmax + (size_t)b0 * tshape_size(L->out), B, L->in.c,
                              L->in.h, L->in.w);
        break;
    case LAYER_UPSAMPLE2:
        if (dx)
            upsample2_backward(dx, dy, B, L->in.c, L->in.h, L->in.w);
        break;
    case LAYER_AVGPOOL2:
        if (dx)
            avgpool2_backward(dx, dy, B, L->in.c, L->in.h, L->in.w);
        break;
    case LAYER_INSTNORM:
        instance_norm_backward(dx, dw, db, dy, x, L->mean + (size_t)b0 * L->in.c,
                               L->rstd + (size_t)b0 * L->in.c, L->w, B, L->in.c, L->in.h,
                               L->in.w);
        break;
    case LAYER_RELU:
        if (dx)
            relu_mask(dx, dy, y, n);
        break;
    case LAYER_SIGMOID:
        if (dx)
            sigmoid_backward(dx, dy, y, n);
        break;
    }
}

/* The input gradient buffer of layer i at image b0: the output gradient of
 * layer i-1, or for layer 0 nt->din when the caller wants it (encoder <-
 * decoder), else NULL (the work is skipped). */
static float *input_grad(net *nt, int i, int b0, int want_din)
{
    size_t off = (size_t)b0 * tshape_size(nt->layers[i].in);
    if (i > 0)
        return nt->layers[i - 1].dact + off;
    return want_din ? nt->din + off : NULL;
}

/* Back-propagates images [b0, b0 + B) through layers [0, upto), with
 * parameter gradients going to grads (a buffer laid out like nt->grads). */
static void backward_slice(net *nt, const float *in, const float *dout, int b0, int B, int upto,
                           int want_din, float *grads, float *col)
{
    const float *dy = dout + (size_t)b0 * tshape_size(nt->layers[upto - 1].out);
    for (int i = upto - 1; i >= 0; i--) {
        size_t in_off = (size_t)b0 * tshape_size(nt->layers[i].in);
        const float *x = (i ? nt->layers[i - 1].act : in) + in_off;
        float *dx = input_grad(nt, i, b0, want_din);
        layer_backward(nt, i, x, dy, dx, b0, B, grads, col);
        dy = dx;
    }
}

void net_layer_forward(net *nt, int i, const float *in, int B)
{
    assert(i >= 0 && i < nt->n_layers && B >= 1 && B <= nt->max_batch);
    layer_forward(nt, i, i ? nt->layers[i - 1].act : in, 0, B, nt->col);
}

void net_layer_backward(net *nt, int i, const float *in, int B, int want_din)
{
    assert(i >= 0 && i < nt->n_layers && B >= 1 && B <= nt->max_batch);
    layer_backward(nt, i, i ? nt->layers[i - 1].act : in, nt->layers[i].dact,
                   input_grad(nt, i, 0, want_din), 0, B, nt->grads, nt->col);
}

/* net_backward, or with params 0 net_backward_input. */
static void backward(net *nt, const float *in, const float *dout, int B, int upto, int want_din,
                     int params)
{
    assert(B >= 1 && B <= nt->max_batch && upto >= 1 && upto <= nt->n_layers);
    int T = batch_threads(nt, B);
#pragma omp parallel num_threads(T) if (T > 1)
    {
        int t = thread_id(), b0, b1;
        batch_slice(B, t, T, &b0, &b1);
        float *g = !params ? NULL : t ? nt->thread_grads + nt->n_params * (size_t)(t - 1)
                                       : nt->grads;
        if (g && t)
            memset(g, 0, nt->n_params * sizeof(float));
        for (int c = b0; c < b1; c += NET_CHUNK)
            backward_slice(nt, in, dout, c, b1 - c < NET_CHUNK ? b1 - c : NET_CHUNK, upto,
                           want_din, g, thread_col(nt, t));
        if (params && T > 1) {
            /* Sum the thread buffers into grads, each thread a range of
             * parameters, adding buffers in thread order. */
#pragma omp barrier
            size_t j0 = nt->n_params * (size_t)t / T, j1 = nt->n_params * (size_t)(t + 1) / T;
            for (int u = 1; u < T; u++) {
                const float *gu = nt->thread_grads + nt->n_params * (size_t)(u - 1);
                for (size_t j = j0; j < j1; j++)
                    nt->grads[j] += gu[j];
            }
        }
    }
}

void net_backward(net *nt, const float *in, const float *dout, int B, int upto, int want_din)
{
    backward(nt, in, dout, B, upto, want_din, 1);
}

void net_backward_input(net *nt, const float *in, const float *dout, int B)
{
    backward(nt, in, dout, B, nt->n_layers, 1, 0);
}

void net_zero_grad(net *nt) { memset(nt->grads, 0, nt->n_params * sizeof(float)); }

void net_adam_step(net *nt, const adam_cfg *cfg)
{
    nt->step++;
    adam_update(nt->params, nt->grads, nt->adam_m, nt->adam_v, nt->n_params, cfg, nt->step);
}

tshape net_out_shape(const net *nt) { return nt->layers[nt->n_layers - 1].out; }
