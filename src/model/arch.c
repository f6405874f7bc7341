/* arch.c - the layer lists of the autoencoders (conv, mlp; plain or VAE)
 * and of the judges (model.h). */
#include "model.h"
#include "pad.h"
#include "util.h"

static layer_spec spec(layer_type t, int c, int h, int w)
{
    layer_spec s = {t, {c, h, w}};
    return s;
}

/* The conv networks pool twice, so they see the image padded to multiples
 * of 4 (conv_input_shape); pad_side rounds 1..3 up to 4, so any size from
 * IDX's smallest, 1x1, has a frame. */
static int check_size(tshape img, const char *what, const char *hint)
{
    if (img.h < 1 || img.w < 1)
        return lgc_fail(LGC_EUSAGE, "%s needs images of at least 1x1, got %dx%d%s", what, img.h,
                        img.w, hint);
    return LGC_OK;
}

tshape conv_input_shape(tshape img)
{
    return (tshape){img.c, pad_side(img.h), pad_side(img.w)};
}

tshape ae_input_shape(tshape img, const ae_arch *a)
{
    return a->kind == AE_MLP ? img : conv_input_shape(img);
}

/* The encoder's output width: d, or 2d (mean, log-variance) for a VAE. */
static int enc_out(const ae_arch *a) { return a->vae ? 2 * a->latent : a->latent; }

/* The mlp autoencoder: no pooling, so any image size; one hidden layer of
 * a->hidden units on each side. */
static int mlp_check(const ae_arch *a)
{
    if (a->hidden < 1)
        return lgc_fail(LGC_EUSAGE, "the mlp autoencoder needs a hidden width >= 1, got %d",
                        a->hidden);
    return LGC_OK;
}

int ae_encoder_specs(layer_spec *s, tshape img, const ae_arch *a)
{
    int n = 0;
    if (a->kind == AE_MLP) {
        int st = mlp_check(a);
        if (st)
            return st;
        s[n++] = spec(LAYER_DENSE, a->hidden, 1, 1);
        s[n++] = spec(LAYER_RELU, 0, 0, 0);
        s[n++] = spec(LAYER_DENSE, enc_out(a), 1, 1);
        return n;
    }
    int st = check_size(img, "the conv autoencoder", " (--model mlp takes any size)");
    if (st)
        return st;
    s[n++] = spec(LAYER_CONV3, a->c1, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, a->c2, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, enc_out(a), 1, 1);
    return n;
}

int ae_decoder_specs(layer_spec *s, tshape img, const ae_arch *a)
{
    int n = 0;
    if (a->kind == AE_MLP) {
        int st = mlp_check(a);
        if (st)
            return st;
        s[n++] = spec(LAYER_DENSE, a->hidden, 1, 1);
        s[n++] = spec(LAYER_RELU, 0, 0, 0);
        s[n++] = spec(LAYER_DENSE, img.c, img.h, img.w); /* NCHW, as the images */
        s[n++] = spec(LAYER_SIGMOID, 0, 0, 0);
        return n;
    }
    int st = check_size(img, "the conv autoencoder", " (--model mlp takes any size)");
    if (st)
        return st;
    const tshape in = conv_input_shape(img); /* the decoder outputs the padded image */
    s[n++] = spec(LAYER_DENSE, a->c2, in.h / 4, in.w / 4);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_UPSAMPLE2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, a->c1, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_UPSAMPLE2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, img.c, 0, 0);
    s[n++] = spec(LAYER_SIGMOID, 0, 0, 0);
    return n;
}

/* The judge's layout with widths c1, c2 and a hidden dense layer of h. */
static int classifier_specs(layer_spec *s, tshape img, int n_classes, const char *what, int c1,
                            int c2, int h)
{
    int st = check_size(img, what, "");
    if (st)
        return st;
    int n = 0;
    s[n++] = spec(LAYER_CONV3, c1, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_CONV3, c2, 0, 0);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_MAXPOOL2, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, h, 1, 1);
    s[n++] = spec(LAYER_RELU, 0, 0, 0);
    s[n++] = spec(LAYER_DENSE, n_classes, 1, 1);
    return n;
}

int judge_specs(layer_spec *s, tshape img, int n_classes)
{
    return classifier_specs(s, img, n_classes, "the judge classifier", 32, 64, 128);
}

/* Half the judge's widths: a quarter of its multiply-adds, since the guide
 * runs forward and backward in every step of the autoencoder's training. */
int guide_specs(layer_spec *s, tshape img, int n_classes)
{
    return classifier_specs(s, img, n_classes, "the guide classifier", 16, 32, 64);
}

/* Half the guide's widths, a quarter of its multiply-adds: lgc compress
 * trains it four times to choose the warps (warps.h), in a few seconds on
 * MNIST. */
int quick_specs(layer_spec *s, tshape img, int n_classes)
{
    return classifier_specs(s, img, n_classes, "the quick classifier", 8, 16, 32);
}

/* The dataset-distillation literature's ConvNet-3 (net_width 128, depth 3,
 * instance norm, average pooling), so that lgc eval --judge convnet3 scores
 * sets as its tables do. Three poolings floor the sides thrice: 8 is the
 * smallest side that leaves a pixel. */
int convnet3_specs(layer_spec *s, tshape img, int n_classes)
{
    if (img.h < 8 || img.w < 8)
        return lgc_fail(LGC_EUSAGE, "the convnet3 judge needs images of at least 8x8, got %dx%d",
                        img.h, img.w);
    int n = 0;
    for (int block = 0; block < 3; block++) {
        s[n++] = spec(LAYER_CONV3, CONVNET3_WIDTH, 0, 0);
        s[n++] = spec(LAYER_INSTNORM, 0, 0, 0);
        s[n++] = spec(LAYER_RELU, 0, 0, 0);
        s[n++] = spec(LAYER_AVGPOOL2, 0, 0, 0);
    }
    s[n++] = spec(LAYER_DENSE, n_classes, 1, 1);
    return n;
}
