/* im2col.c - 3x3, stride 1, zero-pad 1 patch unrolling over a whole batch.
 *
 * The column matrix puts the batch on the long (N) axis, so one GEMM
 * W (OC, C*9) . col (C*9, B*H*W) convolves the whole batch at once: row
 * r = c*9 + ky*3 + kx, column b*H*W + y*W + x. Each col row segment for
 * one (b, y) is a copy of one input row shifted by dx = kx-1, with the one
 * element that falls into the padding set to zero; so the inner loops are
 * plain contiguous copies. Workload: MNIST-sized images (<= 28x28), C <= 64,
 * batches of ~128; both functions are memory-bound.
 *
 * Deliberately serial: with 2 cores and OPENBLAS_NUM_THREADS=2, an OpenMP
 * split of these loops made conv3x3 forward+backward ~1.7x SLOWER (libgomp's
 * default spin-wait after each region competes with the OpenBLAS threads of
 * the next GEMM); even with OMP_WAIT_POLICY=passive it gained nothing
 * measurable. The same holds for the layout loops of the other layers. */
#include <assert.h>
#include <string.h>

#include "layers.h"

/* The x range [*x0, *x1) whose source column x + dx lies inside [0, W). */
static void valid_x(int dx, int W, int *x0, int *x1)
{
    *x0 = dx < 0 ? -dx : 0;
    *x1 = dx > 0 ? W - dx : W;
}

/* in (B,C,H,W) -> col (C*9, B*H*W) */
void im2col3x3(float *col, const float *in, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    for (int ib = 0; ib < B; ib++) {
        for (int c = 0; c < C; c++) {
            const float *plane = in + ((size_t)ib * C + c) * HW;
            for (int k = 0; k < 9; k++) {
                const int dy = k / 3 - 1, dx = k % 3 - 1;
                int x0, x1;
                valid_x(dx, W, &x0, &x1);
                float *row = col + (size_t)(c * 9 + k) * N + (size_t)ib * HW;
                for (int y = 0; y < H; y++) {
                    float *dst = row + (size_t)y * W;
                    const int sy = y + dy;
                    if (sy < 0 || sy >= H) {
                        memset(dst, 0, (size_t)W * sizeof *dst);
                        continue;
                    }
                    const float *src = plane + (size_t)sy * W;
                    /* at most one padding element on either side */
                    if (x0)
                        dst[0] = 0.0f;
                    memcpy(dst + x0, src + x0 + dx, (size_t)(x1 - x0) * sizeof *dst);
                    if (x1 < W)
                        dst[W - 1] = 0.0f;
                }
            }
        }
    }
}

/* col (C*9, B*H*W) -> din (B,C,H,W) +=. The adjoint of im2col3x3: every col
 * entry is added back onto the input pixel it was copied from; padding
 * entries are dropped. */
void col2im3x3(float *din, const float *col, int B, int C, int H, int W)
{
    assert(B > 0 && C > 0 && H > 0 && W > 0);
    const size_t HW = (size_t)H * W, N = (size_t)B * HW;
    for (int ib = 0; ib < B; ib++) {
        for (int c = 0; c < C; c++) {
            float *plane = din + ((size_t)ib * C + c) * HW;
            for (int k = 0; k < 9; k++) {
                const int dy = k / 3 - 1, dx = k % 3 - 1;
                int x0, x1;
                valid_x(dx, W, &x0, &x1);
                const float *row = col + (size_t)(c * 9 + k) * N + (size_t)ib * HW;
                for (int y = 0; y < H; y++) {
                    const int sy = y + dy;
                    if (sy < 0 || sy >= H)
                        continue;
                    const float *restrict src = row + (size_t)y * W + x0;
                    float *restrict dst = plane + (size_t)sy * W + x0 + dx;
                    for (int x = 0; x < x1 - x0; x++)
                        dst[x] += src[x];
                }
            }
        }
    }
}
