/* atomic_file.c - outputs that appear whole or not at all.
 *
 * Data goes to "<path>.tmp.<pid>" next to the destination (rename is atomic
 * only within one file system), which is flushed, fsynced and closed with
 * every step checked, then renamed over path. A reader therefore sees the
 * old file or the complete new one, never a torn write.
 *
 * Open temporaries are also listed in a fixed static registry, so that the
 * handler for SIGINT/SIGTERM/SIGHUP/SIGPIPE can unlink them using only
 * async-signal-safe calls. A slot's path is written before its used flag is
 * set and the flag is cleared before the slot is reused, so the handler
 * never reads a half-written path. lgc writes at most two outputs at once. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "idx.h"
#include "util.h"

#define ATOMIC_MAX_OPEN 8

static char registry_path[ATOMIC_MAX_OPEN][PATH_MAX];
static volatile sig_atomic_t registry_used[ATOMIC_MAX_OPEN];

static void registry_add(const char *tmp_path)
{
    assert(strlen(tmp_path) < PATH_MAX);
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++) {
        assert(!registry_used[i] || strcmp(registry_path[i], tmp_path) != 0);
        if (!registry_used[i]) {
            strcpy(registry_path[i], tmp_path);
            registry_used[i] = 1;
            return;
        }
    }
    /* Without NDEBUG this is a bug to fix; with it, the temporary is merely
     * not removed should a signal arrive. */
    assert(!"more simultaneous atomic files than ATOMIC_MAX_OPEN");
}

static void registry_remove(const char *tmp_path)
{
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++)
        if (registry_used[i] && !strcmp(registry_path[i], tmp_path)) {
            registry_used[i] = 0;
            return;
        }
}

static void remove_temporaries(int sig)
{
    for (int i = 0; i < ATOMIC_MAX_OPEN; i++)
        if (registry_used[i])
            unlink(registry_path[i]);
    /* SA_RESETHAND restored the default action and the signal is blocked
     * while this handler runs, so it is delivered, and ends the process with
     * the status the parent expects, as soon as the handler returns. */
    raise(sig);
}

void atomic_install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction sa = {0};
    sa.sa_handler = remove_temporaries;
    sa.sa_flags = SA_RESETHAND;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        /* a signal the parent chose to ignore (nohup, SIGPIPE in a
         * pipeline that handles EPIPE) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

int atomic_open(atomic_file *af, const char *path)
{
    *af = (atomic_file){0};
    char tmp[PATH_MAX];
    int len = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof tmp)
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(ENAMETOOLONG));
    /* registered before it exists, so that a signal arriving right after
     * the creation still finds it */
    registry_add(tmp);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int err = errno;
        registry_remove(tmp);
        return lgc_fail(LGC_EIO, "cannot write '%s': %s", path, strerror(err));
    }
    af->f = f;
    af->path = xstrdup(path);
    af->tmp_path = xstrdup(tmp);
    return LGC_OK;
}

/* Closes (if still open) and forgets af; the temporary is unlinked unless
 * it has been renamed into place. */
static void release(atomic_file *af, int renamed)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp_path) {
        if (!renamed)
            unlink(af->tmp_path);
        registry_remove(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    *af = (atomic_file){0};
}

int atomic_commit(atomic_file *af)
{
    assert(af->f && af->path && af->tmp_path);
    const char *why = NULL;
    if (fflush(af->f) != 0)
        why = strerror(errno);
    else if (ferror(af->f)) /* errno from that failure is long gone */
        why = "an earlier write failed";
    else if (fsync(fileno(af->f)) != 0)
        why = strerror(errno);
    int closed = fclose(af->f);
    af->f = NULL;
    if (!why && closed != 0)
        why = strerror(errno);
    if (!why && rename(af->tmp_path, af->path) != 0)
        why = strerror(errno);
    int st = why ? lgc_fail(LGC_EIO, "cannot write '%s': %s", af->path, why) : LGC_OK;
    release(af, st == LGC_OK);
    return st;
}

void atomic_abort(atomic_file *af)
{
    release(af, 0);
}

int output_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
            return LGC_OK;
        return lgc_fail(LGC_EIO, "cannot use '%s' as output directory: not a directory", dir);
    }
    return lgc_fail(LGC_EIO, "cannot create directory '%s': %s", dir, strerror(errno));
}

char *path_in_dir(const char *dir, const char *name, const char *suffix)
{
    size_t len = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/%s%s", dir, name, suffix);
    return p;
}

int atomic_idx_set_open(atomic_idx_set *set, const char *dir)
{
    return atomic_pair_open(set, dir, IDX_TRAIN_IMAGES, IDX_TRAIN_LABELS);
}

int atomic_pair_open(atomic_idx_set *set, const char *dir, const char *images,
                     const char *labels)
{
    *set = (atomic_idx_set){0};
    int st = output_dir(dir);
    if (st)
        return st;
    char *img_path = path_in_dir(dir, images, "");
    char *lab_path = path_in_dir(dir, labels, "");
    if (!(st = atomic_open(&set->images, img_path)) && (st = atomic_open(&set->labels, lab_path)))
        atomic_abort(&set->images);
    free(img_path);
    free(lab_path);
    return st;
}

int atomic_idx_set_commit(atomic_idx_set *set)
{
    int st = atomic_commit(&set->labels);
    if (st == LGC_OK)
        st = atomic_commit(&set->images);
    atomic_idx_set_abort(set);
    return st;
}

void atomic_idx_set_abort(atomic_idx_set *set)
{
    atomic_abort(&set->images);
    atomic_abort(&set->labels);
}
