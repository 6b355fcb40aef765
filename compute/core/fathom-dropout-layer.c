/* fathom-dropout-layer.c: inverted dropout; the identity at inference. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer parent;
  float       rate;
  guint64     salt;             /* from the name, so two dropouts differ */
  FathomDropoutDesc last;       /* the mask the last forward used */
  gboolean    last_dropped;
} FathomDropoutLayer;

static gboolean
dropout_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  ((FathomDropoutLayer *) layer)->salt = g_str_hash (layer->name);
  *out = in[0];
  return TRUE;
}

static gboolean
dropout_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomDropoutLayer *self = (FathomDropoutLayer *) layer;

  self->last_dropped = io->training && self->rate > 0.f;
  if (!self->last_dropped)
    return fathom_backend_copy (backend, io->y, io->x[0], error);
  self->last = (FathomDropoutDesc) { .rate = self->rate,
                                     .seed = io->seed ^ (self->salt * G_GUINT64_CONSTANT (0x100000001B3)) };
  return fathom_backend_dropout_forward (backend, &self->last, io->x[0], io->y, error);
}

static gboolean
dropout_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomDropoutLayer *self = (FathomDropoutLayer *) layer;

  if (io->dx[0] == NULL)
    return TRUE;
  if (!self->last_dropped)
    return fathom_backend_copy (backend, io->dx[0], io->dy, error);
  return fathom_backend_dropout_backward (backend, &self->last, io->dy, io->dx[0], error);
}

static const FathomLayerClass dropout_class = {
  .type_name = "Dropout",
  .name_prefix = "dropout",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = dropout_infer_shape,
  .forward = dropout_forward,
  .backward = dropout_backward,
};

FathomLayer *
fathom_dropout_layer_new (float rate)
{
  FathomDropoutLayer *self;

  g_return_val_if_fail (rate >= 0.f && rate < 1.f, NULL);
  self = (FathomDropoutLayer *) fathom_layer_alloc (&dropout_class, sizeof *self);
  self->rate = rate;
  return &self->parent;
}
