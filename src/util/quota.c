/* quota.c - largest remainder rounding of class shares (quota.h). */
#include <assert.h>

#include "quota.h"

/* Classes of lgc (DATASET_MAX_CLASSES, LGCF_MAX_CLASSES). */
#define QUOTA_MAX_CLASSES 256

void quota_largest_remainder(long *quota, const long *weights, int K, long n, const long *cap)
{
    assert(K >= 1 && K <= QUOTA_MAX_CLASSES && n >= 0);
    long total = 0;
    for (int c = 0; c < K; c++)
        total += weights[c];
    assert(total > 0);
    double frac[QUOTA_MAX_CLASSES];
    long given = 0;
    for (int c = 0; c < K; c++) {
        double q = (double)n * (double)weights[c] / (double)total;
        quota[c] = (long)q;
        frac[c] = q - (double)quota[c];
        given += quota[c];
    }
    /* frac[c] = -1 marks a class that had its extra one */
    for (; given < n; given++) {
        int best = -1;
        for (int c = 0; c < K; c++)
            if ((!cap || quota[c] < cap[c]) && (best < 0 || frac[c] > frac[best]))
                best = c;
        assert(best >= 0);
        quota[best]++;
        frac[best] = -1;
    }
}
