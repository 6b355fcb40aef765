/* fathom-rnn-layer.c: SimpleRNN over a [T, D] sequence, every step's state
 * returned ([T, H]). The lesson's char model uses relu with an identity
 * recurrent matrix. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer         parent;
  gint64              units;
  FathomRnnDesc       desc;
  FathomRecurrentInit recurrent_init;
} FathomRnnLayer;

static gboolean
rnn_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim != 2)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: a recurrent layer needs a [T, D] input", layer->name);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[0].d[0], ((FathomRnnLayer *) layer)->units);
  return TRUE;
}

static gboolean
rnn_build (FathomLayer *layer, FathomBackend *backend, const FathomShape *in, FathomRng *rng, GError **error)
{
  FathomRnnLayer *self = (FathomRnnLayer *) layer;
  gint64 h = self->units, d = in[0].d[1];
  gint64 wx_shape[2] = { h, d }, wh_shape[2] = { h, h };
  g_autoptr(FathomTensor) wx = fathom_layer_glorot_uniform (rng, 2, wx_shape, d, h);
  g_autoptr(FathomTensor) wh = fathom_tensor_new (2, wh_shape);

  fathom_layer_fill_recurrent (wh, 0, h, self->recurrent_init, rng);
  return fathom_layer_add_param (layer, backend, "kernel", wx, 2, wx_shape, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "recurrent_kernel", wh, 2, wh_shape, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "bias", NULL, 1, &h, FALSE, error);
}

static gboolean
rnn_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomRnnLayer *self = (FathomRnnLayer *) layer;

  return fathom_backend_rnn_forward (backend, &self->desc, io->x[0], NULL,
                                     fathom_layer_value (layer, 0), fathom_layer_value (layer, 1),
                                     fathom_layer_value (layer, 2), io->y, error);
}

static gboolean
rnn_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomRnnLayer *self = (FathomRnnLayer *) layer;

  return fathom_backend_rnn_backward (backend, &self->desc, io->x[0], NULL,
                                      fathom_layer_value (layer, 0), fathom_layer_value (layer, 1),
                                      io->y, io->dy, io->dx[0], NULL,
                                      fathom_layer_grad (layer, 0), fathom_layer_grad (layer, 1),
                                      fathom_layer_grad (layer, 2), error);
}

static const FathomLayerClass rnn_class = {
  .type_name = "SimpleRNN",
  .name_prefix = "simple_rnn",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = rnn_infer_shape,
  .build = rnn_build,
  .forward = rnn_forward,
  .backward = rnn_backward,
};

FathomLayer *
fathom_rnn_layer_new (gint64 units, FathomActivation activation, FathomRecurrentInit recurrent_init)
{
  FathomRnnLayer *self;

  g_return_val_if_fail (units > 0, NULL);
  self = (FathomRnnLayer *) fathom_layer_alloc (&rnn_class, sizeof *self);
  self->units = units;
  self->desc.activation = activation;
  self->recurrent_init = recurrent_init;
  return &self->parent;
}
