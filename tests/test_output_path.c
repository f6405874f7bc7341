/* test_output_path.c - the checks on output paths (output_path.h), each
 * test in a fresh temporary directory: which paths are refused, with which status,
 * and which --force lets through; inputs caught through other spellings
 * and symlinks; the files of datasets in other formats; two outputs that
 * name one file before either exists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_path.h"
#include "util.h"

static char root[64];

/* root/name, valid until the eighth call after */
static const char *at(const char *name)
{
    static char path[8][256];
    static int which;
    which = (which + 1) % 8;
    snprintf(path[which], sizeof path[which], "%s/%s", root, name);
    return path[which];
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static int make_root(void **state)
{
    (void)state;
    strcpy(root, "/tmp/lgc-output-path-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    mkdir(at("data"), 0755);
    touch(at("data/train-images-idx3-ubyte"));
    touch(at("data/train-labels-idx1-ubyte"));
    touch(at("data/t10k-labels-idx1-ubyte.gz"));
    touch(at("data/x_test.npy"));
    touch(at("data/test_batch.bin"));
    touch(at("x_train.npy"));
    touch(at("y_train.npy"));
    touch(at("afile"));
    return symlink(at("data"), at("link"));
}

static int remove_root(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

static void file_outputs(void **state)
{
    (void)state;
    const output_input none[] = {{NULL, "nothing", 0}};
    assert_int_equal(output_check_file(at("new.lgc"), "the file", 0, none, 1), LGC_OK);
    assert_int_equal(output_check_file(at("missing/x.lgc"), "the file", 1, none, 1), LGC_EIO);
    assert_int_equal(output_check_file(at("afile/x.lgc"), "the file", 1, none, 1), LGC_EIO);
    assert_int_equal(output_check_file(at("data"), "the file", 1, none, 1), LGC_EIO);
    assert_int_equal(output_check_file("-", "the file", 1, none, 1), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "cannot write the file to standard output"));
    /* an existing file only with --force; a device never */
    assert_int_equal(output_check_file(at("afile"), "the file", 0, none, 1), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "give --force"));
    assert_int_equal(output_check_file(at("afile"), "the file", 1, none, 1), LGC_OK);
    assert_int_equal(output_check_file("/dev/null", "the file", 1, none, 1), LGC_EUSAGE);
}

static void inputs_are_never_outputs(void **state)
{
    (void)state;
    char *data = xstrdup(at("data")), *afile = xstrdup(at("afile"));
    const output_input dataset[] = {{data, "the source directory", 1}};
    const output_input file[] = {{afile, "the file read", 0}};
    /* a dataset file, test split and .gz included, spelled through a symlink */
    assert_int_equal(output_check_file(at("link/train-images-idx3-ubyte"), "x", 1, dataset, 1),
                     LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "is a file of the source directory"));
    assert_int_equal(output_check_file(at("data/t10k-labels-idx1-ubyte.gz"), "x", 1, dataset, 1),
                     LGC_EUSAGE);
    assert_int_equal(output_check_file(at("./afile"), "x", 1, file, 1), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "is the file read"));
    /* the dataset directory itself, however spelled */
    assert_int_equal(output_check_dir(at("data/"), 1, dataset, 1), LGC_EUSAGE);
    assert_int_equal(output_check_dir(at("link"), 1, dataset, 1), LGC_EUSAGE);
    assert_int_equal(output_check_dir(at("data/../data"), 1, dataset, 1), LGC_EUSAGE);
    /* a new file beside the dataset is no input */
    assert_int_equal(output_check_file(at("data/m.lgc"), "x", 0, dataset, 1), LGC_OK);
    free(data);
    free(afile);
}

static void datasets_in_any_format(void **state)
{
    (void)state;
    char *data = xstrdup(at("data")), *images = xstrdup(at("x_train.npy"));
    const output_input dir[] = {{data, "the source dataset", 1}};
    const output_input one_file[] = {{images, "the source dataset", 1}};
    const output_input not_dataset[] = {{images, "the file read", 0}};
    const output_input standard_input[] = {{"-", "the source dataset", 1}};
    /* a directory's NPY and CIFAR files are its files too */
    assert_int_equal(output_check_file(at("data/x_test.npy"), "x", 1, dir, 1), LGC_EUSAGE);
    assert_int_equal(output_check_file(at("data/test_batch.bin"), "x", 1, dir, 1), LGC_EUSAGE);
    /* one images file brings its labels file, as the reader pairs them */
    assert_int_equal(output_check_file(at("y_train.npy"), "x", 1, one_file, 1), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "is a file of the source dataset"));
    assert_int_equal(output_check_file(at("y_train.npy"), "x", 1, not_dataset, 1), LGC_OK);
    /* standard input is no file, even beside a file named - */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(root), 0);
    touch("-");
    assert_int_equal(output_check_file("./-", "x", 1, standard_input, 1), LGC_OK);
    assert_int_equal(chdir(cwd), 0);
    /* an NPY set in an output directory is a training set there */
    mkdir(at("out"), 0755);
    touch(at("out/train_labels.npy"));
    assert_int_equal(output_check_dir(at("out"), 0, dir, 1), LGC_EUSAGE);
    assert_int_equal(output_check_dir(at("out"), 1, dir, 1), LGC_OK);
    free(data);
    free(images);
}

static void directory_outputs(void **state)
{
    (void)state;
    const output_input none[] = {{NULL, "nothing", 0}};
    assert_int_equal(output_check_dir(at("newdir"), 0, none, 1), LGC_OK);
    assert_int_equal(output_check_dir(at("missing/newdir"), 1, none, 1), LGC_EIO);
    assert_int_equal(output_check_dir(at("afile"), 1, none, 1), LGC_EIO);
    assert_int_equal(output_check_dir("-", 1, none, 1), LGC_EUSAGE);
    /* an empty or unrelated directory needs no --force, any set file does */
    mkdir(at("out"), 0755);
    touch(at("out/notes.txt"));
    assert_int_equal(output_check_dir(at("out"), 0, none, 1), LGC_OK);
    touch(at("out/train-weights-idx1-float"));
    assert_int_equal(output_check_dir(at("out"), 0, none, 1), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "holds a training set"));
    assert_int_equal(output_check_dir(at("out"), 1, none, 1), LGC_OK);
}

static void two_outputs_one_file(void **state)
{
    (void)state;
    /* neither exists yet, nor does their directory */
    assert_int_equal(output_check_distinct(at("new/x"), at("./new//x"), 0), LGC_EUSAGE);
    assert_int_equal(output_check_distinct(at("new/x"), at("new/y"), 0), LGC_OK);
    assert_int_equal(output_check_distinct(at("new/train-labels-idx1-ubyte"), at("new/"), 1),
                     LGC_EUSAGE);
    assert_int_equal(output_check_distinct(at("new/grid.png"), at("new"), 1), LGC_OK);
    assert_int_equal(output_check_distinct(at("afile"), at("./afile"), 0), LGC_EUSAGE);
    assert_true(output_in_new_dir(at("new/grid.png"), at("new/")));
    assert_false(output_in_new_dir(at("data/grid.png"), at("data")));
    assert_false(output_in_new_dir(at("elsewhere/grid.png"), at("new")));
}

int main(void)
{
    /* each test in a directory of its own */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_outputs, make_root, remove_root),
        cmocka_unit_test_setup_teardown(inputs_are_never_outputs, make_root, remove_root),
        cmocka_unit_test_setup_teardown(datasets_in_any_format, make_root, remove_root),
        cmocka_unit_test_setup_teardown(directory_outputs, make_root, remove_root),
        cmocka_unit_test_setup_teardown(two_outputs_one_file, make_root, remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
