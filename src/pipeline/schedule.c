/* schedule.c - how long compress trains (compress.h, "Training length" in
 * docs/DESIGN.md): a step budget from the size of the training part, and
 * how often early stopping looks at the held-out loss. */
#include <assert.h>

#include "compress.h"

long compress_step_budget(long n_train, int batch)
{
    assert(n_train > 0 && batch > 0);
    long epochs = COMPRESS_BUDGET_EPOCHS * ((n_train + batch - 1) / batch);
    if (epochs < COMPRESS_MIN_STEPS)
        return COMPRESS_MIN_STEPS;
    return epochs < COMPRESS_MAX_STEPS ? epochs : COMPRESS_MAX_STEPS;
}

ae_schedule compress_schedule(long max_steps, long n_train, int batch)
{
    assert(max_steps > 0 && n_train > 0 && batch > 0);
    /* every epoch is too often for a tiny set (1,260 images: 10 steps),
     * and an epoch too seldom for a large one */
    long every = (max_steps + COMPRESS_EVAL_POINTS - 1) / COMPRESS_EVAL_POINTS;
    long per_epoch = (n_train + batch - 1) / batch;
    every = every > per_epoch ? every : per_epoch;
    every = every < COMPRESS_MAX_EVAL_EVERY ? every : COMPRESS_MAX_EVAL_EVERY;
    return (ae_schedule){.max_steps = max_steps,
                         .eval_every = every,
                         .patience = COMPRESS_PATIENCE,
                         .min_gain = COMPRESS_MIN_GAIN};
}
