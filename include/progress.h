/* progress.h - progress of long loops on stderr: a live bar on a terminal,
 * one line per epoch otherwise, nothing when quiet. */
#ifndef LGC_PROGRESS_H
#define LGC_PROGRESS_H

typedef struct {
    const char *what; /* "train", "eval", ... */
    int quiet, tty;
    int epoch, epochs;
    long done, total; /* items this epoch */
    double t_epoch, t_last_draw;
} progress;

void progress_start(progress *p, const char *what, int epochs, long total, int quiet);
void progress_epoch(progress *p, int epoch);
/* Called after each batch: done items so far in the epoch, running loss. */
void progress_update(progress *p, long done, double loss);
/* Ends the epoch line with its loss and rate. */
void progress_epoch_end(progress *p, double loss);

#endif
