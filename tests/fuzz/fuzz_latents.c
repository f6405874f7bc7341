/* fuzz_latents.c - libFuzzer target for the latent-codes CSV reader of
 * `lgc sample --from-latents` (include/latents_csv.h).
 *
 * The first two bytes of an input choose the model the file is read
 * against (latent size 1 + b0 % 20, classes 1 + b1 % 12); the rest is the
 * file, written to a temporary path because the reader opens a path. The
 * reader must return LGC_OK with exactly what it promises, or an error
 * whose message names the file, and nothing allocated; anything else (a
 * crash, a sanitizer report, a leak) is a finding. Seeds:
 * tests/fuzz/make-corpus.sh. Built and run by `make fuzz`. */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "latents_csv.h"
#include "util.h"

/* more lines than any seed, few enough to keep each run fast */
#define MAX_CODES 4096

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20))
        return 0;
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz-latents-%ld.csv", (long)getpid());
    const int d = 1 + data[0] % 20, K = 1 + data[1] % 12;
    FILE *f = fopen(path, "wb");
    assert(f);
    assert(fwrite(data + 2, 1, size - 2, f) == size - 2);
    assert(fclose(f) == 0);

    latents_csv l;
    int st = latents_csv_read(&l, path, d, K, MAX_CODES);
    if (st == LGC_OK) {
        assert(l.n >= 1 && l.n <= MAX_CODES && l.d == d && l.z && l.labels);
        for (long i = 0; i < l.n; i++) {
            assert(l.labels[i] < K);
            for (int k = 0; k < d; k++)
                assert(isfinite(l.z[(size_t)i * d + k]));
        }
        latents_csv_free(&l);
    } else {
        assert(st == LGC_EFORMAT && !l.z && !l.labels && l.n == 0);
        assert(strstr(lgc_errmsg(), path));
    }
    return 0;
}
