/* gemm_small.h - small single-precision products through libxsmm.
 *
 * libxsmm JIT-compiles one kernel per shape and runs it on the operands
 * where they lie, without OpenBLAS's packing, which for the products of
 * one image's convolution costs as much as the multiplication. Which
 * products come here is gemm.c's rule (lgc_sgemm_path); this file only
 * runs them. Built without libxsmm (make XSMM=0), nothing runs here. */
#ifndef LGC_GEMM_SMALL_H
#define LGC_GEMM_SMALL_H

/* 1 when lgc was built with libxsmm, else 0. */
int gemm_small_built(void);

/* The product of lgc_sgemm_ldc's contract (row-major, alpha 1) through a
 * libxsmm kernel, from the calling thread only. Returns 1 when it ran, 0
 * when it cannot run this product (built without libxsmm, beta neither 0
 * nor 1, both operands transposed, or no kernel for the shape); C is then
 * untouched. trans_b products transpose B into a per-thread scratch
 * first: the JIT of libxsmm 1.17 has no kernel for that operand order. */
int gemm_small_run(int trans_a, int trans_b, int M, int N, int K, const float *A,
                   const float *B, float beta, float *C, int ldc);

#endif
