/* output_path.h - the checks every output path passes before any work.
 *
 * A command checks all of its outputs first, so that a path it cannot or
 * may not write fails in well under a second instead of after a training:
 *   - the parent directory exists and is writable (the temporary of
 *     atomic_file.h is made there), and a file output is not a directory;
 *   - no output is one of the command's inputs, compared by device and
 *     inode so that "./d", "d/" and symlinks are caught; --force does not
 *     lift this;
 *   - an output that exists is replaced only with --force. For a
 *     directory output, "exists" means the directory holds any file of a
 *     training set that lgc writes (IDX images and labels, raw or .gz,
 *     NPY images and labels, the per-image weights), any of which a reader would take with or instead
 *     of the new set: an empty or unrelated directory is written into
 *     without --force;
 *   - "-" is not a file name: the caller either streams to standard output
 *     (refused on a terminal) or refuses it.
 * Refusals of what the command line asks are LGC_EUSAGE (exit 2); what the
 * operating system would refuse (a missing or read-only directory) is
 * LGC_EIO (exit 1) with the message the write itself would have given. */
#ifndef LGC_OUTPUT_PATH_H
#define LGC_OUTPUT_PATH_H

/* An input of the command, which no output may replace. A directory input
 * is a dataset: the files dataset_open reads there (IDX, NPY and CIFAR
 * names, both splits) are inputs too. A dataset given as one file brings
 * its labels file (dataset_labels_beside). "-" is standard input, no
 * file. */
typedef struct {
    const char *path; /* NULL: no such input in this run */
    const char *role; /* how messages name it: "the source dataset" */
    int is_dataset;   /* a dataset argument (dataset_open.h) */
} output_input;

/* An output file such as a .lgc file, a CSV or a PNG; what names it in the
 * message refusing "-" ("the .lgc file"). */
int output_check_file(const char *path, const char *what, int force, const output_input *inputs,
                      int n_inputs);
/* An output directory that receives a training set (created if missing,
 * one level, as output_dir does). */
int output_check_dir(const char *dir, int force, const output_input *inputs, int n_inputs);
/* Whether file goes into dir and dir does not exist yet: output_check_dir
 * then vouches for file's directory, which output_check_file would find
 * missing, and file can be neither an input nor an existing output. */
int output_in_new_dir(const char *file, const char *dir);
/* Two outputs of one run may not be one file: file against other, or
 * against the training set files of other when other_is_dir. */
int output_check_distinct(const char *file, const char *other, int other_is_dir);
/* Binary data (what, e.g. "IDX data") may not go to standard output when
 * that is a terminal. */
int output_check_stream(const char *what);

#endif
