/* progress.c - stderr progress reporting (see progress.h). Redraws at most
 * ten times a second so that reporting never costs measurable time. */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

void progress_start(progress *p, const char *what, int epochs, long total, int quiet)
{
    p->what = what;
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->epochs = epochs;
    p->total = total;
    p->epoch = 0;
    p->done = 0;
}

void progress_epoch(progress *p, int epoch)
{
    p->epoch = epoch;
    p->done = 0;
    p->t_epoch = p->t_last_draw = now_seconds();
}

void progress_update(progress *p, long done, double loss)
{
    p->done = done;
    if (p->quiet || !p->tty)
        return;
    double t = now_seconds();
    if (t - p->t_last_draw < 0.1 && done < p->total)
        return;
    p->t_last_draw = t;
    int width = 30, fill = p->total ? (int)(width * done / p->total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double rate = done / (t - p->t_epoch + 1e-9);
    fprintf(stderr, "\r%s epoch %d/%d [%s] loss %.5f %.0f img/s ", p->what, p->epoch,
            p->epochs, bar, loss, rate);
}

void progress_epoch_end(progress *p, double loss)
{
    if (p->quiet)
        return;
    double dt = now_seconds() - p->t_epoch;
    fprintf(stderr, "%s%s epoch %d/%d: loss %.5f, %.1f s, %.0f img/s%s\n", p->tty ? "\r" : "",
            p->what, p->epoch, p->epochs, loss, dt, p->done / (dt + 1e-9),
            p->tty ? "                              " : "");
}
