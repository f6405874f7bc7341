/* compress.h - the compress pipeline: a labelled image set in, a .lgc file
 * out (docs/DESIGN.md).
 *
 * Stages: load the training split of the dataset directory and hold out a
 * slice of each class (holdout.h); train the autoencoder on the rest for a
 * step budget derived from its size, stopping early when the held-out
 * reconstruction stops improving (the rule below and docs/DESIGN.md,
 * "Training length"); unless the latent was given, train again at twice
 * the latent when the held-out slice says the decoder loses the classes
 * (docs/DESIGN.md, "Latent size"); encode every training image (its
 * latent code); fit
 * one Gaussian mixture per class to the codes of the training part
 * (k = 1..kmax by BIC); choose lgc sample's default warps on the held-out
 * slice (warps.h); put the decoder, the mixtures, the training record and
 * the warps in a model and write it. With a byte budget, a
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
#include "augment.h"
#include "holdout.h"
#include "lgcfile.h"
#include "model.h"

/* Defaults, which `lgc compress --help` prints from these same constants. */
#define COMPRESS_DEFAULT_HOLDOUT 0.1 /* of each class (holdout.h) */
#define COMPRESS_DEFAULT_BATCH 128
#define COMPRESS_DEFAULT_LR 1e-3
#define COMPRESS_DEFAULT_KMAX 4 /* why: README, "Why kmax 4" */
#define COMPRESS_DEFAULT_SEED 1
#define COMPRESS_DEFAULT_BETA 1.0
#define COMPRESS_DEFAULT_MARGIN 1.0
#define COMPRESS_DEFAULT_GUIDE 0.0 /* off: its gain on MNIST was within the noise (docs/RESULTS.md) */
#define COMPRESS_DEFAULT_WEIGHTS LGCF_INT8 /* as good as f16 on MNIST, 38% smaller: README */
#define COMPRESS_DEFAULT_MIXTURES LGCF_F16
#define COMPRESS_EXEMPLARS_AUTO (-1L)
#define COMPRESS_DEFAULT_EXEMPLARS COMPRESS_EXEMPLARS_AUTO
/* half of lgc sample's images (docs/DESIGN.md, "Exemplars"), unless the
 * held-out slice finds all of them clearly better */
#define COMPRESS_DEFAULT_EXEMPLAR_SHARE 0.5

/* The training length (docs/DESIGN.md, "Training length"). The budget is
 * COMPRESS_BUDGET_EPOCHS epochs of the training part, at least
 * COMPRESS_MIN_STEPS steps (10 epochs of full MNIST at batch 128: what the
 * defaults were tuned with, and what a small set needs: 1,400 8x8 images
 * trained for 110 steps made useless samples) and at most
 * COMPRESS_MAX_STEPS (no waste on large sets: 50,000 steps are 6.4
 * million images at batch 128). The held-out loss is measured every
 * ceil(budget / COMPRESS_EVAL_POINTS) steps or every epoch, whichever is
 * longer, but never more than COMPRESS_MAX_EVAL_EVERY steps apart;
 * training stops after COMPRESS_PATIENCE evaluations in a row without a
 * relative gain of COMPRESS_MIN_GAIN over the best. */
#define COMPRESS_BUDGET_EPOCHS 10
#define COMPRESS_MIN_STEPS 4690
#define COMPRESS_MAX_STEPS 50000
#define COMPRESS_EVAL_POINTS 20
#define COMPRESS_MAX_EVAL_EVERY 250
#define COMPRESS_PATIENCE 5
#define COMPRESS_MIN_GAIN 1e-3

/* The step budget for n_train training images in batches of batch. */
long compress_step_budget(long n_train, int batch);
/* The schedule of ae_train_held (model.h) for at most max_steps steps on
 * n_train images: the evaluation interval and the patience above. */
ae_schedule compress_schedule(long max_steps, long n_train, int batch);

typedef struct {
    const char *dataset_dir; /* the dataset (dataset_open.h) */
    const char *test_path;   /* its test split for the report, or NULL to find it */
    dataset_format format;   /* of both, or DATASET_AUTO */
    const char *output;      /* the .lgc file */
    ae_arch arch;
    /* arch.latent was not given: the latent rule may double it when the
     * decoder loses too much of the images' class evidence (docs/DESIGN.md,
     * "Latent size"); ignored under a budget */
    int latent_auto;
    /* epochs, batch, lr and seed (shuffling, initialisation, the held-out
     * slice and each class's k-means); compress_run sets quiet from the
     * field below and quant_max from the weights. epochs > 0 trains
     * exactly that many epochs without early stopping; 0 (the default)
     * trains for the step budget above. */
    train_opts train;
    double holdout;  /* fraction of each class held out, 0..HOLDOUT_MAX_FRACTION; 0: none */
    long max_steps;  /* with epochs 0: the step budget, 0 for compress_step_budget's */
    ae_loss_opts loss;            /* its vae is taken from arch.vae */
    int kmax;                     /* largest mixture size tried per class */
    gmm_opts gmm;
    lgcf_dtype weights, mixtures; /* precisions in the file */
    /* bytes the file may take, 0 for no limit; when set, the budget
     * chooses arch.latent, the widths, kmax, weights and mixtures, and the
     * values given for them are ignored */
    long budget;
    const char *latents; /* every training image's code as CSV (latents_csv.h), held-out
                            ones included, in dataset order, or NULL */
    int quiet;           /* no progress on stderr */
    /* lgc sample's default warps, stored in the file: chosen by the
     * held-out check (warps.h) unless warps_given, then these */
    int warps_given;
    augment_opts warps;
    /* exemplars (docs/DESIGN.md, "Exemplars"): real training images kept
     * in exemplar_bytes more bytes (0: none; COMPRESS_EXEMPLARS_AUTO: as
     * many as the file takes without them), at exemplar_bits bits per
     * pixel (0: chosen on the held-out slice), lgc sample taking
     * exemplar_share of its images from them (0: the default share) */
    long exemplar_bytes;
    int exemplar_bits;
    double exemplar_share;
} compress_config;

/* What a successful run did, for the caller's last line. */
typedef struct {
    size_t bytes;      /* size of the file written */
    double final_loss; /* the last epoch's reconstruction BCE per pixel */
    double seconds;    /* wall time of compress_run */
    /* how the file's autoencoder was trained, whether or not the file
     * records it (it does unless epochs were given and holdout is 0, the
     * old behaviour, which writes the old bytes) */
    lgc_training training;
} compress_report;

/* Fills cfg with the defaults above, the default conv architecture
 * (model.h) with latent_auto set, and gmm_opts_default; dataset_dir, output and latents NULL,
 * budget 0, epochs 0 and max_steps 0 (the step budget). */
void compress_config_default(compress_config *cfg);

/* Runs the pipeline of cfg and writes cfg->output (and cfg->latents)
 * atomically. Returns LGC_OK with *report filled (report may be NULL), or
 * an lgc_status with lgc_fail's message set: LGC_EUSAGE for an image size
 * the architecture cannot take or a budget too small for any
 * configuration (nothing is trained then), LGC_EIO / LGC_EFORMAT for the
 * dataset or the output, LGC_ENUMERIC for a training or mixture fit that
 * broke down. */
int compress_run(const compress_config *cfg, compress_report *report);
/* Checks every output of cfg before any work (output_path.h): the .lgc
 * file and the latent codes may not exist unless force, never be an input
 * (the dataset, its test split), and must be writable. Returns LGC_OK, or
 * LGC_EUSAGE / LGC_EIO with the message set. */
int compress_check_outputs(const compress_config *cfg, int force);

#endif
