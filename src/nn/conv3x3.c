/* conv3x3.c - 3x3 convolution, stride 1, zero padding 1, as GEMMs.
 *
 * One image at a time, so the GEMM operands stay in cache (a first
 * version put the whole batch on the GEMM's N axis: col was 115 MB for
 * batch 128, and im2col plus OpenBLAS's packing of it took 2/3 of the time).
 *
 * Forward has two GEMM formulations and picks the one that moves less data:
 *  - im2col (C <= OC): col (C*9, HW) = the 9 shifted copies of the input,
 *    then Y (OC, HW) = W (OC, C*9) . col, landing directly in NCHW.
 *  - kn2row (C > OC, the decoder's channel-reducing layers): Z (9*OC, HW) =
 *    Wk (9*OC, C) . X (C, HW) on the unshifted input, then Y[oc] = sum over
 *    the 9 offsets k of Z[k*OC + oc] shifted by k. The intermediate is
 *    9*OC*HW floats instead of 9*C*HW; for the last decoder layer (16 -> 1)
 *    that is 9x less to write and read than im2col.
 * Backward uses im2col (recomputed from the input, not cached). */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

static int use_kn2row(int C, int OC) { return C > OC; }

size_t conv3x3_col_size(int C, int OC, int H, int W)
{
    assert(C > 0 && OC > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W;
    const size_t im2col = (size_t)C * 9 * HW; /* forward (im2col) and backward */
    const size_t kn2row = (size_t)OC * 9 * (HW + (size_t)C); /* Z and Wk */
    return im2col > kn2row ? im2col : kn2row;
}

/* y (OC, HW) += the 9 planes of z (9*OC, HW), plane k*OC + oc shifted by
 * offset k: y[oc][p] += z[k*OC + oc][p + dy*W + dx] where that pixel exists
 * (the gather direction of im2col, accumulated). Row by row, so that the
 * pixels whose source column would wrap into the next row are skipped. */
static void add_shifted(float *y, const float *z, int OC, int H, int W)
{
    const size_t HW = (size_t)H * W;
    for (int k = 0; k < 9; k++) {
        const int dy = k / 3 - 1, dx = k % 3 - 1;
        const int x0 = dx < 0 ? 1 : 0, x1 = dx > 0 ? W - 1 : W;
        const int y0 = dy < 0 ? 1 : 0, y1 = dy > 0 ? H - 1 : H;
        for (int oc = 0; oc < OC; oc++) {
            float *yp = y + (size_t)oc * HW;
            const float *zp = z + ((size_t)k * OC + oc) * HW;
            for (int r = y0; r < y1; r++) {
                float *restrict dst = yp + (size_t)r * W + x0;
                const float *restrict src = zp + (size_t)(r + dy) * W + x0 + dx;
                for (int x = 0; x < x1 - x0; x++)
                    dst[x] += src[x];
            }
        }
    }
}

/* in (B,C,H,W), w (OC,C,3,3) = (OC, C*9), b (OC) -> out (B,OC,H,W)
 * workspace: col (conv3x3_col_size floats) */
void conv3x3_forward(float *out, const float *in, const float *w, const float *b,
                     float *col, int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0);
    const size_t HW = (size_t)H * W;
    assert(HW <= INT_MAX && (size_t)C * 9 <= INT_MAX && (size_t)OC * 9 <= INT_MAX);
    const int kn2row = use_kn2row(C, OC);
    float *wk = col + (size_t)OC * 9 * HW; /* kn2row: (9*OC, C) after Z */
    if (kn2row) /* wk[k*OC + oc][c] = w[oc][c][k]: w as (OC*C, 9), transposed */
        for (int oc = 0; oc < OC; oc++)
            for (int c = 0; c < C; c++)
                for (int k = 0; k < 9; k++)
                    wk[((size_t)k * OC + oc) * C + c] = w[((size_t)oc * C + c) * 9 + k];
    for (int ib = 0; ib < B; ib++) {
        const float *x = in + (size_t)ib * C * HW;
        float *y = out + (size_t)ib * OC * HW;
        for (int oc = 0; oc < OC; oc++) {
            float *row = y + (size_t)oc * HW;
            for (size_t i = 0; i < HW; i++)
                row[i] = b[oc];
        }
        if (kn2row) {
            /* Z (9*OC, HW) = Wk (9*OC, C) . X (C, HW), then shift-add */
            lgc_sgemm(0, 0, OC * 9, (int)HW, C, wk, x, 0.0f, col);
            add_shifted(y, col, OC, H, W);
        } else {
            /* Y (OC, HW) = b + W (OC, C*9) . col (C*9, HW) */
            im2col3x3(col, x, 1, C, H, W);
            lgc_sgemm(0, 0, OC, (int)HW, C * 9, w, col, 1.0f, y);
        }
    }
}

/* dout (B,OC,H,W), in (B,C,H,W), w (OC, C*9) -> dw (OC, C*9) +=, db (OC) +=,
 * din (B,C,H,W) += (skipped when NULL). workspace: col (conv3x3_col_size). */
void conv3x3_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, float *col,
                      int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0);
    const size_t HW = (size_t)H * W;
    assert(HW <= INT_MAX && (size_t)C * 9 <= INT_MAX);
    for (int ib = 0; ib < B; ib++) {
        const float *x = in + (size_t)ib * C * HW;
        const float *dy = dout + (size_t)ib * OC * HW;
        /* db[oc] += sum of dY over pixels (the bias is broadcast). */
        for (int oc = 0; oc < OC; oc++) {
            const float *row = dy + (size_t)oc * HW;
            float s = 0.0f;
            for (size_t i = 0; i < HW; i++)
                s += row[i];
            db[oc] += s;
        }
        im2col3x3(col, x, 1, C, H, W);
        /* dW (OC, C*9) += dY (OC, HW) . col^T (HW, C*9) */
        lgc_sgemm(0, 1, OC, C * 9, (int)HW, dy, col, 1.0f, dw);
        if (din) {
            /* dcol (C*9, HW) = W^T (C*9, OC) . dY (OC, HW); col is overwritten */
            lgc_sgemm(1, 0, C * 9, (int)HW, OC, w, dy, 0.0f, col);
            col2im3x3(din + (size_t)ib * C * HW, col, 1, C, H, W);
        }
    }
}
