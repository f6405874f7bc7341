/* latents_csv.c - the writer and the strict reader of latents_csv.h. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "latents_csv.h"
#include "util.h"

typedef struct {
    FILE *f;
    const char *path;
    long line; /* number of the line in buf, from 1 */
    char buf[LATENTS_CSV_MAX_LINE + 1];
} csv_reader;

/* s as quoted in a message: at most 32 bytes (then "..."), anything but
 * printable ASCII shown as '?' so that the message stays one line. */
static const char *shown(const char *s, char out[40])
{
    size_t i = 0;
    for (; s[i] && i < 32; i++)
        out[i] = printable_char((unsigned char)s[i]);
    strcpy(out + i, s[i] ? "..." : "");
    return out;
}

/* The next line, without its line end, into r->buf: LGC_OK, 1 at the end
 * of the file, or a failure. Read byte by byte so that an endless line
 * costs no memory and a NUL byte cannot hide the rest of a line. */
static int next_line(csv_reader *r)
{
    size_t n = 0;
    int ch;
    r->line++;
    while ((ch = getc(r->f)) != EOF && ch != '\n') {
        if (n == LATENTS_CSV_MAX_LINE)
            return lgc_fail(LGC_EFORMAT, "'%s' line %ld: longer than %d bytes", r->path, r->line,
                            LATENTS_CSV_MAX_LINE);
        if (ch == '\0')
            return lgc_fail(LGC_EFORMAT, "'%s' line %ld: NUL byte", r->path, r->line);
        r->buf[n++] = (char)ch;
    }
    if (ferror(r->f))
        return lgc_fail(LGC_EIO, "cannot read '%s': %s", r->path, strerror(errno));
    if (ch == EOF) {
        if (n == 0)
            return 1;
        /* lgc writes whole lines: a last one without '\n' was cut */
        return lgc_fail(LGC_EFORMAT, "'%s' line %ld: no newline at the end (truncated file?)",
                        r->path, r->line);
    }
    if (n > 0 && r->buf[n - 1] == '\r') /* CRLF from an editor */
        n--;
    r->buf[n] = '\0';
    return LGC_OK;
}

/* Splits s at commas in place into at most max fields; returns how many
 * there are (which may exceed max: the rest are not stored). */
static int split_fields(char *s, char **fields, int max)
{
    int n = 0;
    for (;;) {
        if (n < max)
            fields[n] = s;
        n++;
        char *comma = strchr(s, ',');
        if (!comma)
            return n;
        *comma = '\0';
        s = comma + 1;
    }
}

/* Line 1 must be exactly "class,z1,...,zd". */
static int check_header(csv_reader *r, int d)
{
    const char *p = r->buf;
    int k = 0;
    if (strncmp(p, "class", 5) == 0) {
        p += 5;
        for (; *p == ','; k++) {
            char want[16];
            int len = snprintf(want, sizeof want, ",z%d", k + 1);
            if (strncmp(p, want, (size_t)len) != 0)
                break;
            p += len;
        }
    }
    char q[40];
    if (*p != '\0')
        return lgc_fail(LGC_EFORMAT, "'%s' line 1: expected the header 'class,z1,...,z%d', got '%s'",
                        r->path, d, shown(r->buf, q));
    if (k != d)
        return lgc_fail(LGC_EFORMAT,
                        "'%s' line 1: %d latent columns, but the model's latent size is %d",
                        r->path, k, d);
    return LGC_OK;
}

static int parse_class(csv_reader *r, const char *s, int n_classes, uint8_t *out)
{
    char q[40];
    long v = -1;
    size_t len = strlen(s);
    if (len > 0 && strspn(s, "0123456789") == len)
        v = strtol(s, NULL, 10); /* saturates at LONG_MAX: out of range */
    if (v < 0 || v >= n_classes)
        return lgc_fail(LGC_EFORMAT, "'%s' line %ld: class '%s' is not a whole number in 0..%d",
                        r->path, r->line, shown(s, q), n_classes - 1);
    *out = (uint8_t)v;
    return LGC_OK;
}

static int parse_coord(csv_reader *r, const char *s, int col, float *out)
{
    char q[40], *end = NULL;
    double v = 0;
    if (!isspace((unsigned char)*s)) /* strtod would skip it */
        v = strtod(s, &end);
    if (!end || end == s || *end)
        return lgc_fail(LGC_EFORMAT, "'%s' line %ld: z%d '%s' is not a number", r->path,
                        r->line, col, shown(s, q));
    /* a double beyond FLT_MAX would make the conversion undefined */
    if (!isfinite(v) || fabs(v) > FLT_MAX)
        return lgc_fail(LGC_EFORMAT, "'%s' line %ld: z%d '%s' is not a finite float", r->path,
                        r->line, col, shown(s, q));
    *out = (float)v;
    return LGC_OK;
}

/* One data line into codes[d] and *label. */
static int parse_line(csv_reader *r, char **fields, int d, int n_classes, float *codes,
                      uint8_t *label)
{
    int nf = split_fields(r->buf, fields, d + 1);
    if (nf != d + 1)
        return lgc_fail(LGC_EFORMAT, "'%s' line %ld: %d field%s, expected %d (class,z1,...,z%d)",
                        r->path, r->line, nf, nf == 1 ? "" : "s", d + 1, d);
    int st = parse_class(r, fields[0], n_classes, label);
    for (int k = 0; k < d && st == LGC_OK; k++)
        st = parse_coord(r, fields[k + 1], k + 1, &codes[k]);
    return st;
}

static int read_all(csv_reader *r, latents_csv *out, int d, int n_classes, long max_n)
{
    int st = next_line(r);
    if (st == 1)
        return lgc_fail(LGC_EFORMAT, "'%s': empty file, expected the header 'class,z1,...,z%d'",
                        r->path, d);
    if (st || (st = check_header(r, d)))
        return st;
    char **fields = xmalloc((size_t)(d + 1) * sizeof *fields);
    long cap = 0;
    while ((st = next_line(r)) == LGC_OK) {
        if (out->n == max_n) {
            st = lgc_fail(LGC_EFORMAT, "'%s' line %ld: more than %ld codes", r->path, r->line,
                          max_n);
            break;
        }
        if (out->n == cap) { /* geometric growth, capped at max_n */
            cap = cap ? (cap > max_n / 2 ? max_n : 2 * cap) : (max_n < 1024 ? max_n : 1024);
            out->z = xrealloc(out->z, (size_t)cap * d * sizeof *out->z);
            out->labels = xrealloc(out->labels, (size_t)cap);
        }
        if ((st = parse_line(r, fields, d, n_classes, out->z + (size_t)out->n * d,
                             &out->labels[out->n])))
            break;
        out->n++;
    }
    free(fields);
    if (st == 1 && out->n == 0)
        return lgc_fail(LGC_EFORMAT, "'%s': no codes after the header", r->path);
    return st == 1 ? LGC_OK : st;
}

int latents_csv_read(latents_csv *out, const char *path, int d, int n_classes, long max_n)
{
    assert(d >= 1 && n_classes >= 1 && n_classes <= 256 && max_n >= 1);
    memset(out, 0, sizeof *out);
    out->d = d;
    csv_reader *r = xmalloc(sizeof *r);
    r->path = path;
    r->line = 0;
    r->f = fopen(path, "r");
    if (!r->f) {
        int st = lgc_fail(LGC_EIO, "cannot open '%s': %s", path, strerror(errno));
        free(r);
        return st;
    }
    int st = read_all(r, out, d, n_classes, max_n);
    fclose(r->f);
    free(r);
    if (st)
        latents_csv_free(out);
    return st;
}

void latents_csv_free(latents_csv *l)
{
    free(l->z);
    free(l->labels);
    memset(l, 0, sizeof *l);
}

/* --- writer --- */

int latents_csv_write(const char *path, const float *z, const uint8_t *labels, long n, int d)
{
    assert(d >= 1 && n >= 0);
    atomic_file af;
    int st = atomic_open(&af, path);
    if (st)
        return st;
    fprintf(af.f, "class");
    for (int k = 1; k <= d; k++)
        fprintf(af.f, ",z%d", k);
    fprintf(af.f, "\n");
    for (long i = 0; i < n; i++) {
        fprintf(af.f, "%d", labels[i]);
        for (int k = 0; k < d; k++)
            fprintf(af.f, ",%.6g", (double)z[(size_t)i * d + k]);
        fprintf(af.f, "\n");
    }
    return atomic_commit(&af); /* checks every write through ferror and fclose */
}
