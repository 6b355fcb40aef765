/* fathom-attention-pool-layer.c: each sample's maps averaged with its own
 * weights over the cells (fathom_backend_attention_pool_forward). Input 0
 * is the weights, P numbers a sample (a softmax over the cells of a map,
 * flattened); input 1 the values, K maps of the same P cells ([K, H, W]);
 * the output is [K]. With a one-hot weight it reads the values at one
 * cell; with a softmax it is a differentiable "where", as in a spatial
 * soft-argmax when the values are the cells' coordinates. */
#include "fathom-layer.h"

static gboolean
attention_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  gsize p = fathom_shape_get_numel (&in[0]);
  gsize kp = fathom_shape_get_numel (&in[1]);

  if (in[1].ndim < 2 || p == 0 || kp != (gsize) in[1].d[0] * p)
    {
      g_autofree char *s0 = fathom_shape_to_string (&in[0]);
      g_autofree char *s1 = fathom_shape_to_string (&in[1]);

      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: the values %s are not maps of the %" G_GSIZE_FORMAT " cells the weights %s give",
                   layer->name, s1, p, s0);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[1].d[0]);
  return TRUE;
}

static gboolean
attention_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_attention_pool_forward (backend, io->x[0], io->x[1], io->y, error);
}

static gboolean
attention_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  if (io->dx[0] == NULL && io->dx[1] == NULL)
    return TRUE;
  return fathom_backend_attention_pool_backward (backend, io->x[0], io->x[1], io->dy, io->dx[0], io->dx[1],
                                                 error);
}

static const FathomLayerClass attention_pool_class = {
  .type_name = "AttentionPool",
  .name_prefix = "attention_pool",
  .min_inputs = 2, .max_inputs = 2,
  .infer_shape = attention_infer_shape,
  .forward = attention_forward,
  .backward = attention_backward,
};

FathomLayer *
fathom_attention_pool_layer_new (void)
{
  return fathom_layer_alloc (&attention_pool_class, sizeof (FathomLayer));
}
