/* lgc_model.c - releasing the compressed model. */
#include <stdlib.h>
#include <string.h>

#include "lgc_model.h"

void lgc_model_free(lgc_model *m)
{
    if (m->gmms)
        for (int i = 0; i < m->n_classes; i++)
            gmm_free(&m->gmms[i]);
    free(m->gmms);
    free(m->class_counts);
    free(m->dec_specs);
    free(m->dec_params);
    free(m->bic);
    class_labels_free(&m->classes);
    memset(m, 0, sizeof *m);
}
