/* kmedoids.c - k-medoids++ seeding and alternating (Voronoi) iteration over
 * implicit outer-product points (kmedoids.h).
 *
 * Workload: one call per class of a training set, n up to ~7,000 points
 * (an MNIST class), k from 1 to n, points of 10 x 129 = 1,290 implicit
 * dimensions stored as 10 + 129 floats. Every distance block goes through
 * two GEMMs (one per factor) and the Gram identity
 *   d(i,j)^2 = |x_i|^2 + |x_j|^2 - 2 (a_i . a_j)(b_i . b_j),
 * clamped at 0 where float cancellation makes it slightly negative.
 * Blocks are ROW_BLOCK rows high, so the workspace is ROW_BLOCK x n floats
 * per factor (7 MB for n = 7,000) however large k or a cluster is. All
 * sums of distances are accumulated in double. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "kmedoids.h"
#include "util.h"

#define ROW_BLOCK 256
/* A medoid moves only to a member whose total distance is lower by more
 * than this relative margin, so that float noise in near-ties cannot make
 * medoids wander between equally good members. */
#define MOVE_MARGIN 1e-9

typedef struct {
    const kmed_points *p;
    double *nrm;       /* (n) |x_i|^2 */
    float *ka, *kb;    /* (ROW_BLOCK * max(n, k)) Gram blocks; distances land in ka */
    float *ga, *gb;    /* (n, da), (n, db) gathered rows (medoids or a cluster) */
    double *gn;        /* (n) their squared norms */
    int *members;      /* (n) points grouped by cluster */
    long *start;       /* (k + 1) cluster c is members[start[c] .. start[c+1]) */
    double *sums;      /* (n) per member: total distance to its cluster */
} kmed_work;

static void sq_norms(double *nrm, const kmed_points *p)
{
    for (int i = 0; i < p->n; i++) {
        const float *a = p->a + (size_t)i * p->da, *b = p->b + (size_t)i * p->db;
        double sa = 0, sb = 0;
        for (int u = 0; u < p->da; u++)
            sa += (double)a[u] * a[u];
        for (int v = 0; v < p->db; v++)
            sb += (double)b[v] * b[v];
        nrm[i] = sa * sb;
    }
}

/* Distances between R row points (ra (R,da), rb (R,db), norms rn) and M
 * column points (ca, cb, cn): ka (R,M) receives them; kb is scratch. */
static void dist_block(float *ka, float *kb, const float *ra, const float *rb, const double *rn,
                       int R, const float *ca, const float *cb, const double *cn, int M, int da,
                       int db)
{
    lgc_sgemm(0, 1, R, M, da, ra, ca, 0.0f, ka); /* ka = ra . ca^T */
    lgc_sgemm(0, 1, R, M, db, rb, cb, 0.0f, kb); /* kb = rb . cb^T */
    for (int i = 0; i < R; i++) {
        float *d = ka + (size_t)i * M;
        const float *g = kb + (size_t)i * M;
        for (int j = 0; j < M; j++) {
            double q = rn[i] + cn[j] - 2.0 * (double)d[j] * g[j];
            d[j] = q > 0 ? (float)sqrt(q) : 0.0f;
        }
    }
}

/* Copies the points idx[0..m) into w->ga, w->gb, w->gn. */
static void gather(kmed_work *w, const int *idx, int m)
{
    const kmed_points *p = w->p;
    for (int r = 0; r < m; r++) {
        memcpy(w->ga + (size_t)r * p->da, p->a + (size_t)idx[r] * p->da,
               (size_t)p->da * sizeof(float));
        memcpy(w->gb + (size_t)r * p->db, p->b + (size_t)idx[r] * p->db,
               (size_t)p->db * sizeof(float));
        w->gn[r] = w->nrm[idx[r]];
    }
}

/* k-medoids++: medoids[0..k) from distances to the nearest medoid so far. */
static void seed(kmed_work *w, int *medoids, int k, rng_t *rng)
{
    const kmed_points *p = w->p;
    int n = p->n;
    double *dmin = w->sums; /* (n) distance to the nearest medoid so far */
    char *is_medoid = xcalloc((size_t)n, 1);
    for (int j = 0; j < k; j++) {
        int pick = -1;
        double total = 0;
        if (j > 0)
            for (int i = 0; i < n; i++)
                total += dmin[i] * dmin[i];
        if (total > 0) {
            double r = rng_uniform(rng) * total, cum = 0;
            for (int i = 0; i < n && pick < 0; i++) {
                cum += dmin[i] * dmin[i];
                if (cum > r)
                    pick = i;
            }
            if (pick < 0) /* r rounded up to total: take the last candidate */
                for (int i = n - 1; i >= 0 && pick < 0; i--)
                    if (dmin[i] > 0)
                        pick = i;
        } else {
            /* first medoid, or every other point coincides with a medoid:
             * uniformly among the points not yet chosen */
            int r = (int)rng_below(rng, (uint32_t)(n - j));
            for (int i = 0; i < n && pick < 0; i++)
                if (!is_medoid[i] && r-- == 0)
                    pick = i;
        }
        assert(pick >= 0 && !is_medoid[pick]);
        medoids[j] = pick;
        is_medoid[pick] = 1;
        if (j == k - 1)
            break;
        const float *ma = p->a + (size_t)pick * p->da, *mb = p->b + (size_t)pick * p->db;
        for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
            int R = n - r0 < ROW_BLOCK ? n - r0 : ROW_BLOCK;
            dist_block(w->ka, w->kb, p->a + (size_t)r0 * p->da, p->b + (size_t)r0 * p->db,
                       w->nrm + r0, R, ma, mb, &w->nrm[pick], 1, p->da, p->db);
            for (int i = 0; i < R; i++)
                if (j == 0 || w->ka[i] < dmin[r0 + i])
                    dmin[r0 + i] = w->ka[i];
        }
        for (int i = 0; i < n; i++)
            if (is_medoid[i])
                dmin[i] = 0; /* exactly, whatever the rounding said */
    }
    free(is_medoid);
}

/* Assigns every point to its nearest medoid (ties to the lower index, each
 * medoid to itself), fills sizes and the member lists, and returns the
 * total distance. */
static double assign_step(kmed_work *w, int *assign, long *sizes, const int *medoids, int k)
{
    const kmed_points *p = w->p;
    int n = p->n;
    gather(w, medoids, k);
    double total = 0;
    for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
        int R = n - r0 < ROW_BLOCK ? n - r0 : ROW_BLOCK;
        dist_block(w->ka, w->kb, p->a + (size_t)r0 * p->da, p->b + (size_t)r0 * p->db,
                   w->nrm + r0, R, w->ga, w->gb, w->gn, k, p->da, p->db);
        for (int i = 0; i < R; i++) {
            const float *d = w->ka + (size_t)i * k;
            int best = 0;
            for (int c = 1; c < k; c++)
                if (d[c] < d[best])
                    best = c;
            assign[r0 + i] = best;
            w->sums[r0 + i] = d[best];
        }
    }
    for (int c = 0; c < k; c++) {
        assign[medoids[c]] = c;
        w->sums[medoids[c]] = 0;
    }
    memset(sizes, 0, (size_t)k * sizeof *sizes);
    for (int i = 0; i < n; i++) {
        sizes[assign[i]]++;
        total += w->sums[i];
    }
    /* counting sort of the points by cluster */
    w->start[0] = 0;
    for (int c = 0; c < k; c++)
        w->start[c + 1] = w->start[c] + sizes[c];
    long *fill = xmalloc((size_t)k * sizeof *fill);
    memcpy(fill, w->start, (size_t)k * sizeof *fill);
    for (int i = 0; i < n; i++)
        w->members[fill[assign[i]]++] = i;
    free(fill);
    return total;
}

/* Moves each medoid to the member of its cluster with the least total
 * distance to the cluster; returns how many moved. */
static int update_step(kmed_work *w, int *medoids, int k)
{
    const kmed_points *p = w->p;
    int moved = 0;
    for (int c = 0; c < k; c++) {
        const int *mem = w->members + w->start[c];
        int m = (int)(w->start[c + 1] - w->start[c]);
        if (m <= 2)
            continue; /* one or two members: the medoid is as good as any */
        gather(w, mem, m);
        for (int r0 = 0; r0 < m; r0 += ROW_BLOCK) {
            int R = m - r0 < ROW_BLOCK ? m - r0 : ROW_BLOCK;
            dist_block(w->ka, w->kb, w->ga + (size_t)r0 * p->da, w->gb + (size_t)r0 * p->db,
                       w->gn + r0, R, w->ga, w->gb, w->gn, m, p->da, p->db);
            for (int i = 0; i < R; i++) {
                const float *d = w->ka + (size_t)i * m;
                double s = 0;
                for (int j = 0; j < m; j++)
                    s += d[j];
                w->sums[r0 + i] = s;
            }
        }
        int cur = -1;
        for (int i = 0; i < m && cur < 0; i++)
            if (mem[i] == medoids[c])
                cur = i;
        assert(cur >= 0);
        int best = cur;
        for (int i = 0; i < m; i++)
            if (w->sums[i] < w->sums[best] - MOVE_MARGIN * w->sums[cur])
                best = i;
        if (best != cur) {
            medoids[c] = mem[best];
            moved++;
        }
    }
    return moved;
}

double kmedoids_fit(int *medoids, int *assign, long *sizes, const kmed_points *p, int k,
                    int max_iter, rng_t *rng)
{
    assert(p->n >= 1 && k >= 1 && k <= p->n && p->da >= 1 && p->db >= 1);
    int n = p->n;
    size_t wide = (size_t)ROW_BLOCK * (size_t)(n > k ? n : k);
    kmed_work w = {
        .p = p,
        .nrm = xmalloc((size_t)n * sizeof(double)),
        .ka = xmalloc(wide * sizeof(float)),
        .kb = xmalloc(wide * sizeof(float)),
        .ga = xmalloc((size_t)n * p->da * sizeof(float)),
        .gb = xmalloc((size_t)n * p->db * sizeof(float)),
        .gn = xmalloc((size_t)n * sizeof(double)),
        .members = xmalloc((size_t)n * sizeof(int)),
        .start = xmalloc((size_t)(k + 1) * sizeof(long)),
        .sums = xmalloc((size_t)n * sizeof(double)),
    };
    sq_norms(w.nrm, p);
    seed(&w, medoids, k, rng);
    double total = assign_step(&w, assign, sizes, medoids, k);
    for (int it = 0; it < max_iter; it++) {
        if (!update_step(&w, medoids, k))
            break;
        total = assign_step(&w, assign, sizes, medoids, k);
    }
    free(w.nrm);
    free(w.ka);
    free(w.kb);
    free(w.ga);
    free(w.gb);
    free(w.gn);
    free(w.members);
    free(w.start);
    free(w.sums);
    return total;
}

double kmedoids_distance(const kmed_points *p, int i, int j)
{
    const float *ai = p->a + (size_t)i * p->da, *aj = p->a + (size_t)j * p->da;
    const float *bi = p->b + (size_t)i * p->db, *bj = p->b + (size_t)j * p->db;
    double s = 0;
    for (int u = 0; u < p->da; u++)
        for (int v = 0; v < p->db; v++) {
            double q = (double)ai[u] * bi[v] - (double)aj[u] * bj[v];
            s += q * q;
        }
    return sqrt(s);
}
