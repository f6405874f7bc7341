/* quick_check.c - the quick classifier of compress's held-out checks
 * (stages.h): the warps check and the decoder check train it on sets they
 * compare and test it on the held-out slice. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "stages.h"
#include "subset.h"
#include "util.h"
#include "warps.h"

int quick_check_init(quick_check *q, tshape img, int n_classes, const dataset *held,
                     uint64_t seed)
{
    *q = (quick_check){.held = held, .seed = seed};
    layer_spec specs[AE_MAX_LAYERS];
    int n_layers = quick_specs(specs, img, n_classes);
    if (n_layers < 0)
        return n_layers;
    return net_init(&q->clf, conv_input_shape(img), specs, n_layers, WARPS_CHECK_BATCH);
}

/* Initialised alike for every training set, so that only the set differs
 * between the sets compared. */
double quick_accuracy(quick_check *q, const dataset *train)
{
    rng_t rng;
    rng_stream(&rng, q->seed, RNG_STREAM_WARPS_CHECK, 0);
    net_init_params(&q->clf, &rng);
    const train_opts o = {.batch = WARPS_CHECK_BATCH, .lr = 1e-3f, .quiet = 1, .seed = q->seed};
    if (judge_train_steps(&q->clf, train, NULL, WARPS_CHECK_STEPS, &o))
        return -1.0;
    int *pred = xmalloc((size_t)q->held->n * sizeof(int));
    judge_predict(&q->clf, q->held, pred);
    long right = 0;
    for (int i = 0; i < q->held->n; i++)
        right += pred[i] == q->held->labels[i];
    free(pred);
    return (double)right / q->held->n;
}

void quick_check_free(quick_check *q) { net_free(&q->clf); }

int *random_images(dataset *out, const dataset *train, long n_distinct, long n, uint64_t seed)
{
    long counts[DATASET_MAX_CLASSES], quota[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, train);
    if (subset_quota(quota, counts, train->n_classes, n_distinct))
        return NULL;
    int *idx = xmalloc((size_t)n_distinct * sizeof(int));
    subset_random(idx, train, quota, seed);
    const size_t img_bytes = (size_t)train->h * train->w * train->c;
    *out = (dataset){.n = (int)n, .h = train->h, .w = train->w, .c = train->c,
                     .n_classes = train->n_classes};
    out->images = xmalloc((size_t)n * img_bytes);
    out->labels = xmalloc((size_t)n);
    for (long i = 0; i < n; i++) {
        const long j = idx[i % n_distinct];
        memcpy(out->images + (size_t)i * img_bytes, train->images + (size_t)j * img_bytes,
               img_bytes);
        out->labels[i] = train->labels[j];
    }
    return idx;
}
