/* holdout.c - the held-out slice of the training split (holdout.h). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "holdout.h"
#include "rng.h"
#include "util.h"

long holdout_class_count(long n_class, double fraction)
{
    assert(fraction >= 0.0 && fraction <= HOLDOUT_MAX_FRACTION && n_class >= 0);
    long k = (long)floor(fraction * (double)n_class);
    return k < n_class ? k : (n_class > 0 ? n_class - 1 : 0);
}

/* The images of ds at idx (n of them), in that order, as a dataset with
 * ds's classes. */
static void gather(dataset *out, const dataset *ds, const int *idx, int n)
{
    const size_t bytes = (size_t)ds->h * ds->w * ds->c;
    *out = (dataset){.n = n, .h = ds->h, .w = ds->w, .c = ds->c, .n_classes = ds->n_classes};
    class_labels_copy(&out->classes, &ds->classes); /* the same class indices as ds */
    if (n == 0)
        return;
    out->images = xmalloc((size_t)n * bytes);
    out->labels = xmalloc((size_t)n);
    for (int i = 0; i < n; i++) {
        memcpy(out->images + (size_t)i * bytes, ds->images + (size_t)idx[i] * bytes, bytes);
        out->labels[i] = ds->labels[idx[i]];
    }
}

void holdout_make(holdout_split *s, const dataset *ds, double fraction, uint64_t seed)
{
    assert(ds->n > 0); /* and so is the training part: every class keeps one */
    long counts[DATASET_MAX_CLASSES], quota[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, ds);
    for (int c = 0; c < ds->n_classes; c++)
        quota[c] = holdout_class_count(counts[c], fraction);
    /* A random order of the whole split; each class holds out its first
     * quota[c] images in that order. */
    int *order = xmalloc((size_t)ds->n * sizeof(int));
    for (int i = 0; i < ds->n; i++)
        order[i] = i;
    rng_t rng;
    rng_stream(&rng, seed, RNG_STREAM_HOLDOUT, 0);
    if (fraction > 0.0)
        rng_shuffle(&rng, order, ds->n);
    uint8_t *is_held = xcalloc((size_t)ds->n, 1);
    for (int i = 0; i < ds->n; i++) {
        int c = ds->labels[order[i]];
        if (quota[c] > 0) {
            quota[c]--;
            is_held[order[i]] = 1;
        }
    }
    int n_held = 0;
    for (int i = 0; i < ds->n; i++)
        n_held += is_held[i];
    s->train_index = xmalloc((size_t)(ds->n - n_held) * sizeof(int));
    s->held_index = n_held ? xmalloc((size_t)n_held * sizeof(int)) : NULL;
    for (int i = 0, t = 0, h = 0; i < ds->n; i++) {
        if (is_held[i])
            s->held_index[h++] = i;
        else
            s->train_index[t++] = i;
    }
    gather(&s->train, ds, s->train_index, ds->n - n_held);
    gather(&s->held, ds, s->held_index, n_held);
    free(is_held);
    free(order);
}

void holdout_free(holdout_split *s)
{
    dataset_free(&s->train);
    dataset_free(&s->held);
    free(s->train_index);
    free(s->held_index);
    memset(s, 0, sizeof *s);
}
