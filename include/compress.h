/* compress.h - the compress pipeline: a labelled image set in, a .lgc file
 * out (docs/DESIGN.md).
 *
 * Stages: load the training split of the dataset directory; train the
 * autoencoder and encode every training image (its latent code); fit one
 * Gaussian mixture per class to the codes (k = 1..kmax by BIC); put the
 * decoder and the mixtures in a model and write it. With a byte budget, a
 * ladder of configurations chooses the latent size, the widths, kmax and
 * the precisions so that the file fits (src/pipeline/budget.c).
 *
 * The pipeline knows nothing of the command line: `lgc compress` parses its
 * options into a compress_config. Progress goes to stderr unless quiet;
 * warnings about the result and the budget's choices are printed even then. */
#ifndef LGC_COMPRESS_H
#define LGC_COMPRESS_H

#include <stddef.h>

#include "dataset_open.h"
#include "gmm.h"
#include "lgcfile.h"
#include "model.h"

/* Defaults, which `lgc compress --help` prints from these same constants. */
#define COMPRESS_DEFAULT_EPOCHS 10
#define COMPRESS_DEFAULT_BATCH 128
#define COMPRESS_DEFAULT_LR 1e-3
#define COMPRESS_DEFAULT_KMAX 4 /* why: README, "Why kmax 4" */
#define COMPRESS_DEFAULT_SEED 1
#define COMPRESS_DEFAULT_BETA 1.0
#define COMPRESS_DEFAULT_MARGIN 1.0
#define COMPRESS_DEFAULT_GUIDE 0.0 /* off: its gain on MNIST was within the noise (docs/RESULTS.md) */
#define COMPRESS_DEFAULT_WEIGHTS LGCF_INT8 /* as good as f16 on MNIST, 38% smaller: README */
#define COMPRESS_DEFAULT_MIXTURES LGCF_F16

typedef struct {
    const char *dataset_dir; /* the dataset (dataset_open.h) */
    const char *test_path;   /* its test split for the report, or NULL to find it */
    dataset_format format;   /* of both, or DATASET_AUTO */
    const char *output;      /* the .lgc file */
    ae_arch arch;
    /* epochs, batch, lr and seed (shuffling, initialisation, and each
     * class's k-means); compress_run sets quiet from the field below and
     * quant_max from the weights */
    train_opts train;
    ae_loss_opts loss;            /* its vae is taken from arch.vae */
    int kmax;                     /* largest mixture size tried per class */
    gmm_opts gmm;
    lgcf_dtype weights, mixtures; /* precisions in the file */
    /* bytes the file may take, 0 for no limit; when set, the budget
     * chooses arch.latent, the widths, kmax, weights and mixtures, and the
     * values given for them are ignored */
    long budget;
    const char *latents; /* the training codes as CSV (latents_csv.h), in dataset order, or NULL */
    int quiet;           /* no progress on stderr */
} compress_config;

/* What a successful run did, for the caller's last line. */
typedef struct {
    size_t bytes;      /* size of the file written */
    double final_loss; /* the last epoch's reconstruction BCE per pixel */
    double seconds;    /* wall time of compress_run */
} compress_report;

/* Fills cfg with the defaults above, the default conv architecture
 * (model.h) and gmm_opts_default; dataset_dir, output and latents NULL,
 * budget 0. */
void compress_config_default(compress_config *cfg);

/* Runs the pipeline of cfg and writes cfg->output (and cfg->latents)
 * atomically. Returns LGC_OK with *report filled (report may be NULL), or
 * an lgc_status with lgc_fail's message set: LGC_EUSAGE for an image size
 * the architecture cannot take or a budget too small for any
 * configuration (nothing is trained then), LGC_EIO / LGC_EFORMAT for the
 * dataset or the output, LGC_ENUMERIC for a training or mixture fit that
 * broke down. */
int compress_run(const compress_config *cfg, compress_report *report);

#endif
