/* pad.c - the conv networks' frame around an image (pad.h). */
#include <assert.h>
#include <string.h>

#include "pad.h"

int pad_side(int n)
{
    assert(n >= 1);
    return (n + PAD_MULTIPLE - 1) / PAD_MULTIPLE * PAD_MULTIPLE;
}

static void check_frame(int h, int w, int fh, int fw)
{
    assert(h >= 1 && w >= 1 && fh >= h && fw >= w);
    (void)h, (void)w, (void)fh, (void)fw;
}

void pad_replicate(float *x, size_t planes, int h, int w, int fh, int fw)
{
    check_frame(h, w, fh, fw);
    for (size_t p = 0; p < planes; p++) {
        float *plane = x + p * fh * fw;
        for (int y = 0; y < h; y++) /* the right strip of the image's rows */
            for (int c = w; c < fw; c++)
                plane[y * fw + c] = plane[y * fw + w - 1];
        for (int y = h; y < fh; y++) /* then whole rows, strip included */
            memcpy(plane + (size_t)y * fw, plane + (size_t)(h - 1) * fw,
                   (size_t)fw * sizeof(float));
    }
}

void pad_fold(float *g, size_t planes, int h, int w, int fh, int fw)
{
    check_frame(h, w, fh, fw);
    /* pad_replicate's two steps undone in the reverse order */
    for (size_t p = 0; p < planes; p++) {
        float *plane = g + p * fh * fw;
        float *last = plane + (size_t)(h - 1) * fw;
        for (int y = h; y < fh; y++)
            for (int c = 0; c < fw; c++) {
                last[c] += plane[y * fw + c];
                plane[y * fw + c] = 0.0f;
            }
        for (int y = 0; y < h; y++)
            for (int c = w; c < fw; c++) {
                plane[y * fw + w - 1] += plane[y * fw + c];
                plane[y * fw + c] = 0.0f;
            }
    }
}

void pad_clear(float *g, size_t planes, int h, int w, int fh, int fw)
{
    check_frame(h, w, fh, fw);
    for (size_t p = 0; p < planes; p++) {
        float *plane = g + p * fh * fw;
        for (int y = 0; y < h; y++)
            memset(plane + (size_t)y * fw + w, 0, (size_t)(fw - w) * sizeof(float));
        memset(plane + (size_t)h * fw, 0, (size_t)(fh - h) * fw * sizeof(float));
    }
}

void pad_crop(float *dst, const float *src, size_t planes, int h, int w, int fh, int fw)
{
    check_frame(h, w, fh, fw);
    for (size_t p = 0; p < planes; p++)
        for (int y = 0; y < h; y++)
            memcpy(dst + (p * h + y) * w, src + (p * fh + y) * fw, (size_t)w * sizeof(float));
}

void pad_place(float *dst, const float *src, size_t planes, int h, int w, int fh, int fw)
{
    check_frame(h, w, fh, fw);
    for (size_t p = 0; p < planes; p++)
        for (int y = 0; y < h; y++)
            memcpy(dst + (p * fh + y) * fw, src + (p * h + y) * w, (size_t)w * sizeof(float));
}
