/* lgc_model.h - the compressed model: everything `lgc sample` needs.
 *
 * lgc compress builds it (the trained decoder and the class mixtures), the
 * .lgc file stores and reads it (lgcfile.h), and decoder_from_model
 * (model.h) turns its decoder back into a network. */
#ifndef LGC_LGC_MODEL_H
#define LGC_LGC_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "augment.h"
#include "class_labels.h"
#include "gmm.h"
#include "net.h"

/* Storage precision of the decoder weights (all four) and of the mixture
 * means and factors (f32, f16, int8). int8 and int4 keep one f32 scale per
 * output channel and f16 biases; int4 codes are -7..7 (docs/FORMAT.md). */
typedef enum { LGCF_F32 = 0, LGCF_F16 = 1, LGCF_INT8 = 2, LGCF_INT4 = 3 } lgcf_dtype;

/* How the autoencoder was trained (the optional TRNG section): for
 * `lgc info`, not needed to sample. */
typedef struct {
    int present;          /* 0: not recorded (a file without the section) */
    int stop;             /* ae_stop (model.h): 0 epochs asked, 1 step budget, 2 early stop */
    uint64_t steps;       /* Adam steps run */
    uint64_t best_step;   /* the step whose parameters were kept */
    uint64_t images_seen; /* training images over all steps (epochs = this / training part) */
    uint32_t held_out;    /* images held out of the training split */
    float held_bce;       /* best held-out BCE per pixel; 0 when held_out is 0 */
    float train_bce;      /* BCE per pixel of the training part, with the kept parameters */
} lgc_training;

/* lgc sample's default warps and the held-out check behind them (the
 * optional WARP section; docs/DESIGN.md, "Warps and the held-out check").
 * A file without it samples with AUGMENT_DEFAULT, as files always did. */
typedef struct {
    int present;          /* 0: not recorded */
    augment_opts augment; /* what lgc sample warps by unless --augment is given */
    int measured;         /* 1: chosen by the held-out check; 0: given by --warps */
    uint32_t held_images; /* held-out images the check classified; 0: no check ran */
    uint32_t real_images; /* real training images gzip-compressed into the file's bytes */
    float samples_accuracy; /* held-out accuracy of the quick classifier trained on samples */
    float real_accuracy;  /* ... trained on those real images, warped alike; both 0 without a check */
} lgc_warps;

/* Real training images stored beside the mixtures (the optional EXMP
 * section; docs/DESIGN.md, "Exemplars"): lgc sample takes this share of
 * each class's images from them, in turn, and warps them like the decoded
 * ones. A file without it samples from the mixtures alone. */
typedef struct {
    int n;              /* images; 0: none */
    int bits;           /* bits per pixel, 1..8 (exemplar_codec.h) */
    float share;        /* fraction of lgc sample's images taken from them, (0, 1] */
    long *class_counts; /* (n_classes) images per class; the images are in class order */
    uint8_t *levels;    /* (n, h, w, c) pixel levels 0..2^bits - 1 */
} lgc_exemplars;

typedef struct {
    int h, w, c;      /* image shape */
    int n_classes;
    int latent;       /* d */
    long *class_counts; /* (n_classes) training images per class: the prior */
    int n_layers;
    layer_spec *dec_specs; /* (n_layers) decoder, input (latent,1,1) */
    size_t n_dec_params;
    float *dec_params;     /* (n_dec_params) in net parameter order */
    lgcf_dtype weight_dtype; /* how dec_params are stored */
    gmm_t *gmms;           /* (n_classes) */
    lgcf_dtype gmm_dtype;  /* how means and factors are stored (weights: f32) */
    int kmax;              /* BIC curve length, 0 if absent */
    double *bic;           /* (n_classes, kmax) or NULL */
    lgc_training training;  /* how it was trained (TRNG section) */
    class_labels classes;  /* the user's label of each class (LABL section) */
    lgc_warps warps;       /* lgc sample's default warps (WARP section) */
    lgc_exemplars exemplars; /* real images beside the mixtures (EXMP section) */
} lgc_model;

/* Frees every array of m and clears it; safe on a cleared model. */
void lgc_model_free(lgc_model *m);
/* Frees m's mixtures and BIC curves only, so that they can be fitted
 * again (the byte-budget ladder tries several kmax on one decoder). */
void lgc_model_drop_mixtures(lgc_model *m);
/* Frees m's exemplars and clears them (m then has none). */
void lgc_model_drop_exemplars(lgc_model *m);

#endif
