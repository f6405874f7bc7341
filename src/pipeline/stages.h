/* stages.h - the stages of the compress pipeline, shared by the files of
 * src/pipeline and by nothing else (the public API is include/compress.h).
 *
 *   autoencoder.c  train the autoencoder, encode the training set
 *   mixtures.c     fit one mixture per class to the codes
 *   compress.c     the model from the two, the plain run, compress_run
 *   budget.c       the run under a byte budget
 *   schedule.c     the training length (public: compress.h)
 *   holdout.c      the held-out slice (public: holdout.h)
 *   warps.c        the default warps and the held-out check (public: warps.h)
 *   quick_check.c  the quick classifier of the held-out checks
 *   decoder_check.c  what the decoder keeps of the images' class evidence
 *   latent_rule.c  a larger latent when the decoder loses too much
 *   exemplars.c    real training images beside the mixtures */
#ifndef LGC_PIPELINE_STAGES_H
#define LGC_PIPELINE_STAGES_H

#include "compress.h"
#include "dataset.h"
#include "lgcfile.h"
#include "model.h"
#include "net.h"

/* --- autoencoder.c --- */

/* A trained autoencoder: the decoder (as the file stores it), the codes of
 * the training split and how it was trained; the encoder is dropped after
 * encoding. */
typedef struct {
    ae_arch arch;
    int n_dec;
    layer_spec dec_specs[AE_MAX_LAYERS];
    net dec;
    float *z;       /* (n, d) every image's code, in the split's order */
    float *z_train; /* (train.n, d) the training part's codes, the mixtures' data */
    float *z_held;  /* (held.n, d) the held-out codes, or NULL */
    double loss;    /* last epoch's BCE per pixel */
    lgc_training record; /* present unless the old behaviour was asked for */
} trained_autoencoder;

/* "conv" or "mlp", as --model spells it. */
const char *ae_kind_name(ae_kind k);

/* The decoder's specs (room for AE_MAX_LAYERS) for arch a and images img,
 * checking that a .lgc file can hold it. Returns LGC_OK with *n set, or
 * LGC_EUSAGE. */
int decoder_specs_checked(layer_spec *specs, int *n, tshape img, const ae_arch *a);

/* Trains arch a on split->train with cfg's training and loss options (a
 * VAE's loss when a->vae; quant_max: see train_opts), for cfg's epochs or
 * its step budget with early stopping on split->held; encodes ds (the
 * whole split) into t->z and, unless cfg->quiet, reports the training and
 * the reconstruction of the test split. Free with
 * trained_autoencoder_free; on failure t is left empty. */
int train_autoencoder(trained_autoencoder *t, const ae_arch *a, int quant_max, const dataset *ds,
                      const holdout_split *split, const compress_config *cfg);
void trained_autoencoder_free(trained_autoencoder *t);

/* --- mixtures.c --- */

/* Fits every class's mixture (k = 1..kmax, by BIC) to the codes z (ds->n,
 * d) into m->gmms and m->bic (allocated here; m->kmax set). warn: also warn about classes whose codes cannot determine
 * a covariance. Returns LGC_OK or the first failing class's status. */
int fit_mixtures(lgc_model *m, const float *z, int d, int kmax, const dataset *ds,
                 const compress_config *cfg, int warn);
/* Unless cfg->quiet: the mean log-likelihood of t's held-out and training
 * codes under their class's mixture in m, per class. */
void report_code_likelihood(const lgc_model *m, const trained_autoencoder *t,
                            const holdout_split *split, const compress_config *cfg);

/* --- compress.c --- */

/* m's shape, prior (counts), decoder and training record from t, weights
 * stored as dtype and mixtures as gmm_dtype; no mixtures yet. Free with
 * lgc_model_free. */
void model_from_autoencoder(lgc_model *m, const trained_autoencoder *t, const dataset *ds,
                            const long *counts, lgcf_dtype dtype, lgcf_dtype gmm_dtype);

/* --- quick_check.c --- */

/* The quick classifier of the held-out checks (quick_specs), tested on
 * held; every training starts from the same weights, drawn from seed. */
typedef struct {
    net clf;
    const dataset *held;
    uint64_t seed;
} quick_check;

/* Builds q for images img of n_classes. Returns LGC_OK, or the status of
 * quick_specs or net_init. Free with quick_check_free. */
int quick_check_init(quick_check *q, tshape img, int n_classes, const dataset *held,
                     uint64_t seed);
/* Held-out accuracy (a fraction) of q trained for WARPS_CHECK_STEPS on
 * train; -1 if training broke down (a NaN loss), which loses every
 * comparison. */
double quick_accuracy(quick_check *q, const dataset *train);
void quick_check_free(quick_check *q);
/* The sets the checks compare with: n images cycled from n_distinct
 * random images of train (class quotas by subset_quota, chosen by
 * subset_random with seed) into out, freed with dataset_free. Returns the
 * n_distinct indices into train (the caller frees them), or NULL with out
 * untouched when n_distinct cannot be drawn (below 1, above train->n). */
int *random_images(dataset *out, const dataset *train, long n_distinct, long n, uint64_t seed);

/* --- decoder_check.c --- */

/* What q learns from random training images and from their
 * reconstructions: held-out accuracies (fractions), and whether the gap
 * is clear (over twice warps_margin of the images' accuracy). */
typedef struct {
    long images;
    double real, recon;
    int loses;
} decoder_kept;

/* Measures *k on min(n, train->n) random images of train and their codes
 * z_train (train->n, d) decoded by dec. Returns 1, or 0 (k untouched)
 * when no class quota can be drawn. */
int decoder_measure(decoder_kept *k, quick_check *q, net *dec, const dataset *train,
                    const float *z_train, int d, long n);
/* Says on stderr what decoder_measure finds, and warns when the decoder
 * loses a clear part of it. */
void decoder_check(quick_check *q, net *dec, const dataset *train, const float *z_train, int d,
                   long n);

/* --- latent_rule.c --- */

/* With cfg->latent_auto and a held-out slice the check can use: measures
 * t's decoder (decoder_measure) and, when it loses more than one standard
 * error of the held-out accuracy and at least 3 points, trains the same
 * architecture with twice the latent (quant_max as for t) and replaces *t
 * by it unless its reconstructions score lower. Returns LGC_OK (t kept or
 * replaced) or the second training's status (t kept). */
int latent_rule(trained_autoencoder *t, int quant_max, const dataset *ds,
                const holdout_split *split, const compress_config *cfg);

/* --- warps.c --- */

/* Whether warps_check will give the file a WARP section: warps given, or
 * a held-out slice of at least WARPS_MIN_HELD images (warps.h). */
int warps_will_store(const compress_config *cfg, const holdout_split *split);
/* Sets m->warps (m complete but for them) for lgc sample: cfg's warps if
 * given, else the candidate the held-out check picks; with a held-out
 * slice of WARPS_MIN_HELD images or more, also the two accuracies of the
 * check, and says what they mean on stderr (unless quiet; the warning
 * that real images would do better even then, and the decoder check on
 * z_train, the training part's codes). Without warps given and
 * without such a slice, m->warps stays absent. Returns LGC_OK or the
 * status of building the networks. */
int warps_check(lgc_model *m, const holdout_split *split, const float *z_train,
                const compress_config *cfg);

/* --- exemplars.c --- */

/* Adds exemplars to m (complete, warps included) unless
 * cfg->exemplar_bytes is 0: as many random images of the training part as
 * fit in cfg->exemplar_bytes more bytes (or, when it is negative, as many
 * bytes as m's file takes without them), at cfg->exemplar_bits bits per
 * pixel or the depth the held-out slice prefers, with cfg->exemplar_share
 * or the default share (all of the images when, alone, they clearly beat
 * it); by default (bytes given are kept) none when alone they teach the
 * quick classifier clearly less than the samples alone. Says what it
 * found on stderr unless quiet. Returns LGC_OK or the status of building
 * the quick classifier. */
int exemplars_add(lgc_model *m, const holdout_split *split, const compress_config *cfg);
/* Whether exemplars_add will try to add exemplars to m (whose training
 * record must be set): --exemplars given, or the default (auto) on a file
 * with a training record. */
int exemplars_wanted(const lgc_model *m, const compress_config *cfg);

/* What warps_check leaves to exemplars_add when it will add exemplars:
 * the comparison of m (complete) with random real training images
 * gzip-compressed into its file's bytes, warped alike, on q's held-out
 * slice, into m->warps (real_images, real_accuracy; samples_accuracy must
 * be the file's own), and, unless quiet, the word on stderr (with the
 * warning when the real images win by more than warps_margin). */
void warps_compare_real(lgc_model *m, quick_check *q, const dataset *train, long n_samples,
                        const compress_config *cfg);

/* --- budget.c --- */

/* Writes the best configuration whose file fits cfg->budget (the rule in
 * budget.c) and fills report's bytes, final_loss and training. counts:
 * ds's class counts, none 0; split: ds's held-out slice. */
int run_budget(const dataset *ds, const long *counts, const holdout_split *split,
               const compress_config *cfg, compress_report *report);

#endif
