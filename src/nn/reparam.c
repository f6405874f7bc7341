/* reparam.c - the VAE's reparameterised sampling as a layer:
 * z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1) drawn by the caller,
 * so that z is a differentiable function of the encoder's (mu, logvar)
 * at fixed eps. */
#include <assert.h>
#include <math.h>

#include "layers.h"

/* h (B, 2Z) rows [mu (Z), logvar (Z)], eps (B,Z) -> z (B,Z) */
void reparam_forward(float *z, const float *h, const float *eps, int B, int Z)
{
    assert(B > 0 && Z > 0);
    for (int b = 0; b < B; b++) {
        const float *mu = h + (size_t)b * 2 * Z, *lv = mu + Z, *e = eps + (size_t)b * Z;
        float *zb = z + (size_t)b * Z;
        for (int k = 0; k < Z; k++)
            zb[k] = mu[k] + expf(0.5f * lv[k]) * e[k];
    }
}

/* dz (B,Z) -> dh (B, 2Z) +=
 *   dmu = dz;  dlogvar = dz * eps * exp(logvar / 2) / 2   (dz/dlv) */
void reparam_backward(float *dh, const float *dz, const float *h, const float *eps, int B, int Z)
{
    assert(B > 0 && Z > 0);
    for (int b = 0; b < B; b++) {
        const float *lv = h + (size_t)b * 2 * Z + Z, *e = eps + (size_t)b * Z;
        const float *g = dz + (size_t)b * Z;
        float *dmu = dh + (size_t)b * 2 * Z, *dlv = dmu + Z;
        for (int k = 0; k < Z; k++) {
            dmu[k] += g[k];
            dlv[k] += g[k] * e[k] * 0.5f * expf(0.5f * lv[k]);
        }
    }
}
