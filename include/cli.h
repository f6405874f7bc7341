/* cli.h - the subcommands and what they share: option parsing helpers and
 * the checked end of stdout (the thread count is threads.h's). Each
 * cmd_<name> parses its own options with getopt_long, prints its own
 * errors as "lgc <name>: msg" and returns the process exit code. */
#ifndef LGC_CLI_H
#define LGC_CLI_H

#include <stdint.h>

#include "augment.h"

#define LGC_VERSION_STRING "0.5.0"

int cmd_compress(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_subset(int argc, char **argv);
int cmd_augment(int argc, char **argv);

/* Parse a whole decimal number in [lo, hi] for option opt; on error records
 * "option '--opt' ..." and returns LGC_EUSAGE. */
int cli_parse_long(long *out, const char *opt, const char *arg, long lo, long hi);
int cli_parse_int(int *out, const char *opt, const char *arg, int lo, int hi);
int cli_parse_u64(uint64_t *out, const char *opt, const char *arg);
/* A byte count in 1..max: digits, optionally followed by K (x 1024) or M
 * (x 1024^2), either case. */
int cli_parse_bytes(long *out, const char *opt, const char *arg, long max);
/* "A,B": two whole numbers in [lo, hi], such as --widths 16,32. */
int cli_parse_int_pair(int *a, int *b, const char *opt, const char *arg, int lo, int hi);
int cli_parse_float(float *out, const char *opt, const char *arg, double lo, double hi);
/* --augment ROTATE,SCALE,SHIFT[,ELASTIC] (or 0 for none), see augment.h. */
int cli_parse_augment(augment_opts *out, const char *opt, const char *arg);
/* --warps: "auto" (*given = 0, the held-out check chooses), "none", or
 * warps as cli_parse_augment takes them (*given = 1). */
int cli_parse_warps(augment_opts *out, int *given, const char *opt, const char *arg);

/* The error for getopt_long's ':' (option without its value) and '?'
 * (unknown option) returns; c is what getopt_long returned. */
int cli_option_error(int c, char **argv);
/* After the options, exactly one operand must remain (named name in the
 * messages, e.g. "<file.lgc>"): stores it in *out or returns LGC_EUSAGE. */
int cli_one_operand(const char **out, int argc, char **argv, const char *name);

/* JSON on stdout: a string, quoted and escaped (NULL: null); a number, or
 * null when it is not finite. */
void cli_json_string(const char *s);
void cli_json_double(double v);
/* An array of n whole numbers. */
void cli_json_longs(const long *v, int n);

/* Prints "lgc CMD: <last error>" to stderr and returns the exit code for
 * status (adding "try 'lgc CMD --help'" for usage errors). */
int cli_report(const char *cmd, int status);
/* Prints "lgc <version>" on stdout, for --version and -V of every command. */
void cli_print_version(void);
/* Flushes and checks stdout (a full disk or closed pipe is an error). */
int cli_close_stdout(const char *cmd);

#endif
