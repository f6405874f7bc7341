/* conv3x3.c - 3x3 convolution, stride 1, zero padding 1, as GEMMs.
 *
 * One image at a time, so the GEMM operands stay in cache (a first
 * version put the whole batch on the GEMM's N axis: col was 115 MB for
 * batch 128, and im2col plus OpenBLAS's packing of it took 2/3 of the time).
 *
 * Forward has two GEMM formulations:
 *  - im2col: col (C*9, HW) = the 9 shifted copies of the input, then
 *    Y (OC, HW) = W (OC, C*9) . col, landing directly in NCHW.
 *  - kn2row, when the layer reduces channels at least 4x (the decoder's
 *    last layer, 16 -> 1): Z (9*OC, HW) = Wk (9*OC, C) . X (C, HW) on the
 *    unshifted input, then Y[oc] = sum over the 9 offsets k of Z[k*OC + oc]
 *    shifted by k. The intermediate is 9*OC*HW floats instead of 9*C*HW:
 *    for 16 -> 1 that is 16x less to write and read than im2col. For
 *    32 -> 16 im2col was faster (31.7 against 38.8 us per image, one
 *    thread, `bench --parts layers`): its GEMM has K = 288, not 32.
 * Backward likewise:
 *  - through col = im2col(X) (C*9, HW): dW += dY . col^T, and
 *    dcol = W^T . dY scattered back into dX by col2im;
 *  - through colY = im2col(dY) (OC*9, HW), the output gradient shifted the
 *    other way. Both gradients are then plain GEMMs on it with no col2im:
 *    G (OC*9, C) += colY . X^T (over the images of the call, then added
 *    into dW once), dX (C, HW) += Wf (C, OC*9) . colY, Wf the kernel
 *    flipped and transposed. Used when the input gradient is wanted and
 *    OC <= 2C (measured per image, one thread: 32 -> 16 51 us against 92,
 *    16 -> 32 61 against 66, 32 -> 64 206 against 210), or when it is not
 *    and colY is the smaller (OC < C).
 * Neither caches anything from the forward pass. */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

static int use_kn2row(int C, int OC) { return 4 * (long)OC <= C; }
static int use_output_cols(int C, int OC, int want_din)
{
    return want_din ? OC <= 2 * (long)C : OC < C;
}

size_t conv3x3_col_size(int C, int OC, int H, int W)
{
    assert(C > 0 && OC > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W;
    /* im2col's col (C*9, HW); kn2row's Z (9*OC, HW) and Wk (9*OC, C); or
     * colY (OC*9, HW), Wf (C, OC*9) and G (OC*9, C) */
    const size_t col = (size_t)C * 9 * HW, out_cols = (size_t)OC * 9 * (HW + 2 * (size_t)C);
    return col > out_cols ? col : out_cols;
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

/* db[oc] += sum of dY over pixels (the bias is broadcast). Eight running
 * sums, so that the compiler can keep them in one vector register: a single
 * float accumulator is a serial chain of adds (strict FP order forbids
 * reassociating it), and that chain took 4% of a training step. */
static void bias_grad(float *db, const float *dy, int OC, size_t HW)
{
    for (int oc = 0; oc < OC; oc++) {
        const float *row = dy + (size_t)oc * HW;
        float acc[8] = {0};
        size_t i = 0;
        for (; i + 8 <= HW; i += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += row[i + j];
        float s = 0.0f;
        for (; i < HW; i++)
            s += row[i];
        for (int j = 0; j < 8; j++)
            s += acc[j];
        db[oc] += s;
    }
}

/* Backward through colY = im2col(dY) (see the top). Row
 * oc*9 + k of im2col(dY) is dY[oc] shifted by offset k; the adjoint of the
 * forward's shift by k is the shift by 8 - k (the opposite offset), so
 * colY row oc*9 + k pairs with kernel tap 8 - k. */
static void backward_by_output_cols(float *din, float *dw, float *db, const float *dout,
                                    const float *in, const float *w, float *col, int B, int C,
                                    int H, int W, int OC)
{
    const size_t HW = (size_t)H * W, K9 = (size_t)OC * 9;
    float *colY = col, *wf = col + K9 * HW, *g = wf + (size_t)C * K9;
    if (din) /* wf[c][oc*9 + k] = w[oc][c][8 - k] */
        for (int c = 0; c < C; c++)
            for (int oc = 0; oc < OC; oc++)
                for (int k = 0; k < 9; k++)
                    wf[(size_t)c * K9 + (size_t)oc * 9 + k] = w[((size_t)oc * C + c) * 9 + 8 - k];
    for (int ib = 0; ib < B; ib++) {
        const float *x = in + (size_t)ib * C * HW;
        const float *dy = dout + (size_t)ib * OC * HW;
        im2col3x3(colY, dy, 1, OC, H, W);
        if (dw) {
            bias_grad(db, dy, OC, HW);
            /* G (OC*9, C) (+)= colY (OC*9, HW) . X^T (HW, C) */
            lgc_sgemm(0, 1, (int)K9, C, (int)HW, colY, x, ib ? 1.0f : 0.0f, g);
        }
        if (din) /* dX (C, HW) += Wf (C, OC*9) . colY (OC*9, HW) */
            lgc_sgemm(0, 0, C, (int)HW, (int)K9, wf, colY, 1.0f, din + (size_t)ib * C * HW);
    }
    if (!dw)
        return;
    /* dw[oc][c][8 - k] += G[oc*9 + k][c] */
    for (int oc = 0; oc < OC; oc++)
        for (int k = 0; k < 9; k++)
            for (int c = 0; c < C; c++)
                dw[((size_t)oc * C + c) * 9 + 8 - k] += g[((size_t)oc * 9 + k) * C + c];
}

/* dout (B,OC,H,W), in (B,C,H,W), w (OC, C*9) -> dw (OC, C*9) +=, db (OC) +=,
 * both skipped when NULL; din (B,C,H,W) += (skipped when NULL). workspace:
 * col (conv3x3_col_size). */
void conv3x3_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, float *col,
                      int B, int C, int H, int W, int OC)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0 && OC > 0 && !dw == !db);
    const size_t HW = (size_t)H * W;
    assert(HW <= INT_MAX && (size_t)C * 9 <= INT_MAX && (size_t)OC * 9 <= INT_MAX);
    if (use_output_cols(C, OC, din != NULL)) {
        backward_by_output_cols(din, dw, db, dout, in, w, col, B, C, H, W, OC);
        return;
    }
    for (int ib = 0; ib < B; ib++) {
        const float *x = in + (size_t)ib * C * HW;
        const float *dy = dout + (size_t)ib * OC * HW;
        if (dw) {
            bias_grad(db, dy, OC, HW);
            im2col3x3(col, x, 1, C, H, W);
            /* dW (OC, C*9) += dY (OC, HW) . col^T (HW, C*9) */
            lgc_sgemm(0, 1, OC, C * 9, (int)HW, dy, col, 1.0f, dw);
        }
        if (din) {
            /* dcol (C*9, HW) = W^T (C*9, OC) . dY (OC, HW); col is overwritten */
            lgc_sgemm(1, 0, C * 9, (int)HW, OC, w, dy, 0.0f, col);
            col2im3x3(din + (size_t)ib * C * HW, col, 1, C, H, W);
        }
    }
}
