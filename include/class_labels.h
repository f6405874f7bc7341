/* class_labels.h - what each class index 0..K-1 stands for in the user's
 * data: the index itself (MNIST's digits), an integer label of the user's
 * (NPY or IDX labels that are not exactly 0..K-1: only 3 and 7, or -1 and
 * 1000), or a class folder's name (PNG class folders).
 *
 * lgc trains on indices; datasets carry these labels from the reader to
 * the .lgc file (its LABL section, docs/FORMAT.md) and back to the writers,
 * so that `lgc sample` writes the labels the user gave. */
#ifndef LGC_CLASS_LABELS_H
#define LGC_CLASS_LABELS_H

#include <stddef.h>
#include <stdint.h>

/* The longest class name kept (a file name's limit on common systems). */
#define CLASS_NAME_MAX 255

typedef enum {
    CLASS_LABELS_INDICES = 0,  /* class k is label k: nothing to store */
    CLASS_LABELS_INTEGERS = 1, /* class k is values[k] */
    CLASS_LABELS_NAMES = 2     /* class k is names[k] */
} class_labels_kind;

typedef struct {
    class_labels_kind kind;
    int n;           /* classes described (0 for INDICES) */
    int64_t *values; /* (n) for INTEGERS, increasing */
    char **names;    /* (n) for NAMES, increasing bytewise */
} class_labels;

/* The labels of classes with the increasing values[0..n) (a label_map's):
 * INDICES when they are exactly 0..n-1, INTEGERS otherwise. */
void class_labels_from_values(class_labels *l, const int64_t *values, int n);
/* Names (copied) for n classes. */
void class_labels_from_names(class_labels *l, char *const *names, int n);
void class_labels_copy(class_labels *dst, const class_labels *src);
void class_labels_free(class_labels *l);

/* Class k as text ("7", "-1", "cat") in buf; returns buf. */
const char *class_labels_text(const class_labels *l, int k, char *buf, size_t size);
/* The integer label of class k: k itself, or values[k]; for names, k. */
int64_t class_labels_value(const class_labels *l, int k);
/* Whether a and b describe their classes the same way (both integers, the
 * indices counting as integers, or both names). */
int class_labels_comparable(const class_labels *a, const class_labels *b);
/* The class index of class k of other within l, or -1 if l lacks it (the
 * two comparable). */
int class_labels_find(const class_labels *l, int n_classes, const class_labels *other, int k);

#endif
