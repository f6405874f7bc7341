/* test_net.c - the sequential network as a whole: shape planning rejects
 * inconsistent specs, net_backward through a conv/pool/dense/upsample stack
 * matches central finite differences, splitting a batch over threads gives
 * the same outputs and gradients as one thread, the autoencoder's whole
 * loss (plain, contrastive, VAE, both) has the gradients finite
 * differences give, and the autoencoder variants and the judges (the
 * CNN and ConvNet-3, whose layer list is checked on several sizes)
 * actually learn on a toy dataset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "net.h"
#include "pad.h"
#include "quant.h"
#include "rng.h"
#include "threads.h"
#include "util.h"

/* A small stack that uses every layer type: (1,4,4) -> conv 3 -> relu ->
 * pool -> dense (2,2,2) -> sigmoid -> upsample -> conv 1. */
static const layer_spec small_specs[] = {
    {LAYER_CONV3, {3, 0, 0}},  {LAYER_RELU, {0, 0, 0}},      {LAYER_MAXPOOL2, {0, 0, 0}},
    {LAYER_DENSE, {2, 2, 2}},  {LAYER_SIGMOID, {0, 0, 0}},   {LAYER_UPSAMPLE2, {0, 0, 0}},
    {LAYER_CONV3, {1, 0, 0}},
};
enum { SMALL_LAYERS = sizeof small_specs / sizeof small_specs[0] };
static const tshape small_in = {1, 4, 4};

/* The ConvNet-3 judge's layer kinds in a small stack on an odd size:
 * (2,5,5) -> conv 3 -> instance norm -> relu -> avg-pool (3,2,2) -> conv 2
 * -> instance norm -> relu -> avg-pool (2,1,1) -> dense 3. */
static const layer_spec norm_specs[] = {
    {LAYER_CONV3, {3, 0, 0}}, {LAYER_INSTNORM, {0, 0, 0}}, {LAYER_RELU, {0, 0, 0}},
    {LAYER_AVGPOOL2, {0, 0, 0}}, {LAYER_CONV3, {2, 0, 0}}, {LAYER_INSTNORM, {0, 0, 0}},
    {LAYER_RELU, {0, 0, 0}}, {LAYER_AVGPOOL2, {0, 0, 0}}, {LAYER_DENSE, {3, 1, 1}},
};

typedef struct {
    const char *name;
    const layer_spec *specs;
    int n_layers;
    tshape in;
} stack;

static const stack stacks[] = {
    {"conv/pool/dense/upsample", small_specs, SMALL_LAYERS, {1, 4, 4}},
    {"instance norm/avg-pool", norm_specs, sizeof norm_specs / sizeof norm_specs[0], {2, 5, 5}},
};
enum { N_STACKS = sizeof stacks / sizeof stacks[0] };

static float *randn(rng_t *rng, size_t n)
{
    float *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)rng_normal(rng);
    return x;
}

static void plan_rejects_bad_specs(void **state)
{
    (void)state;
    tshape out;
    size_t n;
    assert_int_equal(net_plan(small_in, small_specs, SMALL_LAYERS, &out, &n), LGC_OK);
    assert_int_equal(out.c, 1);
    assert_int_equal(out.h, 4);
    assert_int_equal(out.w, 4);
    assert_int_equal(n, (3 * 9 + 3) + (12 * 8 + 8) + (1 * 2 * 9 + 1));
    layer_spec odd[] = {{LAYER_MAXPOOL2, {0, 0, 0}}};
    assert_int_equal(net_plan((tshape){1, 5, 4}, odd, 1, &out, &n), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "not even"));
    layer_spec tiny[] = {{LAYER_AVGPOOL2, {0, 0, 0}}};
    assert_int_equal(net_plan((tshape){1, 3, 3}, tiny, 1, &out, &n), LGC_OK);
    assert_int_equal(out.h, 1);
    assert_int_equal(net_plan((tshape){1, 1, 4}, tiny, 1, &out, &n), LGC_EFORMAT);
    assert_non_null(strstr(lgc_errmsg(), "below 2x2"));
    assert_int_equal(net_plan(stacks[1].in, norm_specs, stacks[1].n_layers, &out, &n), LGC_OK);
    assert_int_equal(n, (2 * 9 * 3 + 3) + 2 * 3 + (3 * 9 * 2 + 2) + 2 * 2 + (2 * 3 + 3));
    layer_spec unknown[] = {{(layer_type)99, {0, 0, 0}}};
    assert_int_equal(net_plan(small_in, unknown, 1, &out, &n), LGC_EFORMAT);
    assert_int_equal(net_plan(small_in, small_specs, 0, &out, &n), LGC_EFORMAT);
}

/* Objective: <r, net(x)>, in double. */
typedef struct {
    net *nt;
    float *x, *r;
    int B;
} net_case;

static double objective(net_case *k)
{
    const float *y = net_forward(k->nt, k->x, k->B, k->nt->n_layers);
    size_t n = tshape_size(net_out_shape(k->nt)) * (size_t)k->B;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)k->r[i] * y[i];
    return s;
}

/* d objective / d v[i] by central differences, v a parameter or input. */
static double numeric(net_case *k, float *v, size_t i)
{
    const float h = 1e-2f, v0 = v[i];
    v[i] = v0 + h;
    double fp = objective(k);
    v[i] = v0 - h;
    double fm = objective(k);
    v[i] = v0;
    return (fp - fm) / ((double)(v0 + h) - (double)(v0 - h));
}

static void check_stack_gradients(const stack *st)
{
    threads_set(1);
    rng_t rng;
    rng_seed(&rng, 11);
    net nt;
    const int B = 3;
    assert_int_equal(net_init(&nt, st->in, st->specs, st->n_layers, B), LGC_OK);
    net_init_params(&nt, &rng);
    for (size_t j = 0; j < nt.n_params; j++) /* non-zero biases too */
        nt.params[j] += 0.1f * (float)rng_normal(&rng);
    net_case k = {&nt, randn(&rng, tshape_size(st->in) * B),
                  randn(&rng, tshape_size(net_out_shape(&nt)) * B), B};
    objective(&k);
    net_zero_grad(&nt);
    net_backward(&nt, k.x, k.r, B, nt.n_layers, 1);
    float *grads = xmalloc(nt.n_params * sizeof *grads);
    memcpy(grads, nt.grads, nt.n_params * sizeof *grads);
    float *din = xmalloc(tshape_size(st->in) * B * sizeof *din);
    memcpy(din, nt.din, tshape_size(st->in) * B * sizeof *din);
    /* A max-pool tie or a ReLU kink inside +-h would break the difference;
     * with these random values none is closer than h (checked by the
     * tolerance: a wrong gradient is off by O(1)). */
    for (size_t j = 0; j < nt.n_params; j++) {
        double want = numeric(&k, nt.params, j);
        if (fabs(grads[j] - want) > 2e-3 + 2e-3 * fabs(want))
            fail_msg("%s: parameter %zu: backward %g, finite difference %g", st->name, j,
                     grads[j], want);
    }
    for (size_t j = 0; j < tshape_size(st->in) * B; j++) {
        double want = numeric(&k, k.x, j);
        if (fabs(din[j] - want) > 2e-3 + 2e-3 * fabs(want))
            fail_msg("%s: input %zu: backward %g, finite difference %g", st->name, j, din[j],
                     want);
    }
    free(din);
    free(grads);
    free(k.x);
    free(k.r);
    net_free(&nt);
}

static void backward_matches_finite_differences(void **state)
{
    (void)state;
    for (int i = 0; i < N_STACKS; i++)
        check_stack_gradients(&stacks[i]);
}

/* Forward output, input gradient and parameter gradients for a batch with
 * the given thread count (the net takes it from OpenMP at init). */
static void run_with_threads(const stack *st, int threads, const float *params, const float *x,
                             const float *r, int B, float *out, float *din, float *grads)
{
    threads_set(threads);
    net nt;
    assert_int_equal(net_init(&nt, st->in, st->specs, st->n_layers, B), LGC_OK);
    memcpy(nt.params, params, nt.n_params * sizeof(float));
    const float *y = net_forward(&nt, x, B, nt.n_layers);
    memcpy(out, y, tshape_size(net_out_shape(&nt)) * B * sizeof(float));
    net_zero_grad(&nt);
    net_backward(&nt, x, r, B, nt.n_layers, 1);
    memcpy(din, nt.din, tshape_size(st->in) * B * sizeof(float));
    memcpy(grads, nt.grads, nt.n_params * sizeof(float));
    net_free(&nt);
}

static void stack_threads_agree(const stack *st)
{
    rng_t rng;
    rng_seed(&rng, 12);
    const int B = 37; /* not a multiple of the thread count or chunk */
    net nt;
    assert_int_equal(net_init(&nt, st->in, st->specs, st->n_layers, B), LGC_OK);
    net_init_params(&nt, &rng);
    size_t n_in = tshape_size(st->in) * B, n_out = tshape_size(net_out_shape(&nt)) * B;
    size_t np = nt.n_params;
    float *x = randn(&rng, n_in), *r = randn(&rng, n_out);
    float *o1 = xmalloc(n_out * 4), *d1 = xmalloc(n_in * 4), *g1 = xmalloc(np * 4);
    float *o2 = xmalloc(n_out * 4), *d2 = xmalloc(n_in * 4), *g2 = xmalloc(np * 4);
    run_with_threads(st, 1, nt.params, x, r, B, o1, d1, g1);
    for (int t = 2; t <= 3; t++) {
        run_with_threads(st, t, nt.params, x, r, B, o2, d2, g2);
        /* Per image the same arithmetic: outputs and input gradients are
         * identical; parameter gradients are summed in another order. */
        assert_memory_equal(o1, o2, n_out * 4);
        assert_memory_equal(d1, d2, n_in * 4);
        for (size_t j = 0; j < np; j++)
            if (fabsf(g1[j] - g2[j]) > 1e-4f * (1 + fabsf(g1[j])))
                fail_msg("%s, %d threads: gradient %zu is %g, one thread %g", st->name, t, j,
                         g2[j], g1[j]);
    }
    threads_set(1);
    free(o1), free(d1), free(g1), free(o2), free(d2), free(g2);
    free(x);
    free(r);
    net_free(&nt);
}

static void threads_agree(void **state)
{
    (void)state;
    for (int i = 0; i < N_STACKS; i++)
        stack_threads_agree(&stacks[i]);
}

/* net_backward_input gives net_backward's input gradient exactly, on any
 * thread count, and leaves the parameter gradients alone. */
static void backward_input_matches_backward(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 13);
    const int B = 37;
    net nt;
    assert_int_equal(net_init(&nt, small_in, small_specs, SMALL_LAYERS, B), LGC_OK);
    net_init_params(&nt, &rng);
    size_t n_in = tshape_size(small_in) * B, n_out = tshape_size(net_out_shape(&nt)) * B;
    float *x = randn(&rng, n_in), *r = randn(&rng, n_out);
    float *o = xmalloc(n_out * 4), *d = xmalloc(n_in * 4), *g = xmalloc(nt.n_params * 4);
    for (int t = 1; t <= 3; t++) {
        run_with_threads(&stacks[0], t, nt.params, x, r, B, o, d, g);
        net other;
        assert_int_equal(net_init(&other, small_in, small_specs, SMALL_LAYERS, B), LGC_OK);
        memcpy(other.params, nt.params, nt.n_params * sizeof(float));
        for (size_t j = 0; j < other.n_params; j++)
            other.grads[j] = 42.0f;
        net_forward(&other, x, B, other.n_layers);
        net_backward_input(&other, x, r, B);
        assert_memory_equal(other.din, d, n_in * 4);
        for (size_t j = 0; j < other.n_params; j++)
            assert_true(other.grads[j] == 42.0f);
        net_free(&other);
    }
    threads_set(1);
    free(o), free(d), free(g);
    free(x);
    free(r);
    net_free(&nt);
}

/* --- the autoencoder's whole loss: gradient into the encoder --- */

typedef struct {
    net *enc, *dec;
    const float *x, *eps;
    const int *labels;
    int B;
    const ae_loss_opts *lo;
    ae_work *w;
} ae_case;

static double ae_objective(ae_case *k)
{
    return ae_batch(k->enc, k->dec, k->x, k->labels, k->eps, k->B, k->lo, k->w, NULL);
}

static double ae_numeric(ae_case *k, float *v, size_t i)
{
    const float h = 1e-2f, v0 = v[i];
    v[i] = v0 + h;
    double fp = ae_objective(k);
    v[i] = v0 - h;
    double fm = ae_objective(k);
    v[i] = v0;
    return (fp - fm) / ((double)(v0 + h) - (double)(v0 - h));
}

/* ae_batch's encoder and decoder gradients against central differences of
 * its returned loss, for each variant: this checks the wiring of the
 * terms (the pair loss and the KL reach the encoder through the latent,
 * the VAE's path goes through the reparameterisation at fixed eps), not
 * just each term alone (test_layers.c). The nets are smooth stand-ins for
 * the autoencoders (sigmoid instead of ReLU, no max-pool), because tiny
 * ReLU nets put a kink within any usable step of a few parameters in
 * every case; the layers themselves are checked above and in
 * test_layers.c. Images are 4x4, d = 2, B = 4 of two classes; the margin
 * 50 keeps every different-class pair inside it, away from the hinge's
 * kink. The guide is a smooth stand-in too (conv, sigmoid, dense); its
 * weights are constants of the loss and must not move. */
static void ae_batch_matches_finite_differences(void **state)
{
    (void)state;
    threads_set(1);
    static const ae_loss_opts variants[] = {
        {0, 0.0f, 0.0f, 0.0f, 0.0f},  /* plain */
        {0, 0.0f, 0.3f, 50.0f, 0.0f}, /* contrastive */
        {1, 0.7f, 0.0f, 0.0f, 0.0f},  /* VAE */
        {1, 1.0f, 0.3f, 50.0f, 0.0f}, /* VAE + contrastive (on the means) */
        {0, 0.0f, 0.0f, 0.0f, 2.0f},  /* guide */
        {1, 0.7f, 0.3f, 50.0f, 2.0f}, /* all four terms */
    };
    const int B = 4, d = 2, labels[4] = {0, 1, 1, 0};
    /* Each variant on a 4x4 image, then on a 3x2 image in the top-left of
     * that frame (pad.h): the BCE counts its pixels only, and the guide
     * sees the frame's copies of the decoded edge. */
    const tshape frame = {1, 4, 4}, images[2] = {{1, 4, 4}, {1, 3, 2}};
    const size_t n_variants = sizeof variants / sizeof *variants;
    for (size_t v = 0; v < 2 * n_variants; v++) {
        const ae_loss_opts *lo = &variants[v % n_variants];
        const tshape img = images[v / n_variants];
        const layer_spec es[] = {{LAYER_CONV3, {2, 0, 0}}, {LAYER_SIGMOID, {0, 0, 0}},
                                 {LAYER_DENSE, {lo->vae ? 2 * d : d, 1, 1}}};
        const layer_spec dsp[] = {{LAYER_DENSE, {2, 2, 2}}, {LAYER_SIGMOID, {0, 0, 0}},
                                  {LAYER_UPSAMPLE2, {0, 0, 0}}, {LAYER_CONV3, {1, 0, 0}},
                                  {LAYER_SIGMOID, {0, 0, 0}}};
        net enc, dec;
        assert_int_equal(net_init(&enc, frame, es, 3, B), LGC_OK);
        assert_int_equal(net_init(&dec, (tshape){d, 1, 1}, dsp, 5, B), LGC_OK);
        rng_t rng;
        rng_seed(&rng, 40 + v);
        net_init_params(&enc, &rng);
        net_init_params(&dec, &rng);
        for (size_t j = 0; j < enc.n_params; j++)
            enc.params[j] += 0.3f * (float)rng_normal(&rng);
        for (size_t j = 0; j < dec.n_params; j++)
            dec.params[j] += 0.3f * (float)rng_normal(&rng);
        float x[4 * 16], eps[4 * 2];
        for (int i = 0; i < B * 16; i++)
            x[i] = (float)rng_uniform(&rng);
        pad_replicate(x, B, img.h, img.w, frame.h, frame.w);
        for (int i = 0; i < B * d; i++)
            eps[i] = (float)rng_normal(&rng);
        net guide = {0};
        float *guide_params = NULL;
        if (lo->guide > 0) {
            const layer_spec gs[] = {{LAYER_CONV3, {2, 0, 0}}, {LAYER_SIGMOID, {0, 0, 0}},
                                     {LAYER_DENSE, {2, 1, 1}}};
            assert_int_equal(net_init(&guide, frame, gs, 3, B), LGC_OK);
            net_init_params(&guide, &rng);
            for (size_t j = 0; j < guide.n_params; j++)
                guide.params[j] += 0.5f * (float)rng_normal(&rng);
            guide_params = xmalloc(guide.n_params * sizeof *guide_params);
            memcpy(guide_params, guide.params, guide.n_params * sizeof *guide_params);
        }
        ae_work w;
        ae_work_init(&w, &enc, &dec, B, lo, lo->guide > 0 ? &guide : NULL, img);
        ae_case k = {&enc, &dec, x, eps, labels, B, lo, &w};
        double terms[4];
        ae_batch(&enc, &dec, x, labels, eps, B, lo, &w, terms);
        assert_true(lo->vae ? terms[1] > 0 : terms[1] == 0);
        assert_true(lo->contrastive > 0 ? terms[2] > 0 : terms[2] == 0);
        assert_true(lo->guide > 0 ? terms[3] > 0 : terms[3] == 0);
        float *ge = xmalloc(enc.n_params * sizeof *ge), *gd = xmalloc(dec.n_params * sizeof *gd);
        memcpy(ge, enc.grads, enc.n_params * sizeof *ge);
        memcpy(gd, dec.grads, dec.n_params * sizeof *gd);
        for (int part = 0; part < 2; part++) {
            net *nt = part ? &dec : &enc;
            const float *g = part ? gd : ge;
            for (size_t j = 0; j < nt->n_params; j++) {
                double want = ae_numeric(&k, nt->params, j);
                if (fabs(g[j] - want) > 2e-3 + 2e-3 * fabs(want))
                    fail_msg("variant %zu: %s parameter %zu: backward %g, finite difference %g",
                             v, part ? "decoder" : "encoder", j, g[j], want);
            }
        }
        if (guide_params)
            assert_memory_equal(guide.params, guide_params, guide.n_params * sizeof(float));
        free(guide_params);
        free(ge);
        free(gd);
        ae_work_free(&w);
        net_free(&guide);
        net_free(&enc);
        net_free(&dec);
    }
}

/* A toy dataset: 8x8 images of two classes, a bright top half or a bright
 * left half, with noise. */
static void toy_dataset(dataset *ds, int n, rng_t *rng)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n, ds->h = 8, ds->w = 8, ds->c = 1, ds->n_classes = 2;
    ds->images = xmalloc((size_t)n * 64);
    ds->labels = xmalloc((size_t)n);
    for (int i = 0; i < n; i++) {
        int cls = i % 2;
        ds->labels[i] = (uint8_t)cls;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) {
                int on = cls ? x < 4 : y < 4;
                double v = (on ? 200 : 30) + 20 * rng_normal(rng);
                ds->images[(size_t)i * 64 + y * 8 + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    }
}

/* The small conv autoencoder of the toy tests (8x8 images, latent 2,
 * widths 4/8, batches of up to 32), initialised from rng. */
static void toy_autoencoder(net *enc, net *dec, rng_t *rng)
{
    tshape img = {1, 8, 8};
    ae_arch a = {.latent = 2, .c1 = 4, .c2 = 8};
    layer_spec es[AE_MAX_LAYERS], dsp[AE_MAX_LAYERS];
    int ne = ae_encoder_specs(es, img, &a), nd = ae_decoder_specs(dsp, img, &a);
    assert_true(ne > 0 && nd > 0);
    assert_int_equal(net_init(enc, img, es, ne, 32), LGC_OK);
    assert_int_equal(net_init(dec, (tshape){2, 1, 1}, dsp, nd, 32), LGC_OK);
    net_init_params(enc, rng);
    net_init_params(dec, rng);
}

static void autoencoder_learns_toy_data(void **state)
{
    (void)state;
    threads_set(2);
    rng_t rng;
    rng_seed(&rng, 13);
    dataset ds;
    toy_dataset(&ds, 256, &rng);
    net enc, dec;
    toy_autoencoder(&enc, &dec, &rng);
    double first, last;
    train_opts o = {1, 32, 1e-2f, 1, 5, 0, NULL};
    assert_int_equal(ae_train(&enc, &dec, &ds, &o, NULL, &first, NULL), LGC_OK);
    o.epochs = 20;
    assert_int_equal(ae_train(&enc, &dec, &ds, &o, NULL, &last, NULL), LGC_OK);
    /* BCE per pixel: the noise alone leaves ~0.4; the class means are
     * learnable, an untrained decoder is at ~0.69. */
    assert_true(last < first);
    assert_true(last < 0.5);
    net_free(&enc);
    net_free(&dec);
    dataset_free(&ds);
    threads_set(1);
}

/* The variants train too: the VAE and the mlp reconstruct the toy data,
 * the pair loss falls, and ae_encode returns the VAE's means (the first d
 * of the encoder's 2d outputs). */
static void variants_learn_toy_data(void **state)
{
    (void)state;
    threads_set(2);
    rng_t rng;
    rng_seed(&rng, 15);
    dataset ds;
    toy_dataset(&ds, 256, &rng);
    tshape img = {1, 8, 8};
    static const struct {
        ae_kind kind;
        ae_loss_opts lo;
    } cases[] = {
        {AE_CONV, {1, 1.0f, 0.0f, 0.0f, 0.0f}},
        {AE_CONV, {0, 0.0f, 20.0f, 1.0f, 0.0f}},
        {AE_CONV, {0, 0.0f, 0.0f, 0.0f, 5.0f}},
        {AE_MLP, {0, 0.0f, 0.0f, 0.0f, 0.0f}},
        {AE_MLP, {1, 0.5f, 5.0f, 1.0f, 2.0f}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const ae_loss_opts *lo = &cases[c].lo;
        ae_arch a = {.latent = 2, .c1 = 4, .c2 = 8, .kind = cases[c].kind, .hidden = 32,
                     .vae = lo->vae};
        layer_spec es[AE_MAX_LAYERS], dsp[AE_MAX_LAYERS];
        int ne = ae_encoder_specs(es, img, &a), nd = ae_decoder_specs(dsp, img, &a);
        net enc, dec;
        assert_int_equal(net_init(&enc, img, es, ne, 32), LGC_OK);
        assert_int_equal(net_init(&dec, (tshape){2, 1, 1}, dsp, nd, 32), LGC_OK);
        net_init_params(&enc, &rng);
        net_init_params(&dec, &rng);
        ae_train_stats first, last;
        double loss;
        train_opts o = {1, 32, 1e-2f, 1, 5, 0, NULL};
        assert_int_equal(ae_train(&enc, &dec, &ds, &o, lo, &loss, &first), LGC_OK);
        o.epochs = 20;
        assert_int_equal(ae_train(&enc, &dec, &ds, &o, lo, &loss, &last), LGC_OK);
        assert_true(loss == last.bce);
        if (!(last.bce < first.bce && last.bce < 0.55))
            fail_msg("case %zu: BCE %g per pixel after 1 epoch, %g after 21", c, first.bce,
                     last.bce);
        if (lo->contrastive > 0 && !(last.pairs < first.pairs))
            fail_msg("case %zu: pair loss %g after 1 epoch, %g after 21", c, first.pairs,
                     last.pairs);
        if (lo->guide > 0 ? !(last.guide < first.guide) : last.guide != 0)
            fail_msg("case %zu: guide cross-entropy %g after 1 epoch, %g after 21", c,
                     first.guide, last.guide);
        float *z = xmalloc((size_t)ds.n * 2 * sizeof *z);
        ae_encode(&enc, &ds, z, 2);
        /* ae_encode's first batch (32 images, as it batches them) again */
        float *x = xmalloc(32 * 64 * sizeof *x);
        int idx[32];
        for (int i = 0; i < 32; i++)
            idx[i] = i;
        dataset_batch(x, &ds, idx, 32);
        const float *h = net_forward(&enc, x, 32, enc.n_layers);
        const int dout = lo->vae ? 4 : 2;
        for (int i = 0; i < 32; i++) /* z, or the mean: not a sample */
            assert_true(z[2 * i] == h[dout * i] && z[2 * i + 1] == h[dout * i + 1]);
        free(x);
        free(z);
        net_free(&enc);
        net_free(&dec);
    }
    dataset_free(&ds);
    threads_set(1);
}

/* Quantisation-aware training (quant_max 7, as --weights int4): the
 * autoencoder still learns, and the decoder it leaves is on the int4 grid
 * of every output channel, so that the file stores it exactly. */
static void quantised_training_learns_and_snaps(void **state)
{
    (void)state;
    threads_set(2);
    rng_t rng;
    rng_seed(&rng, 16);
    dataset ds;
    toy_dataset(&ds, 256, &rng);
    net enc, dec;
    toy_autoencoder(&enc, &dec, &rng);
    double loss;
    train_opts o = {20, 32, 1e-2f, 1, 5, QUANT_INT4_MAX, NULL};
    assert_int_equal(ae_train(&enc, &dec, &ds, &o, NULL, &loss, NULL), LGC_OK);
    assert_true(loss < 0.5); /* as autoencoder_learns_toy_data */
    int layers_checked = 0;
    for (int i = 0; i < dec.n_layers; i++) {
        const layer *L = &dec.layers[i];
        if (!L->n_w)
            continue;
        const size_t groups = (size_t)L->out.c, len = L->n_w / groups;
        for (size_t g = 0; g < groups; g++) {
            const float *w = L->w + g * len;
            const float sc = quant_scale(w, len, QUANT_INT4_MAX);
            for (size_t j = 0; j < len; j++) {
                const int q = quant_code(w[j], sc, QUANT_INT4_MAX);
                if (!(w[j] == (float)q * sc && q >= -7 && q <= 7))
                    fail_msg("layer %d group %zu weight %zu: %a is not a code of scale %a", i, g,
                             j, (double)w[j], (double)sc);
            }
        }
        layers_checked++;
    }
    assert_int_equal(layers_checked, 3); /* dense and two convolutions */
    net_free(&enc);
    net_free(&dec);
    dataset_free(&ds);
    threads_set(1);
}

/* The classifier specs_fn lays out learns the toy set: 95 of 100 test
 * images right after 3 epochs. */
static void classifier_learns_toy_data(int (*specs_fn)(layer_spec *, tshape, int))
{
    threads_set(2);
    rng_t rng;
    rng_seed(&rng, 14);
    dataset train, test;
    toy_dataset(&train, 256, &rng);
    toy_dataset(&test, 100, &rng);
    layer_spec js[AE_MAX_LAYERS];
    int nj = specs_fn(js, (tshape){1, 8, 8}, 2);
    assert_true(nj > 0);
    net judge;
    assert_int_equal(net_init(&judge, (tshape){1, 8, 8}, js, nj, 32), LGC_OK);
    net_init_params(&judge, &rng);
    train_opts o = {3, 32, 1e-3f, 1, 6, 0, NULL};
    assert_int_equal(judge_train(&judge, &train, &o), LGC_OK);
    int *pred = xmalloc(100 * sizeof *pred);
    judge_predict(&judge, &test, pred);
    int right = 0;
    for (int i = 0; i < 100; i++)
        right += pred[i] == test.labels[i];
    assert_true(right >= 95); /* the classes are far apart */
    free(pred);
    net_free(&judge);
    dataset_free(&train);
    dataset_free(&test);
    threads_set(1);
}

static void judge_learns_toy_data(void **state)
{
    (void)state;
    classifier_learns_toy_data(judge_specs);
}

static void convnet3_learns_toy_data(void **state)
{
    (void)state;
    classifier_learns_toy_data(convnet3_specs);
}

/* net_init_params is a fresh start: a net trained once, initialised again
 * from the same seed and trained again on the same set ends with the same
 * parameters, bit for bit, as the first training (Adam's moments and step
 * count start over too; the held-out checks of compress train one
 * classifier on several sets and compare them). */
static void init_params_restarts_training(void **state)
{
    (void)state;
    rng_t rng;
    rng_seed(&rng, 15);
    dataset train;
    toy_dataset(&train, 64, &rng);
    layer_spec js[AE_MAX_LAYERS];
    const int nj = judge_specs(js, (tshape){1, 8, 8}, 2);
    net judge;
    assert_int_equal(net_init(&judge, (tshape){1, 8, 8}, js, nj, 16), LGC_OK);
    const train_opts o = {.batch = 16, .lr = 1e-3f, .seed = 3, .quiet = 1};
    float *first = xmalloc(judge.n_params * sizeof(float));
    for (int round = 0; round < 2; round++) {
        rng_seed(&rng, 16);
        net_init_params(&judge, &rng);
        assert_int_equal(judge_train_steps(&judge, &train, NULL, 12, &o), LGC_OK);
        if (round == 0)
            memcpy(first, judge.params, judge.n_params * sizeof(float));
    }
    assert_memory_equal(first, judge.params, judge.n_params * sizeof(float));
    free(first);
    net_free(&judge);
    dataset_free(&train);
}

/* convnet3_specs gives the literature's ConvNet-3: three blocks of conv
 * 128, instance norm, ReLU and a 2x2 average pool, each pool flooring the
 * sides, then one dense layer on what is left. */
static void convnet3_has_the_expected_shapes(void **state)
{
    (void)state;
    /* c, h, w, and the sides after each of the three pools */
    static const int cases[][6] = {{1, 28, 28, 14, 7, 3}, {1, 8, 8, 4, 2, 1},
                                   {1, 13, 13, 6, 3, 1},  {3, 32, 32, 16, 8, 4},
                                   {3, 9, 17, 4, 2, 1}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const tshape img = {cases[t][0], cases[t][1], cases[t][2]};
        layer_spec sp[AE_MAX_LAYERS];
        const int K = 10, n = convnet3_specs(sp, img, K);
        assert_int_equal(n, 13);
        net nt;
        assert_int_equal(net_init(&nt, img, sp, n, 2), LGC_OK);
        int h = img.h, w = img.w;
        for (int block = 0; block < 3; block++) {
            static const layer_type kinds[4] = {LAYER_CONV3, LAYER_INSTNORM, LAYER_RELU,
                                                LAYER_AVGPOOL2};
            for (int j = 0; j < 4; j++) {
                const layer *L = &nt.layers[4 * block + j];
                assert_int_equal(L->spec.type, kinds[j]);
                if (j == 3) /* the pool floors the sides */
                    h /= 2, w /= 2;
                assert_int_equal(L->out.c, CONVNET3_WIDTH);
                assert_int_equal(L->out.h, h);
                assert_int_equal(L->out.w, w);
            }
            assert_int_equal(h, cases[t][3 + block]);
        }
        const layer *dense = &nt.layers[12];
        assert_int_equal(dense->spec.type, LAYER_DENSE);
        assert_int_equal(tshape_size(dense->out), K);
        const size_t features = (size_t)CONVNET3_WIDTH * h * w;
        assert_int_equal(tshape_size(dense->in), features);
        /* per block: conv weights (128, C, 3, 3) and biases, then the
         * norm's scale and shift (128 each) */
        const size_t W = CONVNET3_WIDTH, first = W * (9 * (size_t)img.c + 1) + 2 * W,
                     later = W * (9 * W + 1) + 2 * W;
        assert_int_equal(nt.n_params, first + 2 * later + features * K + K);
        if (t == 0)
            assert_int_equal(features, 1152);
        /* the instance norms start as the identity */
        rng_t rng;
        rng_seed(&rng, 19);
        net_init_params(&nt, &rng);
        for (int block = 0; block < 3; block++) {
            const layer *norm = &nt.layers[4 * block + 1];
            for (int j = 0; j < CONVNET3_WIDTH; j++)
                assert_true(norm->w[j] == 1.0f && norm->b[j] == 0.0f);
        }
        net_free(&nt);
    }
    layer_spec sp[AE_MAX_LAYERS];
    assert_int_equal(convnet3_specs(sp, (tshape){1, 7, 28}, 10), LGC_EUSAGE);
    assert_non_null(strstr(lgc_errmsg(), "at least 8x8, got 7x28"));
    assert_int_equal(convnet3_specs(sp, (tshape){1, 8, 7}, 10), LGC_EUSAGE);
}


/* n flat 8x8 images of one grey level, labels alternating 0/1. */
static void flat_dataset(dataset *ds, int n, uint8_t level)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n, ds->h = 8, ds->w = 8, ds->c = 1, ds->n_classes = 2;
    ds->images = xmalloc((size_t)n * 64);
    ds->labels = xmalloc((size_t)n);
    memset(ds->images, level, (size_t)n * 64);
    for (int i = 0; i < n; i++)
        ds->labels[i] = (uint8_t)(i % 2);
}

/* Two toy autoencoders with the same initial parameters, trained two ways
 * and compared. */
typedef struct {
    net enc[2], dec[2];
} twin_autoencoders;

static void twins_init(twin_autoencoders *t, uint64_t seed)
{
    for (int i = 0; i < 2; i++) {
        rng_t rng;
        rng_seed(&rng, seed);
        toy_autoencoder(&t->enc[i], &t->dec[i], &rng);
    }
}

/* Both ended with the same parameters, bit for bit; frees them. */
static void twins_assert_same_and_free(twin_autoencoders *t)
{
    for (int k = 0; k < 2; k++) {
        net *a = k ? t->dec : t->enc;
        assert_int_equal(a[0].n_params, a[1].n_params);
        assert_memory_equal(a[0].params, a[1].params, a[0].n_params * sizeof(float));
    }
    for (int i = 0; i < 2; i++) {
        net_free(&t->enc[i]);
        net_free(&t->dec[i]);
    }
}

/* Training on black images drives the held-out white ones' loss up from
 * the first evaluation on: early stopping must stop after the patience
 * and hand back exactly the parameters of the best (first) evaluation,
 * which a run stopped at that step reproduces bit for bit. */
static void early_stopping_restores_best(void **state)
{
    (void)state;
    threads_set(1);
    dataset train, held;
    flat_dataset(&train, 64, 0);
    flat_dataset(&held, 16, 255);
    train_opts o = {0, 16, 1e-2f, 1, 3, 0, NULL};
    const ae_schedule sch = {.max_steps = 400, .eval_every = 8, .patience = 3, .min_gain = 1e-3};
    twin_autoencoders t;
    twins_init(&t, 21);
    ae_train_record rec;
    double loss;
    assert_int_equal(
        ae_train_held(&t.enc[0], &t.dec[0], &train, &held, &sch, &o, NULL, &rec, &loss, NULL),
        LGC_OK);
    assert_int_equal(rec.stop, AE_STOP_EARLY);
    assert_int_equal(rec.best_step, 8);
    assert_int_equal(rec.steps, 8 + 3 * 8);
    assert_int_equal(rec.images_seen, rec.steps * 16);
    assert_float_equal(rec.held_bce, ae_reconstruction_bce(&t.enc[0], &t.dec[0], &held), 1e-9);
    const ae_schedule best = {.max_steps = 8, .eval_every = 8, .patience = 3, .min_gain = 1e-3};
    assert_int_equal(
        ae_train_held(&t.enc[1], &t.dec[1], &train, &held, &best, &o, NULL, &rec, &loss, NULL),
        LGC_OK);
    assert_int_equal(rec.stop, AE_STOP_BUDGET);
    twins_assert_same_and_free(&t);
    dataset_free(&train);
    dataset_free(&held);
}

/* Without held-out images the budget alone decides, and a budget of e
 * whole epochs is ae_train's e epochs, bit for bit (--epochs keeps its
 * meaning: the same loop, the same random draws). */
static void step_budget_is_epochs(void **state)
{
    (void)state;
    threads_set(1);
    rng_t rng;
    rng_seed(&rng, 4);
    dataset ds;
    toy_dataset(&ds, 100, &rng); /* 4 steps per epoch, the last of 4 images */
    twin_autoencoders t;
    twins_init(&t, 9);
    train_opts o = {3, 32, 1e-2f, 1, 5, 0, NULL};
    double a, b;
    assert_int_equal(ae_train(&t.enc[0], &t.dec[0], &ds, &o, NULL, &a, NULL), LGC_OK);
    const ae_schedule sch = {.max_steps = 12, .eval_every = 5, .patience = 1, .min_gain = 1e-3};
    ae_train_record rec;
    assert_int_equal(ae_train_held(&t.enc[1], &t.dec[1], &ds, NULL, &sch, &o, NULL, &rec, &b, NULL),
                     LGC_OK);
    assert_int_equal(rec.steps, 12);
    assert_int_equal(rec.best_step, 12);
    assert_int_equal(rec.images_seen, 300);
    assert_int_equal(rec.stop, AE_STOP_BUDGET);
    assert_true(isnan(rec.held_bce));
    assert_float_equal(a, b, 0);
    twins_assert_same_and_free(&t);
    dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_rejects_bad_specs),
        cmocka_unit_test(backward_matches_finite_differences),
        cmocka_unit_test(threads_agree),
        cmocka_unit_test(autoencoder_learns_toy_data),
        cmocka_unit_test(early_stopping_restores_best),
        cmocka_unit_test(step_budget_is_epochs),
        cmocka_unit_test(backward_input_matches_backward),
        cmocka_unit_test(ae_batch_matches_finite_differences),
        cmocka_unit_test(variants_learn_toy_data),
        cmocka_unit_test(quantised_training_learns_and_snaps),
        cmocka_unit_test(judge_learns_toy_data),
        cmocka_unit_test(init_params_restarts_training),
        cmocka_unit_test(convnet3_has_the_expected_shapes),
        cmocka_unit_test(convnet3_learns_toy_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
