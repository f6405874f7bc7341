/* conv3x3.c - 3x3 convolution, stride 1, zero padding 1, as im2col + GEMM.
 *
 * One image at a time: col (C*9, H*W) for a 28x28 MNIST image with C = 32
 * is 226 KB and stays in L2 cache between im2col and the GEMM that reads
 * it. (A first version put the whole batch on the GEMM's N axis: col was
 * 115 MB for batch 128, and im2col plus OpenBLAS's packing of it took 2/3
 * of the time; see docs/DESIGN.md.) Per image, W (OC, C*9) . col lands
 * directly in NCHW, so no permutation is needed. Backward recomputes col
 * from the input instead of caching it per layer. */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

size_t conv3x3_col_size(int C, int H, int W)
{
    assert(C > 0 && H > 0 && W > 0);
    return (size_t)C * 9 * H * W;
}

/* in (B,C,H,W), w (OC,C,3,3) = (OC, C*9), b (OC) -> out (B,OC,H,W)
 * workspace: col (C*9, H*W) */
void conv3x3_forward(float *out, const float *in, const float *w, const float *b,
                     float *col, int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0);
    const size_t HW = (size_t)H * W;
    assert(HW <= INT_MAX && (size_t)C * 9 <= INT_MAX);
    for (int ib = 0; ib < B; ib++) {
        const float *x = in + (size_t)ib * C * HW;
        float *y = out + (size_t)ib * OC * HW;
        im2col3x3(col, x, 1, C, H, W);
        /* Y (OC, HW) = b broadcast + W (OC, C*9) . col (C*9, HW) */
        for (int oc = 0; oc < OC; oc++) {
            float *row = y + (size_t)oc * HW;
            for (size_t i = 0; i < HW; i++)
                row[i] = b[oc];
        }
        lgc_sgemm(0, 0, OC, (int)HW, C * 9, w, col, 1.0f, y);
    }
}

/* dout (B,OC,H,W), in (B,C,H,W), w (OC, C*9) -> dw (OC, C*9) +=, db (OC) +=,
 * din (B,C,H,W) += (skipped when NULL). workspace: col (C*9, H*W). */
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
