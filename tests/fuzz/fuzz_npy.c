/* fuzz_npy.c - libFuzzer target for the NumPy .npy readers (include/npy.h).
 *
 * Each input is parsed as an image array and as a label vector. The readers
 * must return LGC_OK with the sizes they promise, or LGC_EFORMAT with a
 * message naming the input; anything else (a crash, a sanitizer report, a
 * leak, an allocation over libFuzzer's -malloc_limit_mb) is a finding.
 * Run with --seeds DIR to write seed files with the writers of npy.h and a
 * few headers of other writers (tests/fuzz/make-corpus.sh does). Built and
 * run by `make fuzz`. */
#include "fuzz_common.h"
#include "npy.h"

#define NAME "fuzz.npy"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    npy_images im = {0};
    int st = npy_read_images_mem(&im, data, size, NAME);
    if (st == LGC_OK) {
        assert(im.n >= 1 && im.h >= 1 && im.w >= 1 && im.c >= 1 && im.data);
        touch_last(im.data, (size_t)im.n * im.h * im.w * im.c);
        free(im.data);
    } else {
        assert_clean_failure(st, im.data, NAME);
    }
    int64_t *labels = NULL;
    int n = 0;
    if ((st = npy_read_labels_mem(&labels, &n, data, size, NAME)) == LGC_OK) {
        assert(n >= 1 && labels);
        touch_last(labels, (size_t)n * sizeof *labels);
        free(labels);
    } else {
        assert_clean_failure(st, labels, NAME);
    }
    return 0;
}

/* dir/name holding a version major.0 file: dict padded to 64 bytes, then
 * len data bytes (headers as writers other than numpy's make them). */
static int write_raw(const char *dir, const char *name, int major, const char *dict,
                     const void *data, size_t len)
{
    char path[PATH_BYTES];
    size_t pre = major == 1 ? 10 : 12, dict_len = strlen(dict);
    size_t header_len = (pre + dict_len + 1 + 63) / 64 * 64 - pre;
    uint8_t head[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (uint8_t)major, 0};
    for (size_t b = 0; b < pre - 8; b++)
        head[8 + b] = (uint8_t)(header_len >> (8 * b));
    FILE *f = fopen(seed_path(path, dir, name), "wb");
    if (!f)
        return lgc_fail(LGC_EIO, "cannot write '%s'", path);
    fwrite(head, 1, pre, f);
    fputs(dict, f);
    for (size_t i = dict_len; i + 1 < header_len; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, 1, len, f);
    return fclose(f) ? lgc_fail(LGC_EIO, "cannot write '%s'", path) : LGC_OK;
}

static int write_seeds(const char *dir)
{
    uint8_t px[2 * 4 * 4 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 13);
    const int64_t labels[] = {0, 3, -1, 1000};
    const uint8_t be16[] = {0, 1, 0xff, 0xfe};
    char path[PATH_BYTES];
    int st = npy_write_images(seed_path(path, dir, "grey.npy"), px, 3, 4, 4, 1);
    if (st == LGC_OK)
        st = npy_write_images(seed_path(path, dir, "rgb.npy"), px, 2, 4, 4, 3);
    if (st == LGC_OK)
        st = npy_write_labels(seed_path(path, dir, "labels.npy"), labels, 4);
    if (st == LGC_OK)
        st = write_raw(dir, "labels-be-v2.npy", 2,
                       "{'descr': '>i2', 'fortran_order': False, 'shape': (2,)}", be16,
                       sizeof be16);
    if (st == LGC_OK)
        st = write_raw(dir, "images-v3.npy", 3,
                       "{\"shape\": (1, 2, 2, 1), \"fortran_order\": False, \"descr\": \"|u1\"}",
                       px, 4);
    return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    seeds_mode(*argc, *argv, write_seeds);
    return 0;
}
