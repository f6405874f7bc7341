/* fp16.c - IEEE 754 binary32 <-> binary16 by bit manipulation, so the
 * result does not depend on the compiler's _Float16 support or on the FPU
 * rounding mode. Used by the .lgc writer to halve the decoder's size.
 *
 * binary16: sign 1, exponent 5 (bias 15), mantissa 10. Normal numbers span
 * [2^-14, 65504]; subnormals are m * 2^-24 for m in 1..1023. */
#include <string.h>

#include "fp16.h"

static uint32_t f32_bits(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}

static float bits_f32(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* Shifts m right by n (1 <= n <= 31) rounding to nearest, ties to even. */
static uint32_t shift_round_even(uint32_t m, int n)
{
    uint32_t q = m >> n, rem = m & ((1u << n) - 1), half = 1u << (n - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    return q;
}

uint16_t f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7fffffff;
    if (x >= 0x7f800000) {
        if (x == 0x7f800000)
            return sign | 0x7c00;
        /* NaN: keep the top payload bits and force the quiet bit, so a
         * payload living only in the low 13 bits cannot turn into inf. */
        return (uint16_t)(sign | 0x7e00 | ((x & 0x7fffff) >> 13));
    }
    if (x < 0x38800000) {
        /* Below 2^-14: the result is subnormal (or zero). The value is
         * mant * 2^(e-150) with the implicit bit restored; in units of
         * 2^-24 that is mant >> (126 - e). Exponents below 102 leave less
         * than 2^-26, which rounds to zero. A carry into bit 10 yields the
         * smallest normal's encoding 0x0400, which is correct. */
        int e = (int)(x >> 23);
        if (e < 102)
            return sign;
        uint32_t mant = (x & 0x7fffff) | 0x800000;
        return (uint16_t)(sign | shift_round_even(mant, 126 - e));
    }
    /* Normal: rebias the exponent (127 -> 15, i.e. subtract 112 << 23) and
     * drop 13 mantissa bits. A rounding carry propagates into the exponent,
     * which is exactly right, and anything reaching 0x7c00 overflowed. */
    uint32_t h = shift_round_even(x - (112u << 23), 13);
    return (uint16_t)(sign | (h >= 0x7c00 ? 0x7c00 : h));
}

float f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t e = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (e == 0x1f) /* inf or NaN, payload kept */
        return bits_f32(sign | 0x7f800000 | (mant << 13));
    if (e != 0)
        return bits_f32(sign | ((e + 112) << 23) | (mant << 13));
    if (mant == 0)
        return bits_f32(sign);
    /* Subnormal mant * 2^-24: normalise so the leading 1 becomes the
     * implicit bit; 2^-14 has biased f32 exponent 113. */
    uint32_t fe = 113;
    while (!(mant & 0x400)) {
        mant <<= 1;
        fe--;
    }
    return bits_f32(sign | (fe << 23) | ((mant & 0x3ff) << 13));
}
