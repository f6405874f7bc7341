/* augment_set.c - lgc augment's training set (augment_set.h): source
 * images in rounds, warped and written a batch at a time. */
#include <stdlib.h>
#include <string.h>

#include "augment_set.h"
#include "set_writer.h"
#include "util.h"

/* Images warped and written at once: up to BATCH, within BATCH_BYTES. */
#define BATCH 1024
#define BATCH_BYTES ((size_t)64 << 20)

/* The source images in rounds, each a new random order of all of them. */
typedef struct {
    rng_t rng;
    int *round, n, next;
} source_order;

static void source_order_init(source_order *so, int n, uint64_t seed)
{
    rng_stream(&so->rng, seed, RNG_STREAM_AUGMENT_ORDER, 0);
    so->round = xmalloc((size_t)n * sizeof(int));
    so->n = n;
    so->next = n; /* the first call shuffles */
}

static int source_order_next(source_order *so)
{
    if (so->next == so->n) {
        for (int i = 0; i < so->n; i++)
            so->round[i] = i;
        rng_shuffle(&so->rng, so->round, so->n);
        so->next = 0;
    }
    return so->round[so->next++];
}

static int write_set(set_writer *w, const dataset *ds, long n, const augment_opts *a,
                     uint64_t seed)
{
    const size_t bytes = (size_t)ds->h * ds->w * ds->c;
    const size_t fit = BATCH_BYTES / bytes;
    const int batch = fit < 1 ? 1 : fit > BATCH ? BATCH : (int)fit;
    uint8_t *buf = xmalloc((size_t)batch * bytes), *tmp = xmalloc(bytes);
    uint8_t *labels = xmalloc((size_t)batch);
    rng_t rng;
    rng_stream(&rng, seed, RNG_STREAM_WARPS, 0);
    source_order order;
    source_order_init(&order, ds->n, seed);
    int st = LGC_OK;
    for (long s = 0; s < n && st == LGC_OK; s += batch) {
        int B = n - s < batch ? (int)(n - s) : batch;
        for (int i = 0; i < B; i++) {
            const int src = source_order_next(&order);
            memcpy(buf + i * bytes, ds->images + (size_t)src * bytes, bytes);
            labels[i] = ds->labels[src];
        }
        augment_images(buf, tmp, B, ds->h, ds->w, ds->c, a, &rng);
        st = set_writer_put(w, buf, labels, B);
    }
    free(buf);
    free(tmp);
    free(labels);
    free(order.round);
    return st;
}

int augment_set_write(const char *dir, dataset_format format, const dataset *ds, long n,
                      const augment_opts *a, uint64_t seed)
{
    set_writer w;
    int st = set_writer_open(&w, dir, format, n, ds->h, ds->w, ds->c, &ds->classes,
                             ds->n_classes);
    if (st)
        return st;
    if ((st = write_set(&w, ds, n, a, seed))) {
        set_writer_abort(&w);
        return st;
    }
    return set_writer_commit(&w);
}
