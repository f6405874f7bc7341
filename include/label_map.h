/* label_map.h - arbitrary integer labels to the class indices 0..K-1.
 *
 * Formats other than IDX store labels as any integers (NumPy files: -1,
 * 1000, 7, ...). lgc trains on indices 0..K-1, so the distinct values are
 * sorted and numbered in that order; the map keeps the original values so
 * that they can be stored with the model and written back on output. */
#ifndef LGC_LABEL_MAP_H
#define LGC_LABEL_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

typedef struct {
    int n_classes;                          /* K, in [1, DATASET_MAX_CLASSES] */
    int64_t values[DATASET_MAX_CLASSES];    /* class k's original value, increasing */
} label_map;

/* Builds map from values[0..n) (n >= 1) and writes each value's class index
 * into classes[0..n). More than DATASET_MAX_CLASSES distinct values is
 * LGC_EFORMAT with a message naming name (the file they came from). */
int label_map_build(label_map *map, uint8_t *classes, const int64_t *values, size_t n,
                    const char *name);

/* The class index of value, or -1 when the map does not hold it. */
int label_map_find(const label_map *map, int64_t value);

#endif
