/* fathom-pool-layer.c: MaxPooling2D and AveragePooling2D. Keras's default
 * stride is the pool size; the lesson also pools (1, 2). */
#include "fathom-layer.h"

typedef struct {
  FathomLayer   parent;
  gboolean      is_max;
  FathomConvWindow  win;
  FathomPadding padding;
} FathomPoolLayer;

static gboolean
pool_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  FathomPoolLayer *self = (FathomPoolLayer *) layer;
  gint64 oh, ow;

  if (in[0].ndim != 3 ||
      !fathom_conv_window_resolve (&self->win, self->padding, in[0].d[1], in[0].d[2], &oh, &ow))
    {
      g_autofree char *s = fathom_shape_to_string (&in[0]);
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: cannot pool %dx%d over %s", layer->name, self->win.kh, self->win.kw, s);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[0].d[0], oh, ow);
  return TRUE;
}

static gboolean
pool_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomPoolLayer *self = (FathomPoolLayer *) layer;

  if (self->is_max)
    return fathom_backend_max_pool_forward (backend, &self->win, io->x[0], io->y, error);
  return fathom_backend_avg_pool_forward (backend, &self->win, io->x[0], io->y, error);
}

static gboolean
pool_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomPoolLayer *self = (FathomPoolLayer *) layer;

  if (io->dx[0] == NULL)
    return TRUE;
  if (self->is_max)
    return fathom_backend_max_pool_backward (backend, &self->win, io->x[0], io->dy, io->dx[0], error);
  return fathom_backend_avg_pool_backward (backend, &self->win, io->dy, io->dx[0], error);
}

static const FathomLayerClass max_pool_class = {
  .type_name = "MaxPooling2D",
  .name_prefix = "max_pooling2d",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = pool_infer_shape,
  .forward = pool_forward,
  .backward = pool_backward,
};

static const FathomLayerClass avg_pool_class = {
  .type_name = "AveragePooling2D",
  .name_prefix = "average_pooling2d",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = pool_infer_shape,
  .forward = pool_forward,
  .backward = pool_backward,
};

static FathomLayer *
pool_new (const FathomLayerClass *klass, gboolean is_max, int kh, int kw, int sh, int sw,
          FathomPadding padding)
{
  FathomPoolLayer *self;

  g_return_val_if_fail (kh > 0 && kw > 0 && sh > 0 && sw > 0, NULL);
  self = (FathomPoolLayer *) fathom_layer_alloc (klass, sizeof *self);
  self->is_max = is_max;
  self->win = (FathomConvWindow) { .kh = kh, .kw = kw, .sh = sh, .sw = sw };
  self->padding = padding;
  return &self->parent;
}

FathomLayer *
fathom_max_pool_layer_new (int kh, int kw, int sh, int sw, FathomPadding padding)
{
  return pool_new (&max_pool_class, TRUE, kh, kw, sh, sw, padding);
}

FathomLayer *
fathom_avg_pool_layer_new (int kh, int kw, int sh, int sw, FathomPadding padding)
{
  return pool_new (&avg_pool_class, FALSE, kh, kw, sh, sw, padding);
}

gboolean
fathom_max_pool_layer_describe (FathomLayer *layer, FathomConvWindow *win)
{
  if (layer->klass != &max_pool_class)
    return FALSE;
  *win = ((FathomPoolLayer *) layer)->win;
  return TRUE;
}
