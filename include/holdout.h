/* holdout.h - a held-out slice of the training split, per class.
 *
 * lgc compress trains the autoencoder on the rest and watches its
 * reconstruction loss on the slice to decide when to stop (compress.h);
 * the mixtures are fitted to the rest's codes only, so the slice's codes
 * measure them honestly too.
 *
 * The rule: class c with n_c images holds out floor(fraction * n_c) of
 * them, chosen at random with the seed. With fraction <= 0.5 that keeps
 * at least one training image in every class (n_c = 1: none held out),
 * and a class smaller than 1 / fraction (9 images at 10%) has none to
 * spare and holds out nothing. */
#ifndef LGC_HOLDOUT_H
#define LGC_HOLDOUT_H

#include <stdint.h>
#include "dataset.h"

#define HOLDOUT_MAX_FRACTION 0.5

typedef struct {
    dataset train, held; /* copies of the images, labels and classes, in dataset order */
    int *train_index;    /* (train.n) each image's position in the whole split */
    int *held_index;     /* (held.n) */
} holdout_split;

/* Images class c holds out: floor(fraction * n_class), at most
 * n_class - 1. fraction in [0, HOLDOUT_MAX_FRACTION]. */
long holdout_class_count(long n_class, double fraction);

/* Splits ds by the rule above. fraction 0 holds out nothing: train is a
 * copy of ds and held is empty (n 0, NULL arrays). The same seed gives
 * the same split. Free with holdout_free. */
void holdout_make(holdout_split *s, const dataset *ds, double fraction, uint64_t seed);
void holdout_free(holdout_split *s);

#endif
