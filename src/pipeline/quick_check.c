/* quick_check.c - the quick classifier of compress's held-out checks
 * (stages.h): the warps check and the decoder check train it on sets they
 * compare and test it on the held-out slice. */
#include <stdlib.h>

#include "model.h"
#include "stages.h"
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
