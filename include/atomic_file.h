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

/* Writes an IDX training set into dir (made by output_dir):
 * train-images-idx3-ubyte and train-labels-idx1-ubyte, each through its own
 * temporary, which fill(img, img_path, lab, lab_path, ctx) writes. Labels
 * are committed first, so a reader finding the images file knows its
 * labels are there (an interrupted pair fails the count check instead).
 * Returns fill's status or the first I/O error; nothing is left half
 * written either way. */
typedef int (*idx_set_fill)(FILE *img, const char *img_path, FILE *lab, const char *lab_path,
                            void *ctx);
int atomic_write_idx_set(const char *dir, idx_set_fill fill, void *ctx);

#endif
