/* lgcfile_labels.c - the LABL section: what each class index stood for in
 * the user's data (class_labels.h), so that `lgc sample` writes the labels
 * or folder names it was given.
 *
 *   u8 kind: 1 integers, 2 names; then per class, in class order,
 *   integers: i64 (little-endian), strictly increasing;
 *   names:    u8 length (1..CLASS_NAME_MAX), that many bytes, strictly
 *             increasing bytewise; no byte below 0x20, no 0x7f, no '/',
 *             not starting with '.' (each must be a visible folder name).
 *
 * Optional: written only when the labels are not the class indices
 * 0..K-1, so a file of MNIST-style labels is what it always was; readers
 * without this section skip it (docs/FORMAT.md, "Versioning"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lgcfile_internal.h"
#include "util.h"

#define KIND_INTEGERS 1
#define KIND_NAMES 2

int labels_section_wanted(const lgc_model *m) { return m->classes.kind != CLASS_LABELS_INDICES; }

int encode_labels(bytebuf *b, const lgc_model *m, const char *name)
{
    const class_labels *l = &m->classes;
    if (l->n != m->n_classes)
        return lgc_fail(LGC_EFORMAT, "'%s': %d class labels for %d classes", name, l->n,
                        m->n_classes);
    put_u8(b, l->kind == CLASS_LABELS_NAMES ? KIND_NAMES : KIND_INTEGERS);
    for (int k = 0; k < l->n; k++) {
        if (l->kind == CLASS_LABELS_INTEGERS) {
            uint64_t u = (uint64_t)l->values[k];
            put_u32(b, (uint32_t)u);
            put_u32(b, (uint32_t)(u >> 32));
            continue;
        }
        size_t len = strlen(l->names[k]);
        if (len < 1 || len > CLASS_NAME_MAX)
            return lgc_fail(LGC_EFORMAT, "'%s': class name of %zu bytes (1..%d allowed)", name,
                            len, CLASS_NAME_MAX);
        put_u8(b, (uint8_t)len);
        put_bytes(b, l->names[k], len);
    }
    return LGC_OK;
}

/* A name a folder can have and lgc writes back: visible, one level. */
static int name_ok(const uint8_t *p, size_t len)
{
    if (p[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '/')
            return 0;
    return 1;
}

static int parse_integers(class_labels *l, cursor *c, const char *name)
{
    if ((size_t)l->n * 8 > c->left)
        return TRUNCATED;
    l->values = xmalloc((size_t)l->n * sizeof *l->values);
    for (int k = 0; k < l->n; k++) {
        uint32_t lo, hi;
        if (get_u32(c, &lo) || get_u32(c, &hi))
            return TRUNCATED;
        l->values[k] = (int64_t)((uint64_t)hi << 32 | lo);
        if (k > 0 && l->values[k] <= l->values[k - 1])
            return lgc_fail(LGC_EFORMAT,
                            "'%s': class labels must increase (class %d is %" PRId64
                            " after %" PRId64 ")",
                            name, k, l->values[k], l->values[k - 1]);
    }
    return LGC_OK;
}

static int parse_names(class_labels *l, cursor *c, const char *name)
{
    l->names = xcalloc((size_t)l->n, sizeof *l->names);
    for (int k = 0; k < l->n; k++) {
        uint8_t len;
        if (get_u8(c, &len))
            return TRUNCATED;
        if (len == 0)
            return lgc_fail(LGC_EFORMAT, "'%s': class %d has an empty name", name, k);
        if (len > c->left)
            return TRUNCATED;
        if (!name_ok(c->p, len))
            return lgc_fail(LGC_EFORMAT, "'%s': class %d's name is not a visible folder name",
                            name, k);
        l->names[k] = xmalloc((size_t)len + 1);
        memcpy(l->names[k], c->p, len);
        l->names[k][len] = 0;
        c->p += len;
        c->left -= len;
        if (k > 0 && strcmp(l->names[k - 1], l->names[k]) >= 0)
            return lgc_fail(LGC_EFORMAT,
                            "'%s': class names must increase bytewise (class %d '%s' after '%s')",
                            name, k, l->names[k], l->names[k - 1]);
    }
    return LGC_OK;
}

int parse_labels(lgc_model *m, cursor *c, const char *name)
{
    uint8_t kind;
    if (get_u8(c, &kind))
        return TRUNCATED;
    if (kind != KIND_INTEGERS && kind != KIND_NAMES)
        return lgc_fail(LGC_EFORMAT, "'%s': class labels of unknown kind %u", name, kind);
    class_labels *l = &m->classes;
    l->kind = kind == KIND_NAMES ? CLASS_LABELS_NAMES : CLASS_LABELS_INTEGERS;
    l->n = m->n_classes;
    return kind == KIND_NAMES ? parse_names(l, c, name) : parse_integers(l, c, name);
}
