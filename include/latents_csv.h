/* latents_csv.h - the latent codes CSV: `lgc compress --latents` writes
 * the training images' codes, which the mixtures are fitted to (pictures
 * of the latent space: scripts/plot-latents.sh); `lgc sample
 * --from-latents` reads codes back. A header "class,z1,...,zd", then one
 * line "class,z1,...,zd" per image. The reader is strict, since the file
 * may be hostile or hand-edited: exact header, exact field count,
 * whole-number classes in [0, K), finite numbers that fit a float, every
 * line ending in '\n' (a cut file is refused; CRLF is accepted) and at most
 * LATENTS_CSV_MAX_LINE bytes. Errors are one line naming the file and the
 * line number. */
#ifndef LGC_LATENTS_CSV_H
#define LGC_LATENTS_CSV_H

#include <stdint.h>

/* Longest line accepted, without its line end: room for 1024 latents
 * written with 17 significant digits, and a bound on the line buffer. */
#define LATENTS_CSV_MAX_LINE 65536

typedef struct {
    long n;          /* codes (data lines) */
    int d;           /* latent size */
    float *z;        /* (n, d) */
    uint8_t *labels; /* (n), each < the n_classes given to the reader */
} latents_csv;

/* Reads path, expecting d latent columns, classes below n_classes (at
 * most 256) and 1..max_n data lines. Returns LGC_OK with *out filled (free
 * with latents_csv_free), or LGC_EIO / LGC_EFORMAT with *out empty. */
int latents_csv_read(latents_csv *out, const char *path, int d, int n_classes, long max_n);
void latents_csv_free(latents_csv *l);

/* Writes the n codes z (n, d) with their labels (n) to path, atomically
 * (atomic_file.h), each coordinate with 6 significant digits ("%.6g"), in
 * the order given. Returns LGC_OK or LGC_EIO with a message naming path. */
int latents_csv_write(const char *path, const float *z, const uint8_t *labels, long n, int d);

#endif
