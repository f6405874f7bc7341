/* warps.h - how strongly lgc sample warps a file's samples by default,
 * chosen from the data at the end of lgc compress (docs/DESIGN.md, "Warps
 * and the held-out check").
 *
 * The candidates are AUGMENT_DEFAULT (chosen on 28x28 MNIST) at the
 * strengths 0, 1/2 and 1, with shift and elastic, which are in pixels,
 * scaled by min(H, W) / 28: a 1.5-pixel shift is a fifth of an 8x8 image.
 * The check trains a quick classifier (quick_specs) for WARPS_CHECK_STEPS
 * steps on samples decoded from the file's own model, once per candidate,
 * and tests each on the held-out real images; the most accurate wins, and
 * a candidate within the margin of the best counts as a tie, which goes to
 * the stronger warp: the check overrides the default only on a clear loss
 * (the quick classifier cannot resolve the point the judge gains from the
 * warps on MNIST). The same classifier, trained on random real training
 * images gzip-compressed into the file's bytes, says whether the file
 * beats keeping those images. */
#ifndef LGC_WARPS_H
#define LGC_WARPS_H

#include "augment.h"

/* Fewer held-out images cannot tell the candidates apart: at 50 one image
 * is 2 points, about the gaps the warps make. */
#define WARPS_MIN_HELD 50
/* The quick classifier's training: WARPS_CHECK_STEPS steps of batches of
 * WARPS_CHECK_BATCH, WARPS_CHECK_EPOCHS passes over the samples, as the
 * judge makes 5 passes over 60,000 (warps pay off once a classifier sees
 * an image again: trained one pass over 12,800 samples, the check chose no
 * warps on MNIST, where the judge gains from them); at most
 * WARPS_SAMPLES_PER_IMAGE samples per training image, so a tiny set is not
 * judged on more samples than it could warrant. */
#define WARPS_CHECK_STEPS 300
#define WARPS_CHECK_BATCH 64
#define WARPS_CHECK_EPOCHS 5
#define WARPS_SAMPLES_PER_IMAGE 10
/* The smallest margin of a tie, as a fraction: on MNIST's 5,996 held-out
 * images the gap between two candidates varied by 1.0 to 1.7 points (its
 * standard deviation) over four seeds of the check, five times the
 * held-out slice's own standard error. */
#define WARPS_MIN_MARGIN 0.015
#define WARPS_N_CANDIDATES 3

/* Candidate i (0 none, 1 half, 2 the default) for images of h x w. */
augment_opts warps_candidate(int i, int h, int w);
/* The samples the check decodes for n_train training images:
 * WARPS_CHECK_STEPS * WARPS_CHECK_BATCH / WARPS_CHECK_EPOCHS (3,840), at
 * most WARPS_SAMPLES_PER_IMAGE * n_train. */
long warps_sample_count(long n_train);
/* The margin of a tie for the best accuracy best (a fraction) on n_held
 * images: one binomial standard error, sqrt(best (1 - best) / n_held), at
 * least WARPS_MIN_MARGIN. */
double warps_margin(double best, long n_held);
/* The candidate to keep among n ordered from the weakest: the last (the
 * strongest) whose accuracy is within margin of the best. */
int warps_choose(const double *accuracy, int n, double margin);
/* Whether the word warns that the file is probably worse than random real
 * images in its bytes: their accuracy beats the samples' by more than
 * warps_margin (both fractions, on n_held images); a smaller lead is the
 * check's noise. */
int warps_file_loses(double samples, double real, long n_held);
/* The exemplars' bit depth among n candidates (in increasing depth) whose
 * exemplars alone scored accuracy[i] holding count[i] images: the one
 * holding the most images among those within margin of the best, the
 * deeper on equal counts (both hold every image). Returns its index. */
int warps_exemplar_depth(const double *accuracy, const long *count, int n, double margin);
/* Whether lgc sample should take all of its images from the exemplars:
 * alone they beat half exemplars, half samples (half) by more than
 * warps_margin (fractions, on n_held images). */
int warps_exemplars_alone_win(double alone, double half, long n_held);

#endif
