/* main.c - the lgc command: dispatches argv[1] through a table of
 * subcommands (git style), each in src/cli/cmd_<name>.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "util.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"compress", cmd_compress, "train a model on a dataset and write a .lgc file"},
    {"sample", cmd_sample, "draw labelled synthetic images from a .lgc file"},
    {"decompress", cmd_sample, "alias of sample"},
    {"info", cmd_info, "describe a .lgc file: shape, mixtures, bytes, ratio"},
    {"eval", cmd_eval, "train the judge CNN on a training set and score a test set"},
    {"subset", cmd_subset, "write a baseline: a random or gradient-chosen subset of real images"},
    {"augment", cmd_augment, "write randomly warped copies of a training set's images"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: lgc <command> [<options>] [<args>]\n"
                 "       lgc (-h | --help | -V | --version)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'lgc <command> --help' for a command's options.\n"
                 "Exit status: 0 success, 1 failure (I/O, malformed input, numerics),\n"
                 "2 command-line misuse.\n");
}

int main(int argc, char **argv)
{
    prefer_avx512_blas(argv);
    atomic_install_signal_handlers();
    if (argc < 2) {
        usage(stderr);
        return LGC_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return cli_close_stdout("help");
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        cli_print_version();
        return cli_close_stdout("version");
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "lgc: '%s' is not a command\n", name);
    usage(stderr);
    return LGC_EXIT_USAGE;
}
