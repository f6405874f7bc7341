/* threads.h - how many threads lgc runs on, one policy for every command.
 *
 * lgc's own OpenMP loops do the splitting (a batch into one slice per
 * thread, the classes of a mixture fit one per thread) and OpenBLAS runs
 * single-threaded inside each slice, so the two never compete for cores.
 * Outputs depend on the count only where docs/DESIGN.md says so: the same
 * count gives the same bytes. Built without OpenMP (OPENMP=0), lgc's loops
 * are serial and OpenBLAS gets the threads instead. */
#ifndef LGC_THREADS_H
#define LGC_THREADS_H

/* Runs lgc on n threads; n <= 0 means one per online core. Call before
 * any parallel work, typically once after parsing --threads. */
void threads_set(int n);
/* The count chosen by the last threads_set (1 before any call). */
int threads_count(void);

/* Benchmarks only: OpenBLAS on n threads inside each call, lgc's loops on
 * one, to time one large product against the machine's rate. threads_set
 * returns to lgc's policy. threads_count is left as it was. */
void threads_blas_only(int n);

#endif
