/* fathom-concat-layer.c: concatenation along the channel axis. */
#include "fathom-layer.h"

static gboolean
concat_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  *out = in[0];
  for (guint i = 1; i < n; i++)
    {
      gboolean same = in[i].ndim == in[0].ndim;

      for (guint a = 1; same && a < in[0].ndim; a++)
        same = in[i].d[a] == in[0].d[a];
      if (!same || in[0].ndim < 1)
        {
          g_autofree char *s0 = fathom_shape_to_string (&in[0]);
          g_autofree char *si = fathom_shape_to_string (&in[i]);
          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                       "%s: cannot concatenate %s and %s on the channel axis", layer->name, s0, si);
          return FALSE;
        }
      out->d[0] += in[i].d[0];
    }
  return TRUE;
}

static gboolean
concat_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_concat_forward (backend, io->n_inputs, (const FathomTensor *const *) io->x,
                                        io->y, error);
}

static gboolean
concat_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_concat_backward (backend, io->n_inputs, io->dy, io->dx, error);
}

static const FathomLayerClass concat_class = {
  .type_name = "Concatenate",
  .name_prefix = "concatenate",
  .min_inputs = 1, .max_inputs = 64,
  .backward_needs_all_dx = TRUE,
  .infer_shape = concat_infer_shape,
  .forward = concat_forward,
  .backward = concat_backward,
};

FathomLayer *
fathom_concat_layer_new (void)
{
  return fathom_layer_alloc (&concat_class, sizeof (FathomLayer));
}
