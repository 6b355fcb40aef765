/* fathom-softmax-layer.c: Activation('softmax') over the last axis.
 *
 * A graph output that is a softmax and carries a cross-entropy loss is
 * differentiated through the fused softmax cross-entropy (fathom-graph.c);
 * this backward serves softmaxes inside a model. */
#include "fathom-layer.h"

static gboolean
softmax_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim < 1)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: softmax needs at least one axis", layer->name);
      return FALSE;
    }
  *out = in[0];
  return TRUE;
}

static gboolean
softmax_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_softmax_forward (backend, io->x[0], io->y, error);
}

static gboolean
softmax_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL || fathom_backend_softmax_backward (backend, io->y, io->dy, io->dx[0], error);
}

static const FathomLayerClass softmax_class = {
  .type_name = "Activation",
  .name_prefix = "softmax",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = softmax_infer_shape,
  .forward = softmax_forward,
  .backward = softmax_backward,
};

FathomLayer *
fathom_softmax_layer_new (void)
{
  return fathom_layer_alloc (&softmax_class, sizeof (FathomLayer));
}

gboolean
fathom_layer_is_softmax (FathomLayer *self)
{
  return self->klass == &softmax_class;
}
