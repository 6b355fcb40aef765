/* fathom-activation-layer.c: Activation('relu' | 'sigmoid' | 'tanh'). */
#include "fathom-layer.h"

typedef struct {
  FathomLayer      parent;
  FathomActivation activation;
} FathomActivationLayer;

static gboolean
activation_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  *out = in[0];
  return TRUE;
}

static gboolean
activation_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_activation_forward (backend, ((FathomActivationLayer *) layer)->activation,
                                            io->x[0], io->y, error);
}

static gboolean
activation_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL ||
         fathom_backend_activation_backward (backend, ((FathomActivationLayer *) layer)->activation,
                                             io->y, io->dy, io->dx[0], error);
}

static const FathomLayerClass activation_class = {
  .type_name = "Activation",
  .name_prefix = "activation",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = activation_infer_shape,
  .forward = activation_forward,
  .backward = activation_backward,
};

FathomLayer *
fathom_activation_layer_new (FathomActivation activation)
{
  FathomActivationLayer *self = (FathomActivationLayer *) fathom_layer_alloc (&activation_class, sizeof *self);

  self->activation = activation;
  return &self->parent;
}

gboolean
fathom_activation_layer_get_activation (FathomLayer *layer, FathomActivation *activation)
{
  if (layer->klass != &activation_class)
    return FALSE;
  *activation = ((FathomActivationLayer *) layer)->activation;
  return TRUE;
}
