/* sample_grid.c - the PNG grid of lgc sample --png (sample.h): a look at
 * each class's mixture, drawn from streams apart from the set's. */
#include <stdlib.h>
#include <string.h>

#include "png_write.h"
#include "sample.h"
#include "util.h"

/* Gutter between images and around the grid, pixels, in mid grey. */
#define GRID_GAP 2
#define GRID_GREY 128

int sample_write_grid(const sample_config *cfg, int cols, const char *path)
{
    const lgc_model *m = cfg->model;
    const int K = m->n_classes, gap = GRID_GAP, max_batch = cfg->decoder->max_batch;
    const int pc = m->c == 3 ? 3 : 1;
    const int gw = cols * (m->w + gap) + gap, gh = K * (m->h + gap) + gap;
    uint8_t *grid = xmalloc((size_t)gw * gh * pc);
    memset(grid, GRID_GREY, (size_t)gw * gh * pc);
    float *z = xmalloc((size_t)cols * m->latent * sizeof(float));
    const size_t img_bytes = (size_t)m->h * m->w * m->c;
    uint8_t *img = xmalloc((size_t)cols * img_bytes), *tmp = xmalloc(img_bytes);
    rng_t rng, warp_rng;
    rng_stream(&rng, cfg->seed, RNG_STREAM_GRID_CODES, 0);
    rng_stream(&warp_rng, cfg->seed, RNG_STREAM_GRID_WARPS, 0);
    for (int k = 0; k < K; k++) {
        for (int done = 0; done < cols; done += max_batch) {
            int B = cols - done < max_batch ? cols - done : max_batch;
            gmm_sample(&m->gmms[k], z, B, &rng);
            sample_decode(cfg, z, B, img, tmp, &warp_rng);
            for (int i = 0; i < B; i++)
                for (int y = 0; y < m->h; y++)
                    for (int x = 0; x < m->w; x++)
                        for (int ch = 0; ch < pc; ch++) {
                            size_t gx = (size_t)gap + (size_t)(done + i) * (m->w + gap) + x;
                            size_t gy = (size_t)gap + (size_t)k * (m->h + gap) + y;
                            grid[(gy * gw + gx) * pc + ch] =
                                img[(((size_t)i * m->h + y) * m->w + x) * m->c + ch];
                        }
        }
    }
    int st = png_write(path, grid, gw, gh, pc);
    free(grid);
    free(z);
    free(img);
    free(tmp);
    return st;
}
