/* test_dataset_open.c - dataset_open's recognition (dataset_open.h): each
 * form (IDX directory in both spellings, NPY directory under lgc's and
 * Keras's names, CIFAR directory, PNG class folders with and without
 * train/test, single files, a stream), the test split each convention
 * finds, and the refusals (empty and ambiguous directories, unknown
 * files); labels as the user has them, and a training and a test set
 * given the same classes. Sets are made here by lgc's own writers. */
#define _XOPEN_SOURCE 700 /* nftw, in test_files.h */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cifar.h"
#include "dataset_open.h"
#include "npy.h"
#include "png_folder.h"
#include "set_writer.h"
#include "test_files.h"

#define N 6
#define SIDE 4

static uint8_t pixels[N * SIDE * SIDE];
static const int64_t user_labels[N] = {7, 3, 7, 3, 3, 7};

/* dir/<images> and dir/<labels> as NPY, labels user_labels. */
static void put_npy(const char *dir, const char *images, const char *labels)
{
    char path[512], p[1024];
    mkdir(scratch_path(path, dir), 0700);
    snprintf(p, sizeof p, "%s/%s", path, images);
    assert_int_equal(npy_write_images(p, pixels, N, SIDE, SIDE, 1), LGC_OK);
    snprintf(p, sizeof p, "%s/%s", path, labels);
    assert_int_equal(npy_write_labels(p, user_labels, N), LGC_OK);
}

/* An IDX training set in dir, labels user_labels, through set_writer. */
static void put_idx(const char *dir)
{
    char path[512];
    const uint8_t classes[N] = {1, 0, 1, 0, 0, 1};
    const int64_t values[2] = {3, 7};
    class_labels l;
    class_labels_from_values(&l, values, 2);
    set_writer w;
    assert_int_equal(set_writer_open(&w, scratch_path(path, dir), DATASET_IDX, N, SIDE, SIDE, 1,
                                     &l, 2),
                     LGC_OK);
    assert_int_equal(set_writer_put(&w, pixels, classes, N), LGC_OK);
    assert_int_equal(set_writer_commit(&w), LGC_OK);
    class_labels_free(&l);
}

static void expect_user_labels(const dataset *ds)
{
    assert_dims(ds->n, ds->h, ds->w, ds->c, N, SIDE, SIDE, 1);
    assert_int_equal(ds->n_classes, 2);
    assert_int_equal(ds->classes.kind, CLASS_LABELS_INTEGERS);
    assert_true(ds->classes.values[0] == 3 && ds->classes.values[1] == 7);
    for (int i = 0; i < N; i++)
        assert_int_equal(ds->labels[i], user_labels[i] == 7);
}

/* The test split found for the training set at train names want. */
static void expect_test_beside(const char *train, const char *want)
{
    char *test;
    assert_int_equal(dataset_find_test(&test, train, DATASET_AUTO), 1);
    assert_non_null(strstr(test, want));
    free(test);
}

static void test_idx_directory(void **state)
{
    (void)state;
    char dir[512], from[1024], to[1024];
    dataset ds;
    put_idx("idx");
    assert_int_equal(dataset_open(&ds, scratch_path(dir, "idx"), DATASET_TRAIN, DATASET_AUTO),
                     LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    /* the mirrors' spelling */
    snprintf(from, sizeof from, "%s/train-images-idx3-ubyte", dir);
    snprintf(to, sizeof to, "%s/train-images.idx3-ubyte", dir);
    assert_int_equal(rename(from, to), 0);
    snprintf(from, sizeof from, "%s/train-labels-idx1-ubyte", dir);
    snprintf(to, sizeof to, "%s/train-labels.idx1-ubyte", dir);
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(dataset_open(&ds, dir, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    /* the images file by itself: its labels are found by name */
    snprintf(to, sizeof to, "%s/train-images.idx3-ubyte", dir);
    assert_int_equal(dataset_open(&ds, to, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    char *test;
    assert_int_equal(dataset_find_test(&test, dir, DATASET_AUTO), 0);
}

static void test_npy_directories(void **state)
{
    (void)state;
    char dir[512], file[1024];
    dataset ds;
    put_npy("npy", "train_images.npy", "train_labels.npy");
    put_npy("npy", "test_images.npy", "test_labels.npy");
    put_npy("keras", "x_train.npy", "y_train.npy");
    assert_int_equal(dataset_open(&ds, scratch_path(dir, "npy"), DATASET_TEST, DATASET_AUTO),
                     LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    char *test;
    assert_int_equal(dataset_find_test(&test, dir, DATASET_AUTO), 1);
    assert_string_equal(test, dir);
    free(test);
    assert_int_equal(dataset_open(&ds, scratch_path(dir, "keras"), DATASET_TRAIN, DATASET_AUTO),
                     LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    expect_failure(dataset_open(&ds, dir, DATASET_TEST, DATASET_AUTO), LGC_EIO, "test_images.npy",
                   "nor x_test.npy");
    snprintf(file, sizeof file, "%s/x_train.npy", dir);
    assert_int_equal(dataset_open(&ds, file, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    expect_user_labels(&ds);
    dataset_free(&ds);
    snprintf(file, sizeof file, "%s/train_images.npy", scratch_path(dir, "npy"));
    expect_test_beside(file, "test_images.npy");
}

static void test_cifar_directory(void **state)
{
    (void)state;
    char dir[512], file[1024];
    uint8_t images[N * CIFAR_IMAGE_BYTES] = {0}, labels[N] = {2, 9, 2, 9, 2, 9};
    cifar_set s = {.kind = CIFAR_10, .n = N, .images = images, .labels = labels};
    mkdir(scratch_path(dir, "cifar"), 0700);
    snprintf(file, sizeof file, "%s/data_batch_1.bin", dir);
    assert_int_equal(cifar_write(file, &s), LGC_OK);
    snprintf(file, sizeof file, "%s/test_batch.bin", dir);
    assert_int_equal(cifar_write(file, &s), LGC_OK);
    dataset ds;
    assert_int_equal(dataset_open(&ds, dir, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    assert_dims(ds.n, ds.h, ds.w, ds.c, N, 32, 32, 3);
    assert_int_equal(ds.n_classes, 2);
    assert_true(ds.classes.values[0] == 2 && ds.classes.values[1] == 9);
    dataset_free(&ds);
    snprintf(file, sizeof file, "%s/data_batch_1.bin", dir);
    expect_test_beside(file, "test_batch.bin");
    expect_test_beside(dir, "cifar");
}

static void test_png_folders(void **state)
{
    (void)state;
    char root[512], sub[1024];
    char *names[2] = {"cat", "dog"};
    uint8_t labels[N] = {0, 1, 0, 1, 0, 1};
    png_folder_set s = {.n = N, .h = SIDE, .w = SIDE, .c = 1, .n_classes = 2, .images = pixels,
                        .labels = labels, .class_names = names};
    assert_int_equal(png_folder_write(scratch_path(root, "png"), &s), LGC_OK);
    dataset ds;
    assert_int_equal(dataset_open(&ds, root, DATASET_TEST, DATASET_AUTO), LGC_OK);
    assert_int_equal(ds.classes.kind, CLASS_LABELS_NAMES);
    assert_string_equal(ds.classes.names[1], "dog");
    dataset_free(&ds);
    char *test;
    assert_int_equal(dataset_find_test(&test, root, DATASET_AUTO), 0);
    /* root/train/<class> and root/test/<class> */
    mkdir(scratch_path(root, "split"), 0700);
    snprintf(sub, sizeof sub, "%s/train", root);
    assert_int_equal(png_folder_write(sub, &s), LGC_OK);
    assert_int_equal(dataset_find_test(&test, root, DATASET_AUTO), 0);
    snprintf(sub, sizeof sub, "%s/test", root);
    assert_int_equal(png_folder_write(sub, &s), LGC_OK);
    assert_int_equal(dataset_find_test(&test, root, DATASET_AUTO), 1);
    free(test);
    assert_int_equal(dataset_open(&ds, root, DATASET_TEST, DATASET_AUTO), LGC_OK);
    assert_int_equal(ds.n, N);
    dataset_free(&ds);
    /* integer folder names are integers */
    char *digits[2] = {"10", "9"};
    s.class_names = digits;
    assert_int_equal(png_folder_write(scratch_path(root, "digits"), &s), LGC_OK);
    assert_int_equal(dataset_open(&ds, root, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    assert_int_equal(ds.classes.kind, CLASS_LABELS_INTEGERS);
    assert_true(ds.classes.values[0] == 9 && ds.classes.values[1] == 10);
    assert_int_equal(ds.labels[0], 1); /* the first image is in folder "10" */
    dataset_free(&ds);
}

static void test_refusals(void **state)
{
    (void)state;
    char dir[512], file[1024];
    dataset ds;
    mkdir(scratch_path(dir, "empty"), 0700);
    expect_failure(dataset_open(&ds, dir, DATASET_TRAIN, DATASET_AUTO), LGC_EFORMAT, dir,
                   "no dataset found in");
    put_idx("mixed");
    put_npy("mixed", "train_images.npy", "train_labels.npy");
    expect_failure(dataset_open(&ds, scratch_path(dir, "mixed"), DATASET_TRAIN, DATASET_AUTO),
                   LGC_EFORMAT, dir, "holds both IDX and NPY files");
    assert_int_equal(dataset_open(&ds, dir, DATASET_TRAIN, DATASET_NPY), LGC_OK);
    dataset_free(&ds);
    /* files beside class folders: the files decide */
    put_idx("idx-and-folder");
    snprintf(file, sizeof file, "%s/samples", scratch_path(dir, "idx-and-folder"));
    mkdir(file, 0700);
    assert_int_equal(dataset_open(&ds, dir, DATASET_TRAIN, DATASET_AUTO), LGC_OK);
    dataset_free(&ds);
    snprintf(file, sizeof file, "%s/notes.txt", scratch_path(dir, "empty"));
    put_file(file, "hello", 5);
    expect_failure(dataset_open(&ds, file, DATASET_TRAIN, DATASET_AUTO), LGC_EFORMAT, file,
                   "no dataset found in");
    expect_failure(dataset_open(&ds, scratch_path(dir, "nowhere"), DATASET_TRAIN, DATASET_AUTO),
                   LGC_EIO, dir, "No such file");
    put_npy("lonely", "pixels.npy", "unused_labels.npy");
    snprintf(file, sizeof file, "%s/pixels.npy", scratch_path(dir, "lonely"));
    expect_failure(dataset_open(&ds, file, DATASET_TRAIN, DATASET_AUTO), LGC_EUSAGE, file,
                   "which file holds the labels");
}

static void test_stream(void **state)
{
    (void)state;
    for (int npy = 0; npy < 2; npy++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        const dataset_format fmt = npy ? DATASET_NPY : DATASET_IDX;
        const uint8_t classes[N] = {0, 1, 0, 1, 0, 1};
        class_labels none = {0};
        assert_int_equal(set_write_images_header(f, fmt, N, SIDE, SIDE, 1, "s"), LGC_OK);
        assert_int_equal(fwrite(pixels, 1, sizeof pixels, f), sizeof pixels);
        assert_int_equal(set_write_labels_header(f, fmt, N, "s"), LGC_OK);
        assert_int_equal(set_write_labels(f, fmt, &none, classes, N, "s"), LGC_OK);
        assert_int_equal(fclose(f), 0);
        dataset ds;
        assert_int_equal(dataset_read_stream(&ds, (uint8_t *)buf, len, "s"), LGC_OK);
        assert_int_equal(ds.n, N);
        assert_memory_equal(ds.labels, classes, N);
        dataset_free(&ds);
        expect_failure(dataset_read_stream(&ds, (uint8_t *)buf, len - 1, "s"), LGC_EFORMAT, "s",
                       "truncated");
        free(buf);
    }
}

static void test_share_classes(void **state)
{
    (void)state;
    dataset a = {.n = 2, .h = 1, .w = 1, .c = 1}, b = {.n = 2, .h = 1, .w = 1, .c = 1};
    const int64_t va[2] = {3, 7}, vb[2] = {7, 9};
    assert_int_equal(dataset_set_labels(&a, va, "a"), LGC_OK);
    assert_int_equal(dataset_set_labels(&b, vb, "b"), LGC_OK);
    assert_int_equal(dataset_share_classes(&a, &b), LGC_OK);
    assert_int_equal(a.n_classes, 3);
    assert_int_equal(b.n_classes, 3);
    assert_int_equal(a.labels[1], 1); /* 7 */
    assert_int_equal(b.labels[0], 1); /* 7 */
    assert_int_equal(b.labels[1], 2); /* 9 */
    char *names[1] = {"cat"};
    uint8_t *one = xcalloc(2, 1);
    dataset_set_named(&b, one, 1, names);
    expect_failure(dataset_share_classes(&a, &b), LGC_EFORMAT, "training set", "folder names");
    dataset_free(&a);
    dataset_free(&b);
}

int main(void)
{
    for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)(i * 37);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_directory),   cmocka_unit_test(test_npy_directories),
        cmocka_unit_test(test_cifar_directory), cmocka_unit_test(test_png_folders),
        cmocka_unit_test(test_refusals),        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_share_classes),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
