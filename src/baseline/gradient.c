/* gradient.c - gradient-based exemplar clustering (subset_gradient), the
 * "smart coreset" baseline, in the manner of CRAIG
 * (Mirzasoleiman et al., 2020): examples whose training gradients are
 * alike are interchangeable for training, so keep one medoid per cluster
 * of gradients and weight it by the examples it stands for.
 *
 * Which gradient: the judge's last layer only. For softmax cross-entropy
 * the gradient w.r.t. the last dense layer's weights and bias is the
 * outer product (p - y) (x) [h, 1], with p the softmax output, y the
 * one-hot label and h the layer's 128 inputs (the penultimate activation).
 * It is the part of the full gradient that is cheap (one forward pass)
 * and, as CRAIG argues, the part that captures most of the variation of the
 * full gradient's norm between examples. Its
 * 10 x 129 = 1,290 numbers are never formed: kmedoids.h works on the two
 * factors, 139 floats per example, which keeps 60,000 examples at 33 MB
 * and every distance at 139 multiply-adds. Within a class y is fixed, so
 * p - y alone would collapse nearly all confidently classified images to
 * one point; the product with h keeps what the judge sees in each image,
 * scaled by how wrong it still is.
 *
 * Workload (MNIST, 2 cores): the judge's epochs dominate (~20 s each);
 * features are one forward pass (~7 s); k-medoids runs one class per
 * thread, its cost quadratic in cluster size (0.4 s for 10 classes of
 * ~1,000 images at k = 2, so ~15 s for MNIST's ~6,000 per class). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmedoids.h"
#include "model.h"
#include "rng.h"
#include "subset.h"
#include "util.h"

/* Images per forward pass when taking features. */
#define FEATURE_BATCH 256

void gradient_features(float *a, float *b, net *judge, const dataset *ds)
{
    int L = judge->n_layers;
    const layer *last = &judge->layers[L - 1];
    assert(L >= 2 && last->spec.type == LAYER_DENSE);
    int K = (int)tshape_size(last->out), H = (int)tshape_size(last->in);
    int bs = judge->max_batch;
    float *x = xmalloc((size_t)bs * tshape_size(judge->in) * sizeof(float));
    float *probs = xmalloc((size_t)bs * K * sizeof(float)); /* (bs, K) */
    int *idx = xmalloc((size_t)bs * sizeof(int)), *labels = xmalloc((size_t)bs * sizeof(int));
    for (int s = 0; s < ds->n; s += bs) {
        int B = ds->n - s < bs ? ds->n - s : bs;
        for (int i = 0; i < B; i++)
            idx[i] = s + i;
        dataset_batch_padded(x, ds, idx, B, judge->in.h, judge->in.w);
        dataset_batch_labels(labels, ds, idx, B);
        const float *logits = net_forward(judge, x, B, L);
        const float *h = judge->layers[L - 2].act; /* (B, H): the last layer's input */
        softmax_xent(NULL, probs, logits, labels, B, K);
        for (int i = 0; i < B; i++) {
            float *ai = a + (size_t)(s + i) * K, *bi = b + (size_t)(s + i) * (H + 1);
            for (int k = 0; k < K; k++)
                ai[k] = probs[(size_t)i * K + k] - (float)(k == labels[i]);
            memcpy(bi, h + (size_t)i * H, (size_t)H * sizeof(float));
            bi[H] = 1.0f; /* the bias's share of the gradient */
        }
    }
    free(x);
    free(probs);
    free(idx);
    free(labels);
}

typedef struct {
    int index;
    float weight;
} exemplar;

static int cmp_exemplar(const void *x, const void *y)
{
    int a = ((const exemplar *)x)->index, b = ((const exemplar *)y)->index;
    return (a > b) - (a < b);
}

int subset_gradient(int *idx, float *weights, const dataset *ds, const long *quota,
                    const gradient_opts *o)
{
    int C = ds->n_classes, n = ds->n;
    tshape img = {ds->c, ds->h, ds->w};
    layer_spec specs[AE_MAX_LAYERS];
    int n_layers = judge_specs(specs, img, C);
    if (n_layers < 0)
        return n_layers;
    net judge = {0};
    int max_batch = o->batch > FEATURE_BATCH ? o->batch : FEATURE_BATCH;
    const tshape in = conv_input_shape(img); /* the judge sees the padded image */
    int st = net_init(&judge, in, specs, n_layers, max_batch);
    if (st)
        return st;
    rng_t rng;
    rng_seed(&rng, o->seed);
    net_init_params(&judge, &rng);
    train_opts t = {o->judge_epochs, o->batch, o->lr, 1, o->seed, 0, NULL};
    double t0 = now_seconds();
    if (!o->quiet)
        fprintf(stderr, "subset: training the judge for %d epoch%s on %d images\n",
                o->judge_epochs, o->judge_epochs == 1 ? "" : "s", n);
    if ((st = judge_train(&judge, ds, &t))) {
        net_free(&judge);
        return st;
    }
    double t1 = now_seconds();
    int K = (int)tshape_size(net_out_shape(&judge));
    int Hb = (int)tshape_size(judge.layers[judge.n_layers - 1].in) + 1;
    float *a = xmalloc((size_t)n * K * sizeof(float));  /* (n, K) p - y */
    float *b = xmalloc((size_t)n * Hb * sizeof(float)); /* (n, H + 1) [h, 1] */
    gradient_features(a, b, &judge, ds);
    net_free(&judge);
    double t2 = now_seconds();

    /* Each class's features contiguous, in dataset order. */
    long counts[DATASET_MAX_CLASSES], start[DATASET_MAX_CLASSES + 1], fill[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, ds);
    start[0] = 0;
    for (int c = 0; c < C; c++)
        start[c + 1] = start[c] + counts[c];
    memcpy(fill, start, (size_t)C * sizeof *fill);
    float *ca = xmalloc((size_t)n * K * sizeof(float)), *cb = xmalloc((size_t)n * Hb * sizeof(float));
    int *member = xmalloc((size_t)n * sizeof(int)); /* class order -> dataset index */
    for (int i = 0; i < n; i++) {
        long r = fill[ds->labels[i]]++;
        memcpy(ca + (size_t)r * K, a + (size_t)i * K, (size_t)K * sizeof(float));
        memcpy(cb + (size_t)r * Hb, b + (size_t)i * Hb, (size_t)Hb * sizeof(float));
        member[r] = i;
    }
    free(a);
    free(b);
    long qstart[DATASET_MAX_CLASSES + 1];
    qstart[0] = 0;
    for (int c = 0; c < C; c++)
        qstart[c + 1] = qstart[c] + quota[c];
    exemplar *ex = xmalloc((size_t)(qstart[C] > 0 ? qstart[C] : 1) * sizeof *ex);
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < C; c++) {
        int k = (int)quota[c];
        if (k == 0)
            continue;
        assert(k <= counts[c]);
        kmed_points p = {(int)counts[c], K, Hb, ca + (size_t)start[c] * K,
                         cb + (size_t)start[c] * Hb};
        int *medoids = xmalloc((size_t)k * sizeof(int));
        int *assign = xmalloc((size_t)p.n * sizeof(int));
        long *sizes = xmalloc((size_t)k * sizeof(long));
        rng_t r;
        rng_stream(&r, o->seed, RNG_STREAM_MEDOIDS, (uint64_t)c);
        kmedoids_fit(medoids, assign, sizes, &p, k, o->max_iter, &r);
        for (int j = 0; j < k; j++)
            ex[qstart[c] + j] = (exemplar){member[start[c] + medoids[j]], (float)sizes[j]};
        free(medoids);
        free(assign);
        free(sizes);
    }
    qsort(ex, (size_t)qstart[C], sizeof *ex, cmp_exemplar);
    for (long i = 0; i < qstart[C]; i++) {
        idx[i] = ex[i].index;
        weights[i] = ex[i].weight;
    }
    if (!o->quiet)
        fprintf(stderr, "subset: judge %.1f s, gradients %.1f s, k-medoids %.1f s\n", t1 - t0,
                t2 - t1, now_seconds() - t2);
    free(ex);
    free(ca);
    free(cb);
    free(member);
    return LGC_OK;
}
