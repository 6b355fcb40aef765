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
} FathomConv2dLayer;

static void
conv2d_finalize (FathomLayer *layer)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;

  g_clear_pointer (&self->dpre, fathom_tensor_unref);
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

static gboolean
conv2d_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomConv2dLayer *self = (FathomConv2dLayer *) layer;
  const FathomTensor *dpre = io->dy;

  if (self->activation != FATHOM_ACTIVATION_IDENTITY)
    {
      if (!fathom_layer_ensure_like (backend, &self->dpre, io->y, error) ||
          !fathom_backend_activation_backward (backend, self->activation, io->y, io->dy, self->dpre, error))
        return FALSE;
      dpre = self->dpre;
    }
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
