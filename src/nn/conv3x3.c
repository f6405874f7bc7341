/* conv3x3.c - 3x3 convolution, stride 1, zero padding 1, as im2col + GEMM.
 *
 * The whole batch goes through one lgc_sgemm per product: im2col puts the
 * batch on the GEMM's N axis (col (C*9, B*H*W)), so the product lands as
 * tmp (OC, B*H*W) and is permuted into NCHW while the bias is added. The
 * workspaces col and tmp are caller-owned and shared by all layers (sized
 * with conv3x3_col_size / conv3x3_tmp_size). Backward recomputes col from
 * the input instead of caching it per layer: one extra im2col is cheaper
 * than keeping B*H*W*C*9 floats per conv layer alive. */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

size_t conv3x3_col_size(int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    return (size_t)C * 9 * B * H * W;
}

size_t conv3x3_tmp_size(int B, int OC, int H, int W)
{
    assert(B > 0 && OC > 0 && H > 0 && W > 0);
    return (size_t)OC * B * H * W;
}

/* in (B,C,H,W), w (OC,C,3,3) = (OC, C*9), b (OC) -> out (B,OC,H,W)
 * workspaces: col (C*9, B*H*W), tmp (OC, B*H*W) */
void conv3x3_forward(float *out, const float *in, const float *w, const float *b,
                     float *col, float *tmp, int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    assert(N <= INT_MAX); /* the GEMM's N */
    im2col3x3(col, in, B, C, H, W);
    /* Y (OC, B*HW) = W (OC, C*9) . col (C*9, B*HW) */
    lgc_sgemm(0, 0, OC, (int)N, C * 9, w, col, 0.0f, tmp);
    /* (OC, B, HW) -> (B, OC, HW), adding the bias. */
    for (int ib = 0; ib < B; ib++) {
        for (int oc = 0; oc < OC; oc++) {
            const float *src = tmp + (size_t)oc * N + (size_t)ib * HW;
            float *dst = out + ((size_t)ib * OC + oc) * HW;
            const float bias = b[oc];
            for (size_t i = 0; i < HW; i++)
                dst[i] = src[i] + bias;
        }
    }
}

/* dout (B,OC,H,W), in (B,C,H,W), w (OC, C*9) -> dw (OC, C*9) +=, db (OC) +=,
 * din (B,C,H,W) += (skipped when NULL).
 * workspaces: col (C*9, B*H*W), tmp (OC, B*H*W); both are clobbered. */
void conv3x3_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, float *col, float *tmp,
                      int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    assert(N <= INT_MAX); /* the GEMMs' N and K */
    /* dY: (B, OC, HW) -> (OC, B, HW), the layout the forward GEMM produced. */
    for (int ib = 0; ib < B; ib++) {
        for (int oc = 0; oc < OC; oc++)
            memcpy(tmp + (size_t)oc * N + (size_t)ib * HW, dout + ((size_t)ib * OC + oc) * HW,
                   HW * sizeof *tmp);
    }
    /* db[oc] += sum of dY over batch and pixels (the bias is broadcast). */
    for (int oc = 0; oc < OC; oc++) {
        const float *row = tmp + (size_t)oc * N;
        double s = 0.0;
        for (size_t i = 0; i < N; i++)
            s += row[i];
        db[oc] += (float)s;
    }
    im2col3x3(col, in, B, C, H, W);
    /* dW (OC, C*9) += dY (OC, B*HW) . col^T (B*HW, C*9) */
    lgc_sgemm(0, 1, OC, C * 9, (int)N, tmp, col, 1.0f, dw);
    if (din) {
        /* dcol (C*9, B*HW) = W^T (C*9, OC) . dY (OC, B*HW); col is overwritten */
        lgc_sgemm(1, 0, C * 9, (int)N, OC, w, tmp, 0.0f, col);
        col2im3x3(din, col, B, C, H, W);
    }
}
