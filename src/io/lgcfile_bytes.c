/* lgcfile_bytes.c - little-endian values in and out of byte buffers.
 *
 * Every integer of a .lgc file is written and read one byte at a time, so
 * the code is independent of host endianness and struct layout. The reader
 * walks each payload with a cursor whose getters refuse to pass its end. */
#include <string.h>

#include "fp16.h"
#include "lgcfile_internal.h"
#include "util.h"

void buf_reserve(bytebuf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void put_bytes(bytebuf *b, const void *src, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

void put_u8(bytebuf *b, uint8_t v) { put_bytes(b, &v, 1); }

void put_u16(bytebuf *b, uint16_t v)
{
    const uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put_bytes(b, x, 2);
}

void le32_store(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint32_t le32_load(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void put_u32(bytebuf *b, uint32_t v)
{
    uint8_t x[4];
    le32_store(x, v);
    put_bytes(b, x, 4);
}

void put_u64(bytebuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

void put_f32(bytebuf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put_u32(b, v);
}

/* Takes n bytes from c into out, or fails without moving. */
static int take(cursor *c, uint8_t *out, size_t n)
{
    if (c->left < n)
        return -1;
    memcpy(out, c->p, n);
    c->p += n;
    c->left -= n;
    return 0;
}

int get_u8(cursor *c, uint8_t *v) { return take(c, v, 1); }

int get_u16(cursor *c, uint16_t *v)
{
    uint8_t x[2];
    if (take(c, x, 2))
        return -1;
    *v = (uint16_t)(x[0] | x[1] << 8);
    return 0;
}

int get_u32(cursor *c, uint32_t *v)
{
    uint8_t x[4];
    if (take(c, x, 4))
        return -1;
    *v = le32_load(x);
    return 0;
}

int get_u64(cursor *c, uint64_t *v)
{
    uint8_t x[8];
    if (take(c, x, 8))
        return -1;
    *v = (uint64_t)le32_load(x) | (uint64_t)le32_load(x + 4) << 32;
    return 0;
}

int get_f32(cursor *c, float *f)
{
    uint32_t v;
    if (get_u32(c, &v))
        return -1;
    memcpy(f, &v, sizeof *f);
    return 0;
}

int get_f32_as_double(cursor *c, double *d)
{
    float f;
    if (get_f32(c, &f))
        return -1;
    *d = f;
    return 0;
}

int get_f16(cursor *c, float *f)
{
    uint16_t h;
    if (get_u16(c, &h))
        return -1;
    *f = f16_to_f32(h);
    return 0;
}
