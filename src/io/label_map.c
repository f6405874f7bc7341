/* label_map.c - distinct label values, sorted, numbered 0..K-1.
 *
 * K is at most DATASET_MAX_CLASSES (256), so the distinct values live in a
 * small sorted array: each label costs one binary search, and an insertion
 * only when it is new. A set with too many classes stops at the first value
 * past the limit instead of collecting millions of them. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "label_map.h"
#include "util.h"

/* Position of value in map->values, or of where it would be inserted. */
static int lower_bound(const label_map *map, int64_t value)
{
    int lo = 0, hi = map->n_classes;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (map->values[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int label_map_find(const label_map *map, int64_t value)
{
    int i = lower_bound(map, value);
    return i < map->n_classes && map->values[i] == value ? i : -1;
}

int label_map_build(label_map *map, uint8_t *classes, const int64_t *values, size_t n,
                    const char *name)
{
    assert(n >= 1);
    map->n_classes = 0;
    for (size_t i = 0; i < n; i++) {
        int at = lower_bound(map, values[i]);
        if (at < map->n_classes && map->values[at] == values[i])
            continue;
        if (map->n_classes == DATASET_MAX_CLASSES)
            return lgc_fail(LGC_EFORMAT,
                            "'%s': more than %d distinct labels (label %" PRId64
                            " at index %zu is one too many)",
                            name, DATASET_MAX_CLASSES, values[i], i);
        memmove(map->values + at + 1, map->values + at,
                (size_t)(map->n_classes - at) * sizeof *map->values);
        map->values[at] = values[i];
        map->n_classes++;
    }
    for (size_t i = 0; i < n; i++)
        classes[i] = (uint8_t)label_map_find(map, values[i]);
    return LGC_OK;
}
