/* quota.h - splitting a number of images between classes.
 *
 * Used by lgc sample (shares of the stored class prior) and lgc subset
 * (shares of the training set's classes), which must round the same way. */
#ifndef LGC_QUOTA_H
#define LGC_QUOTA_H

/* quota (K) receives n split in proportion to weights (K, >= 0, not all
 * 0) by largest remainder: each class gets the floor of n * its share,
 * then the classes with the largest fractional parts get one more each
 * until the sum is n, ties to the lower class. With cap (K, or NULL) no
 * class gets more than cap[c] (callers pass a cap with sum >= n). */
void quota_largest_remainder(long *quota, const long *weights, int K, long n, const long *cap);

#endif
