/* fathom-dense-layer.c: Dense (fully connected) with an optional fused
 * activation over the last axis: [D] -> [units], or [T, D] -> [T, units]
 * on every step of a sequence (Keras's TimeDistributed(Dense)). Flatten
 * images first. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer       parent;
  gint64            units;
  FathomActivation  activation;
  gboolean          use_bias;
  FathomTensor     *dpre;
} FathomDenseLayer;

static void
dense_finalize (FathomLayer *layer)
{
  g_clear_pointer (&((FathomDenseLayer *) layer)->dpre, fathom_tensor_unref);
}

static gboolean
dense_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim != 1 && in[0].ndim != 2)
    {
      g_autofree char *s = fathom_shape_to_string (&in[0]);
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: Dense needs a [D] or [T, D] input, got %s (add a Flatten)", layer->name, s);
      return FALSE;
    }
  *out = in[0];
  out->d[out->ndim - 1] = ((FathomDenseLayer *) layer)->units;
  return TRUE;
}

static gboolean
dense_build (FathomLayer *layer, FathomBackend *backend, const FathomShape *in, FathomRng *rng, GError **error)
{
  FathomDenseLayer *self = (FathomDenseLayer *) layer;
  gint64 d = in[0].d[in[0].ndim - 1];
  gint64 shape[2] = { self->units, d };
  g_autoptr(FathomTensor) init = fathom_layer_glorot_uniform (rng, 2, shape, d, self->units);

  if (!fathom_layer_add_param (layer, backend, "kernel", init, 2, shape, FALSE, error))
    return FALSE;
  return !self->use_bias ||
         fathom_layer_add_param (layer, backend, "bias", NULL, 1, &self->units, FALSE, error);
}

/* A [N, ..., D] tensor seen as rows of D; NULL stays NULL. */
static FathomTensor *
as_rows (FathomTensor *t)
{
  gint64 d, shape[2];

  if (t == NULL)
    return NULL;
  d = fathom_tensor_get_dim (t, -1);
  shape[0] = (gint64) fathom_tensor_get_numel (t) / MAX (d, 1);
  shape[1] = d;
  return fathom_tensor_view (t, 2, shape);
}

static gboolean
dense_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomDenseLayer *self = (FathomDenseLayer *) layer;

  g_autoptr(FathomTensor) x = as_rows (io->x[0]);
  g_autoptr(FathomTensor) y = as_rows (io->y);

  if (!fathom_backend_dense_forward (backend, x, fathom_layer_value (layer, 0),
                                     fathom_layer_value (layer, 1), y, error))
    return FALSE;
  return self->activation == FATHOM_ACTIVATION_IDENTITY ||
         fathom_backend_activation_forward (backend, self->activation, io->y, io->y, error);
}

static gboolean
dense_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomDenseLayer *self = (FathomDenseLayer *) layer;
  FathomTensor *dpre = io->dy;
  g_autoptr(FathomTensor) x = as_rows (io->x[0]);
  g_autoptr(FathomTensor) dx = as_rows (io->dx[0]);
  g_autoptr(FathomTensor) dy = NULL;

  if (self->activation != FATHOM_ACTIVATION_IDENTITY)
    {
      if (!fathom_layer_ensure_like (backend, &self->dpre, io->y, error) ||
          !fathom_backend_activation_backward (backend, self->activation, io->y, io->dy, self->dpre, error))
        return FALSE;
      dpre = self->dpre;
    }
  dy = as_rows (dpre);
  return fathom_backend_dense_backward (backend, x, fathom_layer_value (layer, 0), dy,
                                        dx, fathom_layer_grad (layer, 0),
                                        self->use_bias ? fathom_layer_grad (layer, 1) : NULL, error);
}

static const FathomLayerClass dense_class = {
  .type_name = "Dense",
  .name_prefix = "dense",
  .min_inputs = 1, .max_inputs = 1,
  .finalize = dense_finalize,
  .infer_shape = dense_infer_shape,
  .build = dense_build,
  .forward = dense_forward,
  .backward = dense_backward,
};

FathomLayer *
fathom_dense_layer_new (gint64 units, FathomActivation activation, gboolean use_bias)
{
  FathomDenseLayer *self;

  g_return_val_if_fail (units > 0, NULL);
  self = (FathomDenseLayer *) fathom_layer_alloc (&dense_class, sizeof *self);
  self->units = units;
  self->activation = activation;
  self->use_bias = use_bias;
  return &self->parent;
}
