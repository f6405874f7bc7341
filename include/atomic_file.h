/* atomic_file.h - outputs that appear whole or not at all.
 *
 * atomic_open creates "<path>.tmp.<pid>" in the destination directory and
 * registers it so that SIGINT/SIGTERM remove it. atomic_commit flushes,
 * fsyncs, closes (checking every step) and renames onto path. On any
 * failure, or atomic_abort, the temporary is unlinked. */
#ifndef LGC_ATOMIC_FILE_H
#define LGC_ATOMIC_FILE_H

#include <stdio.h>

typedef struct {
    FILE *f;
    char *path;     /* final destination */
    char *tmp_path; /* what is being written */
} atomic_file;

/* Returns LGC_OK with af->f ready for writing, or LGC_EIO (message names
 * path and strerror). */
int atomic_open(atomic_file *af, const char *path);
/* Returns LGC_OK once path holds the complete file, or LGC_EIO (temporary
 * removed). af is cleared either way. */
int atomic_commit(atomic_file *af);
/* Discards the temporary; safe on a cleared af. */
void atomic_abort(atomic_file *af);
/* Installs the SIGINT/SIGTERM/SIGHUP handler that unlinks registered
 * temporaries before dying; called once from main. */
void atomic_install_signal_handlers(void);

/* Makes dir (one level) unless it exists as a directory; LGC_EIO with a
 * message naming dir otherwise. For commands that write into a directory. */
int output_dir(const char *dir);
/* "<dir>/<name><suffix>" in a new string (the caller frees it). */
char *path_in_dir(const char *dir, const char *name, const char *suffix);

/* An IDX training set being written into a directory: IDX_TRAIN_IMAGES
 * and IDX_TRAIN_LABELS (idx.h), each through its own temporary. The
 * writer appends to images.f and labels.f (images.path and labels.path
 * name them in messages), then commits. */
typedef struct {
    atomic_file images, labels;
} atomic_idx_set;

/* Makes dir (output_dir) and opens both temporaries. Returns LGC_OK, or
 * LGC_EIO with nothing left open. */
int atomic_idx_set_open(atomic_idx_set *set, const char *dir);
/* The same with other file names (an NPY pair). */
int atomic_pair_open(atomic_idx_set *set, const char *dir, const char *images,
                     const char *labels);
/* Commits the labels, then the images, so a reader finding the images
 * file knows its labels are there (an interrupted pair fails the count
 * check instead). Returns LGC_OK or the first I/O error; set is cleared
 * either way and nothing is left half written. */
int atomic_idx_set_commit(atomic_idx_set *set);
/* Discards both temporaries; safe on a cleared set. */
void atomic_idx_set_abort(atomic_idx_set *set);

#endif
