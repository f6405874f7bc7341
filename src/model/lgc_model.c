/* lgc_model.c - releasing the compressed model. */
#include <stdlib.h>
#include <string.h>

#include "lgc_model.h"

void lgc_model_drop_mixtures(lgc_model *m)
{
    for (int c = 0; m->gmms && c < m->n_classes; c++)
        gmm_free(&m->gmms[c]);
    free(m->gmms);
    free(m->bic);
    m->gmms = NULL;
    m->bic = NULL;
    m->kmax = 0;
}

void lgc_model_drop_exemplars(lgc_model *m)
{
    free(m->exemplars.class_counts);
    free(m->exemplars.levels);
    memset(&m->exemplars, 0, sizeof m->exemplars);
}

void lgc_model_free(lgc_model *m)
{
    lgc_model_drop_mixtures(m);
    lgc_model_drop_exemplars(m);
    free(m->class_counts);
    free(m->dec_specs);
    free(m->dec_params);
    class_labels_free(&m->classes);
    memset(m, 0, sizeof *m);
}
