/* kmedoids.h - k-medoids++ over points given implicitly as outer products.
 *
 * Point i is the vector x_i = a_i (x) b_i, the outer product of a_i (da)
 * and b_i (db) flattened to da*db numbers, which is never formed: since
 *   <x_i, x_j> = (a_i . a_j) (b_i . b_j),
 * a distance costs da + db multiply-adds instead of da*db, and blocks of
 * them are two GEMMs. The last-layer gradient of softmax cross-entropy is
 * such a product, (p - y) (x) [h, 1] (subset.h); plain points are da = 1,
 * a_i = 1, b_i = x_i. Distances are Euclidean (not squared).
 *
 * Algorithm: k-medoids++ seeding (k-means++ on these distances: the first
 * medoid uniformly at random, each next one with probability proportional
 * to its squared distance to the nearest medoid so far), then alternating
 * "Voronoi iteration" (Park and Jun, 2009): assign every point to its
 * nearest medoid, move each medoid to the member of its cluster with the
 * least total distance to the other members, and repeat until no medoid
 * moves or max_iter rounds. Each round can only lower the total distance;
 * unlike PAM's swap search it costs O(sum of squared cluster sizes) per
 * round rather than O(k n^2), which is what lets it run on 6,000-point
 * classes. */
#ifndef LGC_KMEDOIDS_H
#define LGC_KMEDOIDS_H

#include "rng.h"

typedef struct {
    int n;          /* points */
    int da, db;     /* factor dimensions */
    const float *a; /* (n, da) */
    const float *b; /* (n, db) */
} kmed_points;

/* Clusters the n points of p into k (1 <= k <= n) and returns the total
 * distance of the points to their medoids. Fills:
 *   medoids (k): distinct point indices, in the order they were seeded;
 *   assign (n):  each point's cluster, an index into medoids (ties go to
 *                the lower index; a medoid is always in its own cluster);
 *   sizes (k):   the members of each cluster, each >= 1, summing to n.
 * When fewer than k points are distinct, the extra medoids are duplicates
 * of other points, each with a cluster of at least itself. */
double kmedoids_fit(int *medoids, int *assign, long *sizes, const kmed_points *p, int k,
                    int max_iter, rng_t *rng);

/* Distance between points i and j, computed directly (for tests). */
double kmedoids_distance(const kmed_points *p, int i, int j);

#endif
