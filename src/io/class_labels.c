/* class_labels.c - the user's labels of the class indices (class_labels.h). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class_labels.h"
#include "util.h"

void class_labels_from_values(class_labels *l, const int64_t *values, int n)
{
    memset(l, 0, sizeof *l);
    int identity = 1;
    for (int k = 0; k < n; k++)
        identity &= values[k] == k;
    if (identity)
        return;
    l->kind = CLASS_LABELS_INTEGERS;
    l->n = n;
    l->values = xmalloc((size_t)n * sizeof *l->values);
    memcpy(l->values, values, (size_t)n * sizeof *l->values);
}

void class_labels_from_names(class_labels *l, char *const *names, int n)
{
    memset(l, 0, sizeof *l);
    l->kind = CLASS_LABELS_NAMES;
    l->n = n;
    l->names = xmalloc((size_t)n * sizeof *l->names);
    for (int k = 0; k < n; k++)
        l->names[k] = xstrdup(names[k]);
}

void class_labels_copy(class_labels *dst, const class_labels *src)
{
    if (src->kind == CLASS_LABELS_NAMES) {
        class_labels_from_names(dst, src->names, src->n);
        return;
    }
    *dst = *src;
    if (src->kind == CLASS_LABELS_INTEGERS) {
        dst->values = xmalloc((size_t)src->n * sizeof *dst->values);
        memcpy(dst->values, src->values, (size_t)src->n * sizeof *dst->values);
    }
}

void class_labels_free(class_labels *l)
{
    for (int k = 0; l->names && k < l->n; k++)
        free(l->names[k]);
    free(l->names);
    free(l->values);
    memset(l, 0, sizeof *l);
}

const char *class_labels_text(const class_labels *l, int k, char *buf, size_t size)
{
    if (l->kind == CLASS_LABELS_NAMES)
        snprintf(buf, size, "%s", l->names[k]);
    else
        snprintf(buf, size, "%" PRId64, class_labels_value(l, k));
    return buf;
}

int64_t class_labels_value(const class_labels *l, int k)
{
    assert(l->kind == CLASS_LABELS_INDICES || k < l->n);
    return l->kind == CLASS_LABELS_INTEGERS ? l->values[k] : k;
}

int class_labels_comparable(const class_labels *a, const class_labels *b)
{
    return (a->kind == CLASS_LABELS_NAMES) == (b->kind == CLASS_LABELS_NAMES);
}

int class_labels_find(const class_labels *l, int n_classes, const class_labels *other, int k)
{
    assert(class_labels_comparable(l, other));
    for (int j = 0; j < n_classes; j++) {
        if (l->kind == CLASS_LABELS_NAMES ? !strcmp(l->names[j], other->names[k])
                                          : class_labels_value(l, j) ==
                                                class_labels_value(other, k))
            return j;
    }
    return -1;
}
