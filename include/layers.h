/* layers.h - neural-network layers as forward/backward function pairs.
 *
 * Conventions (llm.c style):
 * - Every buffer is caller-owned, contiguous float, row-major. Nothing here
 *   allocates.
 * - Images are NCHW: (B, C, H, W). Dense data is (B, F).
 * - Arguments: outputs first, then inputs and weights, then workspaces, then
 *   dimensions.
 * - Backward functions ACCUMULATE (+=) into din, dw, db; the caller zeroes
 *   gradients once per step. din may be NULL when no input gradient is
 *   needed (first layer); dw and db may both be NULL when the parameters
 *   are constants (a fixed network's input gradient); that work is then
 *   skipped.
 * - Dimension letters: B batch, C/OC in/out channels, H/W height/width,
 *   F/O in/out features. */
#ifndef LGC_LAYERS_H
#define LGC_LAYERS_H

#include <math.h>
#include <stddef.h>

/* --- dense: out (B,O) = in (B,F) . w^T + b;  w (O,F), b (O) --- */
void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int F, int O);
void dense_backward(float *din, float *dw, float *db, const float *dout,
                    const float *in, const float *w, int B, int F, int O);

/* --- 3x3 convolution, stride 1, zero padding 1 (output H x W) ---
 * w (OC, C, 3, 3), b (OC); in (B,C,H,W); out (B,OC,H,W).
 * Implemented per image as GEMMs (im2col, or kn2row when the layer reduces
 * channels; see conv3x3.c) so that the operands stay in cache. col is a
 * caller-owned workspace of conv3x3_col_size floats. Backward recomputes
 * im2col from in (cheaper in memory than caching it). */
size_t conv3x3_col_size(int C, int OC, int H, int W);
void conv3x3_forward(float *out, const float *in, const float *w, const float *b,
                     float *col, int B, int C, int H, int W, int OC);
void conv3x3_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, float *col,
                      int B, int C, int H, int W, int OC);
/* im2col for 3x3/pad 1 over a batch: col[(c*9 + ky*3 + kx), b*H*W + y*W + x]
 * = in[b, c, y+ky-1, x+kx-1] (0 outside). col2im is its adjoint: it
 * scatter-adds col back into din (+=); it zeroes col's padding entries on
 * the way (col is clobbered there). */
void im2col3x3(float *col, const float *in, int B, int C, int H, int W);
void col2im3x3(float *din, float *col, int B, int C, int H, int W);

/* --- 2x2 max-pool, stride 2: in (B,C,H,W) -> out (B,C,H/2,W/2) ---
 * H and W must be even. argmax (B*C*H/2*W/2 ints) caches which input won,
 * written by forward and read by backward. */
void maxpool2_forward(float *out, int *argmax, const float *in, int B, int C, int H, int W);
void maxpool2_backward(float *din, const float *dout, const int *argmax,
                       int B, int C, int H, int W);

/* --- 2x2 average pool, stride 2: in (B,C,H,W) -> out (B,C,H/2,W/2) ---
 * Sizes are floored (H, W >= 2): an odd plane's last row or column is
 * dropped, as PyTorch's AvgPool2d(2, 2) drops it, and gets no gradient. */
void avgpool2_forward(float *out, const float *in, int B, int C, int H, int W);
void avgpool2_backward(float *din, const float *dout, int B, int C, int H, int W);

/* --- instance norm with a per-channel affine: in, out (B,C,H,W) ---
 * Each (image, channel) plane is normalised over its H*W pixels by its mean
 * and biased variance, then scaled and shifted:
 *   out = scale[c] * (in - mean) / sqrt(var + INSTANCE_NORM_EPS) + shift[c].
 * scale and shift are (C); mean and rstd (B,C) cache each plane's mean and
 * 1/sqrt(var + eps), written by forward and read by backward. Backward
 * accumulates into din (may be NULL) and dscale, dshift (both NULL, or
 * neither). */
#define INSTANCE_NORM_EPS 1e-5
void instance_norm_forward(float *out, float *mean, float *rstd, const float *in,
                           const float *scale, const float *shift, int B, int C, int H, int W);
void instance_norm_backward(float *din, float *dscale, float *dshift, const float *dout,
                            const float *in, const float *mean, const float *rstd,
                            const float *scale, int B, int C, int H, int W);

/* --- nearest 2x upsample: in (B,C,H,W) -> out (B,C,2H,2W) --- */
void upsample2_forward(float *out, const float *in, int B, int C, int H, int W);
void upsample2_backward(float *din, const float *dout, int B, int C, int H, int W);

/* --- elementwise activations over n floats ---
 * Backward uses the forward OUTPUT (relu: out > 0; sigmoid: out*(1-out)),
 * so the input need not be kept. */
void relu_forward(float *out, const float *in, size_t n);
void relu_backward(float *din, const float *dout, const float *out, size_t n);
/* The same gradient WRITTEN rather than accumulated: din = dout where
 * out > 0, else 0. din may alias dout (and out may alias the forward's
 * input), so a network can run ReLU in place (net.c). */
void relu_mask(float *din, const float *dout, const float *out, size_t n);
void sigmoid_forward(float *out, const float *in, size_t n);
/* 1/(1+e^-x) evaluating exp of a non-positive argument only, so neither
 * branch overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0. */
static inline float sigmoid_stable(float x)
{
    const float e = expf(x >= 0.0f ? -x : x);
    return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}
void sigmoid_backward(float *din, const float *dout, const float *out, size_t n);

/* --- losses: return the mean loss over the batch (sum over features,
 * mean over B) and WRITE (not accumulate) the gradient w.r.t. their input.
 * dlogits / dpred may be NULL to only evaluate. --- */
/* Softmax cross-entropy: logits (B,K), labels (B) in [0,K); probs (B,K)
 * receives the softmax (may be NULL). Uses the max-shift for stability. */
double softmax_xent(float *dlogits, float *probs, const float *logits,
                    const int *labels, int B, int K);
/* Binary cross-entropy on LOGITS z with targets t in [0,1]:
 * l = softplus(z) - t*z, computed stably; dz = sigmoid(z) - t. Used for the
 * decoder so that the final sigmoid and BCE fuse into one stable step. */
double bce_logits(float *dz, const float *z, const float *t, int B, size_t F);
/* Mean squared error: l = sum (p - t)^2 / B; dp = 2 (p - t) / B. */
double mse_loss(float *dpred, const float *pred, const float *t, int B, size_t F);
/* Contrastive pair loss on latents z (B,Z) with labels (B), over ALL
 * N = B(B-1)/2 pairs i < j of the batch:
 *   L = 1/(2N) sum_pairs (1 - y) D^2 + y max(0, M - D)^2,
 * y = 1 when the two labels differ, D = ||z_i - z_j||, M = margin >= 0.
 * Returns L (already an average: not divided by B again); writes dz (B,Z).
 * A different-class pair at D = 0 exactly costs M^2 but gets gradient 0
 * (no direction to push along), so the result is never NaN. B < 2 has no
 * pairs: returns 0 and a zero dz. */
double contrastive_loss(float *dz, const float *z, const int *labels, int B, int Z,
                        float margin);
/* VAE: KL(N(mu, exp(logvar)) || N(0, I)) for h (B, 2Z) whose rows are
 * [mu (Z), logvar (Z)]: per example -1/2 sum (1 + logvar - mu^2 -
 * exp(logvar)), mean over B; writes dh (B, 2Z). */
double kl_normal(float *dh, const float *h, int B, int Z);

/* --- VAE reparameterisation: z (B,Z) = mu + exp(logvar/2) * eps ---
 * h (B, 2Z) rows [mu, logvar]; eps (B,Z) standard normal, drawn by the
 * caller (fixed for the backward). Backward accumulates into dh (B, 2Z):
 * dmu += dz, dlogvar += dz * eps * exp(logvar/2) / 2. */
void reparam_forward(float *z, const float *h, const float *eps, int B, int Z);
void reparam_backward(float *dh, const float *dz, const float *h, const float *eps, int B, int Z);

/* --- Adam (bias-corrected) over a flat parameter array ---
 * step is 1-based; m and v start zeroed. */
typedef struct {
    float lr, beta1, beta2, eps;
} adam_cfg;
void adam_update(float *params, const float *grads, float *m, float *v, size_t n,
                 const adam_cfg *cfg, long step);

#endif
