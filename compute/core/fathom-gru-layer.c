/* fathom-gru-layer.c: GRU over a [T, D] sequence (reset before the matrix
 * product, as Keras and the lesson), every step's state returned. */
#include "fathom-layer.h"

#include <math.h>

typedef struct {
  FathomLayer         parent;
  gint64              units;
  FathomGruDesc       desc;
  FathomRecurrentInit recurrent_init;
  FathomTensor       *gates;    /* r, u, c of the last forward */
} FathomGruLayer;

static void
gru_finalize (FathomLayer *layer)
{
  g_clear_pointer (&((FathomGruLayer *) layer)->gates, fathom_tensor_unref);
}

static gboolean
gru_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim != 2)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: a recurrent layer needs a [T, D] input", layer->name);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[0].d[0], ((FathomGruLayer *) layer)->units);
  return TRUE;
}

static gboolean
gru_build (FathomLayer *layer, FathomBackend *backend, const FathomShape *in, FathomRng *rng, GError **error)
{
  FathomGruLayer *self = (FathomGruLayer *) layer;
  gint64 h = self->units, d = in[0].d[1], h3 = 3 * h;
  gint64 wx_shape[2] = { h3, d }, wh_shape[2] = { h3, h };
  g_autoptr(FathomTensor) wx = fathom_tensor_new (2, wx_shape);
  g_autoptr(FathomTensor) wh = fathom_tensor_new (2, wh_shape);
  float limit = (float) sqrt (6.0 / (double) (d + h));
  float *wxd = fathom_tensor_get_data (wx);

  /* Each gate's block gets its own glorot / recurrent initialisation. */
  for (gint64 i = 0; i < h3 * d; i++)
    wxd[i] = (float) (-limit + 2.0 * limit * fathom_rng_uniform (rng));
  for (int g = 0; g < 3; g++)
    fathom_layer_fill_recurrent (wh, g * h, h, self->recurrent_init, rng);
  return fathom_layer_add_param (layer, backend, "kernel", wx, 2, wx_shape, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "recurrent_kernel", wh, 2, wh_shape, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "bias", NULL, 1, &h3, FALSE, error);
}

static gboolean
gru_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomGruLayer *self = (FathomGruLayer *) layer;
  const gint64 *ys = fathom_tensor_get_shape (io->y);
  gint64 gshape[3] = { ys[0], ys[1], 3 * self->units };

  if (!fathom_layer_ensure_tensor (backend, &self->gates, 3, gshape, error))
    return FALSE;
  return fathom_backend_gru_forward (backend, &self->desc, io->x[0], NULL,
                                     fathom_layer_value (layer, 0), fathom_layer_value (layer, 1),
                                     fathom_layer_value (layer, 2), io->y, self->gates, error);
}

static gboolean
gru_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomGruLayer *self = (FathomGruLayer *) layer;

  return fathom_backend_gru_backward (backend, &self->desc, io->x[0], NULL,
                                      fathom_layer_value (layer, 0), fathom_layer_value (layer, 1),
                                      io->y, self->gates, io->dy, io->dx[0], NULL,
                                      fathom_layer_grad (layer, 0), fathom_layer_grad (layer, 1),
                                      fathom_layer_grad (layer, 2), error);
}

static const FathomLayerClass gru_class = {
  .type_name = "GRU",
  .name_prefix = "gru",
  .min_inputs = 1, .max_inputs = 1,
  .finalize = gru_finalize,
  .infer_shape = gru_infer_shape,
  .build = gru_build,
  .forward = gru_forward,
  .backward = gru_backward,
};

FathomLayer *
fathom_gru_layer_new (gint64 units, FathomActivation candidate, FathomRecurrentInit recurrent_init)
{
  FathomGruLayer *self;

  g_return_val_if_fail (units > 0, NULL);
  self = (FathomGruLayer *) fathom_layer_alloc (&gru_class, sizeof *self);
  self->units = units;
  self->desc.candidate = candidate;
  self->recurrent_init = recurrent_init;
  return &self->parent;
}
