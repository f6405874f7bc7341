/* sample_labels.c - the label stream of lgc sample (sample.h): exact class
 * counts in random order, replayed from the seed by each writer that needs
 * the labels (the codes follow them, and the label file is written apart
 * from the images). */
#include "sample.h"

void sample_labels_init(sample_labels *ls, const long *quota, int K, uint64_t seed)
{
    rng_stream(&ls->rng, seed, RNG_STREAM_SAMPLE_LABELS, 0);
    ls->K = K;
    ls->total = 0;
    for (int c = 0; c < K; c++) {
        ls->remaining[c] = quota[c];
        ls->total += quota[c];
    }
}

int sample_labels_next(sample_labels *ls)
{
    long r = (long)(rng_uniform(&ls->rng) * (double)ls->total);
    int c = 0;
    while (c < ls->K - 1 && r >= ls->remaining[c])
        r -= ls->remaining[c++];
    while (ls->remaining[c] == 0) /* guards rounding at the top end */
        c--;
    ls->remaining[c]--;
    ls->total--;
    return c;
}
