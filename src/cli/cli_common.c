/* cli_common.c - helpers shared by the subcommands (cli.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

int cli_parse_long(long *out, const char *opt, const char *arg, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end)
        return lgc_fail(LGC_EUSAGE, "option '--%s' expects a whole number, got '%s'", opt, arg);
    if (v < lo || v > hi)
        return lgc_fail(LGC_EUSAGE, "option '--%s' must be in %ld..%ld, got %ld", opt, lo, hi, v);
    *out = v;
    return LGC_OK;
}

int cli_parse_int(int *out, const char *opt, const char *arg, int lo, int hi)
{
    long v = 0;
    int st = cli_parse_long(&v, opt, arg, lo, hi);
    if (st == LGC_OK)
        *out = (int)v;
    return st;
}

int cli_parse_u64(uint64_t *out, const char *opt, const char *arg)
{
    char *end;
    errno = 0;
    if (*arg == '-')
        return lgc_fail(LGC_EUSAGE, "option '--%s' expects a non-negative number", opt);
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end)
        return lgc_fail(LGC_EUSAGE, "option '--%s' expects a whole number, got '%s'", opt, arg);
    *out = (uint64_t)v;
    return LGC_OK;
}

int cli_parse_bytes(long *out, const char *opt, const char *arg, long max)
{
    char *end = NULL;
    long v = -1, mult = 1;
    errno = 0;
    if (*arg >= '0' && *arg <= '9') { /* strtol would accept a sign or spaces */
        v = strtol(arg, &end, 10);
        if (*end == 'K' || *end == 'k')
            mult = 1024, end++;
        else if (*end == 'M' || *end == 'm')
            mult = 1024 * 1024, end++;
    }
    if (v < 0 || errno || *end)
        return lgc_fail(LGC_EUSAGE,
                        "option '--%s' expects a byte count such as 32768, 32K or 1M, got '%s'",
                        opt, arg);
    if (v < 1 || v > max / mult)
        return lgc_fail(LGC_EUSAGE, "option '--%s' must be in 1..%ld bytes, got '%s'", opt, max,
                        arg);
    *out = v * mult;
    return LGC_OK;
}

int cli_parse_int_pair(int *a, int *b, const char *opt, const char *arg, int lo, int hi)
{
    char *end;
    errno = 0;
    long x = strtol(arg, &end, 10), y = -1;
    if (!errno && end != arg && *end == ',' && end[1] >= '0' && end[1] <= '9')
        y = strtol(end + 1, &end, 10);
    if (errno || y < 0 || *end)
        return lgc_fail(LGC_EUSAGE, "option '--%s' expects two numbers such as 16,32, got '%s'",
                        opt, arg);
    if (x < lo || x > hi || y < lo || y > hi)
        return lgc_fail(LGC_EUSAGE, "option '--%s' takes numbers in %d..%d, got '%s'", opt, lo,
                        hi, arg);
    *a = (int)x;
    *b = (int)y;
    return LGC_OK;
}

int cli_parse_float(float *out, const char *opt, const char *arg, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v))
        return lgc_fail(LGC_EUSAGE, "option '--%s' expects a number, got '%s'", opt, arg);
    if (v < lo || v > hi)
        return lgc_fail(LGC_EUSAGE, "option '--%s' must be in [%g, %g], got %g", opt, lo, hi, v);
    *out = (float)v;
    return LGC_OK;
}

/* "R,S,T", "R,S,T,E" or "0": three or four finite numbers separated by
 * commas, each within its bound, or a single zero for no augmentation. */
int cli_parse_augment(augment_opts *out, const char *opt, const char *arg)
{
    const double hi[4] = {AUGMENT_MAX_ROTATE, AUGMENT_MAX_SCALE, AUGMENT_MAX_SHIFT,
                          AUGMENT_MAX_ELASTIC};
    double v[4] = {0, 0, 0, 0};
    const char *p = arg;
    char *end;
    if (strcmp(arg, "0") == 0) {
        *out = (augment_opts){0, 0, 0, 0};
        return LGC_OK;
    }
    int n = 0;
    for (;;) {
        errno = 0;
        double x = strtod(p, &end);
        int more = *end == ',' && n < 3;
        if (errno || end == p || !isfinite(x) || !(more || (*end == '\0' && n >= 2)))
            return lgc_fail(LGC_EUSAGE,
                            "option '--%s' expects ROTATE,SCALE,SHIFT[,ELASTIC] such as "
                            "15,0.15,1.5 (or 0 for none), got '%s'",
                            opt, arg);
        v[n++] = x;
        if (!more)
            break;
        p = end + 1;
    }
    for (int i = 0; i < 4; i++)
        if (v[i] < 0 || v[i] > hi[i])
            return lgc_fail(LGC_EUSAGE,
                            "option '--%s': rotation must be in [0, %g] degrees, scale in "
                            "[0, %g], shift in [0, %g] pixels, elastic in [0, %g] pixels, "
                            "got '%s'",
                            opt, hi[0], hi[1], hi[2], hi[3], arg);
    *out = (augment_opts){(float)v[0], (float)v[1], (float)v[2], (float)v[3]};
    return LGC_OK;
}

int cli_parse_warps(augment_opts *out, int *given, const char *opt, const char *arg)
{
    *given = strcmp(arg, "auto") != 0;
    *out = (augment_opts){0, 0, 0, 0};
    if (!*given || strcmp(arg, "none") == 0)
        return LGC_OK;
    return cli_parse_augment(out, opt, arg);
}

int cli_option_error(int c, char **argv)
{
    if (c == ':')
        return lgc_fail(LGC_EUSAGE, "option '%s' needs a value", argv[optind - 1]);
    return lgc_fail(LGC_EUSAGE, "unknown option '%s'", argv[optind - 1]);
}

int cli_one_operand(const char **out, int argc, char **argv, const char *name)
{
    if (optind >= argc)
        return lgc_fail(LGC_EUSAGE, "missing %s", name);
    if (optind != argc - 1)
        return lgc_fail(LGC_EUSAGE, "expected one %s, got more", name);
    *out = argv[optind];
    return LGC_OK;
}

int cli_report(const char *cmd, int status)
{
    if (status == LGC_OK)
        return LGC_EXIT_OK;
    fprintf(stderr, "lgc %s: %s\n", cmd, lgc_errmsg());
    if (status == LGC_EUSAGE)
        fprintf(stderr, "try 'lgc %s --help'\n", cmd);
    return lgc_exit_code(status);
}

void cli_json_string(const char *s)
{
    if (!s) {
        printf("null");
        return;
    }
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

void cli_json_double(double v)
{
    if (isfinite(v))
        printf("%.10g", v);
    else
        printf("null");
}

void cli_json_longs(const long *v, int n)
{
    putchar('[');
    for (int i = 0; i < n; i++)
        printf("%s%ld", i ? ", " : "", v[i]);
    putchar(']');
}

void cli_print_version(void) { printf("lgc %s\n", LGC_VERSION_STRING); }

int cli_close_stdout(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lgc %s: cannot write to standard output: %s\n", cmd, strerror(errno));
        return LGC_EXIT_FAILURE;
    }
    return LGC_EXIT_OK;
}
