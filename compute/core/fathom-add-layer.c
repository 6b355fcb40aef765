/* fathom-add-layer.c: elementwise sum (ResNet's shortcut). */
#include "fathom-layer.h"

#include <string.h>

static gboolean
add_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  for (guint i = 1; i < n; i++)
    if (in[i].ndim != in[0].ndim || memcmp (in[i].d, in[0].d, in[0].ndim * sizeof (gint64)) != 0)
      {
        g_autofree char *s0 = fathom_shape_to_string (&in[0]);
        g_autofree char *si = fathom_shape_to_string (&in[i]);
        g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                     "%s: cannot add %s and %s", layer->name, s0, si);
        return FALSE;
      }
  *out = in[0];
  return TRUE;
}

static gboolean
add_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_add_forward (backend, io->n_inputs, (const FathomTensor *const *) io->x,
                                     io->y, error);
}

static gboolean
add_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  for (guint i = 0; i < io->n_inputs; i++)
    if (io->dx[i] != NULL && !fathom_backend_copy (backend, io->dx[i], io->dy, error))
      return FALSE;
  return TRUE;
}

static const FathomLayerClass add_class = {
  .type_name = "Add",
  .name_prefix = "add",
  .min_inputs = 1, .max_inputs = 64,
  .infer_shape = add_infer_shape,
  .forward = add_forward,
  .backward = add_backward,
};

FathomLayer *
fathom_add_layer_new (void)
{
  return fathom_layer_alloc (&add_class, sizeof (FathomLayer));
}

gboolean
fathom_layer_is_add (FathomLayer *layer)
{
  return layer->klass == &add_class;
}
