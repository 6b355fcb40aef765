/* fathom-global-avg-pool-layer.c: GlobalAveragePooling2D, [C,H,W] -> [C]. */
#include "fathom-layer.h"

static gboolean
gap_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim != 3)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: global average pooling needs a [C, H, W] input", layer->name);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[0].d[0]);
  return TRUE;
}

static gboolean
gap_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_global_avg_pool_forward (backend, io->x[0], io->y, error);
}

static gboolean
gap_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL || fathom_backend_global_avg_pool_backward (backend, io->dy, io->dx[0], error);
}

static const FathomLayerClass gap_class = {
  .type_name = "GlobalAveragePooling2D",
  .name_prefix = "global_average_pooling2d",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = gap_infer_shape,
  .forward = gap_forward,
  .backward = gap_backward,
};

FathomLayer *
fathom_global_avg_pool_layer_new (void)
{
  return fathom_layer_alloc (&gap_class, sizeof (FathomLayer));
}
