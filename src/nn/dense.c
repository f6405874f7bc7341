/* dense.c - fully connected layer, out (B,O) = in (B,F) . w^T + b.
 *
 * w is stored (O,F), one row per output unit (PyTorch's layout), so every
 * product is one lgc_sgemm with a transpose flag rather than a copy. The
 * bias is broadcast into out first so the forward GEMM can accumulate onto
 * it (beta 1) instead of needing a second pass. */
#include <assert.h>
#include <string.h>

#include "gemm.h"
#include "layers.h"

/* in (B,F), w (O,F), b (O) -> out (B,O) */
void dense_forward(float *out, const float *in, const float *w, const float *b,
                   int B, int F, int O)
{
    assert(B > 0 && F > 0 && O > 0);
    for (int ib = 0; ib < B; ib++)
        memcpy(out + (size_t)ib * O, b, (size_t)O * sizeof *out);
    /* out (B,O) += in (B,F) . w^T (F,O) */
    lgc_sgemm(0, 1, B, O, F, in, w, 1.0f, out);
}

/* dout (B,O), in (B,F), w (O,F) -> dw (O,F) +=, db (O) +=, both skipped
 * when NULL; din (B,F) += (skipped when NULL). */
void dense_backward(float *din, float *dw, float *db, const float *dout,
                    const float *in, const float *w, int B, int F, int O)
{
    assert(B > 0 && F > 0 && O > 0 && !dw == !db);
    if (dw) {
        /* dW (O,F) += dout^T (O,B) . in (B,F) */
        lgc_sgemm(1, 0, O, F, B, dout, in, 1.0f, dw);
        /* db (O) += column sums of dout over the batch */
        for (int ib = 0; ib < B; ib++) {
            const float *row = dout + (size_t)ib * O;
            for (int o = 0; o < O; o++)
                db[o] += row[o];
        }
    }
    if (din) {
        /* din (B,F) += dout (B,O) . W (O,F) */
        lgc_sgemm(0, 0, B, F, O, dout, w, 1.0f, din);
    }
}
