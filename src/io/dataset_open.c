/* dataset_open.c - which format a dataset argument is, and where its files
 * are, by each format's conventions (dataset_open.h). The reading itself
 * is dataset.c (IDX directories) and dataset_formats.c (the rest). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "cifar.h"
#include "dataset_open.h"
#include "util.h"

/* A stream larger than the largest IDX set (IDX_MAX_COUNT images of up to
 * IDX_MAX_IMAGE_BYTES) is refused long before; this bounds what standard
 * input may make lgc allocate. */
#define STREAM_MAX_BYTES ((size_t)16 << 30)

static const char *const format_names[] = {
    [DATASET_AUTO] = "dataset", [DATASET_IDX] = "IDX", [DATASET_NPY] = "NPY",
    [DATASET_CIFAR] = "CIFAR", [DATASET_PNG] = "PNG class folders",
};

/* as --format spells them */
static const char *const format_options[] = {
    [DATASET_AUTO] = "auto", [DATASET_IDX] = "idx", [DATASET_NPY] = "npy",
    [DATASET_CIFAR] = "cifar", [DATASET_PNG] = "png",
};

const char *dataset_format_name(dataset_format f) { return format_names[f]; }

const char *dataset_format_option(dataset_format f) { return format_options[f]; }

int dataset_format_parse(dataset_format *f, const char *option, const char *text, int output)
{
    for (int i = DATASET_IDX; i <= DATASET_PNG; i++)
        if (!strcmp(text, format_options[i]) && !(output && i == DATASET_CIFAR)) {
            *f = (dataset_format)i;
            return LGC_OK;
        }
    return lgc_fail(LGC_EUSAGE, "option '--%s' expects %s, got '%s'", option,
                    output ? "idx, npy or png" : "idx, npy, cifar or png", text);
}

/* --- names --- */

static char *join(const char *dir, const char *name) { return path_in_dir(dir, name, ""); }

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int exists_in(const char *dir, const char *name)
{
    char *p = join(dir, name);
    int yes = is_file(p);
    free(p);
    return yes;
}

/* path with the last occurrence of from in its file name replaced by to,
 * in a new string; NULL when the file name does not hold from. */
static char *replace_in_name(const char *path, const char *from, const char *to)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path, *at = NULL;
    for (const char *p = strstr(base, from); p; p = strstr(p + 1, from))
        at = p;
    if (!at)
        return NULL;
    size_t head = (size_t)(at - path), len = strlen(path) - strlen(from) + strlen(to) + 1;
    char *out = xmalloc(len);
    snprintf(out, len, "%.*s%s%s", (int)head, path, to, at + strlen(from));
    return out;
}

char *dataset_labels_beside(const char *images)
{
    char *labels = replace_in_name(images, "images", "labels");
    if (labels) {
        char *idx1 = replace_in_name(labels, "idx3", "idx1");
        if (idx1) {
            free(labels);
            labels = idx1;
        }
        return labels;
    }
    const char *slash = strrchr(images, '/'), *base = slash ? slash + 1 : images;
    if (base[0] != 'x' && base[0] != 'X')
        return NULL;
    labels = xstrdup(images);
    labels[base - images] = base[0] == 'x' ? 'y' : 'Y';
    return labels;
}

/* --- NPY and CIFAR directories --- */

/* The NPY names of each split: lgc's own, then Keras's. */
static const char *const npy_names[2][2][2] = {
    [DATASET_TRAIN] = {{"train_images.npy", "train_labels.npy"}, {"x_train.npy", "y_train.npy"}},
    [DATASET_TEST] = {{"test_images.npy", "test_labels.npy"}, {"x_test.npy", "y_test.npy"}},
};

static int npy_has_split(const char *dir, dataset_split split)
{
    return exists_in(dir, npy_names[split][0][0]) || exists_in(dir, npy_names[split][1][0]);
}

static int open_npy_dir(dataset *ds, const char *dir, dataset_split split)
{
    for (int i = 0; i < 2; i++)
        if (exists_in(dir, npy_names[split][i][0])) {
            char *images = join(dir, npy_names[split][i][0]);
            char *labels = join(dir, npy_names[split][i][1]);
            int st = dataset_read_pair(ds, images, labels, DATASET_NPY);
            free(images);
            free(labels);
            return st;
        }
    return lgc_fail(LGC_EIO, "cannot open '%s/%s' (nor %s)", dir, npy_names[split][0][0],
                    npy_names[split][1][0]);
}

#define CIFAR10_TRAIN_BATCHES 5

/* The batch files of split in dir: CIFAR-10's, else CIFAR-100's. */
static int cifar_split_files(char **paths, const char *dir, dataset_split split)
{
    int n = 0;
    if (split == DATASET_TEST) {
        const char *name = exists_in(dir, "test_batch.bin") ? "test_batch.bin" : "test.bin";
        if (exists_in(dir, name))
            paths[n++] = join(dir, name);
        return n;
    }
    for (int b = 1; b <= CIFAR10_TRAIN_BATCHES; b++) {
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", b);
        if (exists_in(dir, name))
            paths[n++] = join(dir, name);
    }
    if (n == 0 && exists_in(dir, "train.bin"))
        paths[n++] = join(dir, "train.bin");
    return n;
}

static int open_cifar_dir(dataset *ds, const char *dir, dataset_split split)
{
    char *paths[CIFAR10_TRAIN_BATCHES];
    int n = cifar_split_files(paths, dir, split), st;
    if (n == 0)
        st = lgc_fail(LGC_EIO, "no CIFAR %s batch in '%s' (%s)", split == DATASET_TEST ? "test" : "training",
                      dir, split == DATASET_TEST ? "test_batch.bin or test.bin"
                                                 : "data_batch_1..5.bin or train.bin");
    else
        st = dataset_read_cifar(ds, (const char *const *)paths, n);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    return st;
}

/* --- PNG class folders --- */

/* Whether dir has a sub-folder whose name does not start with '.'. */
static int has_sub_folder(const char *dir)
{
    DIR *d = opendir(dir);
    int found = 0;
    if (!d)
        return 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *p = join(dir, e->d_name);
        found = is_dir(p);
        free(p);
    }
    closedir(d);
    return found;
}

/* root/<split>/ when root has the split layout (root/train/<class>/...):
 * a class folder holds files only, so a "train" folder with sub-folders
 * is a split, not a class. NULL for a plain class-folder root. */
static char *png_split_root(const char *root, dataset_split split)
{
    char *train = join(root, "train");
    int layout = has_sub_folder(train);
    free(train);
    return layout ? join(root, split == DATASET_TEST ? "test" : "train") : NULL;
}

static int open_png_dir(dataset *ds, const char *root, dataset_split split)
{
    char *sub = png_split_root(root, split);
    if (sub && !is_dir(sub)) {
        int st = lgc_fail(LGC_EIO, "cannot open the folder '%s': %s", sub, strerror(ENOENT));
        free(sub);
        return st;
    }
    int st = dataset_read_png(ds, sub ? sub : root);
    free(sub);
    return st;
}

/* --- recognising a directory --- */

static int cifar_has_split(const char *dir, dataset_split split)
{
    char *paths[CIFAR10_TRAIN_BATCHES];
    int n = cifar_split_files(paths, dir, split);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    return n > 0;
}

/* The file formats whose names dir holds, as bits (1 << format). */
static unsigned file_formats_in(const char *dir)
{
    unsigned found = 0;
    for (int s = DATASET_TRAIN; s <= DATASET_TEST; s++) {
        if (dataset_has_split(dir, (dataset_split)s))
            found |= 1u << DATASET_IDX;
        if (npy_has_split(dir, (dataset_split)s))
            found |= 1u << DATASET_NPY;
        if (cifar_has_split(dir, (dataset_split)s))
            found |= 1u << DATASET_CIFAR;
    }
    return found;
}

static int detect_dir(dataset_format *f, const char *dir)
{
    unsigned found = file_formats_in(dir);
    if (found & (found - 1)) {
        char list[64] = "";
        for (int i = DATASET_IDX; i <= DATASET_CIFAR; i++)
            if (found & 1u << i)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? " and " : "", format_names[i]);
        return lgc_fail(LGC_EFORMAT,
                        "'%s' holds both %s files: name the images file, or choose with --format",
                        dir, list);
    }
    for (int i = DATASET_IDX; i <= DATASET_CIFAR; i++)
        if (found == 1u << i) {
            *f = (dataset_format)i;
            return LGC_OK;
        }
    if (has_sub_folder(dir)) {
        *f = DATASET_PNG;
        return LGC_OK;
    }
    return lgc_fail(LGC_EFORMAT,
                    "no dataset found in '%s': expected IDX, NPY, CIFAR or PNG class folders", dir);
}

static int open_dir(dataset *ds, const char *dir, dataset_split split, dataset_format f)
{
    int st = f == DATASET_AUTO ? detect_dir(&f, dir) : LGC_OK;
    if (st)
        return st;
    switch (f) {
    case DATASET_NPY: return open_npy_dir(ds, dir, split);
    case DATASET_CIFAR: return open_cifar_dir(ds, dir, split);
    case DATASET_PNG: return open_png_dir(ds, dir, split);
    default: return dataset_load(ds, dir, split);
    }
}

/* --- a single file --- */

/* The format of a file by its first bytes (IDX, gzip'd IDX, NPY) or, for
 * CIFAR's headerless batches, its name and size. */
static int detect_file(dataset_format *f, const char *path)
{
    uint8_t head[8] = {0};
    struct stat sb;
    FILE *fp = fopen(path, "rb");
    if (!fp || fstat(fileno(fp), &sb)) {
        int st = lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
        if (fp)
            fclose(fp);
        return st;
    }
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    cifar_kind kind;
    if (got >= 6 && !memcmp(head, "\x93NUMPY", 6))
        *f = DATASET_NPY;
    else if (got >= 4 && ((head[0] == 0x1f && head[1] == 0x8b) ||
                          (!head[0] && !head[1] && head[2] == 0x08)))
        *f = DATASET_IDX;
    else if (got >= 4 && !memcmp(head, "\x89PNG", 4))
        return lgc_fail(LGC_EFORMAT, "'%s' is one PNG image: give the root of its class "
                        "folders (root/<class>/<file>.png)", path);
    else if (cifar_detect(&kind, path, (size_t)sb.st_size) == LGC_OK)
        *f = DATASET_CIFAR;
    else
        return lgc_fail(LGC_EFORMAT, "no dataset found in '%s': expected an IDX, NPY or CIFAR "
                        "file, or a directory", path);
    return LGC_OK;
}

static int open_file(dataset *ds, const char *path, dataset_format f)
{
    int st = f == DATASET_AUTO ? detect_file(&f, path) : LGC_OK;
    if (st)
        return st;
    if (f == DATASET_CIFAR)
        return dataset_read_cifar(ds, &path, 1);
    if (f == DATASET_PNG)
        return lgc_fail(LGC_EUSAGE, "'%s' is a file: PNG class folders are a directory", path);
    char *labels = dataset_labels_beside(path);
    if (!labels)
        return lgc_fail(LGC_EUSAGE, "cannot tell which file holds the labels of '%s': name the "
                        "images file *images* (its labels *labels*) or x* (its labels y*)",
                        path);
    st = dataset_read_pair(ds, path, labels, f);
    free(labels);
    return st;
}

/* --- standard input --- */

static int open_stdin(dataset *ds, dataset_format f)
{
    const char *name = "standard input";
    if (f == DATASET_CIFAR || f == DATASET_PNG)
        return lgc_fail(LGC_EUSAGE, "%s cannot be read from standard input (only IDX and NPY "
                        "streams, as 'lgc sample -o -' writes them)", format_names[f]);
    size_t len = 0, cap = (size_t)1 << 20;
    uint8_t *buf = xmalloc(cap);
    for (size_t got; (got = fread(buf + len, 1, cap - len, stdin)) > 0;) {
        len += got;
        if (len == cap) {
            if (cap >= STREAM_MAX_BYTES) {
                free(buf);
                return lgc_fail(LGC_EFORMAT, "%s: more than %zu bytes", name, STREAM_MAX_BYTES);
            }
            buf = xrealloc(buf, cap *= 2);
        }
    }
    int st = ferror(stdin) ? lgc_fail(LGC_EIO, "cannot read %s: %s", name, strerror(errno))
                           : dataset_read_stream(ds, buf, len, name);
    free(buf);
    return st;
}

int dataset_open(dataset *ds, const char *path, dataset_split split, dataset_format format)
{
    *ds = (dataset){0};
    if (!strcmp(path, "-"))
        return open_stdin(ds, format);
    struct stat sb;
    if (stat(path, &sb))
        return lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
    return S_ISDIR(sb.st_mode) ? open_dir(ds, path, split, format) : open_file(ds, path, format);
}

/* The test file that goes with the training file path, if it exists. */
static char *test_beside(const char *path)
{
    static const char *const swaps[][2] = {
        {"train", "t10k"}, {"train", "test"}, {"data_batch_1", "test_batch"},
        {"data_batch_2", "test_batch"}, {"data_batch_3", "test_batch"},
        {"data_batch_4", "test_batch"}, {"data_batch_5", "test_batch"},
    };
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        char *test = replace_in_name(path, swaps[i][0], swaps[i][1]);
        if (test && is_file(test))
            return test;
        free(test);
    }
    return NULL;
}

int dataset_find_test(char **test, const char *path, dataset_format format)
{
    *test = NULL;
    if (!strcmp(path, "-"))
        return 0;
    if (!is_dir(path)) {
        *test = test_beside(path);
        return *test != NULL;
    }
    dataset_format f = format;
    if (f == DATASET_AUTO && detect_dir(&f, path))
        return 0; /* not a dataset: no test split (the training set said why) */
    int found = f == DATASET_IDX     ? dataset_has_split(path, DATASET_TEST)
                : f == DATASET_NPY   ? npy_has_split(path, DATASET_TEST)
                : f == DATASET_CIFAR ? cifar_has_split(path, DATASET_TEST)
                                     : 0;
    if (f == DATASET_PNG) {
        char *sub = png_split_root(path, DATASET_TEST);
        found = sub && is_dir(sub);
        free(sub);
    }
    if (found)
        *test = xstrdup(path);
    return found;
}
