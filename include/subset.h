/* subset.h - baselines for lgc at equal bytes: subsets of the real training
 * set (`lgc subset`).
 *
 * A subset is a list of image indices into a dataset, in ascending order,
 * with exact per-class counts from subset_quota. Three ways to choose it:
 *   random   - uniformly within each class (subset_random);
 *   gzip     - random, as many images as fit a byte budget once the two IDX
 *              files are gzip-compressed (subset_gzip_fit);
 *   gradient - the medoids of each class in the space of the judge's
 *              last-layer gradients, weighted by cluster size
 *              (subset_gradient).
 * subset_write stores the result as an IDX training set, subset_write_as
 * as NPY files or PNG class folders. */
#ifndef LGC_SUBSET_H
#define LGC_SUBSET_H

#include <stddef.h>
#include <stdint.h>
#include "dataset_open.h"
#include "idx.h"
#include "net.h"

/* The weights file next to the IDX_TRAIN_IMAGES and IDX_TRAIN_LABELS
 * (idx.h) of an output directory. */
#define SUBSET_WEIGHTS IDX_TRAIN_WEIGHTS
/* gzip level of the .gz files: 9, as `gzip -9` ships them. */
#define SUBSET_GZIP_LEVEL 9

/* Per-class counts for a subset of n images of a set with counts (K):
 * proportional to counts by largest remainder (floor of n * share, then
 * one more for the classes with the largest fractions, ties to the lower
 * class), then, when n is at least the number of non-empty classes, every
 * non-empty class left at 0 takes one image from the class with the
 * largest count (ties to the lower class). No class gets more than it
 * has. Returns LGC_OK, or LGC_EUSAGE when n < 1 or n exceeds the total. */
int subset_quota(long *quota, const long *counts, int K, long n);

/* Chooses quota[c] images of each class c of ds uniformly at random
 * without replacement; idx (sum of quota) receives them in ascending
 * order. Class c's choice is the first quota[c] images of a permutation
 * seeded by (seed, c), so with one seed a larger quota extends a smaller
 * one and the subsets are nested. */
void subset_random(int *idx, const dataset *ds, const long *quota, uint64_t seed);

/* Bytes of the two gzip files (level SUBSET_GZIP_LEVEL, no name, mtime 0)
 * holding the IDX image and label files of images idx[0..n) of ds. */
size_t subset_gzip_bytes(const dataset *ds, const int *idx, long n);

/* The largest n such that the random subset of n images (subset_quota,
 * then subset_random with seed) gzips to at most budget bytes, found by
 * bracketing an estimate and bisecting: on return n fits and n + 1 does
 * not. *n_out = 0 when not even one image fits; *bytes_out gets the size
 * at n. */
void subset_gzip_fit(long *n_out, size_t *bytes_out, const dataset *ds, size_t budget,
                     uint64_t seed);

typedef struct {
    int judge_epochs; /* judge training before the gradients are taken */
    int batch;
    float lr;
    int max_iter;     /* k-medoids rounds */
    uint64_t seed;
    int quiet;        /* no summary on stderr */
} gradient_opts;

/* Gradient features of every example of ds under judge (built with
 * judge_specs, max_batch >= 1): a (n, K) = p - onehot(y), the gradient of
 * the cross-entropy w.r.t. the logits, and b (n, H + 1) = [h, 1], with h
 * the H = 128 inputs of the last (dense) layer. The gradient w.r.t. that
 * layer's weights and bias is a (x) b (kmedoids.h). */
void gradient_features(float *a, float *b, net *judge, const dataset *ds);

/* Trains a fresh judge on ds for o->judge_epochs epochs (seeded by
 * o->seed), takes gradient_features, and runs kmedoids_fit on each class
 * c with k = quota[c] (classes in parallel, class c's rng seeded from
 * (seed, c)). idx (sum of quota) receives the medoids in ascending order
 * and weights (same length) each medoid's cluster size, so the weights of
 * class c sum to its count in ds. Returns LGC_OK, or the status of
 * judge_specs / judge training. */
int subset_gradient(int *idx, float *weights, const dataset *ds, const long *quota,
                    const gradient_opts *o);

/* Writes images and labels idx[0..n) of ds into dir (created if missing):
 * IDX_TRAIN_IMAGES and IDX_TRAIN_LABELS, with ".gz" (gzip -9) when gzip, and
 * SUBSET_WEIGHTS when weights (n) is not NULL. Every file goes through a
 * temporary and is renamed, weights and labels before images. *bytes (may
 * be NULL) gets the total size of the files written. Returns LGC_OK, or
 * LGC_EIO with a message naming the file; LGC_EUSAGE when gzip and dir
 * holds an uncompressed IDX_TRAIN_IMAGES, which readers would take instead. */
/* Labels are written as the user's (class_labels.h): LGC_EUSAGE when one
 * does not fit an IDX label byte. */
int subset_write(const char *dir, const dataset *ds, const int *idx, long n,
                 const float *weights, int gzip, size_t *bytes);
/* The same in format (DATASET_NPY or DATASET_PNG: set_writer.h), without
 * gzip; the weights are still SUBSET_WEIGHTS (lgc eval --weights reads
 * it). Returns LGC_OK, LGC_EUSAGE or LGC_EIO. */
int subset_write_as(const char *dir, dataset_format format, const dataset *ds, const int *idx,
                    long n, const float *weights);

#endif
