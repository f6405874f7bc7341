/* fuzz_cifar.c - libFuzzer target for the CIFAR batch reader (include/cifar.h).
 *
 * Each input is detected by size and parsed as a CIFAR-10 and as a
 * CIFAR-100 batch. The reader must return LGC_OK with the records it
 * promises and labels in range, or LGC_EFORMAT with a message naming the
 * input; anything else is a finding. Run with --seeds DIR to write seed
 * batches with cifar_write (tests/fuzz/make-corpus.sh does). Built and run
 * by `make fuzz`. */
#include "cifar.h"
#include "fuzz_common.h"

#define NAME "fuzz.bin"

static void check(cifar_kind kind, const uint8_t *buf, size_t len)
{
    cifar_set s = {0};
    int st = cifar_read_mem(&s, kind, buf, len, NAME);
    if (st != LGC_OK) {
        assert_clean_failure(st, s.images, NAME);
        return;
    }
    assert(s.kind == kind && s.n >= 1 && (size_t)s.n * cifar_record_bytes(kind) == len);
    assert((kind == CIFAR_100) == (s.coarse != NULL));
    for (int i = 0; i < s.n; i++)
        assert(s.labels[i] < kind && (!s.coarse || s.coarse[i] < CIFAR_100_COARSE_CLASSES));
    touch_last(s.images, (size_t)s.n * CIFAR_IMAGE_BYTES);
    cifar_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cifar_kind kind;
    int st = cifar_detect(&kind, NAME, size);
    assert(st == LGC_OK ? kind == CIFAR_10 || kind == CIFAR_100 : st == LGC_EFORMAT);
    (void)st;
    check(CIFAR_10, data, size);
    check(CIFAR_100, data, size);
    return 0;
}

/* One batch of each kind: two CIFAR-10 records, one CIFAR-100. */
static int write_seeds(const char *dir)
{
    int st = LGC_OK;
    for (int k = 0; k < 2 && st == LGC_OK; k++) {
        int n = k ? 1 : 2;
        cifar_set s = {.kind = k ? CIFAR_100 : CIFAR_10, .n = n};
        s.images = xmalloc((size_t)n * CIFAR_IMAGE_BYTES);
        s.labels = xmalloc((size_t)n);
        s.coarse = k ? xmalloc((size_t)n) : NULL;
        for (size_t i = 0; i < (size_t)n * CIFAR_IMAGE_BYTES; i++)
            s.images[i] = (uint8_t)(i * 7);
        for (int i = 0; i < n; i++) {
            s.labels[i] = (uint8_t)(9 - i);
            if (s.coarse)
                s.coarse[i] = 19;
        }
        char path[PATH_BYTES];
        st = cifar_write(seed_path(path, dir, k ? "cifar100.bin" : "cifar10.bin"), &s);
        cifar_free(&s);
    }
    return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    seeds_mode(*argc, *argv, write_seeds);
    return 0;
}
