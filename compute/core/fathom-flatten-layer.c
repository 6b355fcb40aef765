/* fathom-flatten-layer.c: [C, H, W] -> [C*H*W], in NCHW order as Theano's
 * Keras flattened. */
#include "fathom-layer.h"

static gboolean
flatten_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  *out = FATHOM_SHAPE ((gint64) fathom_shape_get_numel (&in[0]));
  return TRUE;
}

static gboolean
flatten_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_copy (backend, io->y, io->x[0], error);
}

static gboolean
flatten_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL || fathom_backend_copy (backend, io->dx[0], io->dy, error);
}

static const FathomLayerClass flatten_class = {
  .type_name = "Flatten",
  .name_prefix = "flatten",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = flatten_infer_shape,
  .forward = flatten_forward,
  .backward = flatten_backward,
};

FathomLayer *
fathom_flatten_layer_new (void)
{
  return fathom_layer_alloc (&flatten_class, sizeof (FathomLayer));
}
