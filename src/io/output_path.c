/* output_path.c - the checks every output path passes before any work
 * (output_path.h). They only look (stat, access); the writes themselves
 * still go through atomic_file.h, which reports anything that changes
 * between the check and the write. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "dataset_open.h"
#include "idx.h"
#include "output_path.h"
#include "set_writer.h"
#include "util.h"

/* The files of a training set that lgc writes into a directory, or that
 * a reader would take with or instead of them. */
static const char *const set_files[] = {
    IDX_TRAIN_IMAGES, IDX_TRAIN_LABELS, IDX_TRAIN_IMAGES ".gz", IDX_TRAIN_LABELS ".gz",
    IDX_TRAIN_WEIGHTS, NPY_TRAIN_IMAGES, NPY_TRAIN_LABELS};
#define N_SET_FILES (int)(sizeof set_files / sizeof set_files[0])

#define RAW_AND_GZ(name) name, name ".gz"

/* The files of a dataset directory that dataset_open.h reads: both
 * splits of IDX (either spelling, raw or .gz), NPY and CIFAR. */
static const char *const dataset_files[] = {
    RAW_AND_GZ(IDX_TRAIN_IMAGES),          RAW_AND_GZ(IDX_TRAIN_LABELS),
    RAW_AND_GZ("t10k-images-idx3-ubyte"),  RAW_AND_GZ("t10k-labels-idx1-ubyte"),
    RAW_AND_GZ("train-images.idx3-ubyte"), RAW_AND_GZ("train-labels.idx1-ubyte"),
    RAW_AND_GZ("t10k-images.idx3-ubyte"),  RAW_AND_GZ("t10k-labels.idx1-ubyte"),
    NPY_TRAIN_IMAGES,   NPY_TRAIN_LABELS,   "test_images.npy",  "test_labels.npy",
    "x_train.npy",      "y_train.npy",      "x_test.npy",       "y_test.npy",
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
    "data_batch_5.bin", "test_batch.bin",   "train.bin",        "test.bin"};
#define N_DATASET_FILES (int)(sizeof dataset_files / sizeof dataset_files[0])

#define MAX_INPUT_FILES 128

/* One existing input file or directory, by identity. */
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *role;    /* of the input given, or of its directory */
    const char *dataset; /* the dataset directory it belongs to, or NULL */
} input_file;

typedef struct {
    input_file file[MAX_INPUT_FILES];
    int n;
} input_files;

static void add_input(input_files *in, const struct stat *sb, const char *role,
                      const char *dataset_path)
{
    if (in->n < MAX_INPUT_FILES)
        in->file[in->n++] = (input_file){sb->st_dev, sb->st_ino, role, dataset_path};
}

/* Adds the file path of the dataset input given, if it exists. */
static void add_dataset_file(input_files *in, const char *path, const output_input *given)
{
    struct stat sb;
    if (path && stat(path, &sb) == 0)
        add_input(in, &sb, given->role, given->path);
}

/* The inputs that exist, each dataset with its files. */
static void collect_inputs(input_files *in, const output_input *inputs, int n_inputs)
{
    in->n = 0;
    for (int i = 0; i < n_inputs; i++) {
        struct stat sb;
        if (!inputs[i].path || !strcmp(inputs[i].path, "-") || stat(inputs[i].path, &sb) != 0)
            continue;
        add_input(in, &sb, inputs[i].role, NULL);
        if (!S_ISDIR(sb.st_mode)) {
            if (inputs[i].is_dataset) {
                char *labels = dataset_labels_beside(inputs[i].path);
                add_dataset_file(in, labels, &inputs[i]);
                free(labels);
            }
            continue;
        }
        for (int f = 0; f < N_DATASET_FILES; f++) {
            char *p = path_in_dir(inputs[i].path, dataset_files[f], "");
            add_dataset_file(in, p, &inputs[i]);
            free(p);
        }
    }
}

/* LGC_EUSAGE when path exists and is one of the inputs. */
static int refuse_input(const char *path, const input_files *in)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return LGC_OK;
    for (int i = 0; i < in->n; i++) {
        const input_file *f = &in->file[i];
        if (f->dev != sb.st_dev || f->ino != sb.st_ino)
            continue;
        if (f->dataset)
            return lgc_fail(LGC_EUSAGE,
                            "'%s' is a file of %s '%s': choose another output (--force never "
                            "replaces an input)",
                            path, f->role, f->dataset);
        return lgc_fail(LGC_EUSAGE,
                        "'%s' is %s: choose another output (--force never replaces an input)",
                        path, f->role);
    }
    return LGC_OK;
}

/* path without its trailing slashes ("d/" names d), in a new string. */
static char *without_slashes(const char *path)
{
    char *p = xstrdup(path);
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    return p;
}

/* The last component of a path without trailing slashes. */
static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The directory that holds path ("." for a bare name), in a new string. */
static char *parent_of(const char *path)
{
    char *p = without_slashes(path);
    char *slash = strrchr(p, '/');
    if (!slash) {
        free(p);
        return xstrdup(".");
    }
    while (slash > p && slash[-1] == '/')
        slash--;
    slash[slash == p] = '\0'; /* "/x" is in "/" */
    return p;
}

/* 0 when a file or directory can be made in the directory holding path,
 * else the errno that says why. */
static int parent_unwritable(const char *path)
{
    char *parent = parent_of(path);
    struct stat sb;
    int err = 0;
    if (stat(parent, &sb) != 0)
        err = errno;
    else if (!S_ISDIR(sb.st_mode))
        err = ENOTDIR;
    else if (access(parent, W_OK | X_OK) != 0)
        err = errno;
    free(parent);
    return err;
}

/* What every output is refused for: "-" (what names the output in the
 * message, kind is "file" or "directory") and being an input. Fills *in
 * for the checks that follow. */
static int refuse_dash_or_input(input_files *in, const char *path, const char *what,
                                const char *kind, const output_input *inputs, int n_inputs)
{
    if (!strcmp(path, "-"))
        return lgc_fail(LGC_EUSAGE,
                        "cannot write %s to standard output: give a %s ('./-' for one named -)",
                        what, kind);
    collect_inputs(in, inputs, n_inputs);
    return refuse_input(path, in);
}

int output_check_file(const char *path, const char *what, int force, const output_input *inputs,
                      int n_inputs)
{
    input_files in;
    int st = refuse_dash_or_input(&in, path, what, "file", inputs, n_inputs);
    if (st)
        return st;
    struct stat sb;
    int exists = lstat(path, &sb) == 0;
    if (!exists && errno != ENOENT)
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (exists && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(EISDIR));
    /* a rename onto a device or a pipe would replace it, not write to it */
    if (exists && !S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode))
        return lgc_fail(LGC_EUSAGE,
                        "'%s' is not a regular file: choose another output (--force replaces "
                        "only regular files)",
                        path);
    int err = parent_unwritable(path);
    if (err)
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(err));
    if (exists && !force)
        return lgc_fail(LGC_EUSAGE, "'%s' exists: give --force to replace it", path);
    return LGC_OK;
}

int output_check_dir(const char *dir, int force, const output_input *inputs, int n_inputs)
{
    input_files in;
    int st = refuse_dash_or_input(&in, dir, "a training set", "directory", inputs, n_inputs);
    if (st)
        return st;
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        int err = errno == ENOENT ? parent_unwritable(dir) : errno;
        if (err)
            return lgc_fail(LGC_EIO, "cannot create directory '%s': %s", dir, strerror(err));
        return LGC_OK; /* made by the writer */
    }
    if (!S_ISDIR(sb.st_mode))
        return lgc_fail(LGC_EIO, "cannot use '%s' as output directory: not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", dir, strerror(errno));
    for (int f = 0; f < N_SET_FILES; f++) {
        char *p = path_in_dir(dir, set_files[f], "");
        st = refuse_input(p, &in);
        if (!st && !force && lstat(p, &sb) == 0)
            st = lgc_fail(LGC_EUSAGE, "'%s' holds a training set ('%s' exists): give --force to "
                                      "replace it",
                          dir, p);
        free(p);
        if (st)
            return st;
    }
    return LGC_OK;
}

/* Whether a and b name one file: the same inode when both exist, else
 * (neither exists yet) the same name in the same directory, which may
 * itself be made by this run. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int a_exists = stat(a, &sa) == 0, b_exists = stat(b, &sb) == 0;
    if (a_exists || b_exists)
        return a_exists && b_exists && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *na = without_slashes(a), *nb = without_slashes(b);
    char *pa = parent_of(a), *pb = parent_of(b);
    /* each step drops a component; "." and "/" exist */
    int same = !strcmp(base_of(na), base_of(nb)) && strcmp(pa, na) != 0 && strcmp(pb, nb) != 0 &&
               same_file(pa, pb);
    free(na);
    free(nb);
    free(pa);
    free(pb);
    return same;
}

int output_in_new_dir(const char *file, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return 0;
    char *parent = parent_of(file);
    int in = same_file(parent, dir);
    free(parent);
    return in;
}

int output_check_distinct(const char *file, const char *other, int other_is_dir)
{
    int same = 0;
    if (!other_is_dir)
        same = same_file(file, other);
    for (int f = 0; other_is_dir && f < N_SET_FILES && !same; f++) {
        char *p = path_in_dir(other, set_files[f], "");
        same = same_file(file, p);
        free(p);
    }
    if (same)
        return lgc_fail(LGC_EUSAGE, "'%s' would be written twice: give each output its own path",
                        file);
    return LGC_OK;
}

int output_check_stream(const char *what)
{
    if (!isatty(STDOUT_FILENO))
        return LGC_OK;
    return lgc_fail(LGC_EUSAGE,
                    "standard output is a terminal: redirect it to a file or a pipe to receive "
                    "%s",
                    what);
}
