/* fathom-conv2d-layer.c: Conv2D with Keras's padding rules and an optional
 * activation fused in, as Keras's Convolution2D(activation=...) has. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer       parent;
  gint64            filters;
  FathomConvWindow      win;        /* pads resolved by infer_shape */
  FathomPadding     padding;
  FathomActivation  activation;
  gboolean          use_bias;
  FathomTensor     *dpre;       /* gradient before the activation */
  /* backward through a batch norm (fathom_conv2d_layer_backward_through_batch_norm):
   * the filter gradient on the batch norm's input, on a plane of ones, that
   * plane, and filters of its one channel (read by no one: dx is not asked) */
  FathomTensor     *bn_g, *bn_s, *bn_ones, *bn_w1;
} FathomConv2dLayer;

static void
conv2d_finalize (FathomLayer *layer)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;

  g_clear_pointer (&self->dpre, fathom_tensor_unref);
  g_clear_pointer (&self->bn_g, fathom_tensor_unref);
  g_clear_pointer (&self->bn_s, fathom_tensor_unref);
  g_clear_pointer (&self->bn_ones, fathom_tensor_unref);
  g_clear_pointer (&self->bn_w1, fathom_tensor_unref);
}

static gboolean
conv2d_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;
  gint64 oh, ow;

  if (in[0].ndim != 3)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: Conv2D needs a [C, H, W] input", layer->name);
      return FALSE;
    }
  if (!fathom_conv_window_resolve (&self->win, self->padding, in[0].d[1], in[0].d[2], &oh, &ow))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: a %dx%d kernel does not fit a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " input",
                   layer->name, self->win.kh, self->win.kw, in[0].d[1], in[0].d[2]);
      return FALSE;
    }
  *out = FATHOM_SHAPE (self->filters, oh, ow);
  return TRUE;
}

static gboolean
conv2d_build (FathomLayer *layer, FathomBackend *backend, const FathomShape *in, FathomRng *rng, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;
  gint64 c = in[0].d[0], k = self->win.kh * self->win.kw;
  gint64 shape[4] = { self->filters, c, self->win.kh, self->win.kw };
  g_autoptr(FathomTensor) init = fathom_layer_glorot_uniform (rng, 4, shape, c * k, self->filters * k);

  if (!fathom_layer_add_param (layer, backend, "kernel", init, 4, shape, FALSE, error))
    return FALSE;
  return !self->use_bias ||
         fathom_layer_add_param (layer, backend, "bias", NULL, 1, &self->filters, FALSE, error);
}

static gboolean
conv2d_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;

  return fathom_backend_conv2d_forward_act (backend, &self->win, io->x[0], fathom_layer_value (layer, 0),
                                            fathom_layer_value (layer, 1), NULL, self->activation, io->y, error);
}

/* The gradient before the activation: dy itself, or dpre. */
static const FathomTensor *
pre_activation_grad (FathomConv2dLayer *self, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  if (self->activation == FATHOM_ACTIVATION_IDENTITY)
    return io->dy;
  if (!fathom_layer_ensure_like (backend, &self->dpre, io->y, error) ||
      !fathom_backend_activation_backward (backend, self->activation, io->y, io->dy, self->dpre, error))
    return NULL;
  return self->dpre;
}

static gboolean
conv2d_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;
  const FathomTensor *dpre = pre_activation_grad (self, backend, io, error);

  if (dpre == NULL)
    return FALSE;
  return fathom_backend_conv2d_backward (backend, &self->win, io->x[0], fathom_layer_value (layer, 0), dpre,
                                         io->dx[0], fathom_layer_grad (layer, 0),
                                         self->use_bias ? fathom_layer_grad (layer, 1) : NULL, error);
}

static const FathomLayerClass conv2d_class = {
  .type_name = "Conv2D",
  .name_prefix = "conv2d",
  .min_inputs = 1, .max_inputs = 1,
  .finalize = conv2d_finalize,
  .infer_shape = conv2d_infer_shape,
  .build = conv2d_build,
  .forward = conv2d_forward,
  .backward = conv2d_backward,
};

FathomLayer *
fathom_conv2d_layer_new (gint64 filters, int kh, int kw, int sh, int sw,
                         FathomPadding padding, FathomActivation activation, gboolean use_bias)
{
  FathomConv2dLayer *self;

  g_return_val_if_fail (filters > 0 && kh > 0 && kw > 0 && sh > 0 && sw > 0, NULL);
  self = (FathomConv2dLayer *) fathom_layer_alloc (&conv2d_class, sizeof *self);
  self->filters = filters;
  self->win = (FathomConvWindow) { .kh = kh, .kw = kw, .sh = sh, .sw = sw };
  self->padding = padding;
  self->activation = activation;
  self->use_bias = use_bias;
  return &self->parent;
}

gboolean
fathom_conv2d_layer_backward_through_batch_norm (FathomLayer *layer, FathomLayer *bn, FathomBackend *backend,
                                                 FathomLayerIo *io, const FathomTensor *bn_x, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;
  FathomTensor *w = fathom_layer_value (layer, 0), *mean, *invstd;
  gint64 n = fathom_tensor_get_dim (bn_x, 0), h = fathom_tensor_get_dim (bn_x, 2);
  gint64 wd = fathom_tensor_get_dim (bn_x, 3), k = self->filters;
  gint64 ones_shape[4] = { n, 1, h, wd }, s_shape[4] = { k, 1, self->win.kh, self->win.kw };
  const FathomTensor *dpre;

  g_return_val_if_fail (layer->klass == &conv2d_class, FALSE);
  if (!fathom_batch_norm_layer_get_batch_stats (bn, &mean, &invstd))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "%s: %s did not normalise with the batch's statistics", layer->name, bn->name);
      return FALSE;
    }
  dpre = pre_activation_grad (self, backend, io, error);
  if (dpre == NULL ||
      !fathom_layer_ensure_like (backend, &self->bn_g, w, error) ||
      !fathom_layer_ensure_tensor (backend, &self->bn_s, 4, s_shape, error) ||
      !fathom_layer_ensure_tensor (backend, &self->bn_w1, 4, s_shape, error) ||
      !fathom_layer_ensure_tensor (backend, &self->bn_ones, 4, ones_shape, error) ||
      !fathom_backend_fill (backend, self->bn_ones, 1.f, error) ||
      /* g on bn's input, the bias gradient with it; s on the ones */
      !fathom_backend_conv2d_backward (backend, &self->win, bn_x, w, dpre, NULL, self->bn_g,
                                       self->use_bias ? fathom_layer_grad (layer, 1) : NULL, error) ||
      !fathom_backend_conv2d_backward (backend, &self->win, self->bn_ones, self->bn_w1, dpre, NULL,
                                       self->bn_s, NULL, error))
    return FALSE;
  return fathom_backend_batch_norm_conv_grad (backend, self->bn_g, self->bn_s, w, fathom_layer_value (bn, 0),
                                              fathom_layer_value (bn, 1), mean, invstd,
                                              fathom_layer_grad (layer, 0), fathom_layer_grad (bn, 0),
                                              fathom_layer_grad (bn, 1), error);
}

gboolean
fathom_conv2d_layer_describe (FathomLayer *layer, FathomConvWindow *win, FathomActivation *activation,
                              gboolean *use_bias)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;

  if (layer->klass != &conv2d_class)
    return FALSE;
  *win = self->win;
  *activation = self->activation;
  *use_bias = self->use_bias;
  return TRUE;
}
