/* fathom-stop-gradient-layer.c: passes its input on and no gradient back,
 * so that one loss can read what another part of the model computes
 * without training it. */
#include "fathom-layer.h"

static gboolean
stop_gradient_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  *out = in[0];
  return TRUE;
}

static gboolean
stop_gradient_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_copy (backend, io->y, io->x[0], error);
}

static gboolean
stop_gradient_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL || fathom_backend_fill (backend, io->dx[0], 0.f, error);
}

static const FathomLayerClass stop_gradient_class = {
  .type_name = "StopGradient",
  .name_prefix = "stop_gradient",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = stop_gradient_infer_shape,
  .forward = stop_gradient_forward,
  .backward = stop_gradient_backward,
};

FathomLayer *
fathom_stop_gradient_layer_new (void)
{
  return fathom_layer_alloc (&stop_gradient_class, sizeof (FathomLayer));
}
