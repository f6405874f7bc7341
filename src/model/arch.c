/* arch.c - the layer lists of the autoencoder and the judge (model.h). */
#include "model.h"
#include "util.h"

static layer_spec spec(layer_type t, int c, int h, int w)
{
    layer_spec s = {t, {c, h, w}};
    return s;
}

/* Both architectures pool twice, so H and W must be multiples of 4. */
static int check_size(tshape img, const char *what)
{
    if (img.h % 4 || img.w % 4 || img.h < 4 || img.w < 4)
        return lgc_fail(LGC_EUSAGE,
                        "%s needs image height and width divisible by 4, got %dx%d", what,
                        img.h, img.w);
    return LGC_OK;
}

int ae_encoder_specs(layer_spec *s, tshape img, const ae_arch *a)
{
    int st = check_size(img, "the autoencoder");
    if (st)
        return st;
    int n = 0;
    s[n++] = spec(LAYER_CONV3, a->c1, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, a->c2, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, a->latent, 1, 1);
    return n;
}

int ae_decoder_specs(layer_spec *s, tshape img, const ae_arch *a)
{
    int st = check_size(img, "the autoencoder");
    if (st)
        return st;
    int n = 0;
    s[n++] = spec(LAYER_DENSE, a->c2, img.h / 4, img.w / 4);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_UPSAMPLE2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, a->c1, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_UPSAMPLE2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, img.c, 0, 0);
    s[n++] = spec(LAYER_SIGMOID, 0, 0, 0);
    return n;
}

int judge_specs(layer_spec *s, tshape img, int n_classes)
{
    int st = check_size(img, "the judge classifier");
    if (st)
        return st;
    int n = 0;
    s[n++] = spec(LAYER_CONV3, 32, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, 64, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, 128, 1, 1);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, n_classes, 1, 1);
    return n;
}
