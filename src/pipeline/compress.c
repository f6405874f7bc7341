/* compress.c - compress_run (compress.h): load the training set, hold out
 * its slice, then the plain run (train, encode, fit the mixtures, write) or the run under a
 * byte budget (budget.c). */
#include <stdlib.h>
#include <string.h>

#include "dataset_open.h"
#include "latents_csv.h"
#include "output_path.h"
#include "quant.h"
#include "stages.h"
#include "util.h"

void compress_config_default(compress_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = (ae_arch){.latent = AE_DEFAULT_LATENT, .c1 = AE_DEFAULT_C1, .c2 = AE_DEFAULT_C2,
                          .kind = AE_CONV, .hidden = AE_DEFAULT_HIDDEN};
    cfg->latent_auto = 1;
    cfg->train = (train_opts){.batch = COMPRESS_DEFAULT_BATCH,
                              .lr = (float)COMPRESS_DEFAULT_LR,
                              .seed = COMPRESS_DEFAULT_SEED};
    cfg->loss = (ae_loss_opts){.beta = (float)COMPRESS_DEFAULT_BETA,
                               .margin = (float)COMPRESS_DEFAULT_MARGIN,
                               .guide = (float)COMPRESS_DEFAULT_GUIDE};
    cfg->holdout = COMPRESS_DEFAULT_HOLDOUT;
    cfg->kmax = COMPRESS_DEFAULT_KMAX;
    gmm_opts_default(&cfg->gmm);
    cfg->weights = COMPRESS_DEFAULT_WEIGHTS;
    cfg->mixtures = COMPRESS_DEFAULT_MIXTURES;
    cfg->exemplar_bytes = COMPRESS_DEFAULT_EXEMPLARS;
}

void model_from_autoencoder(lgc_model *m, const trained_autoencoder *t, const dataset *ds,
                            const long *counts, lgcf_dtype dtype, lgcf_dtype gmm_dtype)
{
    memset(m, 0, sizeof *m);
    m->h = ds->h;
    m->w = ds->w;
    m->c = ds->c;
    m->n_classes = ds->n_classes;
    class_labels_copy(&m->classes, &ds->classes);
    m->latent = t->arch.latent;
    m->class_counts = xmalloc((size_t)ds->n_classes * sizeof(long));
    memcpy(m->class_counts, counts, (size_t)ds->n_classes * sizeof(long));
    m->n_layers = t->n_dec;
    m->dec_specs = xmalloc((size_t)t->n_dec * sizeof(layer_spec));
    memcpy(m->dec_specs, t->dec_specs, (size_t)t->n_dec * sizeof(layer_spec));
    m->n_dec_params = t->dec.n_params;
    m->dec_params = xmalloc(t->dec.n_params * sizeof(float));
    memcpy(m->dec_params, t->dec.params, t->dec.n_params * sizeof(float));
    m->weight_dtype = dtype;
    m->gmm_dtype = gmm_dtype;
    m->training = t->record;
}

/* The configuration as given (but for the latent rule): kmax, the
 * precisions asked. */
static int run_plain(const dataset *ds, const long *counts, const holdout_split *split,
                     const compress_config *cfg, compress_report *report)
{
    trained_autoencoder t = {0};
    lgc_model m = {0};
    /* rounded to int4 after training, the MNIST decoder lost 1.3 points;
     * trained for it, about 0.5 (docs/RESULTS.md) */
    int quant_max = cfg->weights == LGCF_INT4 ? QUANT_INT4_MAX : 0;
    int st = train_autoencoder(&t, &cfg->arch, quant_max, ds, split, cfg);
    if (st || (st = latent_rule(&t, quant_max, ds, split, cfg)))
        goto done;
    const int d = t.arch.latent;
    if (cfg->latents && (st = latents_csv_write(cfg->latents, t.z, ds->labels, ds->n, d)))
        goto done;
    model_from_autoencoder(&m, &t, ds, counts, cfg->weights, cfg->mixtures);
    if ((st = fit_mixtures(&m, t.z_train, d, cfg->kmax, &split->train, cfg, 1)))
        goto done;
    report_code_likelihood(&m, &t, split, cfg);
    if ((st = warps_check(&m, split, t.z_train, cfg)) || (st = exemplars_add(&m, split, cfg)) ||
        (st = lgcf_write(cfg->output, &m)))
        goto done;
    /* the same encoding as the write's, so it cannot fail now */
    st = lgcf_encoded_size(&m, &report->bytes);
    report->final_loss = t.loss;
    report->training = t.record;
done:
    lgc_model_free(&m);
    trained_autoencoder_free(&t);
    return st;
}

/* Every output is checked before the training (output_path.h). The .lgc
 * file is written through a temporary renamed into place, which a stream
 * cannot be, so "-o -" is refused. */
int compress_check_outputs(const compress_config *cfg, int force)
{
    char *found = NULL; /* the test split beside the dataset, when not given */
    if (!cfg->test_path)
        dataset_find_test(&found, cfg->dataset_dir, cfg->format);
    const output_input inputs[] = {{cfg->dataset_dir, "the source dataset", 1},
                                   {cfg->test_path ? cfg->test_path : found, "the test set", 1}};
    int st = output_check_file(cfg->output, "the .lgc file", force, inputs, 2);
    if (!st && cfg->latents)
        st = output_check_file(cfg->latents, "the latent codes", force, inputs, 2);
    if (!st && cfg->latents)
        st = output_check_distinct(cfg->latents, cfg->output, 0);
    free(found);
    return st;
}

int compress_run(const compress_config *cfg, compress_report *report)
{
    compress_report result = {0};
    dataset ds = {0};
    holdout_split split = {0};
    double t0 = now_seconds();
    int st = dataset_open(&ds, cfg->dataset_dir, DATASET_TRAIN, cfg->format);
    if (st)
        goto done;
    long counts[DATASET_MAX_CLASSES];
    dataset_class_counts(counts, &ds); /* none is 0: classes are the labels present */
    holdout_make(&split, &ds, cfg->holdout, cfg->train.seed);
    st = cfg->budget ? run_budget(&ds, counts, &split, cfg, &result)
                     : run_plain(&ds, counts, &split, cfg, &result);
    result.seconds = now_seconds() - t0;
    if (st == LGC_OK && report)
        *report = result;
done:
    holdout_free(&split);
    dataset_free(&ds);
    return st;
}
