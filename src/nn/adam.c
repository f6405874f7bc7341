/* adam.c - Adam (Kingma & Ba 2015) over one flat parameter array.
 *
 * The network keeps params, grads, m and v as four parallel flat arrays,
 * so the whole optimizer step is one loop. The bias corrections
 * 1 - beta^step are computed once per call in double. */
#include <assert.h>
#include <math.h>

#include "layers.h"

/* params, grads, m, v: (n); step >= 1 is the number of this update. */
void adam_update(float *params, const float *grads, float *m, float *v, size_t n,
                 const adam_cfg *cfg, long step)
{
    assert(step >= 1);
    const float b1 = cfg->beta1, b2 = cfg->beta2;
    assert(b1 >= 0.0f && b1 < 1.0f && b2 >= 0.0f && b2 < 1.0f);
    /* m and v start at 0, so early averages are biased towards 0 by the
     * factor 1 - beta^step; dividing it out gives unbiased estimates. */
    const float bc1 = (float)(1.0 - pow(b1, (double)step));
    const float bc2 = (float)(1.0 - pow(b2, (double)step));
    /* The judge has 421k parameters: worth splitting across threads (this
     * runs outside any BLAS call, so the cores are free). */
#pragma omp parallel for schedule(static) if (n >= 65536)
    for (size_t i = 0; i < n; i++) {
        const float g = grads[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        const float mhat = m[i] / bc1, vhat = v[i] / bc2;
        params[i] -= cfg->lr * mhat / (sqrtf(vhat) + cfg->eps);
    }
}
