/* loss.c - training losses: softmax cross-entropy, binary cross-entropy on
 * logits, and mean squared error.
 *
 * Each returns the per-example loss summed over features and averaged over
 * the batch B (accumulated in double), and WRITES (not accumulates) the
 * gradient w.r.t. its input, already divided by B, so it can seed a
 * backward pass directly. A NULL gradient pointer only evaluates. */
#include <assert.h>
#include <math.h>

#include "layers.h"

/* logits (B,K), labels (B) -> probs (B,K) (may be NULL), dlogits (B,K) (may be NULL)
 * l_b = logsumexp(z_b) - z_b[y_b];  dl/dz = (softmax(z) - onehot(y)) / B */
double softmax_xent(float *dlogits, float *probs, const float *logits,
                    const int *labels, int B, int K)
{
    assert(B > 0 && K > 0);
    double total = 0.0;
    for (int ib = 0; ib < B; ib++) {
        const float *z = logits + (size_t)ib * K;
        const int y = labels[ib];
        assert(y >= 0 && y < K);
        /* Shifting by the max keeps every exp in (0, 1]: no overflow, and
         * the largest term is exactly 1 so the sum never underflows to 0. */
        float zmax = z[0];
        for (int k = 1; k < K; k++)
            zmax = z[k] > zmax ? z[k] : zmax;
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += exp((double)z[k] - zmax);
        total += log(sum) + zmax - z[y];
        for (int k = 0; k < K; k++) {
            const double p = exp((double)z[k] - zmax) / sum;
            if (probs)
                probs[(size_t)ib * K + k] = (float)p;
            if (dlogits)
                dlogits[(size_t)ib * K + k] = (float)((p - (k == y)) / B);
        }
    }
    return total / B;
}

/* z (B,F) logits, t (B,F) targets in [0,1] -> dz (B,F) (may be NULL)
 * l = softplus(z) - t z = max(z,0) - t z + log1p(exp(-|z|));
 * dl/dz = (sigmoid(z) - t) / B */
double bce_logits(float *dz, const float *z, const float *t, int B, size_t F)
{
    assert(B > 0);
    const size_t n = (size_t)B * F;
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double x = z[i];
        /* e = exp(-|z|) <= 1 never overflows and gives both the softplus
         * tail and a sigmoid that is stable on either side of 0. */
        const double e = exp(-fabs(x));
        total += (x > 0.0 ? x : 0.0) - t[i] * x + log1p(e);
        if (dz) {
            const double s = x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            dz[i] = (float)((s - t[i]) / B);
        }
    }
    return total / B;
}

/* pred (B,F), t (B,F) -> dpred (B,F) (may be NULL)
 * l = sum (p - t)^2 / B;  dl/dp = 2 (p - t) / B */
double mse_loss(float *dpred, const float *pred, const float *t, int B, size_t F)
{
    assert(B > 0);
    const size_t n = (size_t)B * F;
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)pred[i] - t[i];
        total += d * d;
        if (dpred)
            dpred[i] = (float)(2.0 * d / B);
    }
    return total / B;
}
