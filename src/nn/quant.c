/* quant.c - symmetric per-group weight quantisation (include/quant.h).
 *
 * Rewriting what was read reproduces the codes: a group read back has
 * maximum fl(qmax s), and fl(fl(qmax s) / qmax) == s for every s that is
 * an f32 quotient x / qmax (checked for every finite f32 x, for qmax 127
 * and for 7, except where qmax s overflows, which the reader rejects), so
 * the rewrite finds the same s and then the same codes. */
#include <assert.h>
#include <float.h>
#include <math.h>

#include "quant.h"

float quant_scale(const float *w, size_t n, int qmax)
{
    assert(qmax > 0);
    float mx = 0.0f;
    for (size_t j = 0; j < n; j++)
        mx = fabsf(w[j]) > mx ? fabsf(w[j]) : mx;
    const float s = mx / (float)qmax;
    return s < FLT_MIN ? FLT_MIN : s;
}

/* w / s in double is within 2^-52 of the real quotient, so |w - q s| <= s/2
 * up to that; the group's largest |w| lands within 1e-6 of qmax. */
int quant_code(float w, float s, int qmax)
{
    double q = nearbyint((double)w / s);
    q = q > qmax ? qmax : q < -qmax ? -qmax : q;
    return (int)q;
}

void quant_snap(float *w, size_t n, size_t groups, int qmax)
{
    assert(groups >= 1 && n % groups == 0);
    const size_t len = n / groups;
    for (size_t g = 0; g < groups; g++) {
        float *p = w + g * len;
        const float s = quant_scale(p, len, qmax);
        for (size_t j = 0; j < len; j++)
            p[j] = (float)quant_code(p[j], s, qmax) * s;
    }
}
